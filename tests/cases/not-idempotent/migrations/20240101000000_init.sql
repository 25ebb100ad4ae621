CREATE TABLE IF NOT EXISTS organizations (
    id bigint PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE IF NOT EXISTS projects (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS projects_org_id_idx ON projects (org_id);
