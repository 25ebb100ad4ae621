CREATE TABLE organizations (
    id bigint PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE domains (
    name text PRIMARY KEY
);
