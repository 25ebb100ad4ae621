//! The databases we create on a server: their names (which say which run of which host made
//! them, see [`owner`](super::owner)), and dropping them, even when a killed run left them or
//! a migration left a prepared transaction in them.

use std::sync::{Arc, Mutex};

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};

use super::owner::{self, Owner};
use super::{block_on_own_runtime, lock};
use crate::names::{ident, literal};

const DATABASE_PREFIX: &str = "pg_invariants_";

/// `pg_invariants_<host>_<pid>_<start>`: names a run on a shared server. It prefixes the
/// names of the run's databases and is the `application_name` of its sessions, so that the
/// sessions of a run that is gone can be found and ended too.
pub fn run_tag(owner: Owner) -> String {
    format!("{DATABASE_PREFIX}{}_{}", owner::host_tag(), owner.tag())
}

/// `<run tag>_<n>`: unique per run, recognisable on a shared server, and saying which run of
/// which machine made it (see [`owner`]).
pub fn unique_database_name() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static SEQ: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}_{}",
        run_tag(Owner::current()),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

/// The run of this host that a database name, or a session's `application_name`, belongs to;
/// `None` for any other name.
fn name_owner(name: &str) -> Option<Owner> {
    let rest = name.strip_prefix(DATABASE_PREFIX)?;
    let rest = rest.strip_prefix(&owner::host_tag())?.strip_prefix('_')?;
    let tag = match rest.matches('_').count() {
        1 => rest,
        _ => rest.rsplit_once('_')?.0,
    };
    Owner::parse_tag(tag)
}

/// Drops the databases that runs from this host left when they were killed, after ending
/// those runs' sessions: a CREATE DATABASE such a session was running would otherwise commit
/// after we looked.
pub async fn reap_stale_databases(admin: &PgConnectOptions, conn: &mut PgConnection) {
    let sessions: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT application_name FROM pg_stat_activity WHERE starts_with(application_name, $1)",
    )
    .bind(DATABASE_PREFIX)
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    for tag in sessions {
        if name_owner(&tag).is_some_and(|o| !o.is_alive()) {
            end_sessions(conn, &tag).await;
        }
    }
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE starts_with(datname, $1)")
            .bind(DATABASE_PREFIX)
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    for name in names {
        if name_owner(&name).is_some_and(|o| !o.is_alive()) {
            let _ = drop_database(admin, conn, &name).await;
        }
    }
}

/// Ends every session whose `application_name` is `tag` (but ours), and waits until they are
/// gone (a few seconds at most): what they were doing is rolled back, a CREATE DATABASE too.
pub async fn end_sessions(conn: &mut PgConnection, tag: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let left: i64 = sqlx::query_scalar(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE application_name = $1 AND pid <> pg_backend_pid()",
        )
        .bind(tag)
        .fetch_one(&mut *conn)
        .await
        .unwrap_or(0);
        if left == 0 || std::time::Instant::now() > deadline {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Drops one of our databases even while a check still holds a connection to it, and even
/// when a migration left a prepared transaction in it (which holds locks and blocks DROP
/// DATABASE): those are rolled back first.
pub async fn drop_database(
    admin: &PgConnectOptions,
    conn: &mut PgConnection,
    name: &str,
) -> Result<(), sqlx::Error> {
    rollback_prepared(admin, conn, name).await?;
    let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", ident(name));
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(conn)
        .await
        .map(|_| ())
}

/// ROLLBACK PREPARED of every prepared transaction of `name`, from inside it (as it must be).
pub async fn rollback_prepared(
    admin: &PgConnectOptions,
    conn: &mut PgConnection,
    name: &str,
) -> Result<(), sqlx::Error> {
    let gids: Vec<String> =
        sqlx::query_scalar("SELECT gid FROM pg_prepared_xacts WHERE database = $1")
            .bind(name)
            .fetch_all(&mut *conn)
            .await?;
    if gids.is_empty() {
        return Ok(());
    }
    let mut inside = admin.clone().database(name).connect().await?;
    for gid in gids {
        let sql = format!("ROLLBACK PREPARED {}", literal(&gid));
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut inside)
            .await?;
    }
    inside.close().await
}

/// Drops our databases from a cleanup action.
pub fn drop_databases_blocking(admin: PgConnectOptions, created: Arc<Mutex<Vec<String>>>) {
    let names = std::mem::take(&mut *lock(&created));
    if names.is_empty() {
        return;
    }
    block_on_own_runtime(async move {
        let Ok(mut conn) = admin.connect().await else {
            return;
        };
        // A database being created right now (by the main thread, interrupted) is not
        // droppable yet: ending our other sessions rolls its creation back. One whose creation
        // committed before we looked is found by its name.
        let tag = run_tag(Owner::current());
        end_sessions(&mut conn, &tag).await;
        let mut names = names;
        names.extend(
            sqlx::query_scalar::<_, String>(
                "SELECT datname::text FROM pg_database WHERE starts_with(datname, $1)",
            )
            .bind(format!("{tag}_"))
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default(),
        );
        names.sort();
        names.dedup();
        for name in names {
            let _ = drop_database(&admin, &mut conn, &name).await;
        }
        let _ = conn.close().await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_database_names_say_which_run_made_them() {
        let name = unique_database_name();
        assert!(name.len() <= 63, "{name}");
        assert_eq!(name_owner(&name), Some(Owner::current()));
    }

    #[test]
    fn a_run_tag_names_its_run() {
        let tag = run_tag(Owner::current());
        assert!(tag.len() <= 63, "{tag}");
        assert_eq!(name_owner(&tag), Some(Owner::current()));
    }

    #[test]
    fn names_of_other_hosts_and_other_tools_are_not_ours() {
        let me = Owner::current().tag();
        for name in [
            format!("pg_invariants_otherhost123456_{me}_0"),
            format!("pg_invariants_{me}_0"),
            "pg_invariants_12_abc".to_string(),
            "app".to_string(),
        ] {
            assert_eq!(name_owner(&name), None, "{name}");
        }
    }
}
