-- Invoices. Accounting law requires keeping them for 10 years, including after
-- the customer closed their account: deleting an organization must NOT delete
-- its invoices. The invoice carries a copy of the billing identity, and
-- org_id becomes NULL when the organization is deleted.
CREATE SEQUENCE IF NOT EXISTS invoice_number_seq;

CREATE TABLE IF NOT EXISTS invoices (
    id            uuid         NOT NULL DEFAULT gen_random_uuid(),
    org_id        uuid,
    number        text         NOT NULL
        DEFAULT 'INV-' || lpad(nextval('invoice_number_seq')::text, 8, '0'),
    billing_name  varchar(200) NOT NULL,
    billing_email text         NOT NULL,
    currency      char(3)      NOT NULL DEFAULT 'EUR',
    amount_cents  bigint       NOT NULL,
    issued_at     timestamptz  NOT NULL DEFAULT now(),
    created_at    timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT invoices_pkey PRIMARY KEY (id),
    CONSTRAINT invoices_org_id_fkey FOREIGN KEY (org_id)
        REFERENCES organizations (id) ON DELETE SET NULL,
    CONSTRAINT invoices_number_key UNIQUE (number),
    CONSTRAINT invoices_number_format CHECK (number ~ '^INV-[0-9]{8}$'),
    CONSTRAINT invoices_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT invoices_amount_cents_check CHECK (amount_cents >= 0)
);

ALTER SEQUENCE invoice_number_seq OWNED BY invoices.number;

CREATE INDEX IF NOT EXISTS invoices_org_id_idx ON invoices (org_id);
