-- Up Migration
-- 1700000000000 ms is 2023-11-14 22:13:20 UTC.
CREATE TYPE org_status AS ENUM ('active', 'archived');
CREATE TABLE organizations (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    status org_status NOT NULL DEFAULT 'active'
);

-- Down Migration
DROP TABLE organizations;
DROP TYPE org_status;
