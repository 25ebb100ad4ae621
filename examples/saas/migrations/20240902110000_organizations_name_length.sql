-- Incident: an organization renamed itself with a 2 MB string through the API
-- and the admin dashboard stopped rendering. Names are capped at 200
-- characters, like invoices.billing_name, and cannot be blank.
DO $$
BEGIN
    IF (SELECT format_type(atttypid, atttypmod) FROM pg_attribute
        WHERE attrelid = 'public.organizations'::regclass AND attname = 'name')
       <> 'character varying(200)' THEN
        ALTER TABLE organizations ALTER COLUMN name TYPE varchar(200);
    END IF;

    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
        WHERE conrelid = 'public.organizations'::regclass
          AND conname = 'organizations_name_not_blank'
    ) THEN
        ALTER TABLE organizations ADD CONSTRAINT organizations_name_not_blank
            CHECK (btrim(name) <> '');
    END IF;
END
$$;
