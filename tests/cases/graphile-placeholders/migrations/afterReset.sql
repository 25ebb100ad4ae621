-- Run by `graphile-migrate reset` before the committed migrations: the schema they use.
CREATE SCHEMA app;
COMMENT ON DATABASE :DATABASE_NAME IS 'built by :APP_TABLESPACE_NOTE';
