-- refinery:noTransaction
-- Alone in its file, outside a transaction: built concurrently. In a transaction it fails.
CREATE INDEX CONCURRENTLY projects_org_id_idx ON projects (org_id);
