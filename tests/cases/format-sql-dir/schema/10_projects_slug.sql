-- Same version as 10_projects_org_id.sql: then by name, so this one runs second.
ALTER TABLE projects ALTER COLUMN org_id SET DATA TYPE bigint;
ALTER TABLE projects ADD COLUMN slug text;
