-- no-transaction
-- messages: one index per partition, no index on the parent; March is missing. sqlx sends a
-- no-transaction file as one message, where CREATE INDEX CONCURRENTLY works only alone: one
-- file per index.
CREATE INDEX CONCURRENTLY messages_2024_01_org_id_idx ON messages_2024_01 (org_id);
