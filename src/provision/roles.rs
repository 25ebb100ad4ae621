//! Roles on a server that is not ours (url backend). Databases are per run, roles are not:
//! they are global to the server, so runs sharing a server must not trip over each other's.
//!
//! - **One role-creating phase at a time.** `before`, the chain and the seed run under an
//!   exclusive session advisory lock ([`RolePhase`]). Two runs whose `before` says
//!   `IF NOT EXISTS ... CREATE ROLE app` would otherwise both find no `app` and one would fail
//!   on pg_authid's unique index.
//! - **Roles are marked as they are created** with a comment ([`MARK`]): they are ours. The
//!   mark is written in the transaction that creates the role ([`RolePhase::marking_sql`]), so
//!   a run killed at any moment leaves no unmarked role; roles a `command` chain's tool creates
//!   are marked at the end of the phase.
//! - **Only the last run leaves them.** Every run holds a shared advisory lock from its start
//!   to the end of its teardown ([`Tenancy`]). At the end a run gives its shared lock up and
//!   tries the exclusive one: only when no other run holds the shared lock (none is alive, a
//!   run killed with SIGKILL loses its session and with it its lock) does it drop the marked
//!   roles, so a role another live run may still use is never dropped. A run starting then
//!   waits for its shared lock until the roles are gone, and creates them afresh. A run that
//!   starts alone (it gets the exclusive lock at once) first drops the marked roles that runs
//!   killed outright left.
//! - A marked role that still owns objects or privileges somewhere (say a database of a run on
//!   another host that died) cannot be dropped: it is left, with a warning naming it.
//!
//! Advisory locks belong to a database: every run takes them in the server's maintenance
//! database `postgres` (the URL's own database when `postgres` cannot be connected to).

use std::sync::mpsc;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};

use super::ProvisionError;
use crate::names::{ident, literal};

/// The comment that marks a role as created by a pg-invariants run.
pub const MARK: &str =
    "pg-invariants: created by a run's before, chain or seed; the last run on this server drops it";
/// `pg_advisory_lock(LOCK_CLASS, <key>)`: "pgiv" in ASCII, then which lock.
const LOCK_CLASS: i32 = 0x7067_6976;
const PHASE_KEY: i32 = 1;
const TENANCY_KEY: i32 = 2;

/// The maintenance database of the server: `postgres`, or the URL's own database.
pub async fn maintenance(admin: &PgConnectOptions) -> PgConnectOptions {
    let postgres = admin.clone().database("postgres");
    match postgres.connect().await {
        Ok(conn) => {
            let _ = conn.close().await;
            postgres
        }
        Err(_) => admin.clone(),
    }
}

/// This run's share of the server, held from start to teardown on a thread of its own (the
/// lock is a session's: its connection must outlive the run's runtime).
pub struct Tenancy {
    leave: mpsc::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Tenancy {
    /// Takes the shared lock; waits while the last run of a previous group drops its roles.
    pub fn enter(maintenance: PgConnectOptions) -> Result<Self, ProvisionError> {
        let (entered_tx, entered) = mpsc::channel();
        let (leave, leave_rx) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            let conn = rt.block_on(take_shared(&maintenance));
            let failed = conn.as_ref().err().map(|e| e.to_string());
            let _ = entered_tx.send(failed);
            let Ok(conn) = conn else { return };
            // Either a message or the sender dropped: both mean leave.
            let _ = leave_rx.recv();
            rt.block_on(leave_server(conn));
        });
        match entered.recv() {
            Ok(None) => Ok(Self { leave, thread }),
            Ok(Some(reason)) => Err(ProvisionError::Io {
                what: "taking this run's share of the server (an advisory lock)",
                source: std::io::Error::other(reason),
            }),
            Err(_) => Err(ProvisionError::Io {
                what: "taking this run's share of the server (an advisory lock)",
                source: std::io::Error::other("the lock's thread ended"),
            }),
        }
    }

    /// Gives the share up; the last run out drops the marked roles. Call after this run's
    /// databases are dropped (they may hold privileges of those roles).
    pub fn leave(self) {
        let _ = self.leave.send(());
        let _ = self.thread.join();
    }
}

