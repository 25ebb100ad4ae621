-- Fails unless the procedure filled every row.
ALTER TABLE attachments ALTER COLUMN created_at SET NOT NULL;
