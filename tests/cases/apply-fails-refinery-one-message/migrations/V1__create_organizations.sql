CREATE TYPE org_status AS ENUM ('active');
CREATE TABLE organizations (
    id bigint PRIMARY KEY,
    name text NOT NULL
);
