-- atlas:txmode none

-- Outside a transaction: the new enum value can be used at once, and the index built
-- concurrently. In a transaction both fail.
ALTER TYPE org_status ADD VALUE 'archived';
ALTER TABLE organizations ADD COLUMN status org_status NOT NULL DEFAULT 'archived';
CREATE INDEX CONCURRENTLY projects_org_id_idx ON projects (org_id);
