-- Deploy flipr:projects_org_index to pg
-- No BEGIN/COMMIT: CREATE INDEX CONCURRENTLY refuses a transaction block.

CREATE INDEX CONCURRENTLY projects_org_id_idx ON projects (org_id);
