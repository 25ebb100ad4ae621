CREATE ROLE app_user;
SELECT pg_sleep(3600);
