-- Abandoned, excluded by `exclude = ["*_abandoned_*"]`. If it ran, projects.org_id would be
-- gone (renamed) and the chain would break the invariants.
ALTER TABLE projects RENAME COLUMN org_id TO organization_id;
ALTER TABLE projects DROP CONSTRAINT projects_org_id_fkey;
