-- Needs 2_create_invoices: version 10 runs after version 2.
ALTER TABLE invoices ADD COLUMN org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT;
CREATE INDEX invoices_org_id_idx ON invoices (org_id);
