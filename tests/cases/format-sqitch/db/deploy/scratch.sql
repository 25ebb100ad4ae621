-- Deploy flipr:scratch to pg
-- No COMMIT: when psql exits, PostgreSQL rolls the open transaction back, so no table scratch
-- (which coverage would report) is left, and the next script does not run inside it.

BEGIN;

CREATE TABLE scratch (id int);
