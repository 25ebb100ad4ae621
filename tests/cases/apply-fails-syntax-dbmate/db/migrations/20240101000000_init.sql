-- migrate:up
CREATE TABLE organizations (
    id bigint PRIMARY KEY
);

-- migrate:down
DROP TABLE organizations;
