-- down migration
-- The Down section first: node-pg-migrate finds each section by its marker. If it ran, the FK
-- and the trigger would be gone.
ALTER TABLE projects DROP CONSTRAINT projects_org_id_fkey;
DROP TRIGGER projects_keep_org ON projects;

-- up migration
-- 20231115000000000 is 2023-11-15 00:00:00.000 UTC: after the first, before the third.
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
);

CREATE FUNCTION projects_keep_org() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.org_id IS DISTINCT FROM OLD.org_id THEN
        RAISE EXCEPTION 'projects.org_id is immutable';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER projects_keep_org BEFORE UPDATE ON projects
    FOR EACH ROW EXECUTE FUNCTION projects_keep_org();
