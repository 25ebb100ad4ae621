-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY projects_org_id_idx ON projects (org_id);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY projects_org_id_idx;
