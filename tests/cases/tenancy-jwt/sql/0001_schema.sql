CREATE TABLE organizations (
    id   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL
);
CREATE TABLE members (
    org_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    PRIMARY KEY (org_id, user_id)
);
-- Leaks: a user sees only their own memberships, but may write any membership of their own,
-- so joins any organization (INSERT of tenant B's row with the principal's own user_id).
ALTER TABLE members ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON members TO authenticated
    USING (user_id = auth.uid()) WITH CHECK (user_id = auth.uid());
GRANT USAGE ON SCHEMA public TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO authenticated;

-- Correct, membership-based; the author is whoever makes the request (a trigger reads auth.uid()).
CREATE TABLE projects (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_by uuid NOT NULL REFERENCES auth.users (id),
    name       text NOT NULL
);
CREATE FUNCTION set_created_by() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.created_by := auth.uid();
  RETURN NEW;
END
$$;
CREATE TRIGGER projects_created_by BEFORE INSERT ON projects
    FOR EACH ROW EXECUTE FUNCTION set_created_by();
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_only ON projects TO authenticated
    USING (org_id IN (SELECT org_id FROM members WHERE user_id = auth.uid()))
    WITH CHECK (org_id IN (SELECT org_id FROM members WHERE user_id = auth.uid()));

-- Correct, from the JWT's app_metadata claim.
CREATE TABLE labels (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name   text NOT NULL
);
ALTER TABLE labels ENABLE ROW LEVEL SECURITY;
CREATE POLICY claim ON labels FOR ALL TO authenticated
    USING (org_id = (auth.jwt() -> 'app_metadata' ->> 'org_id')::uuid)
    WITH CHECK (org_id = (auth.jwt() -> 'app_metadata' ->> 'org_id')::uuid);

-- Leaks: a read policy that lets everything through, beside a correct one (permissive policies OR).
CREATE TABLE documents (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    body   text
);
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_only ON documents TO authenticated
    USING (org_id IN (SELECT org_id FROM members WHERE user_id = auth.uid()));
CREATE POLICY public_read ON documents FOR SELECT TO authenticated USING (true);

-- Leaks: no row level security at all.
CREATE TABLE notes (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    body   text
);

-- Leaks: the INSERT policy has no real WITH CHECK.
CREATE TABLE invoices (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    amount numeric NOT NULL
);
ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_own ON invoices FOR SELECT TO authenticated
    USING (org_id IN (SELECT org_id FROM members WHERE user_id = auth.uid()));
CREATE POLICY change_own ON invoices FOR UPDATE TO authenticated
    USING (org_id IN (SELECT org_id FROM members WHERE user_id = auth.uid()));
CREATE POLICY delete_own ON invoices FOR DELETE TO authenticated
    USING (org_id IN (SELECT org_id FROM members WHERE user_id = auth.uid()));
CREATE POLICY create_any ON invoices FOR INSERT TO authenticated WITH CHECK (auth.uid() IS NOT NULL);

-- Isolates nothing useful: the policy filters the billing organization, not the tenant.
CREATE TABLE payments (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id         uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    billing_org_id uuid NOT NULL REFERENCES organizations (id)
);
ALTER TABLE payments ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_only ON payments TO authenticated
    USING (billing_org_id IN (SELECT org_id FROM members WHERE user_id = auth.uid()))
    WITH CHECK (billing_org_id IN (SELECT org_id FROM members WHERE user_id = auth.uid()));

-- Denies everything: nothing leaks, and nothing works.
CREATE TABLE secrets (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
);
ALTER TABLE secrets ENABLE ROW LEVEL SECURITY;
CREATE POLICY nothing ON secrets TO authenticated USING (false) WITH CHECK (false);

-- A policy only for another role.
CREATE ROLE service NOLOGIN;
CREATE TABLE audit (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
);
ALTER TABLE audit ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_only ON audit TO service USING (true);
