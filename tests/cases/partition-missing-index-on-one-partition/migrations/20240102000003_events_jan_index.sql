-- no-transaction
CREATE INDEX CONCURRENTLY events_2024_01_org_id_idx ON events_2024_01 (org_id);
