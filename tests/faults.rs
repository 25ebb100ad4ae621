//! Safe under faults and hostile input (real PostgreSQL, run as root): the throwaway server is
//! private to the run, a server that dies under the checks ends the run at once with exit 2,
//! and nothing outlives a run, not even one killed with SIGKILL (the next run removes it).
//! On the url backend: concurrent runs share roles safely, and a migration's prepared
//! transaction does not survive teardown.

#[path = "support/server.rs"]
mod server_support;

use server_support::{env_var, local_config};
use std::io::{BufRead, BufReader};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use pg_invariants::provision::{Postgres, Source};
use pg_invariants::spec::Backend;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};

/// A scratch area whose `tmp` is the runs' TMPDIR: every server directory lands there.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        // The server runs as an unprivileged user, who must be able to reach its directory.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let tmp = dir.path().join("tmp");
        std::fs::create_dir_all(&tmp).expect("mkdir");
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o1777)).expect("chmod");
        Self { dir }
    }

    fn tmp(&self) -> PathBuf {
        self.dir.path().join("tmp")
    }

    fn server_dirs(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.tmp())
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    }

    /// Writes a project: `files` are (path, contents) under the project directory.
    fn project(&self, name: &str, files: &[(&str, &str)]) -> PathBuf {
        let root = self.dir.path().join(name);
        for (path, text) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        root
    }

    /// The run after a killed one: `project` on the url backend's server `url`, off the async
    /// runtime (the binary blocks).
    async fn run_on_url(self, project: PathBuf, url: String) -> std::process::Output {
        tokio::task::spawn_blocking(move || {
            self.command(
                &project,
                &["--backend", "url"],
                &[("PG_INVARIANTS_URL", &url)],
            )
            .output()
            .expect("the next run")
        })
        .await
        .expect("join")
    }

    fn command(&self, project: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pg-invariants"));
        cmd.arg("test")
            .args(args)
            .current_dir(project)
            .env("TMPDIR", self.tmp())
            .env_remove("PG_INVARIANTS_URL")
            .env_remove("PG_INVARIANTS_BACKEND");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }
}

const CONFIG: &str = "[migrations]\nformat = \"sql-dir\"\n\n[snapshots]\nenabled = false\n";

/// Twenty NOT NULL columns behind a trigger that sleeps: on one thread the behavioural checks
/// take half a minute, time enough to kill the server under them.
fn slow_checks_project(scratch: &Scratch) -> PathBuf {
    let columns: Vec<String> = (1..=20).map(|i| format!("c{i} int NOT NULL")).collect();
    let migration = format!(
        "CREATE TABLE t (id int PRIMARY KEY, {});\n\
         CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN PERFORM pg_sleep(0.3); RETURN NEW; END $$;\n\
         CREATE TRIGGER slow BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION slow();\n",
        columns.join(", ")
    );
    let invariants: String = (1..=20)
        .map(|i| format!("[columns.c{i}]\nnot_null = true\n\n"))
        .collect();
    scratch.project(
        "slow-checks",
        &[
            ("pg-invariants.toml", CONFIG),
            ("migrations/1_t.sql", &migration),
            (
                "invariants/t.toml",
                &format!("[columns.id]\n\n{invariants}"),
            ),
        ],
    )
}

/// A project whose chain sleeps, so that a signal lands while the server is up.
fn slow_chain_project(scratch: &Scratch) -> PathBuf {
    scratch.project(
        "slow-chain",
        &[
            ("pg-invariants.toml", CONFIG),
            (
                "migrations/1_slow.sql",
                "CREATE TABLE t (id int PRIMARY KEY);\nSELECT pg_sleep(60);\n",
            ),
            ("invariants/t.toml", "[columns.id]\n"),
        ],
    )
}

fn quick_project(scratch: &Scratch) -> PathBuf {
    scratch.project(
        "quick",
        &[
            ("pg-invariants.toml", CONFIG),
            (
                "migrations/1_t.sql",
                "CREATE TABLE t (id int PRIMARY KEY);\n",
            ),
            ("invariants/t.toml", "[columns.id]\n"),
        ],
    )
}

