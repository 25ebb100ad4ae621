-- Needs an ACCESS EXCLUSIVE lock, which the prepared transaction's ROW EXCLUSIVE blocks.
ALTER TABLE organizations ADD COLUMN name text;
