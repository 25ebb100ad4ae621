//! The guard that keeps a check from changing the schema it checks.
//!
//! A check runs the project's `[tenancy] principal` statements (as the superuser) inside its
//! rolled-back transaction. A `DROP POLICY` there would make `isolated` judge a schema the
//! migrations never made, and pass on one that leaks. So, once the chain and seed are applied,
//! the set-up installs two event triggers (`ddl_command_end`, `sql_drop`) that raise
//! `PGIDD` for any DDL but on temporary objects while the setting [`CHECKING`] is `on`:
//! the sandbox turns it on for each principal statement and off again after it (so a statement
//! that turned it off did so for itself only). The schema's own triggers, firing on the rows
//! checks write, run as in production: what they do is part of what the checks observe.
//! Elsewhere (the idempotency pass, `fix`, clones) the triggers do nothing. They fire
//! `ALWAYS`, whatever `session_replication_role` says.
//!
//! What it cannot stop: a superuser's single statement written to defeat it (turning the
//! setting off and running DDL in one `DO` block, or writing `pg_catalog` directly). The guard
//! is there for SQL that changes the schema by mistake or by shortcut, which is what principals
//! do in practice (see docs/tenancy.md).

use sqlx::PgConnection;

/// The setting that arms the guard: `on` while a principal statement runs.
pub const CHECKING: &str = "pg_invariants.checking";

/// The SQLSTATE PostgreSQL answers a role that may not create event triggers with.
const INSUFFICIENT_PRIVILEGE: &str = "42501";

/// Installs the guard once per database, under an advisory lock (processes sharing a server may
/// set up side by side). The function lives in `pg_catalog`, where no check or snapshot looks.
const INSTALL: &str = r#"
DO $install$
BEGIN
  PERFORM pg_advisory_xact_lock(7238105418532541);
  CREATE OR REPLACE FUNCTION pg_catalog.pg_invariants_guard() RETURNS event_trigger
  LANGUAGE plpgsql SET search_path = pg_catalog AS $fn$
  DECLARE
    what text;
  BEGIN
    IF current_setting('pg_invariants.checking', true) IS DISTINCT FROM 'on' THEN
      RETURN;
    END IF;
    IF tg_event = 'sql_drop' THEN
      SELECT string_agg(coalesce(object_identity, object_type), ', ') INTO what
        FROM pg_event_trigger_dropped_objects() WHERE original AND NOT is_temporary;
    ELSE
      SELECT string_agg(coalesce(object_identity, object_type), ', ') INTO what
        FROM pg_event_trigger_ddl_commands()
        WHERE schema_name IS NULL OR NOT (schema_name = 'pg_temp' OR schema_name LIKE 'pg\_temp\_%');
    END IF;
    IF what IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'PGIDD',
        MESSAGE = format('the principal SQL changed the schema: %s %s', tg_tag, what),
        DETAIL = 'a principal statement runs inside every check and must leave the schema as the migrations made it: docs/tenancy.md';
    END IF;
  END
  $fn$;
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'pg_invariants_guard_end') THEN
    CREATE EVENT TRIGGER pg_invariants_guard_end ON ddl_command_end
      EXECUTE FUNCTION pg_catalog.pg_invariants_guard();
    ALTER EVENT TRIGGER pg_invariants_guard_end ENABLE ALWAYS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'pg_invariants_guard_drop') THEN
    CREATE EVENT TRIGGER pg_invariants_guard_drop ON sql_drop
      EXECUTE FUNCTION pg_catalog.pg_invariants_guard();
    ALTER EVENT TRIGGER pg_invariants_guard_drop ENABLE ALWAYS;
  END IF;
END
$install$"#;

/// Installs the guard on the migrated database. A role that may not create event triggers (a
/// `url` server's role that is not a superuser) leaves the checks unguarded, as docs/tenancy.md
/// says; any other error is the set-up's.
pub async fn install(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    match sqlx::raw_sql(INSTALL).execute(conn).await {
        Err(e)
            if e.as_database_error().and_then(|d| d.code()).as_deref()
                != Some(INSUFFICIENT_PRIVILEGE) =>
        {
            Err(e)
        }
        _ => Ok(()),
    }
}

/// SQL that arms the guard until the savepoint it runs under is rolled back to, or
/// [`disarm`] runs.
pub fn arm() -> String {
    format!("SET LOCAL {CHECKING} = on;")
}

/// SQL that turns the guard off for the rest of the transaction.
pub fn disarm() -> String {
    format!("SET LOCAL {CHECKING} = off;")
}
