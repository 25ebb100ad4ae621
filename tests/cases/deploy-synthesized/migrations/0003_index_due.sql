CREATE INDEX projects_due ON projects (due);
