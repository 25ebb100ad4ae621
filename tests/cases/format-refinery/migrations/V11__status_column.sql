ALTER TABLE organizations ADD COLUMN status org_status NOT NULL DEFAULT 'archived';
