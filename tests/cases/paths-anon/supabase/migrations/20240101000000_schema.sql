CREATE TABLE organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE members (
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  PRIMARY KEY (org_id, user_id)
);
CREATE TABLE projects (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL
);
CREATE TABLE pages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  title text NOT NULL
);
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE members ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE pages ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON members FOR SELECT TO authenticated USING (user_id = auth.uid());
CREATE POLICY orgs ON organizations TO authenticated
  USING (id IN (SELECT m.org_id FROM members m WHERE m.user_id = auth.uid()));
CREATE POLICY tenant ON projects TO authenticated
  USING (org_id IN (SELECT m.org_id FROM members m WHERE m.user_id = auth.uid()))
  WITH CHECK (org_id IN (SELECT m.org_id FROM members m WHERE m.user_id = auth.uid()));
-- Meant as "members read their organization's pages", written for everyone.
CREATE POLICY read_pages ON pages FOR SELECT TO public USING (true);
CREATE POLICY write_pages ON pages FOR INSERT TO authenticated
  WITH CHECK (org_id IN (SELECT m.org_id FROM members m WHERE m.user_id = auth.uid()));

-- An RPC for a dashboard: project counts per organization, no membership check; Supabase's
-- default privileges let anon and authenticated execute it.
CREATE FUNCTION project_stats() RETURNS TABLE (org_id uuid, projects bigint)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  SELECT org_id, count(*) FROM projects GROUP BY org_id
$$;
-- Its twin: only the caller's organizations, and not for anon.
CREATE FUNCTION my_project_stats() RETURNS TABLE (org_id uuid, projects bigint)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  SELECT p.org_id, count(*) FROM projects p
  WHERE p.org_id IN (SELECT m.org_id FROM members m WHERE m.user_id = auth.uid())
  GROUP BY p.org_id
$$;
REVOKE EXECUTE ON FUNCTION my_project_stats() FROM PUBLIC, anon;
-- An RPC anon may call that counts only the caller's own projects: with no signed-in user it
-- returns 0 whatever any tenant holds.
CREATE FUNCTION my_project_count() RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  SELECT count(*) FROM projects p
  WHERE p.org_id IN (SELECT m.org_id FROM members m WHERE m.user_id = auth.uid())
$$;
