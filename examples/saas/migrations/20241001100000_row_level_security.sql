-- The API now talks to the database directly (PostgREST, as the role
-- `authenticated`): tenant isolation moves from the application into row level
-- security. A user sees, and writes, the rows of the organizations they are a
-- member of.

-- SECURITY DEFINER: a policy on members that read members would recurse. The
-- search path is pinned so that nobody can shadow `members`.
CREATE OR REPLACE FUNCTION public.my_org_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT org_id FROM members WHERE user_id = auth.uid()
$$;
REVOKE EXECUTE ON FUNCTION public.my_org_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.my_org_ids() TO authenticated;

GRANT SELECT, INSERT, UPDATE, DELETE ON
    organizations, members, messages, api_logs, impersonation_sessions, events,
    cross_tenant_grants, invoices
TO authenticated;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO authenticated;

-- Every table with an org_id: the same policy, for every command (USING is
-- also the WITH CHECK of INSERT and UPDATE, so a row cannot be written into,
-- nor moved to, another organization).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['members', 'messages', 'api_logs', 'impersonation_sessions', 'events', 'invoices']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_members ON %I', t);
        EXECUTE format(
            'CREATE POLICY tenant_members ON %I TO authenticated '
            'USING (org_id IN (SELECT public.my_org_ids())) '
            'WITH CHECK (org_id IN (SELECT public.my_org_ids()))', t);
    END LOOP;
END
$$;

-- Organizations: members see their own.
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS member_of ON organizations;
CREATE POLICY member_of ON organizations FOR SELECT TO authenticated
    USING (id IN (SELECT public.my_org_ids()));

-- Grants: both parties see them; only the grantor gives or revokes them.
ALTER TABLE cross_tenant_grants ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS parties ON cross_tenant_grants;
CREATE POLICY parties ON cross_tenant_grants FOR SELECT TO authenticated
    USING (grantor_org_id IN (SELECT public.my_org_ids())
        OR grantee_org_id IN (SELECT public.my_org_ids()));
DROP POLICY IF EXISTS grantor ON cross_tenant_grants;
CREATE POLICY grantor ON cross_tenant_grants TO authenticated
    USING (grantor_org_id IN (SELECT public.my_org_ids()))
    WITH CHECK (grantor_org_id IN (SELECT public.my_org_ids()));
