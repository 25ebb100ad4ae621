-- no-transaction
-- messages: one index per partition, no index on the parent; March is missing.
CREATE INDEX CONCURRENTLY messages_2024_01_org_id_idx ON messages_2024_01 (org_id);
CREATE INDEX CONCURRENTLY messages_2024_02_org_id_idx ON messages_2024_02 (org_id);

-- events: the documented pattern (index ON ONLY the parent, build each partition's
-- index concurrently, attach it), but February is never attached, so the parent's
-- index stays invalid (pg_index.indisvalid = false).
CREATE INDEX events_org_id_idx ON ONLY events (org_id);
CREATE INDEX CONCURRENTLY events_2024_01_org_id_idx ON events_2024_01 (org_id);
ALTER INDEX events_org_id_idx ATTACH PARTITION events_2024_01_org_id_idx;
