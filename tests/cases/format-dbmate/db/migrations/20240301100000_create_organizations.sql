-- migrate:up
CREATE TABLE organizations (
    id bigint PRIMARY KEY,
    name text NOT NULL
);

-- migrate:down
DROP TABLE organizations;
