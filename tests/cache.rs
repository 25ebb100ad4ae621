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
//!   share one keeper (and its one server), with the verdicts and messages of a run of their
//!   own, which stops, leaving no process and no directory, once the last user left (even one
//!   killed with SIGKILL) and the idle time passed; processes that differ get a keeper each,
//!   and a listing starts the keeper the run then finds;
//! - the files a sqitch script includes are in the key; a script running a shell command is never
//!   kept.

#[path = "support/libtest.rs"]
mod libtest;
#[path = "support/server.rs"]
mod server_support;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use libtest::message;

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

/// What a run's header says of its keeper: `(keeper pid, "started" | "attached")`.
fn keeper(stderr: &str) -> Option<(u32, String)> {
    let rest = stderr.split("checked by this run's keeper (pid ").nth(1)?;
    let (pid, rest) = rest.split_once(", ")?;
    let how = rest.split(')').next()?;
    Some((pid.parse().ok()?, how.to_string()))
}

/// The postmasters whose parent is `keeper`, with their data directories (`-D`).
fn postmasters_of(keeper: u32) -> Vec<(u32, PathBuf)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let after = &stat[stat.rfind(')')? + 1..];
            let parent: u32 = after.split_whitespace().nth(1)?.parse().ok()?;
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let args: Vec<String> = cmdline
                .split(|b| *b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            let data = args.iter().position(|a| a == "-D")?;
            (parent == keeper && args[0].ends_with("postgres"))
                .then(|| (pid, PathBuf::from(&args[data + 1])))
        })
        .collect()
}

fn runs_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

impl Project {
    /// `pg-invariants test` as a process of the test run `run`, whose keeper outlives its last
    /// user by `idle_ms`.
    fn in_run(&self, run: &str, idle_ms: u32, extra: &[&str]) -> Command {
        let mut cmd = self.command(&[&["test"], extra].concat());
        cmd.env("PG_INVARIANTS_SHARED_RUN", run)
            .env("PG_INVARIANTS_SHARED_IDLE_MS", idle_ms.to_string());
        cmd
    }

