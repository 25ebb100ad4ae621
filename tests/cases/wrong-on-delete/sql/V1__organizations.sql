CREATE TABLE organizations (
    id bigint PRIMARY KEY
);
INSERT INTO organizations (id) VALUES (0);
