//! The keeper's directory: its locks, its record, and how the first process starts it.

use std::fs::File;
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::patience::Patience;
use crate::env;
use crate::provision::{
    Owner, flock, lock_file, open_lock, private_dir, read_private_text, remove_dir_patiently,
    write_private,
};

/// How long the keeper waits, once nobody uses it, before stopping (unless
/// `PG_INVARIANTS_SHARED_IDLE_MS` says otherwise): nextest starts the next test within
/// milliseconds of the last one's end.
pub const IDLE: Duration = Duration::from_secs(5);
/// How often the keeper looks at `users`.
const POLL: Duration = Duration::from_millis(50);
/// How often a process looks at the record while the keeper starts.
const WAIT: Duration = Duration::from_millis(5);
/// How long a keeper just spawned may take to write its first record.
const FIRST_RECORD: Duration = Duration::from_secs(60);
const RECORD: &str = "keeper";
const START_LOCK: &str = "start.lock";
const USERS: &str = "users";
const SOCKET: &str = "socket";
const LOG: &str = "keeper.log";

/// Who keeps the run, and how far it is: the keeper writes it as it starts, and again once its
/// set-up is over.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Record {
    /// The keeper's [`Owner`] tag.
    pub keeper: String,
    pub state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum State {
    /// Setting up: processes wait.
    Starting,
    /// Set up, answering on `socket`.
    Ready,
    /// The set-up failed: every process runs alone (and says why).
    Failed,
}

impl Record {
    pub fn keeper(&self) -> Option<Owner> {
        Owner::parse_tag(&self.keeper)
    }

    fn alive(&self) -> bool {
        self.keeper().is_some_and(|k| k.is_alive())
    }
}

/// A keeper's directory.
#[derive(Debug, Clone)]
pub(super) struct RunDir {
    pub path: PathBuf,
}

impl RunDir {
    pub fn socket(&self) -> PathBuf {
        self.path.join(SOCKET)
    }

    /// The last lines of the keeper's `keeper.log`, as one line.
    pub fn log_tail(&self) -> String {
        let log = read_private_text(&self.path.join(LOG)).unwrap_or_default();
        let mut last: Vec<&str> = log.lines().rev().take(5).collect();
        last.reverse();
        last.join(" / ")
    }

    /// The record of a keeper that still runs (a regular file of this user, never through a
    /// link).
    pub fn live_record(&self) -> Option<Record> {
        let record: Record =
            serde_json::from_str(&read_private_text(&self.path.join(RECORD)).ok()?).ok()?;
        record.alive().then_some(record)
    }

    /// Written whole, then renamed into place.
    pub fn write_record(&self, record: &Record) -> io::Result<()> {
        let tmp = (self.path).join(format!("{RECORD}.{}", Owner::current().tag()));
        let _ = std::fs::remove_file(&tmp);
        let text = serde_json::to_string(record).map_err(io::Error::other)?;
        write_private(&tmp, &text)?;
        std::fs::rename(&tmp, self.path.join(RECORD))
    }

    pub fn record_path(&self) -> PathBuf {
        self.path.join(RECORD)
    }

    /// Holds the run as one of its users, until the file is closed.
    pub fn use_it(&self) -> Option<File> {
        let user = self.users().ok()?;
        flock(&user, libc::LOCK_SH).ok()?;
        Some(user)
    }

    /// Starts the keeper (this executable, with `env::KEEPER` set to `request`), detached in a
    /// session of its own (the signals nextest sends a test's process group miss it), its
    /// output in `keeper.log` (nextest waits for a test's pipes to close).
    pub fn spawn(&self, request: &str) -> Option<Child> {
        let _ = std::fs::remove_file(self.path.join(RECORD));
        let _ = std::fs::remove_file(self.path.join(LOG));
        let log = File::options()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(self.path.join(LOG))
            .ok()?;
        let mut keeper = Command::new(std::env::current_exe().ok()?);
        keeper
            .env(env::KEEPER, request)
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
        keeper.spawn().ok()
    }

