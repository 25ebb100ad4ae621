ALTER TABLE tasks ADD COLUMN priority int;
UPDATE tasks SET priority = 1;
