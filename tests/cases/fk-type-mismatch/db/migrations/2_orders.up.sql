-- integer -> bigint: accepted by PostgreSQL, but overflows at 2^31 and forces casts in joins.
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    org_id integer NOT NULL REFERENCES organizations (id)
);
-- character varying(50) -> text: accepted too.
CREATE TABLE users (
    id bigint PRIMARY KEY,
    email_domain character varying(50) REFERENCES domains (name)
);
-- identical types: fine.
CREATE TABLE invoices (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id)
);
