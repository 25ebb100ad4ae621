//! The keeper's life: set up once, answer every process of the run, stop once nobody needs it.

use std::collections::HashMap;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::ahead::Ahead;
use super::dir::{Record, RunDir, State};
use super::wire::{self, Ask, Project, Tests, Verdict};
use crate::env;
use crate::migrate::Chain;
use crate::provision::{self, Owner, remove_dir_patiently};
use crate::report::{Listed, Reported};
use crate::session::{self, Request, Session};
use crate::setup::SecondPass;
use crate::snapshot;
use crate::spec::Spec;

/// How long the keeper waits for the question of a process that connected.
const QUESTION: Duration = Duration::from_secs(30);

/// What the first process asks of the keeper it starts.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Start {
    pub dir: PathBuf,
    pub project: Project,
    /// The run's process ([`Owner`] tag), under nextest: once it is gone, nobody new will come.
    pub run: Option<String>,
    pub idle_ms: u64,
}

/// When this process was started as a keeper (`env::KEEPER`): keeps the run until nobody needs
/// it, then ends the process (whatever its threads still hold). Called first thing by every
/// entry point (the CLI and `harness = false` targets), since the keeper is the same
/// executable; returns only in any other process.
pub fn serve_if_asked() {
    let Some(start) = env::keeper() else {
        return;
    };
    // Named so that `ps` and `top` tell the keeper from the run's tests (threads inherit it).
    // SAFETY: PR_SET_NAME copies at most 16 bytes from a NUL-terminated string.
    unsafe {
        libc::prctl(libc::PR_SET_NAME, c"pg-inv-keeper".as_ptr());
    }
    let code = match serde_json::from_str::<Start>(&start) {
        Ok(start) => match keep(&start) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("pg-invariants keeper: {e}");
                1
            }
        },
        Err(e) => {
            eprintln!("pg-invariants keeper: unreadable request: {e}");
            1
        }
    };
    // Whatever ended it, what it created goes (its server first, then its directory), and
    // the threads still answering (for processes that are gone) end with the process.
    provision::clean_up_now();
    std::process::exit(code)
}

/// The set-up every process of the run asks about.
struct Kept {
    /// What the set-up was read from.
    sources: Sources,
    session: Arc<Session>,
    ahead: Arc<Ahead>,
    header: String,
    tests: Vec<Listed>,
    /// Plan index by test name.
    index: HashMap<String, usize>,
}

/// Start, record, answer, watch, stop, remove. Whatever stops it (idle, the run's end, a
/// signal), it removes what it created, its server first, while checks may still be running
/// for processes that are gone: nobody waits for their verdicts.
fn keep(start: &Start) -> Result<(), String> {
    let dir = RunDir {
        path: start.dir.clone(),
    };
    // Registered first, so that on a signal it runs after the server's own cleanup.
    let path = dir.path.clone();
    let _remove = provision::on_exit(move || remove_dir_patiently(&path));
    let record = |state| {
        let keeper = Owner::current().tag();
        (dir.write_record(&Record { keeper, state }))
            .map_err(|e| format!("writing the record: {e}"))
    };
    record(State::Starting)?;
    // Kept until the process ends: the session's server is the runtime's.
    let _runtime = match set_up(&start.project) {
        Ok((runtime, kept)) => {
            // A keeper killed outright may have left its socket.
            let _ = std::fs::remove_file(dir.socket());
            let listener = UnixListener::bind(dir.socket()).map_err(|e| e.to_string())?;
            let kept = Arc::new(kept);
            std::thread::spawn(move || answer_all(&listener, &kept));
            record(State::Ready)?;
            Some(runtime)
        }
        Err(message) => {
            // Every process runs alone, and says so itself.
            eprintln!("{message}");
            record(State::Failed)?;
            None
        }
    };
    let users = dir.users().map_err(|e| e.to_string())?;
    // The record goes first, on a signal too: nobody new attaches to a keeper going away.
    let record = dir.record_path();
    let _unrecord = provision::on_exit(move || {
        let _ = std::fs::remove_file(&record);
    });
    let run = start.run.as_deref().and_then(Owner::parse_tag);
    let stopping = dir.watch_users(&users, run, Duration::from_millis(start.idle_ms));
    // Newest first: the record, the server and its databases, then the directory; the
    // start-up lock is let go after, so whoever waited for it finds the directory gone.
    provision::clean_up_now();
    drop(stopping);
    Ok(())
}

/// The set-up of `project`, exactly as a run of its own does it (with the idempotency pass:
/// the keeper does not know which tests the run selected); `Err` is the message a run of its
/// own would print before exiting with code 2. The runtime is returned so that it lives as long
/// as the keeper.
fn set_up(project: &Project) -> Result<(tokio::runtime::Runtime, Kept), String> {
    let (spec, chain) = session::prepare(project.config.as_deref(), &project.start)?;
    let sources = Sources::of(&spec, &chain);
    let snapshots =
        snapshot::Policy::from_env(project.accept).map_err(|e| format!("error: {e}"))?;
    let request = Request {
        backend: project.backend,
        no_cache: project.no_cache,
        // The tests asked for, and as many worked out ahead (see `ahead`).
        connections: 2 * session::default_threads(),
        second_pass: SecondPass::Run,
        proposes_schemas: false,
        deploys: true,
    };
    let (runtime, setup, header) = session::set_up_quietly(&spec, &chain, request)?;
    eprint!("{header}");
    let session = Session::new(spec, snapshots, setup, runtime.handle().clone());
    session.check_baseline()?;
    // Every test may be asked for: batches are planned among them all.
    session.select(|_| true);
    let tests = session.listed();
    let index = (tests.iter().enumerate())
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    let session = Arc::new(session);
    let names: Vec<String> = tests.iter().map(|t| t.name.clone()).collect();
    let worker = session.clone();
    let ahead = Ahead::new(&names, move |i| verdict(&worker, i));
    let kept = Kept {
        sources,
        session,
        ahead,
        header,
        tests,
        index,
    };
    Ok((runtime, kept))
}

