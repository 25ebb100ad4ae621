-- Audit log for organizations.

CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    action text NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_org_id_idx ON audit_log (org_id);
