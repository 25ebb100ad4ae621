-- Needs 2_projects.sql first: fails if the files are sorted as strings.
ALTER TABLE projects ADD COLUMN org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE;
CREATE INDEX projects_org_id_idx ON projects (org_id);
