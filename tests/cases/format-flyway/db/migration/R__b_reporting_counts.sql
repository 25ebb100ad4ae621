-- Repeatable, after R__a_reporting_views.sql (name order): uses its view.
CREATE OR REPLACE VIEW reporting.open_task_counts AS
    SELECT org_id, count(*) AS open_tasks FROM reporting.open_tasks GROUP BY org_id;
