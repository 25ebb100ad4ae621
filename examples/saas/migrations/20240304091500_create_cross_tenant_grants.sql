-- An organization lets another organization read some of its data
-- (an agency working for a client, a parent company, ...).
CREATE TABLE IF NOT EXISTS cross_tenant_grants (
    id                   uuid        NOT NULL DEFAULT gen_random_uuid(),
    grantor_org_id       uuid        NOT NULL,
    grantee_org_id       uuid        NOT NULL,
    scope                text        NOT NULL,
    granted_by_member_id uuid,
    expires_at           timestamptz,
    revoked_at           timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cross_tenant_grants_pkey PRIMARY KEY (id),
    CONSTRAINT cross_tenant_grants_grantor_org_id_fkey FOREIGN KEY (grantor_org_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT cross_tenant_grants_grantee_org_id_fkey FOREIGN KEY (grantee_org_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT cross_tenant_grants_granted_by_member_id_fkey FOREIGN KEY (granted_by_member_id)
        REFERENCES members (id) ON DELETE SET NULL,
    CONSTRAINT cross_tenant_grants_not_self CHECK (grantor_org_id <> grantee_org_id),
    CONSTRAINT cross_tenant_grants_scope_check
        CHECK (scope IN ('messages:read', 'events:read', 'api_logs:read')),
    -- also the index behind grantor_org_id
    CONSTRAINT cross_tenant_grants_grantor_grantee_scope_key
        UNIQUE (grantor_org_id, grantee_org_id, scope)
);

-- "what may this organization see?" and the grantee foreign key
CREATE INDEX IF NOT EXISTS cross_tenant_grants_grantee_org_id_idx
    ON cross_tenant_grants (grantee_org_id);
-- deleting a member must not scan the grants to SET NULL their references
CREATE INDEX IF NOT EXISTS cross_tenant_grants_granted_by_member_id_idx
    ON cross_tenant_grants (granted_by_member_id);
