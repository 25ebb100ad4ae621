-- Needs projects: it must run after 20240102000000_a_projects.
CREATE INDEX projects_org_id_idx ON projects (org_id);
