ALTER TABLE tasks ALTER COLUMN points TYPE bigint;
