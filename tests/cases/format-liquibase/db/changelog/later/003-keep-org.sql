--liquibase formatted sql

--changeset marge:keep-org-1 splitStatements:false
CREATE FUNCTION projects_keep_org() RETURNS trigger LANGUAGE plpgsql AS '
BEGIN
    IF NEW.org_id IS DISTINCT FROM OLD.org_id THEN
        RAISE EXCEPTION ''projects.org_id is immutable'';
    END IF;
    RETURN NEW;
END;
';
--rollback DROP FUNCTION projects_keep_org();

--changeset marge:keep-org-2 endDelimiter:GO
ALTER TABLE projects
    DROP CONSTRAINT projects_org_id_fkey,
    ADD CONSTRAINT projects_org_id_fkey FOREIGN KEY (org_id)
        REFERENCES organizations (id) ON DELETE CASCADE
GO
CREATE TRIGGER projects_keep_org BEFORE UPDATE ON projects
    FOR EACH ROW EXECUTE FUNCTION projects_keep_org()
GO
--rollback DROP TRIGGER projects_keep_org ON projects;
--rollback ALTER TABLE projects DROP CONSTRAINT projects_org_id_fkey;
