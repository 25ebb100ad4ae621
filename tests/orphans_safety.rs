//! An `orphans` `where` is the user's SQL, run against the database: it must never escape its
//! read-only, rolled-back transaction. The verdict case `orphans-where-injection` holds `where`s
//! that try to COMMIT and `CREATE ROLE x SUPERUSER`; here it runs against a server of our own
//! (url backend), and the server is then asked whether any role appeared.

#[path = "support/server.rs"]
mod server_support;

use server_support::{env_var, local_server};
use std::path::Path;
use std::process::Command;

use sqlx::{ConnectOptions, Connection, Row};

const CASE: &str = "tests/cases/orphans-where-injection";

async fn roles(options: &sqlx::postgres::PgConnectOptions) -> Vec<String> {
    let mut conn = options.connect().await.expect("connect");
    let names = sqlx::query("SELECT rolname::text AS r FROM pg_roles ORDER BY 1")
        .fetch_all(&mut conn)
        .await
        .expect("list roles")
        .iter()
        .map(|r| r.get::<String, _>("r"))
        .collect();
    conn.close().await.expect("close");
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn a_where_that_tries_to_commit_and_create_a_role_creates_nothing() {
    let server = local_server(&[]).await;
    let options = server.options("postgres");
    let before = roles(&options).await;
    let url = env_var(&server, "DATABASE_URL");

    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_pg-invariants"))
            .args(["test", "--backend", "url", "events::stream_id::orphans"])
            .args([
                "--skip",
                "slow_events",
                "--skip",
                "write_events",
                "--test-threads",
                "1",
            ])
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(CASE))
            .env("PG_INVARIANTS_URL", url)
            .env_remove("PG_INVARIANTS_BACKEND")
            .output()
            .expect("the binary runs")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        roles(&options).await,
        before,
        "no role was created:\n{stdout}"
    );
    assert_eq!(out.status.code(), Some(101), "{stdout}");
    let failed: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test ")?.split_once(" ... "))
        .filter(|(_, outcome)| outcome.trim() == "FAILED")
        .map(|(name, _)| name.trim())
        .collect();
    assert_eq!(
        failed,
        [
            "events::stream_id::orphans",
            "naive_events::stream_id::orphans"
        ],
        "{stdout}"
    );
    assert!(
        stdout.contains("cannot insert multiple commands into a prepared statement"),
        "{stdout}"
    );
}
