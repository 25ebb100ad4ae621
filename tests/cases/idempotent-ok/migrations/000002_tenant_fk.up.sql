DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
        WHERE conrelid = 'projects'::regclass AND conname = 'projects_org_id_fkey'
    ) THEN
        ALTER TABLE projects
            ADD CONSTRAINT projects_org_id_fkey FOREIGN KEY (org_id)
            REFERENCES organizations (id) ON DELETE CASCADE NOT VALID;
    END IF;
END
$$;
ALTER TABLE projects VALIDATE CONSTRAINT projects_org_id_fkey;
CREATE INDEX IF NOT EXISTS projects_org_id_idx ON projects (org_id);