    fn keepers(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.cache().join("runs"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    }

    /// Waits (up to a minute) until the keeper `pid` is gone, and with it its directory, its
    /// postmasters `servers` and their data directories.
    fn assert_keeper_gone(&self, pid: u32, servers: &[(u32, PathBuf)]) {
        let left = || {
            !self.keepers().is_empty()
                || runs_alive(pid)
                || servers.iter().any(|(p, d)| runs_alive(*p) || d.exists())
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline && left() {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(
            self.keepers(),
            Vec::<PathBuf>::new(),
            "the directory is gone"
        );
        assert!(!runs_alive(pid), "keeper {pid} still runs");
        for (postmaster, data) in servers {
            assert!(
                !runs_alive(*postmaster),
                "postmaster {postmaster} still runs"
            );
            assert!(!data.exists(), "{} is left", data.display());
        }
    }
}

#[test]
fn processes_of_one_run_share_one_keeper_which_goes_when_the_last_leaves() {
    let project = Project::new("");
    let alone = project.test(&[]);
    alone.ok();
    assert_eq!(keeper(&alone.stderr), None, "alone: {}", alone.stderr);
    let runs = at_once(2, || project.in_run("run-a", 500, &[]));
    let keepers: Vec<(u32, String)> = runs
        .iter()
        .map(|r| {
            r.ok();
            assert_eq!(r.outcomes(), alone.outcomes(), "the same verdicts as alone");
            assert!(r.hit().is_some(), "the keeper's header: {}", r.stderr);
            keeper(&r.stderr).unwrap_or_else(|| panic!("no keeper: {}", r.stderr))
        })
        .collect();
    assert_eq!(keepers[0].0, keepers[1].0, "one keeper: {keepers:?}");
    let mut how: Vec<&str> = keepers.iter().map(|s| s.1.as_str()).collect();
    how.sort();
    assert_eq!(how, ["attached", "started"]);
    let servers = postmasters_of(keepers[0].0);
    assert_eq!(servers.len(), 1, "the keeper's one server");

    project.assert_keeper_gone(keepers[0].0, &servers);
    // Another run never meets the first's keeper.
    let other = Run::from(project.in_run("run-b", 500, &[]).output().expect("runs"));
    other.ok();
    let (pid, how) = keeper(&other.stderr).expect("a keeper");
    assert_eq!(how, "started");
    assert_ne!(pid, keepers[0].0);
    project.assert_keeper_gone(pid, &[]);
}

#[test]
fn processes_that_differ_get_a_keeper_each_and_a_listing_starts_one() {
    let project = Project::new("");
    project.test(&[]).ok();
    // nextest lists before it runs: the listing starts the keeper, and the run finds it.
    let listed = project
        .in_run("run-l", 2000, &["--list"])
        .output()
        .expect("runs");
    assert!(listed.status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    while project.keepers().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(project.keepers().len(), 1, "the listing started a keeper");
    let first = Run::from(project.in_run("run-l", 2000, &[]).output().expect("runs"));
    first.ok();
    assert_eq!(keeper(&first.stderr).expect("a keeper").1, "attached");
    // Another environment may check differently: a keeper of its own.
    let other = Run::from(
        project
            .in_run("run-l", 2000, &[])
            .env("PG_INVARIANTS_CASES", "1")
            .output()
            .expect("runs"),
    );
    other.ok();
    let (a, b) = (keeper(&first.stderr), keeper(&other.stderr));
    assert_ne!(a.expect("keeper").0, b.clone().expect("keeper").0);
    assert_eq!(b.expect("keeper").1, "started");
    assert_eq!(project.keepers().len(), 2);
}

/// A process of the run `run` that waits for a verdict from its keeper for a while (an orphans
/// check whose query sleeps 12 s): the process (its stderr read up to the header), the keeper's
/// pid and its server (postmaster and data directory).
fn sleeping_user(project: &Project, run: &str) -> (std::process::Child, u32, (u32, PathBuf)) {
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
        .in_run(run, 300, &["--exact", "notes::org_id::orphans"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut header = String::new();
    let mut stderr = BufReader::new(user.stderr.take().expect("stderr"));
    while !header.contains("run's keeper") {
        header.clear();
        assert!(
            stderr.read_line(&mut header).expect("read") > 0,
            "no header"
        );
    }
    let (pid, how) = keeper(&header).expect("a keeper");
    assert_eq!(how, "started");
    let servers = postmasters_of(pid);
    assert_eq!(servers.len(), 1, "the keeper's server");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        user.try_wait().expect("wait").is_none(),
        "still waiting for its verdict"
    );
    // The rest of its stderr, so that it never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    (user, pid, servers[0].clone())
}

#[test]
fn a_user_killed_with_sigkill_does_not_keep_the_keeper() {
    let project = Project::new("");
    let (mut user, pid, server) = sleeping_user(&project, "run-k");
    assert!(server.1.is_dir());
    user.kill().expect("SIGKILL");
    user.wait().expect("reaped");
    let killed = Instant::now();
    project.assert_keeper_gone(pid, &[server]);
    // Gone because its user is, not because the check ended (its query sleeps 12 s).
    assert!(
        killed.elapsed() < Duration::from_secs(10),
        "{:?}",
        killed.elapsed()
    );
}

#[test]
fn sigterm_to_the_keeper_stops_its_server_and_its_users_say_so() {
    let project = Project::new("");
    let (user, pid, server) = sleeping_user(&project, "run-t");
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    project.assert_keeper_gone(pid, &[server]);
    // The user's verdict went with it: exit 2, never a pass.
    let out = user.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn a_chain_that_is_not_idempotent_fails_on_the_keeper_with_its_exact_failure() {
    // CREATE TABLE without IF NOT EXISTS: the second pass fails.
    let project = Project::new("idempotent = true\n");
    let alone = project.test(&[]);
    assert_eq!(alone.code, Some(101), "{}", alone.stderr);
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
    for _ in 0..2 {
        let run = Run::from(project.in_run("run-i", 300, &[]).output().expect("runs"));
        assert_eq!(run.code, Some(101), "{}", run.stderr);
        assert!(
            keeper(&run.stderr).is_some(),
            "on the keeper: {}",
            run.stderr
        );
        assert_eq!(run.outcomes(), alone.outcomes());
        assert_eq!(
            run.outcomes()
                .get("migrations::idempotent")
                .map(String::as_str),
            Some("FAILED")
        );
        assert_eq!(lines(&run), lines(&alone));
    }
    // One process per test, as nextest runs them: the same verdict and message each.
    for (name, outcome) in alone.outcomes() {
        let one = Run::from(
            project
                .in_run("run-j", 2000, &["--exact", &name])
                .output()
                .expect("runs"),
        );
        assert_eq!(one.outcomes(), BTreeMap::from([(name.clone(), outcome)]));
        assert_eq!(message(&one.stdout, &name), message(&alone.stdout, &name));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while !project.keepers().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(project.keepers(), Vec::<PathBuf>::new());
}

#[test]
fn a_listing_reads_the_kept_catalog_and_starts_no_server() {
    let project = Project::new("");
    let names = |out: &Output| -> Vec<String> {
        let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_suffix(": test"))
            .map(String::from)
            .collect();
        names.sort();
        names
    };
    let listing = || project.command(&["test", "--list"]).output().expect("runs");
    // Nothing kept yet: the listing migrates a database of its own.
    let cold = listing();
    assert!(cold.status.success(), "{cold:?}");
    assert!(String::from_utf8_lossy(&cold.stderr).contains("server ready"));
    let run = project.test(&[]);
    run.ok();
    let ran: Vec<String> = run.outcomes().into_keys().collect();
    assert_eq!(names(&cold), ran, "the listing names what the run runs");
    // Kept: the same names, and no server.
    let warm = listing();
    assert!(warm.status.success(), "{warm:?}");
    assert_eq!(String::from_utf8_lossy(&warm.stderr), "", "no set-up");
    assert_eq!(names(&warm), ran);
    // A table the changed chain adds is listed: a miss sets up again.
    std::fs::write(
        project.dir().join("migrations/0003_tags.sql"),
        "CREATE TABLE tags (id serial PRIMARY KEY);\n",
    )
    .expect("write");
    let changed = listing();
    assert!(String::from_utf8_lossy(&changed.stderr).contains("server ready"));
    assert!(
        names(&changed).contains(&"coverage::tags".to_string()),
        "{changed:?}"
    );
}

#[test]
fn a_socket_path_too_long_for_a_keeper_runs_alone_and_says_so() {
    let project = Project::new("");
    let alone = project.test(&[]);
    alone.ok();
    let long = project.scratch.path().join("c".repeat(100));
    let run = Run::from(
        project
            .in_run("run-long", 300, &[])
            .env("PG_INVARIANTS_CACHE_DIR", &long)
            .output()
            .expect("runs"),
    );
    run.ok();
    assert!(
        run.stderr.contains("no keeper for this run")
            && run.stderr.contains("PG_INVARIANTS_CACHE_DIR"),
        "{}",
        run.stderr
    );
    assert_eq!(keeper(&run.stderr), None);
    assert_eq!(run.outcomes(), alone.outcomes());
}

#[test]
fn a_project_changed_since_the_keeper_read_it_is_read_again() {
    let project = Project::new("");
    let first = Run::from(project.in_run("run-c", 5000, &[]).output().expect("runs"));
    first.ok();
    assert!(keeper(&first.stderr).is_some(), "{}", first.stderr);
    // A new promise that fails (no index on notes.org_id), written while the keeper lives.
    std::fs::write(
        project.dir().join("invariants/notes.toml"),
        "[columns.org_id]\nnot_null = true\nreferences = \"orgs.id\"\non_delete = \"cascade\"\nindexed = true\n",
    )
    .expect("write");
    let second = Run::from(project.in_run("run-c", 5000, &[]).output().expect("runs"));
    assert_eq!(
        second
            .outcomes()
            .get("notes::org_id::indexed")
            .map(String::as_str),
        Some("FAILED"),
        "{}\n{}",
        second.stderr,
        second.stdout
    );
    assert_eq!(second.code, Some(101));
    assert!(
        second
            .stderr
            .contains("changed since this run's keeper read the project"),
        "{}",
        second.stderr
    );
}

/// notes.toml promising an index on `notes.org_id`, which the chain does not create.
const NOTES_INDEXED: &str = "[columns.org_id]\nnot_null = true\nreferences = \"orgs.id\"\non_delete = \"cascade\"\nindexed = true\n";

fn signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success(), "kill -{signal} {pid}");
}

#[test]
fn a_planted_link_in_the_cache_is_refused_never_followed() {
    // `notes::org_id::indexed` fails on this project's own chain.
    let failing = Project::new("");
    std::fs::write(failing.dir().join("invariants/notes.toml"), NOTES_INDEXED).expect("write");
    let alone = failing.test(&["--no-cache"]);
    assert_eq!(alone.code, Some(101), "{}", alone.stderr);
    // A cluster of the same schema with the index, in the same cache.
    let good = Project::new("");
    std::fs::write(good.dir().join("invariants/notes.toml"), NOTES_INDEXED).expect("write");
    std::fs::write(
        good.dir().join("migrations/0003_index.sql"),
        "CREATE INDEX ON notes (org_id);\n",
    )
    .expect("write");
    let built = Run::from(
        good.command(&["test"])
            .env("PG_INVARIANTS_CACHE_DIR", failing.cache())
            .output()
            .expect("runs"),
    );
    built.ok();
    let entry = failing
        .cache()
        .join("migrated")
        .join(built.kept().expect("kept"));
    // Planted under the failing project's key: its run would start from the good cluster.
    let key = failing.key();
    let planted = failing.cache().join("migrated").join(&key);
    std::os::unix::fs::symlink(&entry, &planted).expect("symlink");
    let run = failing.test(&[]);
    assert_eq!(run.code, Some(2), "{}\n{}", run.stderr, run.stdout);
    assert!(
        run.stderr.contains("is a symbolic link") && run.stderr.contains(&key),
        "{}",
        run.stderr
    );
    assert!(entry.join("data").is_dir(), "what the link names is kept");
}

/// Answers every question on `socket` as a keeper never would: every test passes.
fn fake_keeper(socket: &Path, test: &'static str) {
    use std::io::{BufRead, BufReader, Write};
    let _ = std::fs::remove_file(socket);
    let listener = std::os::unix::net::UnixListener::bind(socket).expect("bind");
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut question = String::new();
            let _ = BufReader::new(&stream).read_line(&mut question);
            let answer = if question.starts_with("{\"Tests\"") {
                format!(
                    "{{\"Ok\":{{\"header\":\"\",\"tests\":[{{\"name\":\"{test}\",\"classname\":\"notes\"}}]}}}}\n"
                )
            } else {
                "{\"outcome\":{\"Ok\":null},\"server_exit\":null}\n".to_string()
            };
            let _ = stream.write_all(answer.as_bytes());
        }
    });
}

#[test]
fn a_socket_answered_by_another_process_than_the_keeper_is_not_believed() {
    let project = Project::new("");
    std::fs::write(project.dir().join("invariants/notes.toml"), NOTES_INDEXED).expect("write");
    let test = "notes::org_id::indexed";
    let run = || {
        let run = Run::from(
            project
                .in_run("run-f", 20000, &["--exact", test])
                .output()
                .expect("runs"),
        );
        let outcome = run.outcomes().get(test).cloned();
        assert_eq!(
            outcome.as_deref(),
            Some("FAILED"),
            "{}\n{}",
            run.stderr,
            run.stdout
        );
        run
    };
    let first = run();
    let (pid, _) = keeper(&first.stderr).expect("a keeper");
    let dirs = project.keepers();
    assert_eq!(dirs.len(), 1);
    fake_keeper(&dirs[0].join("socket"), test);
    let second = run();
    assert!(
        second.stderr.contains("not by the run's keeper"),
        "{}",
        second.stderr
    );
    signal(pid, "TERM");
    project.assert_keeper_gone(pid, &[]);
}

#[test]
fn a_stopped_keeper_is_given_up_on_never_waited_for_forever() {
    let project = Project::new("");
    let (mut user, pid, server) = sleeping_user(&project, "run-stop");
    signal(pid, "STOP");
    let stopped = Instant::now();
    // Waiting for a verdict: exit 2 saying why, never a pass, never a hang.
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = user.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = user.kill();
            signal(pid, "KILL");
            panic!("the process still waits for its stopped keeper");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(2));
    assert!(
        stopped.elapsed() < Duration::from_secs(10),
        "{:?}",
        stopped.elapsed()
    );
    // A process that comes now sets up on its own, saying so.
    let next = Run::from(
        project
            .in_run("run-stop", 300, &["--exact", "notes::org_id::fk"])
            .output()
            .expect("runs"),
    );
    next.ok();
    assert!(next.stderr.contains("is stopped"), "{}", next.stderr);
    assert_eq!(keeper(&next.stderr), None, "{}", next.stderr);
    assert_eq!(
        next.outcomes().get("notes::org_id::fk").map(String::as_str),
        Some("ok")
    );
    signal(pid, "CONT");
    signal(pid, "TERM");
    project.assert_keeper_gone(pid, &[server]);
}

