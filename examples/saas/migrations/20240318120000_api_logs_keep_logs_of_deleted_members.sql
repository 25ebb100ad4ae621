-- Incident: a customer removed a former employee and their whole API audit
-- trail disappeared with them (ON DELETE CASCADE). Audit logs must survive the
-- member: the row stays, member_id becomes NULL (calls with an org API key
-- have no member either).
ALTER TABLE api_logs ALTER COLUMN member_id DROP NOT NULL;

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
        WHERE conrelid = 'public.api_logs'::regclass
          AND conname = 'api_logs_member_id_fkey'
          AND confdeltype = 'n'  -- SET NULL
    ) THEN
        ALTER TABLE api_logs DROP CONSTRAINT IF EXISTS api_logs_member_id_fkey;
        ALTER TABLE api_logs ADD CONSTRAINT api_logs_member_id_fkey FOREIGN KEY (member_id)
            REFERENCES members (id) ON DELETE SET NULL NOT VALID;
        ALTER TABLE api_logs VALIDATE CONSTRAINT api_logs_member_id_fkey;
    END IF;
END
$$;

-- The same incident showed that deleting a member scanned all of api_logs:
-- the foreign key had no index.
CREATE INDEX IF NOT EXISTS api_logs_member_id_idx ON api_logs (member_id);
