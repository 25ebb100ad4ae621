-- Sleeps only when the table already exists: on the second pass.
DO $$
BEGIN
  IF to_regclass('public.organizations') IS NOT NULL THEN
    PERFORM pg_sleep(3600);
  END IF;
END $$;
CREATE TABLE IF NOT EXISTS organizations (id bigint PRIMARY KEY);
