DROP TRIGGER IF EXISTS projects_slug_default ON projects;
DROP FUNCTION IF EXISTS project_slug_default();
ALTER TABLE projects DROP COLUMN IF EXISTS slug;
