-- projects.name: the backfill ran, then the NOT VALID check: no NULL is left.
UPDATE projects SET name = 'unnamed' WHERE name IS NULL;
ALTER TABLE projects ADD CONSTRAINT projects_name_not_null CHECK (name IS NOT NULL) NOT VALID;

-- projects.org_id: step one of the three-step NOT NULL, with the backfill never run.
ALTER TABLE projects ADD CONSTRAINT projects_org_id_not_null CHECK (org_id IS NOT NULL) NOT VALID;

-- events.org_id: the same on a partitioned table; only events_b holds a NULL.
ALTER TABLE events ADD CONSTRAINT events_org_id_not_null CHECK (org_id IS NOT NULL) NOT VALID;

-- tasks.org_id and notes.org_id: a trigger refuses new NULLs; tasks kept an old one.
CREATE FUNCTION org_required() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.org_id IS NULL THEN
        RAISE EXCEPTION 'org_id is required' USING ERRCODE = 'not_null_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tasks_org_required BEFORE INSERT OR UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION org_required();
CREATE TRIGGER notes_org_required BEFORE INSERT OR UPDATE ON notes
    FOR EACH ROW EXECUTE FUNCTION org_required();

-- audit.org_id: NOT VALID check on a table without a primary key.
ALTER TABLE audit ADD CONSTRAINT audit_org_id_not_null CHECK (org_id IS NOT NULL) NOT VALID;
