//! Behavioural checks are safe under hostile input and under concurrency (issue 10):
//! - a `[sample]` is exactly one SQL expression: text that would end the rolled-back transaction
//!   and run statements of its own is refused (naming the sample's file:line:column) or stays
//!   inside the transaction, and the server is left as it was (no role `evil`);
//! - checks that deadlock or wait on each other's locks give the verdicts of one thread.

#[path = "support/server.rs"]
mod server_support;

use server_support::{env_var, local_server};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use sqlx::{ConnectOptions, Connection, Row};

/// Payloads of `[sample] v`, each in a table of its own, and whether it is refused.
const PAYLOADS: &[(&str, &str, bool)] = &[
    (
        "terminator",
        "'x')::text) RETURNING 1; COMMIT; CREATE ROLE evil SUPERUSER LOGIN; --",
        true,
    ),
    ("parens", "'x'))", true),
    // A trailing comment is one expression: it is ended by a newline wherever it is written.
    ("comment", "'x' -- eats the rest of the line", false),
    (
        "dollar",
        "$$x$$); COMMIT; CREATE ROLE evil SUPERUSER LOGIN; SELECT ($$",
        true,
    ),
    ("second", "'1'), ('2'", true),
    ("fine", "'v-' || 42", false),
];

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pg-invariants"));
    cmd.arg("test")
        .args(args)
        .current_dir(dir)
        .env_remove("PG_INVARIANTS_URL")
        .env_remove("PG_INVARIANTS_BACKEND");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

/// `test NAME ... outcome` lines of libtest's output.
fn outcomes(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|l| {
            let (name, outcome) = l.strip_prefix("test ")?.split_once(" ... ")?;
            Some((name.trim().to_string(), outcome.trim().to_string()))
        })
        .collect()
}

/// A project with one table per payload: `t_<name> (id serial, v text NOT NULL)`.
/// Removed when dropped, whatever the test's outcome.
fn escape_project() -> tempfile::TempDir {
    let scratch = tempfile::tempdir().expect("tempdir");
    let dir = scratch.path();
    std::fs::create_dir_all(dir.join("sql")).expect("mkdir");
    std::fs::create_dir_all(dir.join("invariants")).expect("mkdir");
    let mut schema = String::new();
    for (name, payload, _) in PAYLOADS {
        schema.push_str(&format!(
            "CREATE TABLE t_{name} (id serial PRIMARY KEY, v text NOT NULL);\n"
        ));
        let file = format!("[columns.v]\nnot_null = true\n\n[sample]\nv = '''{payload}'''\n");
        std::fs::write(dir.join(format!("invariants/t_{name}.toml")), file).expect("write");
    }
    std::fs::write(dir.join("sql/0001_schema.sql"), schema).expect("write");
    std::fs::write(
        dir.join("pg-invariants.toml"),
        "[migrations]\npath = \"sql\"\nformat = \"sql-dir\"\n\n[snapshots]\nenabled = false\n",
    )
    .expect("write");
    scratch
}

