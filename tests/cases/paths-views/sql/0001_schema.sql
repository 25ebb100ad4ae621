CREATE ROLE app_user NOLOGIN;
CREATE ROLE web_anon NOLOGIN;
CREATE TABLE organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE projects (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL
);
CREATE TABLE plans (id int PRIMARY KEY, name text NOT NULL);
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON projects TO app_user
  USING (org_id = current_setting('app.tenant', true)::uuid)
  WITH CHECK (org_id = current_setting('app.tenant', true)::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON projects TO app_user;
GRANT SELECT ON organizations, plans TO app_user;

-- A plain view runs with its owner's (the superuser's) rights: every tenant's projects.
CREATE VIEW project_list AS SELECT id, org_id, name FROM projects;
-- The same with security_invoker: the policy applies to the role that reads it.
CREATE VIEW project_list_invoker WITH (security_invoker = true) AS SELECT id, org_id, name FROM projects;
-- A per-tenant aggregate: counts of every tenant.
CREATE VIEW project_counts AS SELECT org_id, count(*) AS projects FROM projects GROUP BY org_id;
CREATE VIEW project_counts_invoker WITH (security_invoker = true) AS
  SELECT org_id, count(*) AS projects FROM projects GROUP BY org_id;
-- A view over a view: still the superuser's rights underneath.
CREATE VIEW project_names AS SELECT name FROM project_list;
-- A materialized view holds what its owner's query saw.
CREATE MATERIALIZED VIEW project_totals AS SELECT org_id, count(*) AS projects FROM projects GROUP BY org_id;
-- Shared on purpose (in `shared`), not readable, and over no tenant table.
CREATE VIEW org_directory AS SELECT o.name, count(p.id) AS projects FROM organizations o LEFT JOIN projects p ON p.org_id = o.id GROUP BY o.name;
CREATE VIEW project_audit AS SELECT * FROM projects;
CREATE VIEW plan_list AS SELECT * FROM plans;
GRANT SELECT ON project_list, project_list_invoker, project_counts, project_counts_invoker,
  project_names, project_totals, org_directory, plan_list TO app_user;
-- Volatile columns in a correct view: clock_timestamp() and random() differ between any two
-- reads, yet depend on no tenant's rows.
CREATE VIEW project_seen WITH (security_invoker = true) AS
  SELECT id, name, clock_timestamp() AS seen_at, random() AS draw FROM projects;
-- ... and in a leaking one: the rows of B still show.
CREATE VIEW project_seen_leak AS
  SELECT id, name, clock_timestamp() AS seen_at, gen_random_uuid() AS token FROM projects;
GRANT SELECT ON project_seen, project_seen_leak TO app_user;
-- The anonymous role: the tables' policy is for app_user only.
GRANT SELECT ON projects, project_list, project_list_invoker TO web_anon;
