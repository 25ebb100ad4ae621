//! `[upgrade] from`: the deployed chain read from git, on real repositories made here, against
//! real PostgreSQL (the local backend). A verdict case cannot hold a repository of its own, so
//! these build one per test: a chain committed and tagged as deployed, then changed as a
//! developer would change it.

#[path = "support/server.rs"]
mod server_support;

use std::path::Path;
use std::process::{Command, Output};

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A project whose `0001_init.sql` (with rows from `data.sql`) is committed and tagged
/// `deployed`, with `[upgrade] from = "<from>"`.
fn project(from: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write(
        p,
        "pg-invariants.toml",
        &format!(
            "[migrations]\npath = \"migrations\"\nformat = \"sql-dir\"\n\n\
             [invariants]\npath = \"invariants\"\ncoverage = false\n\n\
             [snapshots]\nenabled = false\n\n\
             [upgrade]\nfrom = \"{from}\"\ndata = [\"data.sql\"]\n"
        ),
    );
    write(p, "invariants/tasks.toml", "[columns.id]\n");
    write(
        p,
        "migrations/0001_init.sql",
        "CREATE TABLE tasks (id int PRIMARY KEY, title text);\n",
    );
    write(
        p,
        "data.sql",
        "INSERT INTO tasks VALUES (1, 'a'), (2, 'b');\n",
    );
    git(p, &["init", "-q"]);
    git(p, &["add", "."]);
    git(p, &["commit", "-q", "-m", "deployed"]);
    git(p, &["tag", "deployed"]);
    dir
}

fn run(dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pg-invariants"))
        .args([
            "test",
            "--config",
            "pg-invariants.toml",
            "--test-threads",
            "2",
        ])
        .current_dir(dir)
        .env("PG_INVARIANTS_BACKEND", "local")
        .env_remove("PG_INVARIANTS_URL")
        .output()
        .expect("the binary runs")
}

fn outcome<'o>(stdout: &'o str, test: &str) -> Option<&'o str> {
    stdout.lines().find_map(|line| {
        let rest = line.strip_prefix("test ")?;
        let (name, outcome) = rest.split_once(" ... ")?;
        (name.trim() == test).then_some(outcome.trim())
    })
}

#[test]
fn a_migration_added_since_the_revision_is_new_and_observed() {
    let dir = project("deployed");
    write(
        dir.path(),
        "migrations/0002_index.sql",
        "CREATE INDEX tasks_title ON tasks (title);\n",
    );
    let out = run(dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(101), "{stdout}\n{stderr}");
    assert_eq!(outcome(&stdout, "upgrade::apply"), Some("ok"), "{stdout}");
    assert_eq!(
        outcome(&stdout, "migrations::0002_index.sql::locks"),
        Some("FAILED"),
        "{stdout}"
    );
    assert_eq!(
        outcome(&stdout, "upgrade::tasks::rows"),
        Some("ok"),
        "{stdout}"
    );
    // The deployed migration is not new, so it has no locks test.
    assert_eq!(outcome(&stdout, "migrations::0001_init.sql::locks"), None);
    assert!(
        stderr.contains("upgrade: new migrations: not at deployed (")
            && stderr.contains("0002_index.sql"),
        "{stderr}"
    );
}

#[test]
fn a_deployed_migration_edited_since_fails_upgrade_apply() {
    let dir = project("deployed");
    write(
        dir.path(),
        "migrations/0001_init.sql",
        "-- the title is optional\nCREATE TABLE tasks (id int PRIMARY KEY, title text);\n",
    );
    let out = run(dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(101), "{stdout}");
    assert_eq!(
        outcome(&stdout, "upgrade::apply"),
        Some("FAILED"),
        "{stdout}"
    );
    assert!(stdout.contains("0001_init.sql (changed)"), "{stdout}");
    // The edited file is also new (it is not at the revision as it is today).
    assert_eq!(
        outcome(&stdout, "migrations::0001_init.sql::locks"),
        Some("FAILED"),
        "{stdout}"
    );
    assert!(
        stdout.contains("cannot be checked: upgrade::apply failed"),
        "{stdout}"
    );
}

#[test]
fn a_revision_git_does_not_know_is_exit_2_naming_it() {
    let dir = project("no-such-branch");
    let out = run(dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "pg-invariants.toml:13:8: from = \"no-such-branch\": git knows no such revision"
        ),
        "{stderr}"
    );
}

#[test]
fn a_project_outside_git_is_exit_2() {
    let dir = project("deployed");
    std::fs::remove_dir_all(dir.path().join(".git")).unwrap();
    let out = run(dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("git cannot read the project's repository"),
        "{stderr}"
    );
}

/// The url backend shares one server between the checks' database and the window's, whose
/// chain would meet the roles the first created: the window is not built, `upgrade::apply`
/// says it could not test, and the other checks (whose connections a second set-up on that
/// server would end) still pass.
#[tokio::test(flavor = "multi_thread")]
async fn on_the_url_backend_the_window_could_not_test_and_the_checks_run() {
    let server = server_support::local_server(&[]).await;
    let url = server_support::env_var(&server, "DATABASE_URL");
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/deploy-synthesized");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_pg-invariants"))
            .args(["test", "--config", "pg-invariants.toml"])
            .current_dir(case)
            .env("PG_INVARIANTS_BACKEND", "url")
            .env("PG_INVARIANTS_URL", url)
            .output()
            .expect("the binary runs")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(101), "{stdout}");
    assert_eq!(
        outcome(&stdout, "upgrade::apply"),
        Some("FAILED"),
        "{stdout}"
    );
    assert!(
        stdout.contains("could not test: the deploy window needs a server of its own"),
        "{stdout}"
    );
    assert_eq!(
        outcome(&stdout, "projects::org_id::isolated"),
        Some("ok"),
        "{stdout}"
    );
    assert_eq!(outcome(&stdout, "tenancy::role"), Some("ok"), "{stdout}");
}
