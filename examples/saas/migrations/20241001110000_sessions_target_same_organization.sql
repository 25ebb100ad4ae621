-- Pen-test finding: a support admin could open an impersonation session for
-- organization A whose target member belongs to organization B (the API
-- checked the admin, not the pair), and so read B's data under A's session.
-- The target must be a member of the session's organization: a composite
-- foreign key says so, in the database. (The admin is deliberately of
-- another organization: our own support staff.)
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'members_org_id_id_key') THEN
        ALTER TABLE members ADD CONSTRAINT members_org_id_id_key UNIQUE (org_id, id);
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint WHERE conname = 'impersonation_sessions_target_same_org_fkey'
    ) THEN
        -- NOT VALID, then VALIDATE: no long lock on the sessions table
        ALTER TABLE impersonation_sessions
            ADD CONSTRAINT impersonation_sessions_target_same_org_fkey
            FOREIGN KEY (org_id, target_member_id) REFERENCES members (org_id, id)
            ON DELETE CASCADE NOT VALID;
        ALTER TABLE impersonation_sessions
            VALIDATE CONSTRAINT impersonation_sessions_target_same_org_fkey;
    END IF;
END
$$;
