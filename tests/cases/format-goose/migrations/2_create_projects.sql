-- +goose Up
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
);

-- +goose StatementBegin
CREATE FUNCTION projects_keep_org() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.org_id IS DISTINCT FROM OLD.org_id THEN
        RAISE EXCEPTION 'projects.org_id is immutable';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER projects_keep_org BEFORE UPDATE ON projects
    FOR EACH ROW EXECUTE FUNCTION projects_keep_org();

-- +goose Down
-- +goose StatementBegin
DROP TRIGGER projects_keep_org ON projects;
DROP FUNCTION projects_keep_org();
-- +goose StatementEnd
ALTER TABLE projects DROP CONSTRAINT projects_org_id_fkey;
