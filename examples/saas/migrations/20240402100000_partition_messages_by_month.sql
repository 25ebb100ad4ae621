-- messages outgrew a single table: partition it by month on created_at, so
-- that old months can be detached and archived. A partitioned table's primary
-- key must contain the partition key, hence (id, created_at).
--
-- Idempotent: the conversion only runs while messages is still a plain table
-- (relkind 'r'); the partitions use IF NOT EXISTS; the copy only runs while
-- the old table is still there. Index and constraint names are kept, so that
-- re-running 20240115110000_create_messages.sql is a no-op.

-- 1. Move the plain table aside and create the partitioned one.
DO $$
BEGIN
    IF (SELECT relkind FROM pg_class WHERE oid = 'public.messages'::regclass) = 'r' THEN
        ALTER TABLE messages RENAME TO messages_unpartitioned;
        -- index names are schema-wide: free them for the new table
        ALTER TABLE messages_unpartitioned RENAME CONSTRAINT messages_pkey TO messages_unpartitioned_pkey;
        ALTER INDEX messages_org_id_idx RENAME TO messages_unpartitioned_org_id_idx;
        ALTER INDEX messages_author_member_id_idx RENAME TO messages_unpartitioned_author_member_id_idx;

        CREATE TABLE messages (
            id               uuid        NOT NULL DEFAULT gen_random_uuid(),
            org_id           uuid        NOT NULL,
            author_member_id uuid,
            body             text        NOT NULL,
            edited_at        timestamptz,
            created_at       timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT messages_pkey PRIMARY KEY (id, created_at),
            CONSTRAINT messages_org_id_fkey FOREIGN KEY (org_id)
                REFERENCES organizations (id) ON DELETE CASCADE,
            CONSTRAINT messages_author_member_id_fkey FOREIGN KEY (author_member_id)
                REFERENCES members (id) ON DELETE SET NULL,
            CONSTRAINT messages_body_not_blank CHECK (btrim(body) <> '')
        ) PARTITION BY RANGE (created_at);

        -- created on the partitioned parent: every partition, present and
        -- future, gets its own copy (and the foreign keys above, too)
        CREATE INDEX messages_org_id_idx ON messages (org_id, created_at DESC);
        CREATE INDEX messages_author_member_id_idx ON messages (author_member_id);
    END IF;
END
$$;

-- 2. Monthly partitions around today, and a default partition so that an
--    insert for a month nobody created yet is stored instead of failing.
CREATE TABLE IF NOT EXISTS messages_2024_01 PARTITION OF messages
    FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00');
CREATE TABLE IF NOT EXISTS messages_2024_02 PARTITION OF messages
    FOR VALUES FROM ('2024-02-01 00:00:00+00') TO ('2024-03-01 00:00:00+00');
CREATE TABLE IF NOT EXISTS messages_2024_03 PARTITION OF messages
    FOR VALUES FROM ('2024-03-01 00:00:00+00') TO ('2024-04-01 00:00:00+00');
CREATE TABLE IF NOT EXISTS messages_2024_04 PARTITION OF messages
    FOR VALUES FROM ('2024-04-01 00:00:00+00') TO ('2024-05-01 00:00:00+00');
CREATE TABLE IF NOT EXISTS messages_2024_05 PARTITION OF messages
    FOR VALUES FROM ('2024-05-01 00:00:00+00') TO ('2024-06-01 00:00:00+00');
CREATE TABLE IF NOT EXISTS messages_2024_06 PARTITION OF messages
    FOR VALUES FROM ('2024-06-01 00:00:00+00') TO ('2024-07-01 00:00:00+00');
CREATE TABLE IF NOT EXISTS messages_default PARTITION OF messages DEFAULT;

-- 3. Copy the rows, then drop the old table.
DO $$
BEGIN
    IF to_regclass('public.messages_unpartitioned') IS NOT NULL THEN
        INSERT INTO messages (id, org_id, author_member_id, body, edited_at, created_at)
        SELECT id, org_id, author_member_id, body, edited_at, created_at
        FROM messages_unpartitioned;
        DROP TABLE messages_unpartitioned;
    END IF;
END
$$;
