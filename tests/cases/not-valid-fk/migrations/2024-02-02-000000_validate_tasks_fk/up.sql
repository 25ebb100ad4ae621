-- Only the tasks FK is validated; projects_org_id_fkey stays NOT VALID.
ALTER TABLE tasks VALIDATE CONSTRAINT tasks_org_id_fkey;
