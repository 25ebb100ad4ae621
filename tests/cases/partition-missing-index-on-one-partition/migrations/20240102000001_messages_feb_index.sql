-- no-transaction
CREATE INDEX CONCURRENTLY messages_2024_02_org_id_idx ON messages_2024_02 (org_id);
