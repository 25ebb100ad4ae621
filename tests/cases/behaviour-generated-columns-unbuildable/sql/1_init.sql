CREATE TABLE tenants (id text PRIMARY KEY);
-- tenant_id has no foreign key.
CREATE TABLE flows (
  key varchar(250) NOT NULL GENERATED ALWAYS AS (value ->> 'id') STORED,
  deleted bool NOT NULL GENERATED ALWAYS AS ((value ->> 'deleted')::bool) STORED,
  value jsonb NOT NULL,
  tenant_id text NOT NULL,
  PRIMARY KEY (key)
);
-- Only a document with "s": "on" makes status non-NULL, and no [sample] says so.
CREATE TABLE switches (
  id bigint PRIMARY KEY,
  status text NOT NULL GENERATED ALWAYS AS (CASE WHEN doc ->> 's' = 'on' THEN 'on' END) STORED,
  doc jsonb NOT NULL,
  tenant_id text NOT NULL REFERENCES tenants (id)
);
-- A [sample] is given for key, which no INSERT writes.
CREATE TABLE pages (
  key text PRIMARY KEY GENERATED ALWAYS AS (value ->> 'id') STORED,
  value jsonb NOT NULL,
  tenant_id text NOT NULL REFERENCES tenants (id)
);
