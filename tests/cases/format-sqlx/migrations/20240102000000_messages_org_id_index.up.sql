-- no-transaction
CREATE INDEX CONCURRENTLY messages_org_id_idx ON messages (org_id);
