INSERT INTO organizations VALUES (1);
INSERT INTO organizations SELECT 2 FROM pg_sleep(3600);
