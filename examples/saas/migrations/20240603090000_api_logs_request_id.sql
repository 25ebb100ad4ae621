-- Correlate an API log line with the request id the customer sees in the
-- X-Request-Id response header.
--
-- api_logs is large and written to constantly. SET NOT NULL would scan the
-- table under an ACCESS EXCLUSIVE lock (every API call blocked for minutes), so
-- NOT NULL is enforced by a CHECK added NOT VALID (instant) and validated
-- separately (SHARE UPDATE EXCLUSIVE: writes keep flowing).
ALTER TABLE api_logs ADD COLUMN IF NOT EXISTS request_id uuid;
ALTER TABLE api_logs ALTER COLUMN request_id SET DEFAULT gen_random_uuid();

-- backfill the old rows (no-op when re-run)
UPDATE api_logs SET request_id = gen_random_uuid() WHERE request_id IS NULL;

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
        WHERE conrelid = 'public.api_logs'::regclass
          AND conname = 'api_logs_request_id_not_null'
    ) THEN
        ALTER TABLE api_logs ADD CONSTRAINT api_logs_request_id_not_null
            CHECK (request_id IS NOT NULL) NOT VALID;
    END IF;
END
$$;

-- validating an already valid constraint is a no-op
ALTER TABLE api_logs VALIDATE CONSTRAINT api_logs_request_id_not_null;
