CREATE TABLE organizations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid()
);
-- Tenant-first primary key: (org_id, id).
CREATE TABLE documents (
    org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    title text NOT NULL,
    PRIMARY KEY (org_id, id)
);
