-- events: the documented pattern (index ON ONLY the parent, build each partition's
-- index concurrently, attach it), but February is never attached, so the parent's
-- index stays invalid (pg_index.indisvalid = false).
CREATE INDEX events_org_id_idx ON ONLY events (org_id);
