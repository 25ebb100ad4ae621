-- Deploy flipr:projects to pg (as released in v1.0)

BEGIN;

CREATE TABLE projects (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id)
);

COMMIT;
