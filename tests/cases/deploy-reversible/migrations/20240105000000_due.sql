-- migrate:up
ALTER TABLE tasks ADD COLUMN due date;
