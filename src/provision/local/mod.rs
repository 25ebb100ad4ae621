//! The local backend: `initdb` into a fresh temporary directory and a `postgres` server that
//! listens only on a Unix socket in that directory (no TCP port, so parallel runs never
//! collide). PostgreSQL refuses to run as root, so when we are root the server runs as an
//! account of its own (see [`super::account`]).
//!
//! The server is private: the directory is 0700 and owned by the server's user, the socket is
//! 0700, and every connection needs the superuser's password (`scram-sha-256`), a random one
//! only this run knows. Other local users can neither reach the socket nor, if they could,
//! log in. (Root, which the harness may be, passes the directory permissions.)
//!
//! The directory's name carries the run's [`Owner`]: each run first removes the directories of
//! runs that died without cleaning up (SIGKILL), stopping a postmaster still running in one
//! ([`reap`]). Where the server binaries are is [`binaries`]' concern.

mod binaries;
mod reap;

use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

use std::sync::{Arc, Mutex};

use super::account::RunAs;
use super::cache::{Cache, Contents, Entry, Key, Kind};
use super::copy;
use super::fs::{remove_dir_patiently, write_private};
use super::owner::{self, Owner};
use super::scratch::Scratch;
use super::{ProvisionError, cleanup};
use reap::{DIR_PREFIX, reap_stale_dirs};

pub use binaries::{find_bindir, find_bindir_in};

/// The port number only names the socket file (`.s.PGSQL.5432`): there is no TCP listener.
pub const SOCKET_PORT: u16 = 5432;
/// The superuser initdb creates.
pub const SUPERUSER: &str = "postgres";
/// initdb's options besides the directory, the password and the superuser: part of the
/// template's cache key.
const INITDB_OPTIONS: [&str; 6] = [
    "--auth=scram-sha-256",
    "--no-sync",
    "-E",
    "UTF8",
    "--locale=C",
    "--wal-segsize=1",
];
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Lines of the server log quoted when the server dies under the checks.
pub(super) const LOG_TAIL_LINES: usize = 5;

/// A running server. Its cleanup is registered the moment its directory exists, so a signal
/// during initdb or start-up removes everything too; dropping the server runs it.
pub struct LocalServer {
    pub socket_dir: PathBuf,
    /// Where the directory is: in memory or not.
    pub scratch: Scratch,
    /// The superuser's password, random per run.
    pub password: String,
    state: Arc<Mutex<Resources>>,
    /// What starting the postmaster again needs (after [`LocalServer::snapshot`]).
    bindir: PathBuf,
    user: Option<RunAs>,
    settings: Vec<(String, String)>,
    _cleanup: cleanup::Guard,
}

