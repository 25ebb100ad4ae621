-- A backfill that never ends.
INSERT INTO organizations VALUES (1);
  SELECT pg_sleep(3600);
