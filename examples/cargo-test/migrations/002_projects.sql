CREATE TABLE projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name text NOT NULL
);
CREATE INDEX projects_org_id ON projects (org_id);
