--liquibase formatted sql

--changeset marge:organizations-1
--comment: organizations and their status
CREATE TYPE org_status AS ENUM ('active');
CREATE TABLE organizations (
    id bigint PRIMARY KEY,
    name text NOT NULL
);
--rollback DROP TABLE organizations;
--rollback DROP TYPE org_status;

--changeset marge:organizations-2 runInTransaction:false
-- Outside a transaction: the new value is usable once ADD VALUE has committed.
ALTER TYPE org_status ADD VALUE 'archived';
ALTER TABLE organizations ADD COLUMN status org_status NOT NULL DEFAULT 'archived';
--rollback ALTER TABLE organizations DROP COLUMN status;
