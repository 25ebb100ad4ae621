CREATE TABLE organizations (
    id bigint PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name text NOT NULL
);
