ALTER TABLE tasks ADD COLUMN note text;
COMMENT ON COLUMN tasks.note IS 'free text';
