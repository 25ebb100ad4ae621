CREATE TABLE projects (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE INDEX projects_org_id_idx ON projects (org_id);