fn wait_for<T>(what: &str, limit: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(started.elapsed() < limit, "{what} never happened");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The directory of the one server running under `scratch`, once its socket exists.
fn running_server(scratch: &Scratch) -> PathBuf {
    wait_for("a server listening", Duration::from_secs(60), || {
        scratch
            .server_dirs()
            .into_iter()
            .find(|d| d.join(".s.PGSQL.5432").exists())
    })
}

fn postmaster_pid(server_dir: &Path) -> i32 {
    std::fs::read_to_string(server_dir.join("data/postmaster.pid"))
        .ok()
        .and_then(|t| t.lines().next().and_then(|l| l.trim().parse().ok()))
        .expect("a postmaster.pid")
}

/// Whether `pid` still runs. A zombie does not (killed, but its parent, our killed harness, is
/// gone and the machine's init may reap it late), and a SIGKILL sent by the next run may take a
/// moment to land: asked for up to 5 s.
fn alive(pid: i32) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok();
        // The state is the first field after the command name, which ends with the last ')'.
        let running = state
            .as_deref()
            .and_then(|s| s.rsplit_once(") "))
            .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X'));
        if !running || std::time::Instant::now() > deadline {
            return running;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(pid: i32, sig: i32) {
    // SAFETY: kill(2) on a process this test started (or its server).
    unsafe { libc::kill(pid, sig) };
}

/// `psql` as `nobody`: what any other local user can do.
fn psql_as_nobody(socket_dir: &Path) -> Output {
    Command::new("runuser")
        .args(["-u", "nobody", "--", "psql", "-w", "-h"])
        .arg(socket_dir)
        .args(["-U", "postgres", "-d", "postgres", "-c", "SELECT 1"])
        .env_remove("PGPASSWORD")
        .output()
        .expect("runuser runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn another_local_user_cannot_reach_the_server() {
    // Copied from the cache's template when there is one: a copy is as private as initdb's.
    let cache = pg_invariants::provision::Cache::locate(false).expect("an own cache directory");
    let server = Postgres::start(&Source::new(Backend::Local, local_config(&[]), cache))
        .await
        .expect("a local PostgreSQL");
    let dir = PathBuf::from(env_var(&server, "PGHOST"));
    let meta = std::fs::metadata(&dir).expect("the server's directory");
    assert_eq!(meta.mode() & 0o777, 0o700, "the directory is private");
    let postgres_uid = std::fs::metadata(dir.join("data")).expect("data").uid();
    assert_eq!(meta.uid(), postgres_uid, "owned by the server's user");
    let socket = std::fs::metadata(dir.join(".s.PGSQL.5432")).expect("the socket");
    assert_eq!(socket.mode() & 0o777, 0o700, "the socket is private");

    let out = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || psql_as_nobody(&dir)
    })
    .await
    .expect("join");
    assert!(!out.status.success(), "nobody connected: {out:?}");
    let listing = Command::new("runuser")
        .args(["-u", "nobody", "--", "ls"])
        .arg(&dir)
        .output()
        .expect("runuser runs");
    assert!(!listing.status.success(), "nobody read the directory");

    // Not even root (who passes the permissions) gets in without the run's password...
    let no_password = Command::new("psql")
        .args(["-w", "-h"])
        .arg(&dir)
        .args(["-U", "postgres", "-d", "postgres", "-c", "SELECT 1"])
        .env_remove("PGPASSWORD")
        .output()
        .expect("psql runs");
    assert!(
        !no_password.status.success(),
        "trust is gone: {no_password:?}"
    );
    // ...which the harness and its external tools (format = "command") have.
    let with_password = Command::new("psql")
        .arg(env_var(&server, "DATABASE_URL"))
        .args(["-c", "SELECT 1"])
        .output()
        .expect("psql runs");
    assert!(with_password.status.success(), "{with_password:?}");
    let mut conn = server.options("postgres").connect().await.expect("connect");
    conn.ping().await.expect("the harness connects");
    conn.close().await.expect("close");
}

/// Reads the child's stdout on a thread, collecting it, and tells when `marker` went by.
fn watch_stdout(child: &mut Child, marker: &'static str) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().expect("piped stdout");
    std::thread::spawn(move || {
        let mut all = String::new();
        let mut told = false;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            all.push_str(&line);
            all.push('\n');
            if !told && line.contains(marker) {
                let _ = tx.send(String::new());
                told = true;
            }
        }
        let _ = tx.send(all);
    });
    rx
}

