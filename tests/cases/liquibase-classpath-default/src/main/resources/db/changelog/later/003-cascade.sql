--liquibase formatted sql

--changeset dev:cascade
ALTER TABLE projects DROP CONSTRAINT projects_org_id_fkey;
ALTER TABLE projects ADD CONSTRAINT projects_org_id_fkey
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE;
CREATE INDEX projects_org_id_idx ON projects (org_id);
