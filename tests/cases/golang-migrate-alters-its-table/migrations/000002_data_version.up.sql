-- As goharbor/harbor does: golang-migrate's table gains a column of the application's own.
ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS data_version int;
