-- Deploy flipr:projects to pg (reworked after v1.0: runs after the v1.0 instance)

BEGIN;

ALTER TABLE projects
    DROP CONSTRAINT IF EXISTS projects_org_id_fkey,
    ADD CONSTRAINT projects_org_id_fkey FOREIGN KEY (org_id)
        REFERENCES organizations (id) ON DELETE CASCADE;

CREATE OR REPLACE FUNCTION projects_keep_org() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.org_id IS DISTINCT FROM OLD.org_id THEN
        RAISE EXCEPTION 'projects.org_id is immutable';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER projects_keep_org BEFORE UPDATE ON projects
    FOR EACH ROW EXECUTE FUNCTION projects_keep_org();

COMMIT;
