-- An extension that no PostgreSQL ships.
CREATE EXTENSION IF NOT EXISTS "no_such_extension_pg_invariants";