/// Roles and databases of the server: what a sample that escaped would change.
async fn server_state(options: &sqlx::postgres::PgConnectOptions) -> Vec<String> {
    let mut conn = options.connect().await.expect("connect");
    let rows = sqlx::query(
        "SELECT 'role ' || rolname AS x FROM pg_roles UNION ALL SELECT 'db ' || datname FROM pg_database ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .expect("state");
    conn.close().await.expect("close");
    rows.iter().map(|r| r.get::<String, _>("x")).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sample_is_one_expression_and_never_escapes_the_transaction() {
    let server = local_server(&[]).await;
    let options = server.options("postgres");
    let before = server_state(&options).await;
    let url = env_var(&server, "DATABASE_URL");
    let dir = escape_project();
    let project = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        run(
            &project,
            &["--backend", "url"],
            &[("PG_INVARIANTS_URL", &url)],
        )
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let got = outcomes(&stdout);
    for (name, _, refused) in PAYLOADS {
        let test = format!("t_{name}::v::not_null");
        let want = if *refused { "FAILED" } else { "ok" };
        assert_eq!(
            got.get(&test).map(String::as_str),
            Some(want),
            "{test}\n{stdout}"
        );
        if *refused {
            let section = stdout
                .split(&format!("---- {test} ----"))
                .nth(1)
                .expect("a failure message");
            let at = format!("t_{name}.toml:5:1 is refused");
            assert!(section.contains(&at), "{test} names {at}\n{section}");
            assert!(
                section.contains("a sample is exactly one SQL expression"),
                "{section}"
            );
        }
    }
    assert_eq!(
        server_state(&options).await,
        before,
        "no role evil, no database left: the server is as it was"
    );
}

#[test]
fn deadlocking_checks_give_the_verdicts_of_one_thread() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/synth-deadlock");
    let verdicts = |threads: &str| {
        let out = run(
            &dir,
            &["--config", "pg-invariants.toml", "--test-threads", threads],
            &[("PG_INVARIANTS_BACKEND", "local")],
        );
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let got: BTreeMap<String, String> = (outcomes(&stdout).into_iter())
            .map(|(name, outcome)| (name, outcome.split_whitespace().next().unwrap_or("").into()))
            .collect();
        (got, stdout)
    };
    let (one, stdout_one) = verdicts("1");
    assert!(one.len() > 30, "{stdout_one}");
    for _ in 0..2 {
        let (four, stdout_four) = verdicts("4");
        assert_eq!(
            one, four,
            "1 thread:\n{stdout_one}\n4 threads:\n{stdout_four}"
        );
    }
}

/// A sample may change how PostgreSQL lexes later statements (`standard_conforming_strings`
/// off: `'\'` opens a string instead of being one). The sandbox sends each statement with the
/// end of its savepoint as one message, so it puts the setting back after every kept row: the
/// child's `'\'` sample, written after the parent's row, is still the one expression it was
/// proven to be, and the check concludes.
#[test]
fn a_sample_that_changes_how_statements_lex_changes_nothing_after_it() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let dir = scratch.path();
    std::fs::create_dir_all(dir.join("sql")).expect("mkdir");
    std::fs::create_dir_all(dir.join("invariants")).expect("mkdir");
    std::fs::write(
        dir.join("sql/0001_schema.sql"),
        "CREATE TABLE p (id serial PRIMARY KEY, v text);\n\
         CREATE TABLE c (id serial PRIMARY KEY, p_id int NOT NULL REFERENCES p (id), note text NOT NULL, w text NOT NULL);\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("invariants/p.toml"),
        "[sample]\nv = \"set_config('standard_conforming_strings', 'off', false)\"\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("invariants/c.toml"),
        "[columns.w]\nnot_null = true\n\n[sample]\nnote = ''''\\''''\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("pg-invariants.toml"),
        "[migrations]\npath = \"sql\"\nformat = \"sql-dir\"\n\n[snapshots]\nenabled = false\n",
    )
    .expect("write");
    let out = run(dir, &[], &[("PG_INVARIANTS_BACKEND", "local")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        outcomes(&stdout).get("c::w::not_null").map(String::as_str),
        Some("ok"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Statements sent together (`Sandbox::attempt_all`) behave as one by one: each under its
/// savepoint (kept or undone), each with its own rows and its own lock timeout; a failure ends
/// the message there, the statements after it do not run, and the transaction goes on.
#[tokio::test(flavor = "multi_thread")]
async fn statements_sent_together_keep_their_own_answers_and_stop_at_a_failure() {
    use pg_invariants::sandbox::{Sandbox, Statement};

    let server = local_server(&[]).await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(server.options("postgres"))
        .await
        .expect("pool");
    sqlx::raw_sql("CREATE TABLE t (id int PRIMARY KEY)")
        .execute(&pool)
        .await
        .expect("table");
    let statement = |sql, keep, synthesizing| Statement {
        sql,
        keep,
        synthesizing,
    };
    let mut sb = Sandbox::begin(&pool).await.expect("sandbox");
    let ran = sb
        .attempt_all(&[
            statement("INSERT INTO t VALUES (1) RETURNING id::text", true, true),
            statement("SELECT current_setting('lock_timeout')", false, false),
            statement("SELECT current_setting('lock_timeout')", false, true),
            statement("INSERT INTO t VALUES (2) RETURNING id::text", false, false),
            statement("SELECT x::text FROM generate_series(1, 3) x", false, true),
            statement("INSERT INTO t VALUES (1)", true, true),
            statement("INSERT INTO t VALUES (3)", true, true),
        ])
        .await;
    let texts = |i: usize| -> Vec<Vec<Option<String>>> { ran.done[i].rows.clone() };
    assert_eq!(ran.done.len(), 5, "{ran:?}");
    assert_eq!(texts(0), vec![vec![Some("1".to_string())]]);
    assert_eq!(ran.done[0].affected, 1);
    assert_eq!(texts(1), vec![vec![Some("5s".to_string())]]);
    assert_eq!(texts(2), vec![vec![Some("200ms".to_string())]]);
    assert_eq!(texts(3), vec![vec![Some("2".to_string())]]);
    assert_eq!(texts(4).len(), 3);
    assert_eq!(ran.failed.map(|e| e.code), Some("23505".to_string()));
    // The kept row stays, the trial is undone, nothing after the failure ran, and the
    // transaction goes on: the next statement runs after the pending rollback.
    let ids = sb
        .attempt("SELECT string_agg(id::text, ',' ORDER BY id) FROM t", false)
        .await
        .expect("read");
    assert_eq!(ids.rows, vec![vec![Some("1".to_string())]]);
    let kept = sb
        .attempt("INSERT INTO t VALUES (3) RETURNING id::text", true)
        .await
        .expect("a statement after the failure");
    assert_eq!(kept.rows, vec![vec![Some("3".to_string())]]);
    sb.rollback().await;
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM t")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(left, 0, "everything is rolled back");
}
