//! The command line's contract beyond verdicts (FORMAT.md section 5): listing names what a run runs,
//! exit code 2 when no PostgreSQL can be had, and the url backend touches nothing but the
//! throwaway database it creates, and a sqitch chain without psql to run it is exit 2.

#[path = "support/server.rs"]
mod server_support;

use server_support::{env_var, local_server, tempdir_with_mode};
use std::path::Path;
use std::process::{Command, Output};

use sqlx::{ConnectOptions, Connection, Row};

const CASE: &str = "tests/cases/fk-type-mismatch";

fn pg_invariants(args: &[&str], env: &[(&str, &str)]) -> Output {
    pg_invariants_in(CASE, args, env)
}

/// `pg-invariants test ARGS` in the case directory `case`.
fn pg_invariants_in(case: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pg-invariants"));
    cmd.arg("test")
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(case));
    cmd.env_remove("PG_INVARIANTS_URL")
        .env_remove("PG_INVARIANTS_BACKEND");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

#[test]
fn list_names_what_a_run_runs_coverage_and_rules_included() {
    // `rule-ignore-and-partitions`: a table with no file gets coverage and rule tests, named
    // only once the database is known. nextest runs what `--list` prints, nothing else.
    let out = pg_invariants_in(
        "tests/cases/rule-ignore-and-partitions",
        &["--backend", "local", "--list"],
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(stdout.contains("coverage::tmp_001: test"), "{stdout}");
    assert!(stdout.contains("tmp_001::org_id::fk: test"), "{stdout}");
    assert!(stdout.contains("rules::tenant-fk: test"), "{stdout}");
    assert!(stdout.contains("migrations::apply: test"), "{stdout}");
}

#[test]
fn list_without_postgres_exits_2_rather_than_list_fewer_tests() {
    // The url backend without a URL cannot start anything.
    let out = pg_invariants(&["--backend", "url", "--list"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(stderr.contains("PG_INVARIANTS_URL"), "{stderr}");
    assert!(out.stdout.is_empty(), "{out:?}");
}

#[test]
fn no_postgres_exits_2_with_the_reason() {
    let out = pg_invariants(&["--backend", "url"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("PG_INVARIANTS_URL"), "{stderr}");
}

#[test]
fn an_unknown_backend_exits_2() {
    let out = pg_invariants(&[], &[("PG_INVARIANTS_BACKEND", "podman")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("unknown backend \"podman\""), "{stderr}");
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    // A bug report quotes `--version`: the version alone does not say which build it was.
    let out = Command::new(env!("CARGO_BIN_EXE_pg-invariants"))
        .arg("--version")
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let prefix = format!("pg-invariants {} (", env!("CARGO_PKG_VERSION"));
    let commit = stdout
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(")\n"))
        .unwrap_or_else(|| panic!("not `{prefix}<commit>)`: {stdout:?}"));
    // This clone's history holds the commit (HEAD, or an earlier one when a commit came after
    // the build): not another repository's, not `unknown`.
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
    };
    if git(&["rev-parse", "HEAD"]).is_some_and(|o| o.status.success()) {
        assert!(
            commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit()),
            "{commit}"
        );
        let ancestor = git(&["merge-base", "--is-ancestor", commit, "HEAD"]).expect("git runs");
        assert!(
            ancestor.status.success(),
            "{commit} is not in HEAD's history"
        );
    }
}

/// Databases on the server, and the rows of a sentinel table the run must not touch.
async fn server_state(options: &sqlx::postgres::PgConnectOptions) -> (Vec<String>, i64) {
    let mut conn = options.connect().await.expect("connect");
    let dbs = sqlx::query("SELECT datname::text AS d FROM pg_database ORDER BY 1")
        .fetch_all(&mut conn)
        .await
        .expect("list databases")
        .iter()
        .map(|r| r.get::<String, _>("d"))
        .collect();
    let rows: i64 = sqlx::query("SELECT count(*) AS n FROM sentinel")
        .fetch_one(&mut conn)
        .await
        .expect("sentinel")
        .get("n");
    conn.close().await.expect("close");
    (dbs, rows)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_url_backend_creates_and_drops_only_its_own_database() {
    // A server standing in for the user's: ours, started the same way the local backend does.
    let server = local_server(&[]).await;
    let options = server.options("postgres");
    let mut conn = options.connect().await.expect("connect");
    sqlx::raw_sql("CREATE TABLE sentinel (id int); INSERT INTO sentinel VALUES (1), (2);")
        .execute(&mut conn)
        .await
        .expect("sentinel");
    conn.close().await.expect("close");
    let before = server_state(&options).await;

    let url = env_var(&server, "DATABASE_URL");
    let out = tokio::task::spawn_blocking(move || {
        pg_invariants(&["--backend", "url"], &[("PG_INVARIANTS_URL", &url)])
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(101),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("test orders::org_id::fk") && stdout.contains("FAILED"),
        "{stdout}"
    );
    assert!(stdout.contains("test invoices::org_id::fk"), "{stdout}");

    assert_eq!(
        server_state(&options).await,
        before,
        "the run left the server as it found it"
    );
}

/// A project whose chain takes a while, so a signal lands while the server is up.
fn slow_project(dir: &Path) {
    std::fs::create_dir_all(dir.join("migrations")).expect("mkdir");
    std::fs::create_dir_all(dir.join("invariants")).expect("mkdir");
    std::fs::write(
        dir.join("migrations/1_slow.sql"),
        "CREATE TABLE t (id int PRIMARY KEY);\nSELECT pg_sleep(60);\n",
    )
    .expect("write");
    std::fs::write(dir.join("invariants/t.toml"), "[columns.id]\n").expect("write");
    std::fs::write(
        dir.join("pg-invariants.toml"),
        "[migrations]\nformat = \"sql-dir\"\n",
    )
    .expect("write");
}

/// Starts a run on a slow chain, waits until `moment` holds for the server's directory, sends
/// SIGINT, and checks that the process exits with 130 leaving no server and no directory.
fn interrupt_when(moment: fn(&Path) -> bool) {
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, Instant};

    let scratch = tempdir_with_mode(0o755);
    let project = scratch.path().join("project");
    let tmp = scratch.path().join("tmp");
    std::fs::create_dir_all(&tmp).expect("mkdir");
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    slow_project(&project);

    let mut child = Command::new(env!("CARGO_BIN_EXE_pg-invariants"))
        .args(["test", "--backend", "local"])
        .current_dir(&project)
        .env("TMPDIR", &tmp)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let server_dirs = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(&tmp)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    let started = Instant::now();
    let dir = loop {
        if let Some(dir) = server_dirs().into_iter().find(|d| moment(d)) {
            break dir;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "that moment never came"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    let postmaster: Option<i32> = std::fs::read_to_string(dir.join("data/postmaster.pid"))
        .ok()
        .and_then(|t| t.lines().next().and_then(|l| l.trim().parse().ok()));

    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(130));
    if let Some(pid) = postmaster {
        // SAFETY: signal 0 only asks whether the process exists.
        let alive = unsafe { libc::kill(pid, 0) } == 0;
        assert!(!alive, "postmaster {pid} survived the interrupt");
    }
    assert!(server_dirs().is_empty(), "left behind: {:?}", server_dirs());
}

#[test]
fn sigint_during_initdb_removes_the_directory() {
    interrupt_when(|dir| dir.join("data").exists());
}

#[test]
fn sigint_while_the_server_runs_stops_it_and_removes_its_directory() {
    // The socket appears only when the real server listens (initdb's bootstrap backend writes
    // a postmaster.pid of its own, so that file says nothing).
    interrupt_when(|dir| dir.join(".s.PGSQL.5432").exists());
}

/// A project whose four `orphans` checks each take `seconds` (their `where` sleeps), and pass.
fn sleepy_checks_project(dir: &Path, seconds: u32) {
    std::fs::create_dir_all(dir.join("migrations")).expect("mkdir");
    std::fs::create_dir_all(dir.join("invariants")).expect("mkdir");
    std::fs::write(
        dir.join("migrations/1_t.sql"),
        "CREATE TABLE t (id int PRIMARY KEY, a int, b int, c int, d int);\n\
         INSERT INTO t VALUES (1, 1, 1, 1, 1);\n",
    )
    .expect("write");
    let sleepy = |c: &str| {
        format!(
            "[columns.{c}]\norphans = {{ references = \"t.id\", where = \"pg_sleep({seconds})::text = ''\" }}\n"
        )
    };
    let table: String = ["a", "b", "c", "d"].map(sleepy).concat();
    std::fs::write(dir.join("invariants/t.toml"), table).expect("write");
    std::fs::write(
        dir.join("pg-invariants.toml"),
        "[migrations]\nformat = \"sql-dir\"\n\n[snapshots]\nenabled = false\n",
    )
    .expect("write");
}

#[test]
fn a_closed_stdout_ends_the_run_quietly_and_removes_the_server() {
    use std::io::{BufRead, BufReader, Read};
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, Instant};

    let scratch = tempdir_with_mode(0o755);
    let project = scratch.path().join("project");
    let tmp = scratch.path().join("tmp");
    std::fs::create_dir_all(&tmp).expect("mkdir");
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    // Four passing checks of 3s each on two threads: 6s if they all ran.
    sleepy_checks_project(&project, 3);

    // `pg-invariants test | head -3`.
    let mut child = Command::new(env!("CARGO_BIN_EXE_pg-invariants"))
        .args(["test", "--backend", "local", "--test-threads", "2"])
        .current_dir(&project)
        .env("TMPDIR", &tmp)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut head = Vec::new();
    for _ in 0..3 {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read");
        head.push(line);
    }
    // The server is up (the tests are running): remember its postmaster.
    let server_dirs = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(&tmp)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    let postmaster: Option<i32> = server_dirs().iter().find_map(|dir| {
        let pid = std::fs::read_to_string(dir.join("data/postmaster.pid")).ok()?;
        pid.lines().next()?.trim().parse().ok()
    });
    drop(stdout);
    let closed = Instant::now();

    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    let status = child.wait().expect("wait");
    let after_close = closed.elapsed();

    assert!(head[1].starts_with("running 11 tests"), "{head:?}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Every check that ran passed, but not every check ran: 141, never 0.
    assert_eq!(status.code(), Some(141), "{stderr}");
    assert!(
        after_close < Duration::from_millis(5500),
        "the checks went on for {after_close:?} after stdout closed"
    );
    let pid = postmaster.expect("the server's postmaster.pid");
    // SAFETY: signal 0 only asks whether the process exists.
    assert!(
        unsafe { libc::kill(pid, 0) } != 0,
        "postmaster {pid} survived"
    );
    assert!(server_dirs().is_empty(), "left behind: {:?}", server_dirs());
}

/// The test names `tests/cases/<case>/expected.txt` lists.
fn expected_names(case: &str) -> std::collections::BTreeSet<String> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/cases/{case}/expected.txt"));
    std::fs::read_to_string(path)
        .expect("expected.txt")
        .lines()
        .filter_map(|l| {
            let (word, name) = l.split_once(' ')?;
            ["ok", "FAILED"].contains(&word).then(|| name.to_string())
        })
        .collect()
}

fn run_case_with(case: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pg-invariants"))
        .arg("test")
        .args(args)
        .current_dir(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/cases")
                .join(case),
        )
        .env_remove("PG_INVARIANTS_URL")
        .env("PG_INVARIANTS_BACKEND", "local")
        .output()
        .expect("the binary runs")
}

#[test]
fn json_output_stays_valid_with_hostile_names() {
    let case = "names-control-characters";
    let out = run_case_with(case, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(101), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut finished = std::collections::BTreeSet::new();
    for line in stdout.lines() {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: not JSON: {line}"));
        if event["type"] == "test" && event["event"] != "started" {
            finished.insert(event["name"].as_str().expect("a name").to_string());
        }
    }
    assert_eq!(finished, expected_names(case));
}

#[test]
fn terse_output_has_no_forged_line() {
    let case = "names-control-characters";
    let out = run_case_with(case, &["--format", "terse"]);
    assert_eq!(out.status.code(), Some(101), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let names = expected_names(case);
    // Terse output has no per-test line: only the summary starts with `test `.
    let summaries = stdout.lines().filter(|l| l.starts_with("test ")).count();
    assert_eq!(summaries, 1, "{stdout}");
    for line in stdout.lines() {
        if let Some(name) = line
            .strip_prefix("---- ")
            .and_then(|l| l.strip_suffix(" ----"))
        {
            assert!(names.contains(name), "forged header: {line:?}");
        }
        assert!(!line.chars().any(|c| c.is_control()), "{line:?}");
    }
    assert!(stdout.contains("---- members::org_id\\ntest x::y ... ok::indexed ----"));
}

#[test]
fn sigint_while_a_command_chain_runs_kills_the_tool_and_its_children() {
    use std::time::{Duration, Instant};

    let scratch = tempdir_with_mode(0o755);
    let project = scratch.path().join("project");
    std::fs::create_dir_all(project.join("invariants")).expect("mkdir");
    // The tool leads its own process group (so that a timeout kills all of it): the terminal's
    // Ctrl-C no longer reaches it, pg-invariants must pass it on.
    std::fs::write(
        project.join("pg-invariants.toml"),
        "[migrations]\nformat = \"command\"\ncommand = [\"sh\", \"-c\", \"echo $$ > tool.pid; sleep 3600 & wait\"]\n",
    )
    .expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pg-invariants"))
        .args(["test", "--backend", "local"])
        .current_dir(&project)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    let group: i32 = loop {
        let pid = std::fs::read_to_string(project.join("tool.pid")).unwrap_or_default();
        if let Ok(pid) = pid.trim().parse() {
            break pid;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the tool never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert_eq!(child.wait().expect("wait").code(), Some(130));
    // Killed processes linger as zombies until init reaps them: give it a moment.
    let stopped = Instant::now();
    // SAFETY: signal 0 to a process group only asks whether any of its processes exists.
    while unsafe { libc::killpg(group, 0) } == 0 {
        assert!(
            stopped.elapsed() < Duration::from_secs(5),
            "the tool's process group {group} survived the interrupt"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `server_version` of `server` without a distribution's suffix: `15.18`.
async fn version_of(server: &pg_invariants::provision::Postgres) -> String {
    let mut conn = server.options("postgres").connect().await.expect("connect");
    let version: String = sqlx::query_scalar("SELECT current_setting('server_version')")
        .fetch_one(&mut conn)
        .await
        .expect("version");
    conn.close().await.expect("close");
    version
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// `pg-invariants test ARGS` in `case` (on the server of `url`, if given), off the async
/// runtime; it must exit 101 (some test failed). Its stdout and stderr.
async fn some_test_fails(
    case: &'static str,
    args: &'static [&'static str],
    url: Option<String>,
) -> (String, String) {
    let out = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = url
            .iter()
            .map(|u| ("PG_INVARIANTS_URL", u.as_str()))
            .collect();
        pg_invariants_in(case, args, &env)
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(101), "{stdout}\n{stderr}");
    (stdout, stderr)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_header_names_the_version_and_a_missing_extension_says_how_to_get_it() {
    // The local server pg-invariants starts is one of these binaries: same version.
    let server = local_server(&[]).await;
    let version = version_of(&server).await;
    let major = version.split('.').next().unwrap_or_default().to_string();
    let (stdout, stderr) = some_test_fails(
        "tests/cases/apply-fails-missing-extension",
        &["--backend", "local"],
        None,
    )
    .await;
    assert!(
        stderr.contains(&format!(
            "2 migration(s) (sql-dir) on local PostgreSQL {version}; server ready in "
        )),
        "{stderr}"
    );
    let remedy = format!(
        "to get it: the local PostgreSQL {major} has no extension \"vector\": `apt-get install postgresql-{major}-pgvector`"
    );
    assert!(stdout.contains(&remedy), "{stdout}");
    assert!(
        stdout.contains(&format!("image = \"pgvector/pgvector:pg{major}\"")),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_supabase_preset_applies_on_the_url_backend_and_leaves_no_role_behind() {
    let server = local_server(&[]).await;
    let version = version_of(&server).await;
    let options = server.options("postgres");
    let roles = || async {
        let mut conn = options.connect().await.expect("connect");
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT rolname::text FROM pg_roles WHERE rolname IN ('anon', 'authenticated', 'service_role', 'supabase_admin') ORDER BY 1",
        )
        .fetch_all(&mut conn)
        .await
        .expect("roles");
        conn.close().await.expect("close");
        names
    };
    assert!(roles().await.is_empty());

    let url = env_var(&server, "DATABASE_URL");
    let (stdout, stderr) = some_test_fails(
        "tests/cases/preset-supabase",
        &["--backend", "url"],
        Some(url),
    )
    .await;
    assert!(
        stderr.contains(&format!("(supabase) on url PostgreSQL {version};")),
        "{stderr}"
    );
    for applied in [
        "migrations::apply",
        "migrations::idempotent",
        "profiles::id::on_delete",
    ] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("test {applied} ")))
            .unwrap_or_default();
        assert!(line.ends_with(" ok"), "{applied}: {line:?}\n{stdout}");
    }
    assert!(
        roles().await.is_empty(),
        "the preset's roles are the run's: the last run out drops them"
    );
}

#[test]
fn one_test_per_process_gives_the_idempotency_verdict_of_a_whole_run() {
    // nextest runs `--exact <name>` once per test. The second pass is skipped for every other
    // test, and must run (and fail) when it is the one asked for.
    let alone = run_case_with(
        "not-idempotent",
        &["--exact", "migrations::idempotent", "--format", "terse"],
    );
    let stdout = String::from_utf8_lossy(&alone.stdout);
    assert_eq!(alone.status.code(), Some(101), "{alone:?}");
    assert!(stdout.contains("1 failed"), "{stdout}");
    assert!(stdout.contains("audit_log"), "{stdout}");

    // Another test alone passes: the pass it skips would have failed, and is not its verdict.
    let other = run_case_with(
        "not-idempotent",
        &[
            "--exact",
            "audit_log::org_id::on_delete",
            "--format",
            "terse",
        ],
    );
    assert_eq!(other.status.code(), Some(0), "{other:?}");
    let stdout = String::from_utf8_lossy(&other.stdout);
    assert!(stdout.contains("1 passed"), "{stdout}");

    // Skipped by `--skip`, the idempotency test is not run and nothing fails.
    let skipped = run_case_with("not-idempotent", &["--skip", "migrations::idempotent"]);
    assert_eq!(skipped.status.code(), Some(0), "{skipped:?}");
}

/// A run's cluster lives where `PG_INVARIANTS_TMPDIR` says; without it (and without `TMPDIR`),
/// in memory (`/dev/shm`) when that has room, else in the temporary directory. Nothing is left
/// there after the run.
#[test]
fn the_cluster_lives_in_memory_unless_a_directory_is_named() {
    use std::os::unix::fs::PermissionsExt;

    let scratch = tempdir_with_mode(0o755);
    // Written by the server, which may run as an unprivileged user.
    let out = scratch.path().join("out");
    let named = scratch.path().join("named");
    for dir in [&out, &named] {
        std::fs::create_dir_all(dir).expect("mkdir");
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    }
    let project = scratch.path().join("project");
    std::fs::create_dir_all(project.join("migrations")).expect("mkdir");
    let report = out.join("data_directory");
    std::fs::write(
        project.join("migrations/1_where.sql"),
        format!(
            "CREATE TABLE t (id int);\nCOPY (SELECT current_setting('data_directory')) TO '{}';\n",
            report.display()
        ),
    )
    .expect("write");
    std::fs::write(
        project.join("pg-invariants.toml"),
        "[migrations]\nformat = \"sql-dir\"\nidempotent = false\n\n[invariants]\ncoverage = false\n",
    )
    .expect("write");
    let run = |tmpdir: Option<&Path>| -> std::path::PathBuf {
        let _ = std::fs::remove_file(&report);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pg-invariants"));
        cmd.args(["test", "--backend", "local", "--no-cache"])
            .current_dir(&project)
            .env_remove("TMPDIR")
            .env_remove("PG_INVARIANTS_TMPDIR");
        if let Some(dir) = tmpdir {
            cmd.env("PG_INVARIANTS_TMPDIR", dir);
        }
        let output = cmd.output().expect("the binary runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let data = std::fs::read_to_string(&report).expect("the migration wrote it");
        Path::new(data.trim()).to_path_buf()
    };

    let data = run(Some(&named));
    let named_real = named.canonicalize().expect("canonical");
    assert!(data.starts_with(&named_real), "{}", data.display());
    assert_eq!(std::fs::read_dir(&named).expect("ls").count(), 0);

    let data = run(None);
    let memory = Path::new("/dev/shm");
    let free = {
        let path = std::ffi::CString::new("/dev/shm").expect("path");
        // SAFETY: statvfs(3) into a zeroed struct we own, on a NUL-terminated path.
        let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
        (unsafe { libc::statvfs(path.as_ptr(), &mut stat) } == 0)
            .then(|| stat.f_bavail.saturating_mul(stat.f_frsize))
    };
    let room = free.is_some_and(|free| free >= (1 << 30) + (64 << 20));
    let expected = if room {
        memory.canonicalize().expect("canonical")
    } else {
        std::env::temp_dir().canonicalize().expect("canonical")
    };
    assert!(
        data.starts_with(&expected),
        "{} is not in {}",
        data.display(),
        expected.display()
    );
    let parent = data.parent().expect("the run's directory");
    assert!(!parent.exists(), "{} was left behind", parent.display());
}

#[test]
fn a_sqitch_chain_without_psql_exits_2_naming_what_to_install() {
    // The server's binaries (empty stand-ins) without psql beside them, and nothing on PATH:
    // sqitch's scripts cannot run as sqitch runs them, so nothing is tested.
    let bindir = tempfile::tempdir().expect("tempdir");
    for name in ["initdb", "postgres"] {
        std::fs::write(bindir.path().join(name), "").expect("write");
    }
    let empty = tempfile::tempdir().expect("tempdir");
    let dir = |d: &tempfile::TempDir| d.path().to_str().expect("utf-8").to_string();
    let out = pg_invariants_in(
        "tests/cases/format-sqitch",
        &["--backend", "local"],
        &[
            ("PG_INVARIANTS_PG_BINDIR", &dir(&bindir)),
            ("PATH", &dir(&empty)),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no psql was found"), "{stderr}");
    assert!(stderr.contains("postgresql-client"), "{stderr}");
}
