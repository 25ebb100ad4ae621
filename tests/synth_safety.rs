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