/// Runs the slow checks, kills the postmaster of `server` (found once the run is under way)
/// when the checks are under way, and returns the run's exit status, stdout, stderr and how
/// long it took to end after the kill.
fn kill_the_server_under_the_checks(
    scratch: &Scratch,
    env: &[(&str, &str)],
    server: impl FnOnce() -> PathBuf,
) -> (std::process::ExitStatus, String, String, Duration) {
    let project = slow_checks_project(scratch);
    let mut child = scratch
        .command(&project, &["--test-threads", "1"], env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let lines = watch_stdout(&mut child, "t::c10::not_null");
    let server = server();
    lines
        .recv_timeout(Duration::from_secs(60))
        .expect("the checks started");
    signal(postmaster_pid(&server), libc::SIGKILL);
    let killed = Instant::now();
    let status = wait_for("the run's end", Duration::from_secs(60), || {
        child.try_wait().expect("wait")
    });
    let took = killed.elapsed();
    let stdout = lines.recv().expect("stdout");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("stderr");
    (status, stdout, stderr, took)
}

#[test]
fn a_server_killed_under_the_checks_ends_the_run_with_exit_2_at_once() {
    let scratch = Scratch::new();
    let (status, stdout, stderr, took) =
        kill_the_server_under_the_checks(&scratch, &[], || running_server(&scratch));
    assert_eq!(status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert!(
        stderr.contains("error: PostgreSQL exited: signal: 9 (SIGKILL)")
            && stderr.contains("last lines of its log:"),
        "{stderr}"
    );
    let failed_at_once = stdout
        .lines()
        .filter(|l| l.contains("PostgreSQL exited: signal: 9"))
        .count();
    assert!(
        failed_at_once >= 10,
        "the remaining checks say why: {stdout}"
    );
    assert!(
        scratch.server_dirs().is_empty(),
        "{:?}",
        scratch.server_dirs()
    );
}

#[test]
fn a_run_killed_with_sigkill_is_cleaned_up_by_the_next_run() {
    let scratch = Scratch::new();
    let slow = slow_chain_project(&scratch);
    let mut child = scratch
        .command(&slow, &[], &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let server = running_server(&scratch);
    let postmaster = postmaster_pid(&server);
    signal(child.id() as i32, libc::SIGKILL);
    child.wait().expect("wait");
    assert!(server.exists(), "nothing ran on SIGKILL");

    let next = scratch
        .command(&quick_project(&scratch), &[], &[])
        .output()
        .expect("the next run");
    assert_eq!(next.status.code(), Some(0), "{next:?}");
    assert!(!alive(postmaster), "postmaster {postmaster} survived");
    assert!(
        scratch.server_dirs().is_empty(),
        "{:?}",
        scratch.server_dirs()
    );
}

/// A server standing in for the user's, for the url backend.
async fn shared_server(settings: &[(&str, &str)]) -> (Postgres, String) {
    let cache = pg_invariants::provision::Cache::locate(false).expect("an own cache directory");
    let server = Postgres::start(&Source::new(Backend::Local, local_config(settings), cache))
        .await
        .expect("a local PostgreSQL");
    let url = env_var(&server, "DATABASE_URL");
    (server, url)
}

async fn strings(options: &PgConnectOptions, sql: &'static str) -> Vec<String> {
    let mut conn = options.connect().await.expect("connect");
    let rows = sqlx::query_scalar(sql)
        .fetch_all(&mut conn)
        .await
        .expect("query");
    conn.close().await.expect("close");
    rows
}

async fn our_databases(options: &PgConnectOptions) -> Vec<String> {
    strings(
        options,
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'pg\\_invariants\\_%'",
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_url_server_gone_under_the_checks_ends_the_run_with_exit_2_at_once() {
    let (server, url) = shared_server(&[]).await;
    let dir = PathBuf::from(env_var(&server, "PGHOST"));
    let (status, stdout, stderr, took) = tokio::task::spawn_blocking(move || {
        let scratch = Scratch::new();
        kill_the_server_under_the_checks(
            &scratch,
            &[
                ("PG_INVARIANTS_BACKEND", "url"),
                ("PG_INVARIANTS_URL", &url),
            ],
            || dir,
        )
    })
    .await
    .expect("join");
    assert_eq!(status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert!(
        stderr.contains(
            "error: PostgreSQL exited: the server of PG_INVARIANTS_URL cannot be reached"
        ),
        "{stderr}"
    );
    drop(server);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_url_runs_creating_the_same_role_are_green_and_leave_no_role() {
    let (server, url) = shared_server(&[]).await;
    let options = server.options("postgres");
    let scratch = Scratch::new();
    let project = scratch.project(
        "roles",
        &[
            (
                "pg-invariants.toml",
                "[migrations]\nformat = \"sql-dir\"\nbefore = [\"roles.sql\"]\n\n[snapshots]\nenabled = false\n",
            ),
            (
                "roles.sql",
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') \
                 THEN CREATE ROLE app NOLOGIN; END IF; END $$;\n",
            ),
            (
                "migrations/1_t.sql",
                "CREATE TABLE t (id int PRIMARY KEY);\nGRANT SELECT ON t TO app;\n",
            ),
            ("invariants/t.toml", "[columns.id]\n"),
        ],
    );
    let runs: Vec<Child> = (0..4)
        .map(|_| {
            scratch
                .command(
                    &project,
                    &["--backend", "url"],
                    &[("PG_INVARIANTS_URL", &url)],
                )
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for run in runs {
        let out = tokio::task::spawn_blocking(move || run.wait_with_output())
            .await
            .expect("join")
            .expect("wait");
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    }
    let roles = strings(
        &options,
        "SELECT rolname::text FROM pg_roles WHERE rolname = 'app'",
    )
    .await;
    assert!(roles.is_empty(), "the last run dropped the role");
    assert!(our_databases(&options).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_prepared_transaction_left_by_the_chain_does_not_survive_teardown() {
    let (server, url) = shared_server(&[("max_prepared_transactions", "5")]).await;
    let options = server.options("postgres");
    let scratch = Scratch::new();
    let project = scratch.project(
        "prepared",
        &[
            ("pg-invariants.toml", "[migrations]\nformat = \"sql-dir\"\nidempotent = true\n\n[snapshots]\nenabled = false\n"),
            (
                "migrations/1_t.sql",
                "CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY);\n",
            ),
            (
                "migrations/2_prepared.sql",
                "BEGIN;\nINSERT INTO t SELECT coalesce(max(id), 0) + 1 FROM t;\nPREPARE TRANSACTION 'left_behind';\n",
            ),
            ("invariants/t.toml", "[columns.id]\n"),
        ],
    );
    let out = scratch
        .command(
            &project,
            &["--backend", "url"],
            &[("PG_INVARIANTS_URL", &url)],
        )
        .output()
        .expect("run");
    assert!(matches!(out.status.code(), Some(0 | 101)), "{out:?}");
    assert!(our_databases(&options).await.is_empty(), "{out:?}");
    let prepared = strings(&options, "SELECT gid FROM pg_prepared_xacts").await;
    assert!(prepared.is_empty(), "{prepared:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_url_run_killed_with_sigkill_leaves_no_database_after_the_next_run() {
    let (server, url) = shared_server(&[]).await;
    let options = server.options("postgres");
    let scratch = Scratch::new();
    let slow = slow_chain_project(&scratch);
    let mut child = scratch
        .command(&slow, &["--backend", "url"], &[("PG_INVARIANTS_URL", &url)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    while our_databases(&options).await.is_empty() {
        assert!(started.elapsed() < Duration::from_secs(60), "no database");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    signal(child.id() as i32, libc::SIGKILL);
    child.wait().expect("wait");
    assert!(
        !our_databases(&options).await.is_empty(),
        "nothing ran on SIGKILL"
    );

    let quick = quick_project(&scratch);
    let next = scratch.run_on_url(quick, url).await;
    assert_eq!(next.status.code(), Some(0), "{next:?}");
    assert!(our_databases(&options).await.is_empty());
}

/// A second local account, made for one test and removed when dropped.
struct Account {
    name: String,
    uid: u32,
}

impl Account {
    fn new(tag: &str) -> Self {
        let name = format!("pgi-{tag}-{}", std::process::id());
        let made = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
            ])
            .arg(&name)
            .status()
            .expect("useradd runs");
        assert!(made.success(), "useradd {name}");
        let id = Command::new("id").args(["-u", &name]).output().expect("id");
        let uid = String::from_utf8_lossy(&id.stdout)
            .trim()
            .parse()
            .expect("a uid");
        Self { name, uid }
    }
}

impl Drop for Account {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.name).status();
    }
}

/// A directory the harness must never change: a link in the cache points at it.
fn victim(scratch: &Scratch) -> PathBuf {
    let victim = scratch.dir.path().join("victim");
    std::fs::create_dir_all(victim.join("sub")).expect("mkdir");
    std::fs::write(victim.join("sub/keep"), "mine").expect("write");
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    victim
}

fn assert_untouched(victim: &Path) {
    let mode = std::fs::metadata(victim).expect("stat").mode() & 0o777;
    assert_eq!(mode, 0o755, "{} was chmodded", victim.display());
    assert_eq!(
        std::fs::read_to_string(victim.join("sub/keep"))
            .ok()
            .as_deref(),
        Some("mine"),
        "{} lost its contents",
        victim.display()
    );
}

#[test]
fn a_cache_directory_of_another_account_is_refused_and_its_links_never_followed() {
    let scratch = Scratch::new();
    let project = quick_project(&scratch);
    let victim = victim(&scratch);
    let other = Account::new("cache");
    // Another account's cache directory (a shared CI cache, a path under /tmp), holding links
    // where the cache's directories would be.
    let cache = scratch.dir.path().join("cache");
    std::fs::create_dir(&cache).expect("mkdir");
    for dir in ["template", "migrated", "tmp", "runs"] {
        std::os::unix::fs::symlink(&victim, cache.join(dir)).expect("symlink");
    }
    std::os::unix::fs::chown(&cache, Some(other.uid), Some(other.uid)).expect("chown");
    let cache_dir = cache.to_str().expect("utf-8");
    for (args, shared) in [(&[][..], None), (&["--no-cache"][..], Some("run-foreign"))] {
        let mut env = vec![("PG_INVARIANTS_CACHE_DIR", cache_dir)];
        env.extend(shared.map(|run| ("PG_INVARIANTS_SHARED_RUN", run)));
        let out = scratch
            .command(&project, args, &env)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&other.name)
                && stderr.contains("belongs to")
                && stderr.contains("PG_INVARIANTS_CACHE_DIR"),
            "{args:?}: {stderr}"
        );
        assert_untouched(&victim);
    }
    // Ours, but writable by the group: refused too, saying how to fix it.
    std::os::unix::fs::chown(&cache, Some(0), Some(0)).expect("chown");
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o770)).expect("chmod");
    let out = scratch
        .command(&project, &[], &[("PG_INVARIANTS_CACHE_DIR", cache_dir)])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("chmod go-w"), "{stderr}");
    assert_untouched(&victim);
}

#[test]
fn a_fifo_a_device_or_an_oversized_file_in_the_chain_is_exit_2_naming_it() {
    let scratch = Scratch::new();
    let project = quick_project(&scratch);
    let migrations = project.join("migrations");
    let fifo = migrations.join("2_fifo.sql");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: mkfifo with a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let check = |file: &str, what: &str| {
        let started = Instant::now();
        let mut child = scratch
            .command(&project, &["--no-cache"], &[])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let code = wait_for("the run's end", Duration::from_secs(60), || {
            child.try_wait().expect("wait")
        });
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
            .expect("read");
        assert_eq!(code.code(), Some(2), "{file}: {stderr}");
        assert!(
            stderr.contains(file) && stderr.contains(what),
            "{file}: {stderr}"
        );
        assert!(started.elapsed() < Duration::from_secs(30), "{file}: slow");
    };
    check("2_fifo.sql", "a FIFO");
    std::fs::remove_file(&fifo).expect("rm");
    std::os::unix::fs::symlink("/dev/zero", migrations.join("2_zero.sql")).expect("symlink");
    check("2_zero.sql", "a device");
    std::fs::remove_file(migrations.join("2_zero.sql")).expect("rm");
    let big = migrations.join("2_big.sql");
    std::fs::File::create(&big)
        .expect("create")
        .set_len((64 << 20) + 1)
        .expect("grow");
    check("2_big.sql", "64 MiB");
    // The seed is read the same way.
    std::fs::remove_file(&big).expect("rm");
    std::os::unix::fs::symlink("/dev/zero", project.join("seed.sql")).expect("symlink");
    std::fs::write(
        project.join("pg-invariants.toml"),
        "[migrations]\nformat = \"sql-dir\"\nseed = [\"seed.sql\"]\n\n[snapshots]\nenabled = false\n",
    )
    .expect("write");
    check("seed.sql", "a device");
}

/// The name of the account we run as.
fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn project_sql_runs_programs_as_an_account_of_its_own() {
    // As root, the server's account owns nothing else: not the distribution's `postgres`.
    // SAFETY: geteuid has no preconditions.
    let expected = match unsafe { libc::geteuid() } {
        0 => "pg-invariants".to_string(),
        _ => whoami(),
    };
    let scratch = Scratch::new();
    let migration = format!(
        "CREATE TEMP TABLE whoami (name text);\n\
         COPY whoami FROM PROGRAM 'id -un';\n\
         DO $$ BEGIN IF (SELECT name FROM whoami) IS DISTINCT FROM '{expected}' THEN \
         RAISE EXCEPTION 'the server runs as %', (SELECT name FROM whoami); END IF; END $$;\n\
         CREATE TABLE t (id int PRIMARY KEY);\n"
    );
    let project = scratch.project(
        "whoami",
        &[
            ("pg-invariants.toml", CONFIG),
            ("migrations/1_t.sql", &migration),
            ("invariants/t.toml", "[columns.id]\n"),
        ],
    );
    let out = scratch
        .command(&project, &[], &[])
        .output()
        .expect("the run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("migrations::apply ... ok"),
        "{out:?}"
    );
}

/// The roles named `leaky…` on the server.
async fn leaky_roles(options: &PgConnectOptions) -> Vec<String> {
    strings(
        options,
        "SELECT rolname::text FROM pg_roles WHERE rolname LIKE 'leaky%' ORDER BY 1",
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_url_run_killed_during_the_chain_leaves_no_role_after_the_next_run() {
    let (server, url) = shared_server(&[]).await;
    let options = server.options("postgres");
    let scratch = Scratch::new();
    let config = "[migrations]\nformat = \"sql-dir\"\nbefore = [\"roles.sql\"]\n\n[snapshots]\nenabled = false\n";
    // One role in a transaction, one by a script that runs outside one (VACUUM refuses a
    // transaction block): both commit before the chain sleeps.
    let roles = "CREATE ROLE leaky_in_before NOLOGIN;\nVACUUM;\n";
    let files = |sleep: &'static str| {
        [
            ("pg-invariants.toml", config),
            ("roles.sql", roles),
            (
                "migrations/1_t.sql",
                "CREATE TABLE t (id int PRIMARY KEY);\nCREATE ROLE leaky_in_chain NOLOGIN;\n",
            ),
            ("migrations/2_sleep.sql", sleep),
            ("invariants/t.toml", "[columns.id]\n"),
        ]
    };
    let slow = scratch.project("slow-roles", &files("SELECT pg_sleep(60);\n"));
    let mut child = scratch
        .command(&slow, &["--backend", "url"], &[("PG_INVARIANTS_URL", &url)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    while leaky_roles(&options).await.len() < 2 {
        assert!(started.elapsed() < Duration::from_secs(60), "no role");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    signal(child.id() as i32, libc::SIGKILL);
    child.wait().expect("wait");

    // The same roles again, created without IF NOT EXISTS: the next run fails unless the
    // killed run's roles are gone first.
    let quick = scratch.project("quick-roles", &files("SELECT 1;\n"));
    let next = scratch.run_on_url(quick, url).await;
    assert_eq!(next.status.code(), Some(0), "{next:?}");
    assert!(leaky_roles(&options).await.is_empty());
    assert!(our_databases(&options).await.is_empty());
}
