//! A test process's side: find (or start) the keeper of its run, then ask it.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::OnceLock;

use super::dir::{Record, RunDir, State, Turn};
use super::patience::Patience;
use super::serve::Start;
use super::wire::{self, Ask, Project, Tests, Verdict};
use crate::env::{self, SharedRun};
use crate::provision::{
    Key, Owner, TrustError, check_private, private_dir, private_root, root_dir,
};
use crate::report::{Listed, Outcome, Reported};

/// The longest path a Unix socket can have (`sun_path`, with its terminating NUL).
const SOCKET_PATH_MAX: usize = 107;

/// This process's run's keeper, in use until dropped.
pub struct Client {
    dir: RunDir,
    /// The set-up's header, as a run of its own prints it.
    pub header: String,
    /// The tests the keeper runs (only the `--exact` one, when asked so).
    pub tests: Vec<Listed>,
    /// This process started the keeper (rather than finding it running).
    pub started: bool,
    /// The keeper's pid.
    pub pid: u32,
    keeper: Owner,
    /// Once a verdict said the server (or the keeper) is gone: what happened.
    gone: OnceLock<String>,
    _user: File,
}

impl Client {
    /// The keeper of this process's test run for `project`, started if there is none, and its
    /// tests (with `only`, the `--exact` filter, just that one). `None` when this process is no
    /// test of a run, or no keeper can be had, or its set-up failed: the process runs alone.
    /// An error when the keeper's directory is not this user's own (exit 2).
    pub fn attach(project: &Project, only: Option<&str>) -> Result<Option<Self>, TrustError> {
        let Some((run, dir)) = run_and_dir(project)? else {
            return Ok(None);
        };
        Ok(Self::attach_to(project, only, &run, dir))
    }

    fn attach_to(
        project: &Project,
        only: Option<&str>,
        run: &SharedRun,
        dir: RunDir,
    ) -> Option<Self> {
        for _ in 0..3 {
            let Some(turn) = Turn::take(&dir) else {
                continue;
            };
            let user = dir.use_it()?;
            let started = dir.live_record().is_none();
            if started {
                start(&dir, project, run)?;
            }
            drop(turn);
            let record = dir.wait_until_set_up().map_err(alone).ok()?;
            if record.state != State::Ready {
                return None;
            }
            let keeper = record.keeper()?;
            let only = only.map(str::to_string);
            let answer: Result<Tests, String> =
                (ask(&dir, keeper, &Ask::Tests { only }).map_err(|e| alone(e.to_string()))).ok()?;
            let Tests { header, tests } = answer.map_err(|why| eprintln!("{why}")).ok()?;
            return Some(Self {
                pid: keeper.pid,
                keeper,
                dir,
                header,
                tests,
                started,
                gone: OnceLock::new(),
                _user: user,
            });
        }
        None
    }

    /// Starts the keeper of this process's test run for `project` when there is none, without
    /// waiting for its set-up: nextest lists the tests of a run before it runs them, and the
    /// keeper sets up meanwhile. (A listing alone, `cargo nextest list`, leaves a keeper that
    /// stops as soon as nextest is gone.)
    pub fn warm_up(project: &Project) {
        let Ok(Some((run, dir))) = run_and_dir(project) else {
            return;
        };
        if let Some(_turn) = Turn::take(&dir)
            && dir.live_record().is_none()
        {
            start(&dir, project, &run);
        }
    }

    /// The verdict of the test `name`. A keeper that went away before answering is a failure
    /// (and the run's end with exit 2), never a pass.
    pub fn verdict(&self, name: &str) -> Outcome {
        let name = name.to_string();
        let verdict = ask(&self.dir, self.keeper, &Ask::Verdict { name }).unwrap_or_else(|e| {
            let exit = format!(
                "no verdict from the run's keeper: {e}; the end of its log: {}",
                self.dir.log_tail()
            );
            Verdict {
                outcome: Err(Reported {
                    message: exit.clone(),
                    failure: None,
                }),
                server_exit: Some(exit),
            }
        });
        if let Some(exit) = verdict.server_exit {
            let _ = self.gone.set(exit);
        }
        verdict.outcome
    }

    /// What happened to the server, once a verdict said it is gone.
    pub fn server_exit(&self) -> Option<String> {
        self.gone.get().cloned()
    }
}

/// Says why this process gives up on its run's keeper: it sets up on its own.
fn alone(why: String) {
    eprintln!("pg-invariants: {why}; this process sets up on its own (slower, same verdicts)");
}

