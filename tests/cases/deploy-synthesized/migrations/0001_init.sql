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
-- Written by the database only (a trigger refuses every INSERT): no row can be synthesized.
CREATE TABLE audit_log (id bigint PRIMARY KEY, note text);
CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is written by the database only';
END $$;
CREATE TRIGGER audit_log_refuse BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse();
