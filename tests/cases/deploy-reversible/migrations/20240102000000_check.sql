-- migrate:up
ALTER TABLE tasks ADD CONSTRAINT title_short CHECK (length(title) < 200) NOT VALID;

-- migrate:down
-- Forgot the constraint.
SELECT 1;
