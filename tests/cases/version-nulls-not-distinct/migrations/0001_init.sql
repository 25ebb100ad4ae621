CREATE TABLE organizations (
    id bigint PRIMARY KEY
);
