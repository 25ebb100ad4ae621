-- migrate:up
ALTER TABLE projects ADD COLUMN name text NOT NULL DEFAULT 'untitled';

-- migrate:down
ALTER TABLE projects DROP COLUMN name;
