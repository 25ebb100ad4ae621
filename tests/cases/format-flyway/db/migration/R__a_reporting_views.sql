-- Repeatable: runs after every versioned migration (needs tasks.done from V2).
CREATE SCHEMA IF NOT EXISTS reporting;
CREATE OR REPLACE VIEW reporting.open_tasks AS
    SELECT id, org_id, project_id FROM tasks WHERE NOT done;
