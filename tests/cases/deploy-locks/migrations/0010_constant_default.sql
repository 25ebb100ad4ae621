ALTER TABLE tasks ADD COLUMN status text NOT NULL DEFAULT 'open';
