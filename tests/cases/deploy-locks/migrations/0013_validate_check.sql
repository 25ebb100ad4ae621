ALTER TABLE tasks VALIDATE CONSTRAINT tasks_org_present;
