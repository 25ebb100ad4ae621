-- Deploy shop:organizations to pg
BEGIN;
CREATE TABLE organizations (id bigint PRIMARY KEY);
COMMIT;