#[test]
fn a_changed_sqitch_plan_or_a_same_size_edit_is_never_answered_from_the_old_files() {
    let project = Project::new("");
    let dir = project.dir();
    std::fs::create_dir_all(dir.join("db/deploy")).expect("mkdir");
    for (change, sql) in [
        (
            "orgs",
            "CREATE TABLE orgs (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);\n",
        ),
        (
            "notes",
            "CREATE TABLE notes (id serial PRIMARY KEY, org_id bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE);\n",
        ),
        ("idx", "CREATE INDEX ON notes (org_id);\n"),
    ] {
        std::fs::write(dir.join(format!("db/deploy/{change}.sql")), sql).expect("write");
    }
    let plan = "%syntax-version=1.0.0\n%project=app\n\norgs 2024-01-01T10:00:00Z A <a@example.com>\nnotes 2024-01-02T10:00:00Z A <a@example.com>\n";
    std::fs::write(dir.join("db/sqitch.plan"), plan).expect("write");
    std::fs::write(
        dir.join("pg-invariants.toml"),
        "[migrations]\npath = \"db\"\nformat = \"sqitch\"\nseed = [\"seed.sql\"]\n\n[snapshots]\nenabled = false\n",
    )
    .expect("write");
    std::fs::write(dir.join("invariants/notes.toml"), NOTES_INDEXED).expect("write");
    let test = "notes::org_id::indexed";
    let outcome = |run: &Run| run.outcomes().get(test).cloned();
    let first = Run::from(project.in_run("run-p", 20000, &[]).output().expect("runs"));
    assert_eq!(
        outcome(&first).as_deref(),
        Some("FAILED"),
        "{}",
        first.stderr
    );
    let (pid, _) = keeper(&first.stderr).expect("a keeper");
    // The plan gains the change that adds the index (its script was there all along).
    std::fs::write(
        dir.join("db/sqitch.plan"),
        format!("{plan}idx 2024-01-03T10:00:00Z A <a@example.com>\n"),
    )
    .expect("write");
    let second = Run::from(project.in_run("run-p", 20000, &[]).output().expect("runs"));
    assert_eq!(outcome(&second).as_deref(), Some("ok"), "{}", second.stderr);
    assert!(
        second.stderr.contains("sqitch.plan changed"),
        "{}",
        second.stderr
    );
    signal(pid, "TERM");
    project.assert_keeper_gone(pid, &[]);
    // A fresh keeper; then a same-size edit of a table file, its modification time set back.
    let third = Run::from(project.in_run("run-q", 20000, &[]).output().expect("runs"));
    third.ok();
    let (pid, _) = keeper(&third.stderr).expect("a keeper");
    let notes = dir.join("invariants/notes.toml");
    let written = std::fs::metadata(&notes)
        .expect("stat")
        .modified()
        .expect("mtime");
    let edited = NOTES_INDEXED.replace("indexed = true", "#ndexed = true");
    assert_eq!(edited.len(), NOTES_INDEXED.len());
    std::fs::write(&notes, edited).expect("write");
    std::fs::File::options()
        .write(true)
        .open(&notes)
        .expect("open")
        .set_modified(written)
        .expect("touch");
    let fourth = Run::from(project.in_run("run-q", 20000, &[]).output().expect("runs"));
    fourth.ok();
    assert_eq!(
        outcome(&fourth),
        None,
        "no such promise any more: {}",
        fourth.stdout
    );
    assert!(fourth.stderr.contains("changed since"), "{}", fourth.stderr);
    signal(pid, "TERM");
    project.assert_keeper_gone(pid, &[]);
}

