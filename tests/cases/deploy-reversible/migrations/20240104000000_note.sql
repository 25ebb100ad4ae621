-- migrate:up
CREATE TRIGGER tasks_touch_insert BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE tasks ADD COLUMN note text;

-- migrate:down
ALTER TABLE tasks DROP COLUMN note;