    /// Waits for the first record of the keeper `child`; `None` when it ends without one, or
    /// writes none within [`FIRST_RECORD`] (stopped, say).
    pub fn wait_for(&self, child: &mut Child) -> Option<Record> {
        let deadline = Instant::now() + FIRST_RECORD;
        while Instant::now() < deadline {
            let record = self
                .live_record()
                .filter(|r| r.keeper().is_some_and(|k| k.pid == child.id()));
            if record.is_some() {
                return record;
            }
            if matches!(child.try_wait(), Ok(Some(_))) {
                return None;
            }
            std::thread::sleep(WAIT);
        }
        None
    }

    /// Waits until the keeper is done setting up (which may apply a whole chain); `Err(why)`
    /// when it is gone, stopped, or not done within its deadline ([`Patience`]).
    pub fn wait_until_set_up(&self) -> Result<Record, String> {
        let gone = || "the run's keeper is gone".to_string();
        let record = self.live_record().ok_or_else(gone)?;
        let mut patience = Patience::new(record.keeper().ok_or_else(gone)?);
        loop {
            let record = self.live_record().ok_or_else(gone)?;
            if record.state != State::Starting {
                return Ok(record);
            }
            patience.check()?;
            std::thread::sleep(WAIT);
        }
    }

    /// Removes the other directories of `runs` whose keeper is gone and that nobody is
    /// starting: a keeper killed outright (its server died with it) leaves one.
    pub fn reap_dead_siblings(&self) {
        let Some(runs) = self.path.parent() else {
            return;
        };
        let Ok(entries) = std::fs::read_dir(runs) else {
            return;
        };
        // A link (planted: never made here) is never followed, never removed.
        let dirs = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()));
        for path in dirs.map(|e| e.path()) {
            if path == self.path {
                continue;
            }
            let Ok(lock) = open_lock(&path.join(START_LOCK)) else {
                continue;
            };
            if flock(&lock, libc::LOCK_EX | libc::LOCK_NB).is_err() {
                continue;
            }
            if (RunDir { path: path.clone() }).live_record().is_none() {
                remove_dir_patiently(&path);
            }
        }
    }

    /// Returns, holding the start-up lock (nobody attaches any more), once nobody has used the
    /// keeper for `idle`, or nobody uses it and the run (`run`) is gone.
    pub fn watch_users(&self, users: &File, run: Option<Owner>, idle: Duration) -> Option<Turn> {
        let mut idle_since: Option<Instant> = None;
        loop {
            std::thread::sleep(POLL);
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
            let turn = Turn::take(self);
            if unused(users) {
                return turn;
            }
        }
    }

    /// The keeper's handle on `users` (created here when no process holds it yet: a listing
    /// starts the keeper without using it).
    pub fn users(&self) -> io::Result<File> {
        lock_file(&self.path.join(USERS))
    }
}

/// Nobody holds `users`.
fn unused(users: &File) -> bool {
    let free = flock(users, libc::LOCK_EX | libc::LOCK_NB).is_ok();
    if free {
        let _ = flock(users, libc::LOCK_UN);
    }
    free
}

/// This process's turn at the start-up lock: nobody else starts or attaches while it is held.
pub(super) struct Turn {
    _lock: File,
}

impl Turn {
    /// Waits for the start-up lock of `dir`. `None` when the directory went away meanwhile (its
    /// keeper removed it): the caller tries again.
    pub fn take(dir: &RunDir) -> Option<Self> {
        private_dir(&dir.path).ok()?;
        let path = dir.path.join(START_LOCK);
        let lock = lock_file(&path).ok()?;
        flock(&lock, libc::LOCK_EX).ok()?;
        same_file(&lock, &path).then_some(Self { _lock: lock })
    }
}

/// The open `file` is still the one at `path` (not one its keeper removed meanwhile).
fn same_file(file: &File, path: &Path) -> bool {
    match (file.metadata(), std::fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}
