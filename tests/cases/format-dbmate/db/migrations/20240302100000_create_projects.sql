-- migrate:up
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE INDEX projects_org_id_idx ON projects (org_id);

-- migrate:down
DROP INDEX projects_org_id_idx;
ALTER TABLE projects DROP CONSTRAINT projects_org_id_fkey;
ALTER TABLE projects RENAME TO projects_dropped;
