ALTER TABLE messages ADD COLUMN author text NOT NULL DEFAULT 'system';
