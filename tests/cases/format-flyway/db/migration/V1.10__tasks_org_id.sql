-- Needs V1.2 (tasks): runs after it because 10 > 2.
ALTER TABLE tasks ADD COLUMN org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE;
CREATE INDEX tasks_org_id_idx ON tasks (org_id);
