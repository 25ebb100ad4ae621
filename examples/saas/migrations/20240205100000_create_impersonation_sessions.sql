-- Support staff ("support" members of our own organization) may act as a
-- customer's member for a limited time, with a reason. Every session is kept.
ALTER TYPE member_role ADD VALUE IF NOT EXISTS 'support';

CREATE TABLE IF NOT EXISTS impersonation_sessions (
    id               uuid        NOT NULL DEFAULT gen_random_uuid(),
    -- the organization whose data is being accessed (the target's organization)
    org_id           uuid        NOT NULL,
    admin_member_id  uuid        NOT NULL,
    target_member_id uuid        NOT NULL,
    reason           text        NOT NULL,
    started_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    ended_at         timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT impersonation_sessions_pkey PRIMARY KEY (id),
    CONSTRAINT impersonation_sessions_org_id_fkey FOREIGN KEY (org_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    -- NO ACTION, not RESTRICT: a support admin with sessions cannot be deleted
    -- on their own, but deleting a whole organization (which cascades to its
    -- sessions in the same statement) still works, because NO ACTION is
    -- checked at the end of the statement.
    CONSTRAINT impersonation_sessions_admin_member_id_fkey FOREIGN KEY (admin_member_id)
        REFERENCES members (id) ON DELETE NO ACTION,
    CONSTRAINT impersonation_sessions_target_member_id_fkey FOREIGN KEY (target_member_id)
        REFERENCES members (id) ON DELETE CASCADE,
    CONSTRAINT impersonation_sessions_not_self CHECK (admin_member_id <> target_member_id),
    CONSTRAINT impersonation_sessions_reason_check CHECK (length(btrim(reason)) >= 10),
    CONSTRAINT impersonation_sessions_window CHECK (
        expires_at > started_at AND expires_at <= started_at + interval '4 hours'
    ),
    CONSTRAINT impersonation_sessions_ended_check CHECK (ended_at IS NULL OR ended_at >= started_at)
);

CREATE INDEX IF NOT EXISTS impersonation_sessions_org_id_started_at_idx
    ON impersonation_sessions (org_id, started_at DESC);
CREATE INDEX IF NOT EXISTS impersonation_sessions_admin_member_id_idx
    ON impersonation_sessions (admin_member_id);
CREATE INDEX IF NOT EXISTS impersonation_sessions_target_member_id_idx
    ON impersonation_sessions (target_member_id);
