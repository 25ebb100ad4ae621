-- Revert flipr:projects from pg: never run by a deploy.
BEGIN;
DROP TRIGGER projects_keep_org ON projects;
ALTER TABLE projects DROP CONSTRAINT projects_org_id_fkey;
COMMIT;
