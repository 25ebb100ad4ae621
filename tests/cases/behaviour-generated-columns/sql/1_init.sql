CREATE TABLE tenants (id text PRIMARY KEY);
-- kestra's flows: key, deleted and revision are generated from the jsonb document.
CREATE TABLE flows (
  key varchar(250) NOT NULL GENERATED ALWAYS AS (value ->> 'id') STORED,
  deleted bool NOT NULL GENERATED ALWAYS AS ((value ->> 'deleted')::bool) STORED,
  revision integer NOT NULL GENERATED ALWAYS AS ((value ->> 'revision')::integer) STORED,
  value jsonb NOT NULL,
  tenant_id text NOT NULL REFERENCES tenants (id),
  PRIMARY KEY (key)
);
-- A foreign key to a generated column: a fresh key is a new document.
CREATE TABLE executions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  flow_key varchar(250) NOT NULL REFERENCES flows (key)
);
-- Only a document with "s": "on" makes status non-NULL: the [sample] of doc decides it.
CREATE TABLE switches (
  id bigint PRIMARY KEY,
  status text NOT NULL GENERATED ALWAYS AS (CASE WHEN doc ->> 's' = 'on' THEN 'on' END) STORED,
  doc jsonb NOT NULL,
  tenant_id text NOT NULL REFERENCES tenants (id)
);
