CREATE TABLE organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE projects (
    id bigserial PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organizations (id),
    name text,
    parent_id bigint REFERENCES projects (id),
    due date
);
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY by_org ON projects USING (org_id = current_setting('app.org_id', true)::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON projects TO app_user;
