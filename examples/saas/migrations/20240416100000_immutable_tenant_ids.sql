-- Security review finding: nothing stopped an UPDATE from moving a row to
-- another tenant (a buggy "transfer" endpoint did exactly that with an
-- impersonation session, which then granted access to the wrong customer).
-- A row's organization is fixed at INSERT; moving data between tenants means
-- copying it. Enforced here rather than trusted to the application.
CREATE OR REPLACE FUNCTION forbid_org_id_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.org_id IS DISTINCT FROM OLD.org_id THEN
        RAISE EXCEPTION '%.org_id is immutable (% -> %)', TG_TABLE_NAME, OLD.org_id, NEW.org_id
            USING ERRCODE = 'integrity_constraint_violation',
                  HINT = 'Copy the row into the other organization instead of moving it.';
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION forbid_grant_parties_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.grantor_org_id IS DISTINCT FROM OLD.grantor_org_id
       OR NEW.grantee_org_id IS DISTINCT FROM OLD.grantee_org_id THEN
        RAISE EXCEPTION 'the organizations of a cross-tenant grant are immutable'
            USING ERRCODE = 'integrity_constraint_violation',
                  HINT = 'Revoke the grant and create a new one.';
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER impersonation_sessions_org_id_immutable
    BEFORE UPDATE ON impersonation_sessions
    FOR EACH ROW EXECUTE FUNCTION forbid_org_id_change();

CREATE OR REPLACE TRIGGER members_org_id_immutable
    BEFORE UPDATE ON members
    FOR EACH ROW EXECUTE FUNCTION forbid_org_id_change();

-- on the partitioned parent: cloned onto every partition
CREATE OR REPLACE TRIGGER messages_org_id_immutable
    BEFORE UPDATE ON messages
    FOR EACH ROW EXECUTE FUNCTION forbid_org_id_change();

CREATE OR REPLACE TRIGGER api_logs_org_id_immutable
    BEFORE UPDATE ON api_logs
    FOR EACH ROW EXECUTE FUNCTION forbid_org_id_change();

CREATE OR REPLACE TRIGGER events_org_id_immutable
    BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION forbid_org_id_change();

CREATE OR REPLACE TRIGGER cross_tenant_grants_parties_immutable
    BEFORE UPDATE ON cross_tenant_grants
    FOR EACH ROW EXECUTE FUNCTION forbid_grant_parties_change();
