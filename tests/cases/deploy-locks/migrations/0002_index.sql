CREATE INDEX tasks_org ON tasks (org_id);
