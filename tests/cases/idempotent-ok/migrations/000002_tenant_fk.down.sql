ALTER TABLE projects DROP CONSTRAINT IF EXISTS projects_org_id_fkey;