/// Where a server's data directory comes from.
pub enum Origin<'a> {
    /// initdb, or a copy of the cache's template for this server version when there is a cache.
    Fresh(Option<&'a Cache>),
    /// A copy of a cached cluster (a migrated one).
    Copy(&'a Entry),
}

/// The postmaster, watched (see [`super::watch`]).
#[derive(Clone)]
pub struct Probe {
    state: Arc<Mutex<Resources>>,
    log: PathBuf,
}

impl Probe {
    /// `None` while the postmaster runs (or was stopped by us); once it has exited on its own,
    /// how, with the end of its log.
    pub fn exited(&self) -> Option<String> {
        let status = {
            let mut state = lock(&self.state);
            match state.child.as_mut()?.try_wait() {
                Ok(Some(status)) => status,
                _ => return None,
            }
        };
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        Some(format!(
            "{status}, last lines of its log: {}",
            super::watch::tail(&log, LOG_TAIL_LINES)
        ))
    }
}

/// What a local server leaves on the machine until it is stopped.
#[derive(Default)]
struct Resources {
    /// initdb while it runs, then the postmaster.
    child: Option<Child>,
    dir: Option<tempfile::TempDir>,
}

impl Resources {
    /// Immediate shutdown (the data is thrown away anyway), then the directory is removed.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SAFETY: plain kill(2) on our own child's pid.
            unsafe {
                libc::kill(child.id() as libc::pid_t, libc::SIGQUIT);
            }
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && !matches!(child.try_wait(), Ok(Some(_))) {
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(dir) = self.dir.take() {
            // A child that just died may still have had files open; one retry covers it.
            let path = dir.path().to_path_buf();
            if dir.close().is_err() {
                std::thread::sleep(Duration::from_millis(50));
                let _ = std::fs::remove_dir_all(path);
            }
        }
    }
}

fn lock(state: &Mutex<Resources>) -> std::sync::MutexGuard<'_, Resources> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

impl LocalServer {
    /// Makes the data directory (see [`Origin`]) and starts the server; returns once a
    /// connection succeeds.
    pub async fn start(
        settings: &[(String, String)],
        origin: Origin<'_>,
    ) -> Result<Self, ProvisionError> {
        let bindir = find_bindir().ok_or_else(|| ProvisionError::NoServerBinaries {
            searched: binaries::search_order_text(),
        })?;
        let user = RunAs::for_current_user()?;
        for root in Scratch::roots() {
            reap_stale_dirs(&root);
        }
        let size = match &origin {
            Origin::Copy(entry) => entry.size(),
            Origin::Fresh(_) => 0,
        };
        let scratch = Scratch::choose(size);
        let root = &scratch.root;
        let dir = tempfile::Builder::new()
            .prefix(&format!("{DIR_PREFIX}{}.", Owner::current().tag()))
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir_in(root)
            .map_err(|e| ProvisionError::io("creating a temporary directory", e))?;
        let password = owner::random_secret()
            .map_err(|e| ProvisionError::io("drawing a password for the server", e))?;
        let socket_dir = dir.path().to_path_buf();
        let state = Arc::new(Mutex::new(Resources {
            child: None,
            dir: Some(dir),
        }));
        let guard = {
            let state = state.clone();
            cleanup::on_exit(move || lock(&state).stop())
        };
        let mut server = Self {
            socket_dir,
            scratch,
            password,
            state,
            bindir,
            user,
            settings: settings.to_vec(),
            _cleanup: guard,
        };
        if let Some(u) = &server.user {
            chown(&server.socket_dir, Some(u.uid), Some(u.gid)).map_err(|e| {
                ProvisionError::io("giving the temporary directory to the server user", e)
            })?;
        }
        let copied_from = match origin {
            Origin::Copy(entry) => Some(server.copy_cluster(entry)?),
            Origin::Fresh(cache) => server.template(cache)?,
        };
        // A copy answers the cache's password until it has taken ours.
        let ours = match copied_from {
            Some(cached) => Some(std::mem::replace(&mut server.password, cached)),
            None => None,
        };
        server.spawn()?;
        server.wait_ready().await?;
        if let Some(ours) = ours {
            server.take_over(ours).await?;
        }
        Ok(server)
    }

    /// A copy of the cache's template when there is one for this server, else initdb (and the
    /// result becomes the template). `Some(password)` for a copy: the cluster's superuser has
    /// the template's password until [`Self::take_over`].
    fn template(&self, cache: Option<&Cache>) -> Result<Option<String>, ProvisionError> {
        let Some((cache, key)) = cache.and_then(|c| Some((c, template_key(&self.bindir, c)?)))
        else {
            self.initdb()?;
            return Ok(None);
        };
        let mut building = None;
        for attempt in 0..2 {
            if let Some(entry) = cache.get(Kind::Template, &key) {
                match self.copy_cluster(&entry) {
                    Ok(password) => return Ok(Some(password)),
                    // A copy stopped by a signal: the cleanup is removing the directory.
                    Err(e) if cleanup::interrupted() => return Err(e),
                    // A template that cannot be copied only costs an initdb.
                    Err(_) => {
                        remove_dir_patiently(&self.data_dir());
                        break;
                    }
                }
            }
            if attempt == 0 {
                building = cache.building(Kind::Template, &key).ok();
            }
        }
        self.initdb()?;
        if building.is_some() {
            let contents = Contents {
                password: &self.password,
                database: None,
            };
            // A cache that cannot be written only costs the next run an initdb.
            let _ = cache.put(Kind::Template, &key, contents, |to| {
                copy::tree(&self.data_dir(), to)
            });
        }
        Ok(None)
    }

    /// Copies a cached cluster's data directory into ours; returns its superuser's password.
    fn copy_cluster(&self, entry: &Entry) -> Result<String, ProvisionError> {
        let password = entry
            .password()
            .map_err(|e| ProvisionError::io("reading a cached cluster's password", e))?;
        // Under the lock a signal's cleanup takes before it removes the directory: the copy
        // stops between two files once a signal arrived, then the cleanup goes on.
        let _copying = lock(&self.state);
        copy::tree(&entry.data(), &self.data_dir())
            .map_err(|e| ProvisionError::io("copying a cached cluster", e))?;
        Ok(password)
    }

    /// A server started from a copy: its superuser gets this run's own password, so that the
    /// server answers no one who only knows the cache's.
    async fn take_over(&mut self, fresh: String) -> Result<(), ProvisionError> {
        let mut conn = PgConnection::connect_with(&self.options("postgres"))
            .await
            .map_err(|e| ProvisionError::db("connecting to a server copied from the cache", e))?;
        let sql = format!(
            "ALTER ROLE {} PASSWORD {}",
            crate::names::ident(SUPERUSER),
            crate::names::literal(&fresh)
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .map_err(|e| ProvisionError::db("setting this run's password", e))?;
        let _ = conn.close().await;
        self.password = fresh;
        Ok(())
    }

    /// Stops the server cleanly, puts a copy of its data directory (complete and consistent
    /// now) in `cache` as the migrated cluster `key` holding `database`, and starts it again.
    /// A cache that cannot be written is no error: the next run applies the chain again.
    pub async fn keep_in(
        &self,
        cache: &Cache,
        key: &str,
        database: &str,
    ) -> Result<std::io::Result<()>, ProvisionError> {
        self.stop_cleanly()?;
        let contents = Contents {
            password: &self.password,
            database: Some(database),
        };
        let kept = cache.put(Kind::Migrated, key, contents, |to| {
            copy::tree(&self.data_dir(), to)
        });
        self.spawn()?;
        self.wait_ready().await?;
        Ok(kept)
    }

    /// A fast shutdown (SIGINT): sessions end, a checkpoint is written, the postmaster exits.
    fn stop_cleanly(&self) -> Result<(), ProvisionError> {
        let mut state = lock(&self.state);
        let Some(child) = state.child.as_mut() else {
            return Ok(());
        };
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGINT);
        }
        child
            .wait()
            .map_err(|e| ProvisionError::io("stopping the server", e))?;
        state.child = None;
        Ok(())
    }

    fn data_dir(&self) -> PathBuf {
        self.socket_dir.join("data")
    }

    fn initdb(&self) -> Result<(), ProvisionError> {
        // After a signal, the cleanup is removing the directory initdb would write into.
        if cleanup::interrupted() {
            return Err(ProvisionError::io(
                "running initdb",
                std::io::Error::other("interrupted"),
            ));
        }
        let dir = &self.socket_dir;
        let data = self.data_dir();
        let user = &self.user;
        let pwfile = self.write_pwfile(user.as_ref())?;
        let initdb_log = dir.join("initdb.log");
        let initdb_out = std::fs::File::create(&initdb_log)
            .map_err(|e| ProvisionError::io("creating the initdb log", e))?;
        let mut initdb = Command::new(self.bindir.join("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .arg("--pwfile")
            .arg(&pwfile)
            .args(["-U", SUPERUSER])
            .args(INITDB_OPTIONS)
            .stdin(Stdio::null())
            .stdout(
                initdb_out
                    .try_clone()
                    .map_err(|e| ProvisionError::io("opening the initdb log", e))?,
            )
            .stderr(initdb_out);
        const WHAT: &str = "running initdb";
        let status = self.run_to_end(spawn_dying_with_us(user.run_as(&mut initdb), WHAT)?, WHAT)?;
        let _ = std::fs::remove_file(&pwfile);
        if !status.success() {
            return Err(ProvisionError::Initdb {
                output: std::fs::read_to_string(&initdb_log).unwrap_or_default(),
            });
        }
        Ok(())
    }

    /// Starts the postmaster on our data directory, appending to the server log.
    fn spawn(&self) -> Result<(), ProvisionError> {
        let dir = &self.socket_dir;
        let data = self.data_dir();
        let log = dir.join("server.log");
        let user = &self.user;
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|e| ProvisionError::io("creating the server log", e))?;
        if let Some(u) = &user {
            chown(&log, Some(u.uid), Some(u.gid))
                .map_err(|e| ProvisionError::io("giving the log to the server user", e))?;
        }
        let mut postgres = Command::new(self.bindir.join("postgres"));
        postgres
            .arg("-D")
            .arg(&data)
            .arg("-k")
            .arg(dir)
            .arg("-p")
            .arg(SOCKET_PORT.to_string())
            .args(["-c", "max_connections=100"]);
        // Ours last, so that no project setting opens the server up.
        let private = ["listen_addresses=", "unix_socket_permissions=0700"];
        for option in super::server_options(&self.settings)
            .into_iter()
            .chain(private.map(String::from))
        {
            postgres.arg("-c").arg(option);
        }
        postgres
            .stdin(Stdio::null())
            .stdout(
                log_file
                    .try_clone()
                    .map_err(|e| ProvisionError::io("opening the server log", e))?,
            )
            .stderr(log_file)
            .process_group(0);
        let child = spawn_dying_with_us(user.run_as(&mut postgres), "starting postgres")?;
        lock(&self.state).child = Some(child);
        Ok(())
    }

    /// Waits for initdb while keeping it where a signal's cleanup can stop it: removing the
    /// directory under a running initdb would race with its writes.
    fn run_to_end(
        &self,
        child: Child,
        what: &'static str,
    ) -> Result<std::process::ExitStatus, ProvisionError> {
        lock(&self.state).child = Some(child);
        loop {
            let polled = {
                let mut state = lock(&self.state);
                let Some(child) = state.child.as_mut() else {
                    return Err(ProvisionError::io(
                        what,
                        std::io::Error::other("interrupted"),
                    ));
                };
                match child.try_wait() {
                    Ok(Some(status)) => {
                        state.child = None;
                        Ok(Some(status))
                    }
                    Ok(None) => Ok(None),
                    Err(e) => Err(ProvisionError::io(what, e)),
                }
            };
            if let Some(status) = polled? {
                return Ok(status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn options(&self, database: &str) -> PgConnectOptions {
        socket_options(&self.socket_dir, &self.password, database)
    }

    /// initdb's `--pwfile`: the password, readable by the server's user only, removed once
    /// initdb has read it.
    fn write_pwfile(&self, user: Option<&RunAs>) -> Result<PathBuf, ProvisionError> {
        let path = self.socket_dir.join("pwfile");
        write_private(&path, &format!("{}\n", self.password))
            .map_err(|e| ProvisionError::io("writing the password file", e))?;
        if let Some(u) = user {
            chown(&path, Some(u.uid), Some(u.gid)).map_err(|e| {
                ProvisionError::io("giving the password file to the server user", e)
            })?;
        }
        Ok(path)
    }

    /// What tells whether the postmaster still runs.
    pub fn probe(&self) -> Probe {
        Probe {
            state: self.state.clone(),
            log: self.socket_dir.join("server.log"),
        }
    }

    /// Polls a connection: the server is ready when it accepts one, not after a fixed sleep.
    async fn wait_ready(&self) -> Result<(), ProvisionError> {
        let started = Instant::now();
        let options = self.options("postgres");
        loop {
            let exited = lock(&self.state).child.as_mut().map(|c| c.try_wait());
            if let Some(Ok(Some(status))) = exited {
                return Err(ProvisionError::ServerExited {
                    status: status.to_string(),
                    log: self.log(),
                });
            }
            if let Ok(conn) = PgConnection::connect_with(&options).await {
                let _ = conn.close().await;
                return Ok(());
            }
            if started.elapsed() > READY_TIMEOUT {
                return Err(ProvisionError::NotReady {
                    seconds: READY_TIMEOUT.as_secs(),
                    log: self.log(),
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.socket_dir.join("server.log")).unwrap_or_default()
    }
}

/// Options to connect as the superuser to `database` of the server listening in `socket_dir`.
pub(super) fn socket_options(
    socket_dir: &Path,
    password: &str,
    database: &str,
) -> PgConnectOptions {
    PgConnectOptions::new()
        .socket(socket_dir)
        .port(SOCKET_PORT)
        .username(SUPERUSER)
        .password(password)
        .database(database)
}

/// `DATABASE_URL` and libpq's `PG*` variables pointing at `database` of the server listening in
/// `socket_dir`, for external migration tools (`format = "command"`).
pub(super) fn client_env(
    socket_dir: &Path,
    password: &str,
    database: &str,
) -> Vec<(String, String)> {
    let dir = socket_dir.display().to_string();
    let port = SOCKET_PORT.to_string();
    vec![
        (
            "DATABASE_URL".into(),
            format!(
                "postgresql://{SUPERUSER}:{password}@localhost/{database}?host={dir}&port={port}"
            ),
        ),
        ("PGHOST".into(), dir),
        ("PGPORT".into(), port),
        ("PGUSER".into(), SUPERUSER.into()),
        ("PGPASSWORD".into(), password.into()),
        ("PGDATABASE".into(), database.into()),
    ]
}

/// Spawns `cmd` so that it gets SIGQUIT if we die without cleaning up (SIGKILL, a crash).
fn spawn_dying_with_us(cmd: &mut Command, what: &'static str) -> Result<Child, ProvisionError> {
    // SAFETY: prctl is async-signal-safe; it only sets a flag on the child process.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT);
            Ok(())
        });
    }
    cmd.spawn().map_err(|e| ProvisionError::io(what, e))
}

trait RunAsExt {
    fn run_as<'c>(&self, cmd: &'c mut Command) -> &'c mut Command;
}

impl RunAsExt for Option<RunAs> {
    fn run_as<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        match self {
            Some(u) => cmd.uid(u.uid).gid(u.gid),
            None => cmd,
        }
    }
}

/// The template's key: the server, initdb's options and the harness. Server settings are not in
/// it: they are given to the postmaster at each start, and initdb never sees them.
fn template_key(bindir: &Path, cache: &Cache) -> Option<String> {
    let mut key = Key::new("template");
    key.part("server", super::identity::of(bindir, Some(cache))?)
        .part("initdb", INITDB_OPTIONS.join(" "));
    Some(key.finish())
}
