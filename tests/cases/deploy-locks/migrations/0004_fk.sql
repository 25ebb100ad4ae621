ALTER TABLE tasks ADD CONSTRAINT tasks_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id);
