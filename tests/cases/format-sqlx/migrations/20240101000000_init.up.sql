CREATE TABLE organizations (
    id bigint PRIMARY KEY
);
CREATE TABLE messages (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    body text NOT NULL
);
