ALTER TABLE tasks ADD CONSTRAINT tasks_owner_fk FOREIGN KEY (owner_org) REFERENCES organizations (id) NOT VALID;
