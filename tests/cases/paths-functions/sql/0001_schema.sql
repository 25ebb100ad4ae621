CREATE ROLE app_user NOLOGIN;
CREATE TABLE organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE members (
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id uuid NOT NULL,
  PRIMARY KEY (org_id, user_id)
);
CREATE TABLE projects (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL
);
ALTER TABLE members ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION is_member(org uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM members m
                 WHERE m.org_id = org AND m.user_id = current_setting('app.user', true)::uuid)
$$;
CREATE POLICY member ON members TO app_user USING (user_id = current_setting('app.user', true)::uuid);
CREATE POLICY tenant ON projects TO app_user USING (org_id IN (
  SELECT m.org_id FROM members m WHERE m.user_id = current_setting('app.user', true)::uuid));
GRANT SELECT ON organizations TO app_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON members, projects TO app_user;

-- An "RPC" that lists any organization's members: no membership check.
CREATE FUNCTION get_org_members(p_org_id uuid) RETURNS SETOF members
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  SELECT * FROM members WHERE org_id = p_org_id
$$;
-- Its twin refuses a caller who is not a member.
CREATE FUNCTION get_org_members_checked(p_org_id uuid) RETURNS SETOF members
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM members m WHERE m.org_id = p_org_id
                 AND m.user_id = current_setting('app.user', true)::uuid) THEN
    RAISE EXCEPTION 'not a member' USING ERRCODE = '42501';
  END IF;
  RETURN QUERY SELECT * FROM members WHERE org_id = p_org_id;
END $$;
-- Deletes any tenant's project by id.
CREATE FUNCTION delete_project(project_id bigint) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  DELETE FROM projects WHERE id = project_id
$$;
-- Its twin only deletes the caller's own tenant's project.
CREATE FUNCTION delete_own_project(project_id bigint) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  DELETE FROM projects WHERE id = project_id AND is_member(org_id)
$$;
-- Arguments given in `calls`: renames any tenant's project.
CREATE FUNCTION rename_project(bigint, text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  UPDATE projects SET name = $2 WHERE id = $1
$$;
-- No test: SECURITY INVOKER, EXECUTE revoked, a trigger function.
CREATE FUNCTION count_projects(p_org_id uuid) RETURNS bigint
LANGUAGE sql SECURITY INVOKER AS $$ SELECT count(*) FROM projects WHERE org_id = p_org_id $$;
CREATE FUNCTION purge_org(p_org_id uuid) RETURNS void
LANGUAGE sql SECURITY DEFINER AS $$ DELETE FROM projects WHERE org_id = p_org_id $$;
REVOKE EXECUTE ON FUNCTION purge_org(uuid) FROM PUBLIC;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN RETURN NEW; END $$;
CREATE TRIGGER touch BEFORE UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION touch();
-- A polymorphic argument: no value can be made for `anyelement`, so the test names the
-- `calls` entry to add rather than pass.
CREATE FUNCTION first_of(anyelement) RETURNS text
LANGUAGE sql SECURITY DEFINER AS $$ SELECT $1::text $$;
-- Paging arguments with defaults and no membership check: called with its defaults (a made
-- number as OFFSET would return nothing and hide the leak).
CREATE FUNCTION list_org_members(p_org_id uuid, results_limit integer DEFAULT 50, results_offset integer DEFAULT 0)
RETURNS json LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  SELECT json_agg(m.user_id) FROM (SELECT user_id FROM members WHERE org_id = p_org_id
                                   ORDER BY user_id LIMIT results_limit OFFSET results_offset) m
$$;
