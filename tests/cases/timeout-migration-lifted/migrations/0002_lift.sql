SET statement_timeout = 0;
SET LOCAL statement_timeout = 0;
INSERT INTO organizations VALUES (1);
SELECT pg_sleep(3);
