//! The cache of initdb'ed and migrated clusters (issue 12), with the real binary and a real
//! PostgreSQL (local backend), each test in a cache directory of its own
//! (`PG_INVARIANTS_CACHE_DIR`):
//! - a second run starts from the cache and applies nothing (its header says "from cache"), with
//!   the same verdicts; `pg-invariants cache key` names the entry;
//! - one changed byte of a migration misses; a chain that fails to apply is never kept;
//! - a hit skips the idempotency pass once it passed on that entry (each application of the
//!   chain is counted outside the database), and a chain that is not idempotent still fails
//!   `migrations::idempotent` on a hit;
//! - processes starting at once all succeed and leave one entry;
//! - a writer killed mid-way leaves no entry a run could use, and the next run cleans up;
//! - `--no-cache`, `PG_INVARIANTS_CACHE=off` and the url backend neither read nor write it;
//! - entries are private (0700);
//! - the processes of one test run (`PG_INVARIANTS_SHARED_RUN`, as nextest's `NEXTEST_RUN_ID`)
//!   share one server, which stops, leaving no process and no directory, once the last user
//!   left (even one killed with SIGKILL) and the idle time passed.

#[path = "support/server.rs"]
mod server_support;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A project (one table, a seed, one invariant) and a cache directory of its own, both removed
/// when dropped.
struct Project {
    scratch: tempfile::TempDir,
}

impl Project {
    fn new(extra_config: &str) -> Self {
        let scratch = tempfile::tempdir().expect("tempdir");
        let dir = scratch.path().join("project");
        std::fs::create_dir_all(dir.join("migrations")).expect("mkdir");
        std::fs::create_dir_all(dir.join("invariants")).expect("mkdir");
        std::fs::write(
            dir.join("migrations/0001_orgs.sql"),
            "CREATE TABLE orgs (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);\n",
        )
        .expect("write");
        std::fs::write(
            dir.join("migrations/0002_notes.sql"),
            "CREATE TABLE notes (id serial PRIMARY KEY, org_id bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE);\n",
        )
        .expect("write");
        std::fs::write(
            dir.join("seed.sql"),
            "INSERT INTO orgs (name) VALUES ('a');\n",
        )
        .expect("write");
        std::fs::write(
            dir.join("invariants/notes.toml"),
            "[columns.org_id]\nnot_null = true\nreferences = \"orgs.id\"\non_delete = \"cascade\"\n",
        )
        .expect("write");
        std::fs::write(dir.join("invariants/orgs.toml"), "primary_key = [\"id\"]\n")
            .expect("write");
        std::fs::write(
            dir.join("pg-invariants.toml"),
            format!(
                "[migrations]\npath = \"migrations\"\nformat = \"sql-dir\"\nseed = [\"seed.sql\"]\n{extra_config}\n[snapshots]\nenabled = false\n"
            ),
        )
        .expect("write");
        Self { scratch }
    }

    fn dir(&self) -> PathBuf {
        self.scratch.path().join("project")
    }

    fn cache(&self) -> PathBuf {
        self.scratch.path().join("cache")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pg-invariants"));
        cmd.args(args)
            .current_dir(self.dir())
            .env("PG_INVARIANTS_CACHE_DIR", self.cache())
            .env_remove("PG_INVARIANTS_CACHE")
            .env_remove("PG_INVARIANTS_URL")
            .env_remove("PG_INVARIANTS_BACKEND")
            .env_remove("PG_INVARIANTS_SHARED_RUN");
        cmd
    }

    fn test(&self, extra: &[&str]) -> Run {
        let out = self
            .command(&[&["test"], extra].concat())
            .output()
            .expect("the binary runs");
        Run::from(out)
    }

