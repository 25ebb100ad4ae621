//! One server for all the processes of a test run. `cargo nextest run` runs one process per
//! test; alone, each would copy the migrated cluster and start a server of its own. Instead the
//! processes of one run (`NEXTEST_RUN_ID`, or `PG_INVARIANTS_SHARED_RUN`) whose migrated cluster
//! is in the cache share one server, described in `<cache>/servers/<run>-<key>/`:
//!
//! - `start.lock`: held (flock, exclusive) by the process attaching, so that starting the
//!   server, attaching and the idempotency pass happen one process at a time; and by the keeper
//!   while it stops, so that nobody attaches to a server going away;
//! - `users`: a shared flock held by every process using the server, for its whole life. The
//!   kernel releases it when a process ends, even by SIGKILL: it is the reference count;
//! - `server`: the [`Record`] (where the server listens, its password, the migrated database,
//!   the postmaster), written whole and renamed into place;
//! - `not-idempotent`: the chain did not apply a second time; every process then runs alone,
//!   so that `migrations::idempotent` fails with its own exact message;
//! - `keeper.log`: what the keeper printed.
//!
//! The catalog the processes share is the cache entry's (see `Entry::catalog`): the server is
//! a copy of that entry.
//!
//! The server belongs to a keeper: this very executable, started again by the first process
//! with [`KEEPER_VAR`] set, detached in a session of its own (the signals nextest sends a test's
//! process group miss it), its output in `keeper.log` (nextest waits for a test's pipes to
//! close). It copies the migrated cluster, starts the server (which dies with it:
//! `PR_SET_PDEATHSIG`, see [`super::local`]), writes the record and watches `users`: when
//! nobody has held it for the idle time (`PG_INVARIANTS_SHARED_IDLE_MS`, [`IDLE`]), or as soon as
//! nobody holds it once the run's process (nextest, the first process's parent) is gone, it
//! stops the server and removes the directory. SIGINT/SIGTERM/SIGHUP do the same (see
//! [`super::cleanup`]). A keeper killed outright takes its server with it; the next process
//! finds the keeper gone and starts another, and a directory whose keeper is gone is removed.
//!
//! Anything that goes wrong here only means the process runs alone, as without a run id.

use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

use super::cache::{self, Cache, Kind};
use super::local::{self, LocalServer, Origin, remove_dir_patiently};
use super::owner::Owner;
use super::{ServerVersion, cleanup, watch};
use crate::env;

/// How long the keeper waits, once nobody uses the server, before stopping it (unless
/// `PG_INVARIANTS_SHARED_IDLE_MS` says otherwise): nextest starts the next test within
/// milliseconds of the last one's end.
pub const IDLE: Duration = Duration::from_secs(5);
/// The environment variable that makes this executable a keeper: the [`Request`], as JSON
/// (read by [`env::shared_keeper`]).
const KEEPER_VAR: &str = "PG_INVARIANTS_SHARED_KEEPER";
/// How often the keeper looks at `users`.
const POLL: Duration = Duration::from_millis(50);
/// How long the first process waits for the keeper's server.
const START_TIMEOUT: Duration = Duration::from_secs(120);
const RECORD: &str = "server";
const START_LOCK: &str = "start.lock";
const USERS: &str = "users";
const NOT_IDEMPOTENT: &str = "not-idempotent";

/// How to reach the run's server, as the keeper writes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    /// The keeper's [`Owner`] tag.
    keeper: String,
    /// The postmaster's [`Owner`] tag.
    postmaster: String,
    socket_dir: PathBuf,
    password: String,
    database: String,
    version: String,
    version_num: i32,
}

/// What the first process asks of the keeper.
#[derive(Debug, Serialize, Deserialize)]
struct Request {
    dir: PathBuf,
    cache: PathBuf,
    key: String,
    settings: Vec<(String, String)>,
    /// The run's process ([`Owner`] tag), under nextest: once it is gone, nobody new will come.
    run: Option<String>,
    idle_ms: u64,
}

/// The run's server, in use by this process until dropped (which leaves it: see `users`).
pub struct SharedServer {
    dir: PathBuf,
    record: Record,
    /// This process started the keeper (rather than finding it running).
    pub started: bool,
    _user: File,
}

