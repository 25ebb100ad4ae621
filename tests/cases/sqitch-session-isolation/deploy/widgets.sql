-- Deploy iso:widgets to pg
-- A new session: search_path is the server's default again, so this lands in public.
BEGIN;
CREATE TABLE widgets (id bigint PRIMARY KEY, name text NOT NULL);
COMMIT;
