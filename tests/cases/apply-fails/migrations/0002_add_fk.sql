-- Add the tenant FK.
CREATE INDEX projects_org_id_idx ON projects (org_id);
ALTER TABLE projects ADD CONSTRAINT projects_org_id_fkey FOREIGN KEY (org_id) REFERENCES organisations (id);
