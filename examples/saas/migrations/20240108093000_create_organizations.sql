-- Tenants. Every tenant-owned row in this schema points here.
-- gen_random_uuid() is built into PostgreSQL 13+, no extension needed.
CREATE TABLE IF NOT EXISTS organizations (
    id         uuid        NOT NULL DEFAULT gen_random_uuid(),
    name       text        NOT NULL,
    slug       text        NOT NULL,
    plan       text        NOT NULL DEFAULT 'free',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organizations_pkey PRIMARY KEY (id),
    CONSTRAINT organizations_slug_key UNIQUE (slug),
    -- the slug is a subdomain: lowercase letters, digits, inner dashes
    CONSTRAINT organizations_slug_format CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
    CONSTRAINT organizations_plan_check CHECK (plan IN ('free', 'team', 'enterprise'))
);
