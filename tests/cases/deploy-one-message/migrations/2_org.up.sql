ALTER TABLE tasks ADD COLUMN org_id int;
CREATE INDEX tasks_org ON tasks (org_id);
