-- Chat messages inside an organization (plain table for now; see
-- 20240402100000_partition_messages_by_month.sql).
CREATE TABLE IF NOT EXISTS messages (
    id               uuid        NOT NULL DEFAULT gen_random_uuid(),
    org_id           uuid        NOT NULL,
    author_member_id uuid,
    body             text        NOT NULL,
    edited_at        timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT messages_pkey PRIMARY KEY (id),
    CONSTRAINT messages_org_id_fkey FOREIGN KEY (org_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    -- a member who leaves keeps their messages in the history, as "former member"
    CONSTRAINT messages_author_member_id_fkey FOREIGN KEY (author_member_id)
        REFERENCES members (id) ON DELETE SET NULL,
    CONSTRAINT messages_body_not_blank CHECK (btrim(body) <> '')
);

-- the inbox query: messages of one organization, newest first
CREATE INDEX IF NOT EXISTS messages_org_id_idx ON messages (org_id, created_at DESC);
CREATE INDEX IF NOT EXISTS messages_author_member_id_idx ON messages (author_member_id);
