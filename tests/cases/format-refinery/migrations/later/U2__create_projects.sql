-- Unversioned, in a subdirectory: refinery still runs it, in its place (n = 2) on a fresh
-- database. Read as Flyway, U2 would be an undo file and never run.
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
