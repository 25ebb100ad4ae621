-- refinery:noTransaction
-- refinery sends this file as ONE simple-query message (`batch_execute`): its statements share
-- PostgreSQL's implicit transaction, in which a new enum value cannot be used yet.
ALTER TYPE org_status ADD VALUE 'archived';
ALTER TABLE organizations ADD COLUMN status org_status NOT NULL DEFAULT 'archived';
