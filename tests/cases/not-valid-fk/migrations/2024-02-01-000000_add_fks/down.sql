ALTER TABLE tasks DROP CONSTRAINT tasks_org_id_fkey;
ALTER TABLE projects DROP CONSTRAINT projects_org_id_fkey;
