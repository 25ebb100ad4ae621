ALTER TABLE projects ADD COLUMN IF NOT EXISTS slug text;
UPDATE projects SET slug = lower(name) WHERE slug IS NULL;
CREATE OR REPLACE FUNCTION project_slug_default() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.slug := coalesce(NEW.slug, lower(NEW.name));
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS projects_slug_default ON projects;
CREATE TRIGGER projects_slug_default BEFORE INSERT ON projects
    FOR EACH ROW EXECUTE FUNCTION project_slug_default();
