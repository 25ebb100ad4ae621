-- Two statements in one file: one message, one implicit transaction.
CREATE TABLE audit (id bigint);
CREATE INDEX CONCURRENTLY audit_id_idx ON audit (id);
