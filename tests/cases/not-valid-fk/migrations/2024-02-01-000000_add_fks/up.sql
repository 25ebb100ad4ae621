ALTER TABLE projects
    ADD CONSTRAINT projects_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations (id) NOT VALID;
ALTER TABLE tasks
    ADD CONSTRAINT tasks_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations (id) NOT VALID;
