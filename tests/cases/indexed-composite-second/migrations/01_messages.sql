CREATE TABLE messages (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL,
    author_id bigint NOT NULL,
    created_at timestamp with time zone NOT NULL
);
-- org_id is the SECOND key column: useless for "WHERE org_id = ?" and for the FK's ON DELETE.
CREATE INDEX messages_created_at_org_id_idx ON messages (created_at, org_id);
-- author_id is the first key column of a composite index: counts.
CREATE INDEX messages_author_id_created_at_idx ON messages (author_id, created_at);
