-- The web app's member list and a dashboard RPC: two paths to tenants' rows besides the
-- tables, each written so the tables' policies still decide what a request sees.

-- A view runs with its owner's rights unless it has security_invoker: without it, every
-- organization's members would be listed to any signed-in user.
CREATE OR REPLACE VIEW public.member_directory WITH (security_invoker = true) AS
    SELECT org_id, id, email, role FROM members;
GRANT SELECT ON public.member_directory TO authenticated;

-- A SECURITY DEFINER function reads around row level security: it refuses a caller who is
-- not a member of the organization before counting, and only signed-in users may call it.
CREATE OR REPLACE FUNCTION public.org_message_count(p_org_id uuid) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF p_org_id NOT IN (SELECT public.my_org_ids()) THEN
        RAISE EXCEPTION 'not a member of organization %', p_org_id USING ERRCODE = '42501';
    END IF;
    RETURN (SELECT count(*) FROM messages WHERE org_id = p_org_id);
END
$$;
REVOKE EXECUTE ON FUNCTION public.org_message_count(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.org_message_count(uuid) TO authenticated;
