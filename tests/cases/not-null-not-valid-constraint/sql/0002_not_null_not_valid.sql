-- projects.name: the backfill ran, then the NOT VALID NOT NULL: no NULL is left.
UPDATE projects SET name = 'unnamed' WHERE name IS NULL;

-- PostgreSQL 18 has NOT NULL ... NOT VALID; older servers get the CHECK that does the same.
-- projects.org_id: the backfill was never run.
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 180000 THEN
        EXECUTE 'ALTER TABLE projects ADD CONSTRAINT projects_org_id_nn NOT NULL org_id NOT VALID';
        EXECUTE 'ALTER TABLE projects ADD CONSTRAINT projects_name_nn NOT NULL name NOT VALID';
    ELSE
        EXECUTE 'ALTER TABLE projects ADD CONSTRAINT projects_org_id_nn CHECK (org_id IS NOT NULL) NOT VALID';
        EXECUTE 'ALTER TABLE projects ADD CONSTRAINT projects_name_nn CHECK (name IS NOT NULL) NOT VALID';
    END IF;
END $$;