#[test]
fn a_keeper_stopped_while_it_sets_up_is_given_up_on() {
    let project = Project::new("");
    let alone = project.test(&[]);
    alone.ok();
    // A chain that takes a while: the keeper is stopped in the middle of its set-up.
    std::fs::write(
        project.dir().join("migrations/0003_slow.sql"),
        "SELECT pg_sleep(4);\n",
    )
    .expect("write");
    let user = project
        .in_run("run-setup", 300, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let record = wait_for_record(&project, "Starting");
    let pid: u32 = record
        .split('_')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a pid");
    signal(pid, "STOP");
    let stopped = Instant::now();
    let (done, ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(user.wait_with_output().expect("wait")));
    let Ok(out) = ended.recv_timeout(Duration::from_secs(120)) else {
        signal(pid, "KILL");
        panic!("the process still waits for its stopped keeper's set-up");
    };
    let run = Run::from(out);
    run.ok();
    assert!(
        stopped.elapsed() < Duration::from_secs(60),
        "{:?}",
        stopped.elapsed()
    );
    assert!(run.stderr.contains("is stopped"), "{}", run.stderr);
    assert_eq!(
        keeper(&run.stderr),
        None,
        "set up on its own: {}",
        run.stderr
    );
    assert_eq!(run.outcomes(), alone.outcomes());
    signal(pid, "CONT");
    signal(pid, "TERM");
    project.assert_keeper_gone(pid, &[]);
}

/// The keeper tag of the first keeper record in `state` under the project's `runs/`.
fn wait_for_record(project: &Project, state: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        for dir in project.keepers() {
            let Ok(text) = std::fs::read_to_string(dir.join("keeper")) else {
                continue;
            };
            let record: serde_json::Value = serde_json::from_str(&text).expect("a record");
            if record["state"] == state {
                return record["keeper"].as_str().expect("a tag").to_string();
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("no keeper record in state {state}");
}

/// A CSV file outside the project that the server (as root: its own account) can read.
fn outside_csv(project: &Project, rows: &str) -> PathBuf {
    let data = project.scratch.path().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    for dir in [project.scratch.path(), data.as_path()] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let csv = data.join("orgs.csv");
    std::fs::write(&csv, rows).expect("write");
    std::fs::set_permissions(&csv, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    csv
}

#[test]
fn a_file_the_seed_copies_from_is_part_of_the_key() {
    let project = Project::new("");
    let csv = outside_csv(&project, "a\nb\n");
    std::fs::write(
        project.dir().join("seed.sql"),
        format!(
            "-- the rows come from outside the project\nCOPY orgs (name) FROM '{}' WITH (FORMAT csv);\n",
            csv.display()
        ),
    )
    .expect("write");
    let key = project.test(&[]).ok().kept().expect("kept");
    assert_eq!(project.test(&[]).ok().hit(), Some(key.clone()));
    // An empty field is NULL in CSV: `name` is NOT NULL, so the seed no longer applies.
    std::fs::write(&csv, "a\n\n").expect("write");
    let changed = project.test(&[]);
    assert_eq!(changed.hit(), None, "a stale hit: {}", changed.stderr);
    assert_eq!(
        changed
            .outcomes()
            .get("migrations::apply")
            .map(String::as_str),
        Some("FAILED"),
        "{}",
        changed.stdout
    );
    assert_eq!(changed.code, Some(101));
}

#[test]
fn a_chain_that_runs_a_program_is_never_cached_and_says_so() {
    let project = Project::new("");
    std::fs::write(
        project.dir().join("seed.sql"),
        "SELECT 1;\nCOPY orgs (name) FROM PROGRAM 'echo \"$PG_INVARIANTS_PROBE\"';\n",
    )
    .expect("write");
    for _ in 0..2 {
        let run = project.test(&[]);
        run.ok();
        assert_eq!(run.hit(), None, "{}", run.stderr);
        assert_eq!(run.kept(), None, "{}", run.stderr);
        assert_eq!(
            run.stderr.matches("not cached: ").count(),
            1,
            "{}",
            run.stderr
        );
        assert!(
            run.stderr
                .contains("not cached: seed.sql:2:1 reads COPY FROM PROGRAM"),
            "{}",
            run.stderr
        );
    }
    assert!(project.migrated().is_empty());
    let key = project
        .command(&["cache", "key"])
        .output()
        .expect("the binary runs");
    assert_eq!(key.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&key.stderr).contains("reads COPY FROM PROGRAM"),
        "{key:?}"
    );
}

#[test]
fn an_extension_upgraded_in_the_share_directory_changes_the_key() {
    let project = Project::new("");
    let prefix = project.scratch.path().join("pg");
    let bin = prefix.join("bin");
    let extension = prefix.join("share/postgresql/extension");
    for dir in [&bin, &extension, &prefix.join("lib")] {
        std::fs::create_dir_all(dir).expect("mkdir");
    }
    let postgres = bin.join("postgres");
    std::fs::write(&postgres, "#!/bin/sh\necho 'postgres (PostgreSQL) 15.99'\n").expect("write");
    std::fs::set_permissions(&postgres, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::write(bin.join("initdb"), "").expect("write");
    std::fs::write(prefix.join("lib/plpgsql.so"), "").expect("write");
    std::fs::write(extension.join("plpgsql.control"), "").expect("write");
    let script = extension.join("tiny--1.0.sql");
    std::fs::write(
        &script,
        "CREATE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1';",
    )
    .expect("write");
    let key = || {
        let out = project
            .command(&["cache", "key"])
            .env("PG_INVARIANTS_PG_BINDIR", &bin)
            .output()
            .expect("the binary runs");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let before = key();
    assert_eq!(key(), before, "the same installation, the same key");
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(
        &script,
        "CREATE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 2';",
    )
    .expect("write");
    assert_ne!(key(), before, "an upgraded extension script misses");
}

/// A cache directory on a full disk (a 1 MiB tmpfs, mounted when the test runs as root): the
/// run goes on and its header says the copy was not kept and why. It used to say "kept in the
/// cache" whatever the write did.
#[test]
fn a_cache_write_that_fails_is_said_and_the_run_goes_on() {
    let project = Project::new("");
    std::fs::create_dir_all(project.cache()).expect("mkdir");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs"])
        .arg(project.cache())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    }
    let run = project.test(&[]);
    let _ = Command::new("umount").arg(project.cache()).status();
    run.ok();
    assert_eq!(run.kept(), None, "{}", run.stderr);
    assert!(
        run.stderr.contains("NOT kept in the cache (writing ") && run.stderr.contains("space"),
        "{}",
        run.stderr
    );
}

/// A sqitch chain whose deploy script includes `lib/notes.sql` (`\ir`): the included file is in
/// the key, so changing only it misses (a stale hit would keep the old verdict); a script with a
/// backquoted shell command reads what no key covers, so its chain is never kept.
#[test]
fn files_a_sqitch_script_includes_are_in_the_key_and_shell_commands_are_never_cached() {
    let project = Project::new("");
    let dir = project.dir();
    std::fs::create_dir_all(dir.join("db/deploy/lib")).expect("mkdir");
    std::fs::write(
        dir.join("db/sqitch.plan"),
        "%project=c\n\nnotes 2024-01-01T00:00:00Z Dev <dev@example.com>\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("db/deploy/notes.sql"),
        "CREATE TABLE orgs (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);\n\\ir lib/notes.sql\n",
    )
    .expect("write");
    let notes = dir.join("db/deploy/lib/notes.sql");
    std::fs::write(&notes, "CREATE TABLE notes (id serial PRIMARY KEY, org_id bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE);\n").expect("write");
    std::fs::write(
        dir.join("pg-invariants.toml"),
        "[migrations]\npath = \"db\"\nseed = [\"seed.sql\"]\n[snapshots]\nenabled = false\n",
    )
    .expect("write");
    let key = project.test(&[]).ok().kept().expect("kept");
    assert_eq!(project.test(&[]).ok().hit(), Some(key.clone()));

    std::fs::write(&notes, "CREATE TABLE notes (id serial PRIMARY KEY, org_id bigint REFERENCES orgs (id) ON DELETE CASCADE);\n").expect("write");
    let changed = project.test(&[]);
    assert_eq!(changed.hit(), None, "{}", changed.stderr);
    assert_eq!(changed.code, Some(101), "{}", changed.stdout);
    assert_eq!(
        changed
            .outcomes()
            .get("notes::org_id::not_null")
            .map(String::as_str),
        Some("FAILED")
    );

    std::fs::write(&notes, "\\set who `echo notes`\nCREATE TABLE :\"who\" (id serial PRIMARY KEY, org_id bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE);\n").expect("write");
    for _ in 0..2 {
        let run = project.test(&[]);
        run.ok();
        assert_eq!((run.hit(), run.kept()), (None, None), "{}", run.stderr);
    }
}
