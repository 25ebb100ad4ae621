CREATE ROLE app_user NOLOGIN;
CREATE TABLE organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
CREATE TABLE projects (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id),
  name text NOT NULL
);
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON projects TO app_user USING (org_id = current_setting('app.tenant', true)::uuid);
GRANT SELECT ON projects TO app_user;
CREATE VIEW project_list AS SELECT name FROM projects;
GRANT SELECT ON project_list TO app_user;
