-- no-transaction
CREATE INDEX CONCURRENTLY organizations_name_idx ON organizations (name);