/// This process's turn at the server's start-up lock: nobody else attaches while it is held.
pub struct Turn {
    dir: PathBuf,
    _lock: File,
}

impl Turn {
    /// Waits for the start-up lock of `dir`. `None` when the directory went away meanwhile (its
    /// keeper removed it): the caller tries again.
    fn take(dir: &Path) -> Option<Self> {
        cache::private_dir(dir).ok()?;
        let path = dir.join(START_LOCK);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .ok()?;
        cache::flock(&lock, libc::LOCK_EX).ok()?;
        same_file(&lock, &path).then(|| Self {
            dir: dir.to_path_buf(),
            _lock: lock,
        })
    }

    /// The chain failed to apply a second time on this run's server.
    pub fn not_idempotent(&self) -> bool {
        self.dir.join(NOT_IDEMPOTENT).exists()
    }

    /// Records that the chain failed to apply a second time: the run's other processes run
    /// alone, each with the exact failure.
    pub fn record_not_idempotent(&self) {
        let _ = std::fs::write(self.dir.join(NOT_IDEMPOTENT), "");
    }
}

/// The open `file` is still the one at `path` (not one its keeper removed meanwhile).
fn same_file(file: &File, path: &Path) -> bool {
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

impl SharedServer {
    /// Attaches to the server of this run (starting its keeper when there is none) for the
    /// migrated cluster `key` of `cache`, which the caller found there. `None` when this process
    /// is not part of a run, or no shared server can be had. The [`Turn`] keeps other processes
    /// from attaching until it is dropped.
    pub fn attach(cache: &Cache, key: &str, settings: &[(String, String)]) -> Option<(Self, Turn)> {
        let run = env::shared_run().filter(|r| !r.nextest || parent_is_nextest())?;
        let servers = cache.root().join("servers");
        let dir = servers.join(format!("{}-{key}", run.id));
        for _ in 0..3 {
            let Some(turn) = Turn::take(&dir) else {
                continue;
            };
            let user = File::options()
                .create(true)
                .truncate(false)
                .write(true)
                .open(dir.join(USERS))
                .ok()?;
            cache::flock(&user, libc::LOCK_SH).ok()?;
            let (record, started) = match read_record(&dir).filter(keeper_alive) {
                Some(record) => (record, false),
                None => {
                    reap_dead(&servers, &dir);
                    (start_keeper(&dir, cache, key, settings, run.nextest)?, true)
                }
            };
            let server = Self {
                dir,
                record,
                started,
                _user: user,
            };
            return Some((server, turn));
        }
        None
    }

    /// Connection options as the superuser, to the database `postgres`.
    pub fn options(&self) -> PgConnectOptions {
        local::socket_options(&self.record.socket_dir, &self.record.password, "postgres")
    }

    /// The migrated database (shared: never written outside rolled-back transactions).
    pub fn database(&self) -> &str {
        &self.record.database
    }

    pub fn version(&self) -> ServerVersion {
        ServerVersion::new(&self.record.version, self.record.version_num)
    }

    /// The postmaster's pid.
    pub fn postmaster(&self) -> u32 {
        Owner::parse_tag(&self.record.postmaster).map_or(0, |o| o.pid)
    }

    /// `DATABASE_URL` and libpq's variables pointing at `database`.
    pub fn client_env(&self, database: &str) -> Vec<(String, String)> {
        local::client_env(&self.record.socket_dir, &self.record.password, database)
    }

    pub fn probe(&self) -> Probe {
        Probe {
            postmaster: Owner::parse_tag(&self.record.postmaster),
            record: self.dir.join(RECORD),
            log: self.record.socket_dir.join("server.log"),
        }
    }
}

/// Whether the run's server is still there: its postmaster (not our child: looked up by pid and
/// start time) runs, and its keeper has not begun to stop it (which removes the record first).
#[derive(Clone)]
pub struct Probe {
    postmaster: Option<Owner>,
    record: PathBuf,
    log: PathBuf,
}

impl Probe {
    pub fn exited(&self) -> Option<String> {
        if self.postmaster.is_some_and(|p| p.is_alive()) && self.record.exists() {
            return None;
        }
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        Some(format!(
            "the run's shared server is gone, last lines of its log: {}",
            watch::tail(&log, local::LOG_TAIL_LINES)
        ))
    }
}

/// This process is one of nextest's test processes: a program a test runs (the CLI under test,
/// say) inherits `NEXTEST_RUN_ID` too, but is no test of the run, and must not share.
fn parent_is_nextest() -> bool {
    // SAFETY: getppid has no preconditions.
    let parent = unsafe { libc::getppid() };
    std::fs::read_to_string(format!("/proc/{parent}/comm"))
        .is_ok_and(|comm| comm.trim() == "cargo-nextest")
}

fn read_record(dir: &Path) -> Option<Record> {
    serde_json::from_slice(&std::fs::read(dir.join(RECORD)).ok()?).ok()
}

fn keeper_alive(record: &Record) -> bool {
    Owner::parse_tag(&record.keeper).is_some_and(|k| k.is_alive())
}

/// Removes the directories in `servers` (but `ours`) whose keeper is gone and that nobody is
/// starting: a keeper killed outright (its server died with it) leaves one.
fn reap_dead(servers: &Path, ours: &Path) {
    let Ok(entries) = std::fs::read_dir(servers) else {
        return;
    };
    for dir in entries.flatten().map(|e| e.path()) {
        if dir == ours {
            continue;
        }
        let Ok(lock) = File::open(dir.join(START_LOCK)) else {
            continue;
        };
        if cache::flock(&lock, libc::LOCK_EX | libc::LOCK_NB).is_err() {
            continue;
        }
        if read_record(&dir).is_none_or(|r| !keeper_alive(&r)) {
            remove_dir_patiently(&dir);
        }
    }
}

/// Starts the keeper for `dir` and waits for its record; `None` if it fails or takes too long.
fn start_keeper(
    dir: &Path,
    cache: &Cache,
    key: &str,
    settings: &[(String, String)],
    nextest: bool,
) -> Option<Record> {
    let _ = std::fs::remove_file(dir.join(RECORD));
    // SAFETY: getppid has no preconditions.
    let parent = nextest.then(|| unsafe { libc::getppid() });
    let request = Request {
        dir: dir.to_path_buf(),
        cache: cache.root().to_path_buf(),
        key: key.to_string(),
        settings: settings.to_vec(),
        run: parent
            .and_then(|p| u32::try_from(p).ok())
            .and_then(Owner::of)
            .map(|o| o.tag()),
        idle_ms: env::shared_idle_ms().unwrap_or(IDLE.as_millis() as u64),
    };
    let log = File::create(dir.join("keeper.log")).ok()?;
    let mut keeper = Command::new(std::env::current_exe().ok()?);
    keeper
        .env(KEEPER_VAR, serde_json::to_string(&request).ok()?)
        .stdin(Stdio::null())
        .stdout(log.try_clone().ok()?)
        .stderr(log);
    // SAFETY: setsid is async-signal-safe; the child leaves our session and process group.
    unsafe {
        keeper.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = keeper.spawn().ok()?;
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        let record = read_record(dir)
            .filter(|r| Owner::parse_tag(&r.keeper).is_some_and(|k| k.pid == child.id()));
        if record.is_some() {
            return record;
        }
        if matches!(child.try_wait(), Ok(Some(_))) || Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// When this process was started as a keeper ([`KEEPER_VAR`]): keeps the run's server until
/// nobody needs it, and returns the exit code. Called first thing by every entry point (the
/// CLI and `harness = false` targets), since the keeper is the same executable.
pub fn keeper_if_asked() -> Option<ExitCode> {
    let request = env::shared_keeper()?;
    let code = match serde_json::from_str::<Request>(&request) {
        Ok(request) => match keep(&request) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("pg-invariants keeper: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("pg-invariants keeper: unreadable request: {e}");
            ExitCode::FAILURE
        }
    };
    Some(code)
}

/// The keeper's life: start, record, watch, stop, remove.
fn keep(request: &Request) -> Result<(), String> {
    let dir = request.dir.clone();
    // Registered first, so that on a signal it runs after the server's own cleanup.
    let remove = cleanup::on_exit(move || remove_dir_patiently(&dir));
    let cache = Cache::locate(false)
        .filter(|c| c.root() == request.cache)
        .ok_or("the cache is not where the run's process saw it")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let (server, record) = runtime.block_on(start(request, &cache))?;
    write_record(&request.dir, &record).map_err(|e| format!("writing the record: {e}"))?;
    let users = File::open(request.dir.join(USERS)).map_err(|e| e.to_string())?;
    let run = request.run.as_deref().and_then(Owner::parse_tag);
    let idle = Duration::from_millis(request.idle_ms);
    // The record goes first, on a signal too: a user whose query fails as the server stops
    // then knows that the server went (see [`Probe`]), and nobody new attaches.
    let record = request.dir.join(RECORD);
    let unrecord = cleanup::on_exit(move || {
        let _ = std::fs::remove_file(&record);
    });
    let stopping = watch_users(&request.dir, &users, &server, run, idle);
    drop(unrecord);
    drop(server);
    // The directory goes before the start-up lock is let go: whoever waited for it finds it
    // gone and starts afresh.
    drop(remove);
    drop(stopping);
    Ok(())
}

/// A server on a copy of the migrated cluster, and its record.
async fn start(request: &Request, cache: &Cache) -> Result<(LocalServer, Record), String> {
    let entry = cache
        .get(Kind::Migrated, &request.key)
        .ok_or("the migrated cluster left the cache")?;
    let database = entry.database().map_err(|e| e.to_string())?;
    let server = LocalServer::start(&request.settings, Origin::Copy(&entry))
        .await
        .map_err(|e| e.to_string())?;
    drop(entry);
    let options = server.options("postgres");
    let mut conn = PgConnection::connect_with(&options)
        .await
        .map_err(|e| e.to_string())?;
    let (version, version_num): (String, i32) = sqlx::query_as(
        "SELECT current_setting('server_version'), current_setting('server_version_num')::int",
    )
    .fetch_one(&mut conn)
    .await
    .map_err(|e| e.to_string())?;
    let _ = conn.close().await;
    let postmaster = server
        .postmaster()
        .and_then(Owner::of)
        .ok_or("the postmaster is gone")?;
    let record = Record {
        keeper: Owner::current().tag(),
        postmaster: postmaster.tag(),
        socket_dir: server.socket_dir.clone(),
        password: server.password.clone(),
        database,
        version,
        version_num,
    };
    Ok((server, record))
}

fn write_record(dir: &Path, record: &Record) -> io::Result<()> {
    let tmp = dir.join(format!("{RECORD}.{}", Owner::current().tag()));
    let _ = std::fs::remove_file(&tmp);
    let text = serde_json::to_string(record).map_err(io::Error::other)?;
    cache::write_private(&tmp, &text)?;
    std::fs::rename(&tmp, dir.join(RECORD))
}

/// Returns, holding the start-up lock (nobody attaches any more), once nobody has used the
/// server for `idle`, or nobody uses it and the run is gone, or the server died.
fn watch_users(
    dir: &Path,
    users: &File,
    server: &LocalServer,
    run: Option<Owner>,
    idle: Duration,
) -> Option<Turn> {
    let probe = server.probe();
    let mut idle_since: Option<Instant> = None;
    loop {
        std::thread::sleep(POLL);
        if probe.exited().is_some() {
            return None;
        }
        if !unused(users) {
            idle_since = None;
            continue;
        }
        let since = *idle_since.get_or_insert_with(Instant::now);
        let run_gone = run.is_some_and(|r| !r.is_alive());
        if !run_gone && since.elapsed() < idle {
            continue;
        }
        // Looked at again with the start-up lock held: a process may have just attached.
        let turn = Turn::take(dir);
        if unused(users) {
            return turn;
        }
    }
}

/// Nobody holds `users`.
fn unused(users: &File) -> bool {
    let free = cache::flock(users, libc::LOCK_EX | libc::LOCK_NB).is_ok();
    if free {
        let _ = cache::flock(users, libc::LOCK_UN);
    }
    free
}
