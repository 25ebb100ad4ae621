-- migrate:up
-- No table file, and the *_org_id column has no FK: the rule catches it.
CREATE TABLE invoices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    billing_org_id bigint NOT NULL,
    amount_cents bigint NOT NULL
);
CREATE INDEX invoices_billing_org_id_idx ON invoices (billing_org_id);

-- Intentionally no FK (rows outlive their organization); the table file says so with no_fk.
-- created_at is timestamp WITHOUT time zone, but the timestamps rule is limited to other tables.
CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id bigint NOT NULL,
    action text NOT NULL,
    created_at timestamp NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_org_id_idx ON audit_log (org_id);

-- migrate:down
DROP TABLE audit_log;
DROP TABLE invoices;
