CREATE TABLE users (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL,
    project_id bigint,
    email text NOT NULL,
    slug text NOT NULL UNIQUE,
    deleted_at timestamp with time zone
);
-- partial: only live rows
CREATE INDEX users_org_id_live_idx ON users (org_id) WHERE deleted_at IS NULL;
-- expression: lower(email), not email
CREATE INDEX users_lower_email_idx ON users (lower(email));
-- plain
CREATE INDEX users_project_id_idx ON users (project_id);
