CREATE TABLE organizations (
    id bigint PRIMARY KEY
);
CREATE TABLE messages (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id),
    author_id bigint,
    body text
);
CREATE TABLE ghosts (
    id bigint PRIMARY KEY
);
