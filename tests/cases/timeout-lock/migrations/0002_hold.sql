BEGIN;
INSERT INTO organizations VALUES (1);
PREPARE TRANSACTION 'pg_invariants_hold';