/// One question, on a connection of its own, to the process `keeper` (the peer of the socket
/// must be it, run by this user), waited for as long as [`Patience`] allows.
fn ask<T: serde::de::DeserializeOwned>(
    dir: &RunDir,
    keeper: Owner,
    question: &Ask,
) -> std::io::Result<T> {
    let mut stream = UnixStream::connect(dir.socket())?;
    let peer = wire::peer(&stream)?;
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    if peer.uid != me || peer.pid != keeper.pid {
        return Err(std::io::Error::other(format!(
            "the socket {} is answered by pid {} of uid {}, not by the run's keeper (pid {} of \
             uid {me})",
            dir.socket().display(),
            peer.pid,
            peer.uid,
            keeper.pid
        )));
    }
    wire::send(&mut stream, question)?;
    let mut patience = Patience::new(keeper);
    wire::receive_patiently(&stream, || patience.check().map_err(std::io::Error::other))
}

/// This process's test run, when it is one of a run's processes, and its keeper's directory.
fn run_and_dir(project: &Project) -> Result<Option<(SharedRun, RunDir)>, TrustError> {
    let Some(run) = env::shared_run().filter(|r| !r.nextest || parent_is_nextest()) else {
        return Ok(None);
    };
    Ok(run_dir(&run, project)?.map(|dir| (run, dir)))
}

/// Starts the keeper of `dir` (removing what dead keepers left) and waits for its first
/// record; `None` if it fails to start.
fn start(dir: &RunDir, project: &Project, run: &SharedRun) -> Option<Record> {
    dir.reap_dead_siblings();
    // SAFETY: getppid has no preconditions.
    let parent = run.nextest.then(|| unsafe { libc::getppid() });
    let start = Start {
        dir: dir.path.clone(),
        project: project.clone(),
        run: parent
            .and_then(|p| u32::try_from(p).ok())
            .and_then(Owner::of)
            .map(|o| o.tag()),
        idle_ms: env::shared_idle_ms().unwrap_or(super::dir::IDLE.as_millis() as u64),
    };
    let mut child = dir.spawn(&serde_json::to_string(&start).ok()?)?;
    let record = dir.wait_for(&mut child);
    if record.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    record
}

/// `<cache root>/runs/<hash>`: the hash of the run and of everything that decides its set-up
/// and plan (see the module's documentation); `None`, saying so, when its socket's path would be
/// too long. The root and `runs/` are created, or checked to be this user's own.
fn run_dir(run: &SharedRun, project: &Project) -> Result<Option<RunDir>, TrustError> {
    let Some(path) = run_path(run, project) else {
        return Ok(None);
    };
    let dir = RunDir { path };
    if dir.socket().as_os_str().len() > SOCKET_PATH_MAX {
        eprintln!(
            "pg-invariants: no keeper for this run: its socket {} would be longer than a Unix \
             socket's {SOCKET_PATH_MAX} bytes; every test sets up on its own (slower, same \
             verdicts). PG_INVARIANTS_CACHE_DIR=<a shorter directory> gives the run a keeper.",
            dir.socket().display()
        );
        return Ok(None);
    }
    let runs = dir.path.parent().unwrap_or(&dir.path);
    private_root(runs.parent().unwrap_or(runs))?;
    private_dir(runs)?;
    if std::fs::symlink_metadata(&dir.path).is_ok() {
        check_private(&dir.path)?;
    }
    Ok(Some(dir))
}

/// The path of [`run_dir`].
fn run_path(run: &SharedRun, project: &Project) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(&exe).ok()?;
    let mut key = Key::new("keeper of a test run");
    key.part("run", &run.id)
        .part("project", serde_json::to_vec(project).ok()?)
        .part("executable", exe.as_os_str().as_encoded_bytes())
        .part(
            "build",
            format!(
                "{} {} {} {}",
                meta.dev(),
                meta.ino(),
                meta.size(),
                meta.mtime_nsec()
            ),
        )
        .part(
            "directory",
            std::env::current_dir().ok()?.as_os_str().as_encoded_bytes(),
        );
    let mut vars: Vec<_> = std::env::vars_os()
        .filter(|(name, _)| !per_process(&name.to_string_lossy()))
        .collect();
    vars.sort();
    for (name, value) in vars {
        key.part(&name.to_string_lossy(), value.as_encoded_bytes());
    }
    Some(root_dir()?.join("runs").join(key.finish()))
}

/// A variable that differs between the processes of one run without changing what they check:
/// nextest's per-test ones, and those a shell sets for each command (the directory is part of
/// the hash on its own).
fn per_process(name: &str) -> bool {
    name.starts_with("NEXTEST_")
        || name.starts_with("__NEXTEST")
        || [env::KEEPER, "_", "SHLVL", "PWD", "OLDPWD"].contains(&name)
}

/// This process is one of nextest's test processes: a program a test runs (the CLI under test,
/// say) inherits `NEXTEST_RUN_ID` too, but is no test of the run, and must not share.
fn parent_is_nextest() -> bool {
    // SAFETY: getppid has no preconditions.
    let parent = unsafe { libc::getppid() };
    std::fs::read_to_string(format!("/proc/{parent}/comm"))
        .is_ok_and(|comm| comm.trim() == "cargo-nextest")
}