/// The shared lock, first removing what runs killed outright left when no other run is alive
/// (we get the exclusive lock at once): their marked roles.
async fn take_shared(maintenance: &PgConnectOptions) -> Result<PgConnection, sqlx::Error> {
    let mut conn = maintenance.connect().await?;
    let alone: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
        .bind(LOCK_CLASS)
        .bind(TENANCY_KEY)
        .fetch_one(&mut conn)
        .await?;
    if alone {
        drop_marked_roles(&mut conn).await;
    }
    // A session's own exclusive lock does not keep it from the shared one.
    sqlx::query("SELECT pg_advisory_lock_shared($1, $2)")
        .bind(LOCK_CLASS)
        .bind(TENANCY_KEY)
        .execute(&mut conn)
        .await?;
    if alone {
        sqlx::query("SELECT pg_advisory_unlock($1, $2)")
            .bind(LOCK_CLASS)
            .bind(TENANCY_KEY)
            .execute(&mut conn)
            .await?;
    }
    Ok(conn)
}

async fn leave_server(mut conn: PgConnection) {
    let _ = sqlx::query("SELECT pg_advisory_unlock_shared($1, $2)")
        .bind(LOCK_CLASS)
        .bind(TENANCY_KEY)
        .execute(&mut conn)
        .await;
    let last: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
        .bind(LOCK_CLASS)
        .bind(TENANCY_KEY)
        .fetch_one(&mut conn)
        .await
        .unwrap_or(false);
    if last {
        drop_marked_roles(&mut conn).await;
    }
    let _ = conn.close().await;
}

/// Drops every marked role; one that still owns something is left, with a warning.
async fn drop_marked_roles(conn: &mut PgConnection) {
    let roles: Vec<String> = sqlx::query_scalar(
        "SELECT rolname::text FROM pg_roles WHERE shobj_description(oid, 'pg_authid') = $1",
    )
    .bind(MARK)
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    for role in roles {
        let sql = format!("DROP ROLE IF EXISTS {}", ident(&role));
        if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await
        {
            eprintln!("pg-invariants: warning: role {role} was left on the server: {e}");
        }
    }
}

/// `before`, the chain and the seed of one run, alone on the server: holds the exclusive lock
/// and the roles there were before.
pub struct RolePhase {
    conn: PgConnection,
    before: Vec<String>,
}

impl RolePhase {
    pub async fn begin(maintenance: &PgConnectOptions) -> Result<Self, sqlx::Error> {
        let mut conn = maintenance.connect().await?;
        sqlx::query("SELECT pg_advisory_lock($1, $2)")
            .bind(LOCK_CLASS)
            .bind(PHASE_KEY)
            .execute(&mut conn)
            .await?;
        let before = role_names(&mut conn).await?;
        Ok(Self { conn, before })
    }

    /// SQL that marks each role created since the phase began and not marked yet. The chain's
    /// session runs it inside the transaction that may have created one (see
    /// `migrate::Chain::apply`), so a role and its mark commit together: a run killed
    /// at any moment leaves no role that the next run alone on the server does not drop. It
    /// never fails the transaction: a mark it cannot write is written by [`Self::end`].
    pub fn marking_sql(&self) -> String {
        let before: Vec<String> = self.before.iter().map(|r| literal(r)).collect();
        let mark = literal(MARK);
        format!(
            "DO $pg_invariants_mark$ DECLARE r text; BEGIN \
             FOR r IN SELECT rolname::text FROM pg_catalog.pg_roles \
             WHERE NOT rolname::text = ANY (ARRAY[{}]::text[]) \
             AND pg_catalog.shobj_description(oid, 'pg_authid') IS DISTINCT FROM {mark} LOOP \
             EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', r, {mark}); END LOOP; \
             EXCEPTION WHEN OTHERS THEN NULL; END $pg_invariants_mark$",
            before.join(", ")
        )
    }

    /// Marks the roles the phase created that are not marked yet (those a `command` chain's
    /// tool created, or whose mark [`Self::marking_sql`] could not write), and lets the next
    /// run in.
    pub async fn end(mut self) {
        let now = role_names(&mut self.conn).await.unwrap_or_default();
        for role in now.iter().filter(|r| !self.before.contains(r)) {
            let sql = format!("COMMENT ON ROLE {} IS {}", ident(role), literal(MARK));
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut self.conn)
                .await;
        }
        let _ = self.conn.close().await;
    }
}

async fn role_names(conn: &mut PgConnection) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT rolname::text FROM pg_roles")
        .fetch_all(conn)
        .await
}
