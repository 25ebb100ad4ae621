-- Pinned messages. A constant default: PostgreSQL 11+ stores it once and rewrites no row, so
-- the deploy does not block writes to messages (`[upgrade] new = 1` in pg-invariants.toml
-- proves it against the deployed rows: migrations::<this file>::locks).
ALTER TABLE messages ADD COLUMN IF NOT EXISTS pinned boolean NOT NULL DEFAULT false;