    fn key(&self) -> String {
        let out = self
            .command(&["cache", "key"])
            .output()
            .expect("the binary runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Names of the migrated clusters in the cache.
    fn migrated(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.cache().join("migrated")) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Self {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    /// `test NAME ... outcome` lines.
    fn outcomes(&self) -> BTreeMap<String, String> {
        self.stdout
            .lines()
            .filter_map(|l| {
                let (name, outcome) = l.strip_prefix("test ")?.split_once(" ... ")?;
                Some((name.trim().to_string(), outcome.trim().to_string()))
            })
            .collect()
    }

    fn hit(&self) -> Option<String> {
        after(&self.stderr, "chain and seed from cache ")
    }

    fn kept(&self) -> Option<String> {
        after(&self.stderr, "kept in the cache as ")
    }

    fn ok(&self) -> &Self {
        assert_eq!(self.code, Some(0), "{}\n{}", self.stderr, self.stdout);
        self
    }
}

/// `n` processes of `command`, started at once, each waited for.
fn at_once(n: usize, command: impl Fn() -> Command) -> Vec<Run> {
    let children: Vec<_> = (0..n)
        .map(|_| {
            command()
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    children
        .into_iter()
        .map(|c| Run::from(c.wait_with_output().expect("wait")))
        .collect()
}

/// The word after `label` in `text`.
fn after(text: &str, label: &str) -> Option<String> {
    let rest = text.split(label).nth(1)?;
    Some(rest.split_whitespace().next()?.to_string())
}

#[test]
fn a_second_run_starts_from_the_cache_with_the_same_verdicts() {
    let project = Project::new("");
    let first = project.test(&[]);
    first.ok();
    let key = first.kept().expect("the first run keeps its cluster");
    assert_eq!(first.hit(), None);
    assert_eq!(project.key(), key, "`cache key` names the entry");
    assert_eq!(project.migrated(), vec![key.clone()]);

    let second = project.test(&[]);
    second.ok();
    assert_eq!(
        second.hit().as_deref(),
        Some(key.as_str()),
        "{}",
        second.stderr
    );
    assert_eq!(second.kept(), None);
    assert_eq!(first.outcomes(), second.outcomes());
    assert_eq!(
        second
            .outcomes()
            .get("migrations::apply")
            .map(String::as_str),
        Some("ok")
    );
    // The seed's row is in the copy (the catalog and checks saw the migrated database).
    assert!(second.outcomes().contains_key("notes::org_id::on_delete"));
}

#[test]
fn one_changed_byte_misses_and_a_chain_that_fails_is_never_kept() {
    let project = Project::new("");
    let key = project.test(&[]).ok().kept().expect("kept");

    let migration = project.dir().join("migrations/0002_notes.sql");
    let text = std::fs::read_to_string(&migration).expect("read");
    std::fs::write(&migration, text.replace("serial", "bigserial")).expect("write");
    let changed = project.test(&[]);
    changed.ok();
    assert_eq!(changed.hit(), None, "{}", changed.stderr);
    let other = changed
        .kept()
        .expect("the changed chain is kept under its own key");
    assert_ne!(other, key);

    std::fs::write(&migration, "CREATE TABLE notes (id serial PRIMARY KEY, org_id bigint NOT NULL REFERENCES nowhere (id));\n")
        .expect("write");
    for _ in 0..2 {
        let broken = project.test(&[]);
        assert_eq!(broken.code, Some(101), "{}", broken.stderr);
        assert_eq!(
            broken
                .outcomes()
                .get("migrations::apply")
                .map(String::as_str),
            Some("FAILED")
        );
        assert_eq!(broken.hit(), None, "a failed chain is never a hit");
        assert_eq!(broken.kept(), None, "a failed chain is never kept");
    }
    assert_eq!(project.migrated().len(), 2);
}

#[test]
fn a_pass_that_fails_is_never_recorded_and_fails_on_a_hit_too() {
    // CREATE TABLE without IF NOT EXISTS: the second pass fails, on a hit too.
    let project = Project::new("idempotent = true\n");
    for hit in [false, true] {
        let run = project.test(&[]);
        assert_eq!(run.code, Some(101), "{}", run.stderr);
        assert_eq!(run.hit().is_some(), hit, "{}", run.stderr);
        let outcomes = run.outcomes();
        assert_eq!(
            outcomes.get("migrations::apply").map(String::as_str),
            Some("ok")
        );
        assert_eq!(
            outcomes.get("migrations::idempotent").map(String::as_str),
            Some("FAILED"),
            "{}",
            run.stdout
        );
    }
    let entries = std::fs::read_dir(project.cache().join("migrated")).expect("read");
    for entry in entries.flatten() {
        assert!(
            !entry.path().join("idempotent").exists(),
            "a failed pass is never recorded"
        );
    }
}

#[test]
fn a_hit_skips_the_idempotency_pass_that_passed_before() {
    // Each application of migration 0002 appends a line to `applications`, from the server
    // (COPY TO PROGRAM, as the server's user, hence a directory anyone may write to).
    let counter = server_support::tempdir_with_mode(0o777);
    let applications = counter.path().join("applications");
    std::fs::write(&applications, "").expect("write");
    std::fs::set_permissions(&applications, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let project = Project::new("idempotent = true\n");
    std::fs::write(
        project.dir().join("migrations/0001_orgs.sql"),
        "CREATE TABLE IF NOT EXISTS orgs (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);\n",
    )
    .expect("write");
    std::fs::write(
        project.dir().join("migrations/0002_notes.sql"),
        format!(
            "CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, org_id bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE);\n\
             COPY (SELECT 'applied') TO PROGRAM 'cat >> {}';\n",
            applications.display()
        ),
    )
    .expect("write");
    let count = || {
        std::fs::read_to_string(&applications)
            .expect("read")
            .lines()
            .count()
    };

    let first = project.test(&[]);
    first.ok();
    let key = first.kept().expect("kept");
    assert_eq!(count(), 2, "the chain, then the idempotency pass");
    assert!(
        project
            .cache()
            .join("migrated")
            .join(&key)
            .join("idempotent")
            .is_file(),
        "the pass that passed is recorded in the entry"
    );
    for _ in 0..2 {
        let warm = project.test(&[]);
        warm.ok();
        assert_eq!(warm.hit().as_deref(), Some(key.as_str()), "{}", warm.stderr);
        assert_eq!(
            count(),
            2,
            "a hit applies nothing, not even the second pass"
        );
        assert_eq!(warm.outcomes(), first.outcomes());
        assert_eq!(
            warm.outcomes()
                .get("migrations::idempotent")
                .map(String::as_str),
            Some("ok")
        );
    }
}

#[test]
fn runs_starting_at_once_all_succeed_and_leave_one_entry() {
    let project = Project::new("");
    let runs = at_once(3, || project.command(&["test"]));
    for run in &runs {
        run.ok();
        assert!(
            run.hit().is_some() || run.kept().is_some(),
            "{}",
            run.stderr
        );
    }
    // One builds while the others wait for it, then start from its entry.
    assert!(runs.iter().any(|r| r.hit().is_some()), "no run waited");
    assert_eq!(project.migrated().len(), 1);
}

#[test]
fn a_writer_killed_mid_way_leaves_no_usable_entry() {
    let project = Project::new("");
    // Fill the template first, so that the run below only writes the migrated cluster.
    project.test(&["migrations::apply"]).ok();
    let key = project.key();
    let entry = project.cache().join("migrated").join(&key);
    std::fs::remove_dir_all(&entry).expect("remove the entry");

    let mut child = project
        .command(&["test"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let tmp = project.cache().join("tmp");
    let deadline = Instant::now() + Duration::from_secs(60);
    let writing = || {
        std::fs::read_dir(&tmp)
            .map(|mut d| d.next().is_some())
            .unwrap_or(false)
    };
    while !writing() && Instant::now() < deadline && child.try_wait().ok().flatten().is_none() {
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    // Either the entry was not renamed into place yet (absent), or it was (whole).
    if entry.exists() {
        for file in ["data/PG_VERSION", "password", "database", "size", "lock"] {
            assert!(
                entry.join(file).exists(),
                "{file} missing from a visible entry"
            );
        }
    }
    let next = project.test(&[]);
    next.ok();
    assert!(
        next.hit().is_some() || next.kept().is_some(),
        "{}",
        next.stderr
    );
    let left: Vec<_> = std::fs::read_dir(&tmp).expect("tmp").flatten().collect();
    assert!(
        left.is_empty(),
        "the dead writer's directory is removed: {left:?}"
    );
    project.test(&[]).ok().hit().expect("a hit afterwards");
}

#[test]
fn no_cache_the_environment_and_the_url_backend_bypass_it() {
    let project = Project::new("");
    let flag = project.test(&["--no-cache"]);
    flag.ok();
    assert_eq!((flag.hit(), flag.kept()), (None, None), "{}", flag.stderr);

    let mut cmd = project.command(&["test"]);
    let env = Run::from(
        cmd.env("PG_INVARIANTS_CACHE", "off")
            .output()
            .expect("runs"),
    );
    env.ok();
    assert_eq!((env.hit(), env.kept()), (None, None), "{}", env.stderr);
    assert!(project.migrated().is_empty());

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let server = rt.block_on(server_support::local_server(&[]));
    let url = server_support::env_var(&server, "DATABASE_URL");
    let mut cmd = project.command(&["test", "--backend", "url"]);
    let on_url = Run::from(cmd.env("PG_INVARIANTS_URL", &url).output().expect("runs"));
    on_url.ok();
    assert_eq!(
        (on_url.hit(), on_url.kept()),
        (None, None),
        "{}",
        on_url.stderr
    );
    assert!(project.migrated().is_empty());
    let key = project
        .command(&["cache", "key", "--backend", "url"])
        .output()
        .expect("runs");
    assert_eq!(key.status.code(), Some(2));
}

#[test]
fn entries_are_private() {
    let project = Project::new("");
    let key = project.test(&[]).ok().kept().expect("kept");
    let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode(&project.cache()), 0o700);
    for kind in ["migrated", "template"] {
        let dir = project.cache().join(kind);
        assert_eq!(mode(&dir), 0o700);
        for entry in std::fs::read_dir(&dir).expect("read").flatten() {
            assert_eq!(mode(&entry.path()), 0o700, "{}", entry.path().display());
            assert_eq!(mode(&entry.path().join("data")), 0o700);
            assert_eq!(mode(&entry.path().join("password")), 0o600);
        }
    }
    assert!(project.cache().join("migrated").join(key).is_dir());
}

/// What a run's header says of the shared server: `(postmaster, "started" | "attached")`.
fn shared(stderr: &str) -> Option<(u32, String)> {
    let rest = stderr
        .split("on this run's shared server (postmaster ")
        .nth(1)?;
    let (pid, rest) = rest.split_once(", ")?;
    let how = rest.split(')').next()?;
    Some((pid.parse().ok()?, how.to_string()))
}

impl Project {
    /// `pg-invariants test` as a process of the test run `run`, whose server outlives its last
    /// user by `idle_ms`.
    fn in_run(&self, run: &str, idle_ms: u32, extra: &[&str]) -> Command {
        let mut cmd = self.command(&[&["test"], extra].concat());
        cmd.env("PG_INVARIANTS_SHARED_RUN", run)
            .env("PG_INVARIANTS_SHARED_IDLE_MS", idle_ms.to_string());
        cmd
    }

    fn servers(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.cache().join("servers"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    }

    /// Waits (up to a minute) until the run's server is gone: no directory under `servers/`,
    /// no postmaster `pid`, no server directory `socket_dir`.
    fn assert_server_gone(&self, pid: u32, socket_dir: Option<&Path>) {
        let postmaster_runs = || {
            std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.contains("postgres"))
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline
            && (!self.servers().is_empty()
                || postmaster_runs()
                || socket_dir.is_some_and(Path::exists))
        {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(
            self.servers(),
            Vec::<PathBuf>::new(),
            "the directory is gone"
        );
        assert!(!postmaster_runs(), "postmaster {pid} still runs");
        if let Some(dir) = socket_dir {
            assert!(!dir.exists(), "{} is left", dir.display());
        }
    }
}

#[test]
fn processes_of_one_run_share_one_server_which_goes_when_the_last_leaves() {
    let project = Project::new("");
    let alone = project.test(&[]);
    alone.ok();
    let runs = at_once(2, || project.in_run("run-a", 500, &[]));
    let servers: Vec<(u32, String)> = runs
        .iter()
        .map(|r| {
            r.ok();
            assert_eq!(r.outcomes(), alone.outcomes(), "the same verdicts as alone");
            shared(&r.stderr).unwrap_or_else(|| panic!("not shared: {}", r.stderr))
        })
        .collect();
    assert_eq!(servers[0].0, servers[1].0, "one postmaster: {servers:?}");
    let mut how: Vec<&str> = servers.iter().map(|s| s.1.as_str()).collect();
    how.sort();
    assert_eq!(how, ["attached", "started"]);

    project.assert_server_gone(servers[0].0, None);
    // Another run never meets the first's server.
    let other = Run::from(project.in_run("run-b", 500, &[]).output().expect("runs"));
    other.ok();
    let (pid, how) = shared(&other.stderr).expect("shared");
    assert_eq!(how, "started");
    project.assert_server_gone(pid, None);
}

/// A process of the run `run` that stays on its shared server for a while (an orphans check
/// whose query sleeps 12 s), once attached: the process (its stderr read up to the header), the
/// postmaster's pid and the run's record (`server`).
fn sleeping_user(project: &Project, run: &str) -> (std::process::Child, u32, serde_json::Value) {
    use std::io::{BufRead, BufReader};
    std::fs::write(
        project.dir().join("invariants/notes.toml"),
        "[columns.org_id]\nnot_null = true\nreferences = \"orgs.id\"\non_delete = \"cascade\"\norphans = { references = \"orgs.id\", where = \"pg_sleep(12) IS NOT NULL\" }\n",
    )
    .expect("write");
    std::fs::write(
        project.dir().join("seed.sql"),
        "INSERT INTO orgs (name) VALUES ('a');\nINSERT INTO notes (org_id) SELECT id FROM orgs;\n",
    )
    .expect("write");
    project.test(&["migrations::apply"]).ok();
    let mut user = project
        .in_run(run, 300, &["notes::org_id::orphans"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut header = String::new();
    let mut stderr = BufReader::new(user.stderr.take().expect("stderr"));
    while !header.contains("shared server") {
        header.clear();
        assert!(
            stderr.read_line(&mut header).expect("read") > 0,
            "no header"
        );
    }
    let (pid, how) = shared(&header).expect("shared");
    assert_eq!(how, "started");
    let record: serde_json::Value = serde_json::from_slice(
        &std::fs::read(project.servers()[0].join("server")).expect("the record"),
    )
    .expect("json");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        user.try_wait().expect("wait").is_none(),
        "still checking, on the server"
    );
    // The rest of its stderr, so that it never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    (user, pid, record)
}

fn socket_dir(record: &serde_json::Value) -> PathBuf {
    PathBuf::from(record["socket_dir"].as_str().expect("socket_dir"))
}

#[test]
fn a_user_killed_with_sigkill_does_not_keep_the_server() {
    let project = Project::new("");
    let (mut user, pid, record) = sleeping_user(&project, "run-k");
    let socket_dir = socket_dir(&record);
    assert!(socket_dir.is_dir());
    user.kill().expect("SIGKILL");
    user.wait().expect("reaped");
    let killed = Instant::now();
    project.assert_server_gone(pid, Some(&socket_dir));
    // Gone because its user is, not because the user's query ended (it sleeps 12 s).
    assert!(
        killed.elapsed() < Duration::from_secs(10),
        "{:?}",
        killed.elapsed()
    );
}

#[test]
fn sigterm_to_the_keeper_stops_the_server_and_its_users_say_so() {
    let project = Project::new("");
    let (user, pid, record) = sleeping_user(&project, "run-t");
    let keeper: u32 = record["keeper"]
        .as_str()
        .and_then(|tag| tag.split('_').next())
        .and_then(|pid| pid.parse().ok())
        .expect("the keeper's pid");
    let status = Command::new("kill")
        .args(["-TERM", &keeper.to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    project.assert_server_gone(pid, Some(&socket_dir(&record)));
    // The user's server went under it: "PostgreSQL exited", exit 2, never a pass.
    let out = user.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn a_chain_that_is_not_idempotent_runs_alone_with_its_exact_failure() {
    // CREATE TABLE without IF NOT EXISTS: the second pass fails.
    let project = Project::new("idempotent = true\n");
    let alone = project.test(&[]);
    assert_eq!(alone.code, Some(101), "{}", alone.stderr);
    for _ in 0..2 {
        let run = Run::from(project.in_run("run-i", 300, &[]).output().expect("runs"));
        assert_eq!(run.code, Some(101), "{}", run.stderr);
        assert_eq!(shared(&run.stderr), None, "runs alone: {}", run.stderr);
        assert_eq!(run.outcomes(), alone.outcomes());
        assert_eq!(
            run.outcomes()
                .get("migrations::idempotent")
                .map(String::as_str),
            Some("FAILED")
        );
        // The same messages, word for word (lines sorted: trials finish in any order).
        let lines = |r: &Run| {
            let mut lines: Vec<String> = r
                .stdout
                .lines()
                .filter(|l| !l.starts_with("test result:"))
                .map(String::from)
                .collect();
            lines.sort();
            lines
        };
        assert_eq!(lines(&run), lines(&alone));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while !project.servers().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(project.servers(), Vec::<PathBuf>::new());
}
