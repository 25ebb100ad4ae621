-- One membership per organization and email; a second row without an email is a duplicate
-- too (NULLS NOT DISTINCT is new in PostgreSQL 15).
CREATE TABLE members (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email text,
    UNIQUE NULLS NOT DISTINCT (org_id, email)
);
