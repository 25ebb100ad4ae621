-- migrate:up
CREATE TABLE projects (
    id bigint PRIMARY KEY
);

ALTER TABLE projects
    ADD COLUMN org_id bigint NOT NULL,
    ADD COLUMN name text NOT NULL,,
    ADD COLUMN created_at timestamp with time zone;

-- migrate:down
DROP TABLE projects;
