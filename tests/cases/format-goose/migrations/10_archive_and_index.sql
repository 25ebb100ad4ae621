-- Version 10 runs after 2 (numeric order): before it, projects does not exist.
-- +goose NO TRANSACTION
-- +goose Up
ALTER TYPE org_status ADD VALUE 'archived';
-- In a transaction this use of the new value fails (unsafe use of new value).
ALTER TABLE organizations ADD COLUMN status org_status NOT NULL DEFAULT 'archived';
CREATE INDEX CONCURRENTLY projects_org_id_idx ON projects (org_id);

-- +goose Down
DROP INDEX CONCURRENTLY projects_org_id_idx;
ALTER TABLE organizations DROP COLUMN status;
