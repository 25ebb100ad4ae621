-- Deploy flipr:organizations to pg

BEGIN;

CREATE TYPE org_status AS ENUM ('active');

CREATE TABLE organizations (
    id bigint PRIMARY KEY,
    name text NOT NULL
);

COMMIT;

-- Outside any transaction, as psql runs it: a value added by ALTER TYPE can be used at once
-- only once its own statement has committed.
ALTER TYPE org_status ADD VALUE 'archived';
ALTER TABLE organizations ADD COLUMN status org_status NOT NULL DEFAULT 'archived';
