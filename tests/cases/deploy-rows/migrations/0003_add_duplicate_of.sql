ALTER TABLE labels ADD COLUMN duplicate_of int;
