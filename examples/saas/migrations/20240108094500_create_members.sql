-- Users of an organization. A person in two organizations has two members.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' AND t.typname = 'member_role'
    ) THEN
        CREATE TYPE member_role AS ENUM ('owner', 'admin', 'member');
    END IF;
END
$$;

CREATE TABLE IF NOT EXISTS members (
    id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    org_id       uuid        NOT NULL,
    email        text        NOT NULL,
    display_name text,
    role         member_role NOT NULL DEFAULT 'member',
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT members_pkey PRIMARY KEY (id),
    CONSTRAINT members_org_id_fkey FOREIGN KEY (org_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    -- also the index behind the org_id foreign key: org_id is its first column
    CONSTRAINT members_org_id_email_key UNIQUE (org_id, email),
    -- no citext in core PostgreSQL: emails are stored lowercased, and this says so
    CONSTRAINT members_email_lowercase CHECK (email = lower(email)),
    CONSTRAINT members_email_format CHECK (position('@' IN email) > 1)
);