/// Answers every connection, each on a thread of its own: the processes of a run ask at once.
fn answer_all(listener: &UnixListener, kept: &Arc<Kept>) {
    for stream in listener.incoming().flatten() {
        let kept = kept.clone();
        std::thread::spawn(move || answer(stream, &kept));
    }
}

/// Answers one question; a process that went away meanwhile gets none, nor does one of
/// another user (the directory is private, so only root could connect).
fn answer(mut stream: UnixStream, kept: &Kept) {
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    if wire::peer(&stream).map_or(true, |peer| peer.uid != me) {
        return;
    }
    // A process sends its question as it connects: one that does not is not waited for.
    let Ok(question) = wire::receive::<Ask>(&stream, QUESTION) else {
        return;
    };
    let _ = match question {
        Ask::Tests { only } => {
            let answer = match kept.sources.changed() {
                Some(path) => {
                    let message = format!(
                        "pg-invariants: {} changed since this run's keeper read the project: this \
                         process reads it and sets up on its own",
                        crate::location::relative(&path).display()
                    );
                    eprintln!("{message}");
                    Err(message)
                }
                None => Ok(Tests {
                    header: kept.header.clone(),
                    tests: (kept.tests.iter())
                        .filter(|t| only.as_ref().is_none_or(|name| &t.name == name))
                        .cloned()
                        .collect(),
                }),
            };
            wire::send(&mut stream, &answer)
        }
        Ask::Verdict { name } => {
            let answer = match kept.index.get(&name) {
                Some(&index) => (kept.ahead).verdict(index, || verdict(&kept.session, index)),
                None => Verdict {
                    outcome: Err(Reported {
                        message: format!("the run's keeper has no test named {name}"),
                        failure: None,
                    }),
                    server_exit: None,
                },
            };
            if provision::interrupted() {
                // A signal is tearing the server down under the check: no verdict (the
                // process says the keeper went away, and exits 2).
                return;
            }
            wire::send(&mut stream, &answer)
        }
    };
}

/// The verdict of plan index `index`, and whether the server is gone since.
fn verdict(session: &Session, index: usize) -> Verdict {
    let outcome = session.outcome(index);
    Verdict {
        outcome,
        server_exit: session.server_exit(),
    }
}

/// Every file the keeper read the project from (the project file, table files, and every file
/// and directory the chain was read from: migrations, `before`, seed, each layout's bookkeeping
/// such as `sqitch.plan` or `meta/_journal.json`), and every directory a new one would appear
/// in, as `stat` saw them at set-up. A process that starts once one changed (by hand between
/// runs that share an id, or during a run) is not answered from the old files: it sets up on
/// its own.
struct Sources(Vec<(PathBuf, Option<Stamp>)>);

/// What tells a changed file, for the path itself and for what it names (a link is followed):
/// device, inode, size, modification time, and the change time, which an edit cannot set back
/// (a same-size edit with its modification time restored still moves it).
type Stamp = [(u64, u64, u64, i64, i64, i64, i64); 2];

impl Sources {
    fn of(spec: &Spec, chain: &Chain) -> Self {
        let project = &spec.project;
        let mut paths = vec![
            project.file.clone(),
            project.dir.join(&project.invariants.path),
            project.dir.join(&project.migrations.path),
        ];
        paths.extend(spec.tables.iter().map(|t| t.at.path.clone()));
        paths.extend((chain.before.iter().chain(&chain.seed)).map(|m| m.path.clone()));
        paths.extend(chain.read.iter().cloned());
        if let Some(psql) = &chain.psql {
            paths.extend(psql.included().into_iter().map(Path::to_path_buf));
        }
        for m in &chain.migrations {
            paths.push(m.path.clone());
            // A layout of nested directories gains new migrations in them.
            paths.extend(m.path.parent().map(Path::to_path_buf));
        }
        paths.sort();
        paths.dedup();
        Self(
            paths
                .into_iter()
                .map(|path| {
                    let was = stamp(&path);
                    (path, was)
                })
                .collect(),
        )
    }

    /// The first source that is not as it was.
    fn changed(&self) -> Option<PathBuf> {
        (self.0.iter())
            .find(|(path, was)| stamp(path) != *was)
            .map(|(path, _)| path.clone())
    }
}

fn stamp(path: &Path) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let of = |m: std::fs::Metadata| {
        let times = (m.mtime(), m.mtime_nsec(), m.ctime(), m.ctime_nsec());
        (
            m.dev(),
            m.ino(),
            m.size(),
            times.0,
            times.1,
            times.2,
            times.3,
        )
    };
    Some([
        of(std::fs::symlink_metadata(path).ok()?),
        of(std::fs::metadata(path).ok()?),
    ])
}
