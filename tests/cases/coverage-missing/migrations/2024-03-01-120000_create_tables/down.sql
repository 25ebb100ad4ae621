DROP SCHEMA audit CASCADE;
DROP TABLE events, projects_backup, tasks, projects, organizations;
