-- Up Migration
-- 1700100000000 ms is 2023-11-16 02:13:20 UTC: it runs last. By number (or by name) it would
-- run before 20231115000000000, before projects exists.
CREATE INDEX projects_org_id_idx ON projects (org_id);

-- Down Migration
DROP INDEX projects_org_id_idx;
