//! The shared set-up every check needs: a PostgreSQL, a database of our own, the chain and seed
//! applied once, the idempotency pass on a clone (unless the cache records that it passed), one
//! catalog read and a pool for data checks.

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};

use crate::catalog::{self, Catalog};
use crate::migrate::{ApplyError, Chain, NotCached, migrated_key};
use crate::provision::{
    Cache, Entry, Kind, Postgres, Probe, ProvisionError, RolePhase, Scratch, ServerVersion, Source,
    server_identity_in,
};
use crate::sandbox::guard;
use crate::spec::Spec;

/// A migrated database, ready for checks. Dropping it removes everything it created.
pub struct Setup {
    pub outcome: SetupOutcome,
    /// `None` when the chain did not apply.
    pub catalog: Option<Catalog>,
    pub pool: Option<PgPool>,
    /// Wall time of provisioning and of applying the chain and seed.
    pub timings: Timings,
    /// What the cache of migrated clusters did.
    pub cached: Cached,
    /// The server's version, for the header line.
    pub version: ServerVersion,
    /// Set, with what happened, once the server is gone (see [`Setup::server_exit`]).
    exit: Arc<OnceLock<String>>,
    probe: Probe,
    watcher: Option<tokio::task::JoinHandle<()>>,
    // Dropped last: the server outlives the pool.
    pub postgres: Postgres,
}

/// What happened while setting up the database: the verdicts of `migrations::apply` and
/// `migrations::idempotent`, on which every other check depends.
#[derive(Debug)]
pub struct SetupOutcome {
    pub apply: Result<(), ApplyError>,
    /// `None` when `idempotent = false`, or the pass was skipped ([`SecondPass::Skip`]).
    pub idempotent: Option<Result<(), ApplyError>>,
    /// `[upgrade]`: what the deploy window showed (`None` without one, or for a command
    /// that does not test deploys).
    pub upgrade: Option<crate::upgrade::Outcome>,
}

/// Whether the set-up applies the chain a second time (on a clone) for `migrations::idempotent`.
/// Only a run that shows that verdict pays for it: a listing, or a run filtered to other tests
/// (one test per process under nextest), skips it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondPass {
    Run,
    Skip,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    pub provision: Duration,
    pub apply: Duration,
}

/// A server with the chain applied to `database` (or not: `apply`), before the rest of the
/// set-up.
struct Migrated {
    postgres: Postgres,
    database: String,
    apply: Result<(), ApplyError>,
    /// The url backend's role-creating phase, which the idempotency pass is part of.
    roles: Option<RolePhase>,
    timings: Timings,
    cached: Cached,
    version: ServerVersion,
    /// The cache's entry of this very cluster (a hit, or one just kept), held so that eviction keeps away: it records that the
    /// idempotency pass passed, and keeps the catalog once a process has read it (the key
    /// covers everything the catalog is read from, so a hit reads none of it from the server).
    entry: Option<Entry>,
    /// The idempotency pass passed on this very cluster before.
    idempotent_before: bool,
}

impl Migrated {
    /// A server on the cache's migrated cluster, provisioned since `started`: nothing applied.
    fn from_cache(
        postgres: Postgres,
        database: String,
        started: Instant,
        cached: Cached,
        version: ServerVersion,
        entry: Option<Entry>,
    ) -> Self {
        Self {
            postgres,
            database,
            apply: Ok(()),
            roles: None,
            timings: Timings {
                provision: started.elapsed(),
                apply: Duration::ZERO,
            },
            cached,
            version,
            idempotent_before: entry.as_ref().is_some_and(Entry::idempotent),
            entry,
        }
    }
}

/// What the cache of migrated clusters did for this run (see [`crate::provision::Cache`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cached {
    /// No cache: `--no-cache`, `PG_INVARIANTS_CACHE=off`, a backend other than local, or a
    /// `command` chain (what the tool reads is unknown, so no key can cover it).
    Off,
    /// The cluster came from the cache under this key: nothing was applied, because the very
    /// same inputs applied without error before.
    Hit(String),
    /// The chain was applied, and the result kept under this key in this long.
    Stored(String, Duration),
    /// The chain was applied and did not apply: nothing kept.
    NotStored(String),
    /// The chain reads from outside the project what no key covers: never kept (why, see
    /// [`NotCached`]).
    Never(String),
    /// The chain applied, but writing the copy into the cache failed (a full disk): why.
    NotWritten(String, String),
}

/// The catalog a run of these inputs reads, when the cache holds it (kept by an earlier run of
/// the very same inputs): listing the tests then needs no server.
pub fn cached_catalog(spec: &Spec, chain: &Chain, source: &Source) -> Option<Catalog> {
    let (cache, key) = cache_key(source, spec, chain)?;
    let entry = cache.get(Kind::Migrated, &key.ok()?)?;
    kept_catalog(&entry.catalog())
}

/// The migrated cluster's key for this run, when the cache applies to it; `Err` when the chain
/// is never cached.
fn cache_key<'c>(
    source: &'c Source,
    spec: &Spec,
    chain: &Chain,
) -> Option<(&'c Cache, Result<String, NotCached>)> {
    let cache = source.cache()?;
    let server = server_identity_in(cache)?;
    Some((cache, migrated_key(spec, chain, &server)))
}

impl Setup {
    /// Provisions and migrates, or starts from the cache's migrated cluster for these inputs.
    /// Only provisioning problems are errors; a chain that fails to apply is an outcome
    /// (`migrations::apply` fails, with the file and line).
    pub async fn run(
        spec: &Spec,
        chain: &Chain,
        source: &Source,
        connections: u32,
        pass: SecondPass,
    ) -> Result<Self, ProvisionError> {
        let (keyed, never) = match cache_key(source, spec, chain) {
            Some((cache, Ok(key))) => (Some((cache, key)), None),
            Some((_, Err(e @ NotCached::ReadsOutside { .. }))) => (None, Some(e.to_string())),
            _ => (None, None),
        };
        let started = Instant::now();
        // One process builds a key at a time: the others wait, then start from its entry.
        let mut building = None;
        if let Some((cache, key)) = &keyed {
            let mut entry = cache.get(Kind::Migrated, key);
            if entry.is_none() {
                building = cache.building(Kind::Migrated, key).ok();
                entry = cache.get(Kind::Migrated, key);
            }
            // An entry that cannot be started from (damaged by hand, another server user) only
            // costs applying the chain: the run goes on as a miss.
            let copy = match &entry {
                Some(entry) => start_copy(source, entry).await,
                None => None,
            };
            if let Some((postgres, database)) = copy {
                drop(building);
                let version = postgres.version().await?;
                let cached = Cached::Hit(key.clone());
                let migrated =
                    Migrated::from_cache(postgres, database, started, cached, version, entry);
                return Self::ready(spec, chain, source, migrated, connections, pass).await;
            }
        }
        let postgres = Postgres::start(source).await?;
        let database = postgres.create_database(None).await?;
        let version = postgres.version().await?;
        let provision = started.elapsed();

        let started = Instant::now();
        let roles = postgres.role_phase().await?;
        let remedy = |e: ApplyError| remedied(e, &version, source, &postgres);
        let mark_roles = roles.as_ref().map(RolePhase::marking_sql);
        let apply = apply_once(&postgres, &database, chain, mark_roles.as_deref())
            .await?
            .map_err(remedy);
        let apply_time = started.elapsed();
        let (cached, entry) = match &keyed {
            Some((cache, key)) if apply.is_ok() && postgres.can_keep() => {
                let started = Instant::now();
                match postgres.keep_in(cache, key, &database).await? {
                    Ok(()) => {
                        let stored = Cached::Stored(key.clone(), started.elapsed());
                        (stored, cache.get(Kind::Migrated, key))
                    }
                    Err(e) => (Cached::NotWritten(key.clone(), e.to_string()), None),
                }
            }
            Some((_, key)) => (Cached::NotStored(key.clone()), None),
            None => (never.map_or(Cached::Off, Cached::Never), None),
        };
        drop(building);
        let migrated = Migrated {
            postgres,
            database,
            apply,
            roles,
            timings: Timings {
                provision,
                apply: apply_time,
            },
            version,
            idempotent_before: false,
            entry,
            cached,
        };
        Self::ready(spec, chain, source, migrated, connections, pass).await
    }

    /// The idempotency pass, the catalog and the pool, on a migrated database.
    async fn ready(
        spec: &Spec,
        chain: &Chain,
        source: &Source,
        migrated: Migrated,
        connections: u32,
        pass: SecondPass,
    ) -> Result<Self, ProvisionError> {
        let Migrated {
            postgres,
            database,
            apply,
            roles,
            timings,
            cached,
            version,
            entry,
            idempotent_before,
        } = migrated;
        let catalog_file = entry.as_ref().map(Entry::catalog);
        let remedy = |e: ApplyError| remedied(e, &version, source, &postgres);
        let second = spec.project.migrations.idempotent && pass == SecondPass::Run;
        let idempotent = match (&apply, second) {
            (Ok(()), true) if idempotent_before => Some(Ok(())),
            (Ok(()), true) => {
                let mark_roles = roles.as_ref().map(RolePhase::marking_sql);
                let outcome = second_pass(&postgres, &database, chain, mark_roles.as_deref())
                    .await?
                    .map_err(remedy);
                if outcome.is_ok() {
                    record_idempotent(entry.as_ref());
                }
                Some(outcome)
            }
            _ => None,
        };
        if let Some(roles) = roles {
            roles.end().await;
        }

        let (catalog, pool) = match &apply {
            Ok(()) => {
                let (catalog, pool) =
                    open_migrated(&postgres, &database, connections, catalog_file.as_deref())
                        .await?;
                (Some(catalog), Some(pool))
            }
            Err(_) => (None, None),
        };
        let exit = Arc::new(OnceLock::new());
        let probe = postgres.probe();
        let watcher = pool
            .clone()
            .map(|pool| tokio::spawn(watch(probe.clone(), exit.clone(), pool)));
        Ok(Self {
            outcome: SetupOutcome {
                apply,
                idempotent,
                upgrade: None,
            },
            catalog,
            pool,
            timings,
            cached,
            version,
            exit,
            probe,
            watcher,
            postgres,
        })
    }

    /// What happened to the server, once it is gone: `<status>, last lines of its log: ...`.
    pub fn server_exit(&self) -> Option<&str> {
        self.exit.get().map(String::as_str)
    }

    /// [`server_exit`](Self::server_exit), after looking now: a check that just failed on a
    /// broken connection may have seen the server die before the watcher did.
    pub async fn server_exit_now(&self) -> Option<&str> {
        if self.exit.get().is_none()
            && let Some(exit) = self.probe.exited().await
        {
            let _ = self.exit.set(exit);
        }
        self.server_exit()
    }

    /// Closes the pool, then drops the server (and with it every database we created).
    pub async fn close(self) {
        if let Some(watcher) = &self.watcher {
            watcher.abort();
        }
        if let Some(pool) = &self.pool {
            pool.close().await;
        }
    }
}

/// How long a check waits for a connection of the pool. The pool has one per test thread, so a
/// wait means a connection is being (re)made; a server that is gone is noticed by [`watch`],
/// which closes the pool and so ends every wait at once.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The most connections the checks use, whatever `--test-threads` says: the local server takes
/// 100, and the set-up, the watcher and the idempotency pass's clone need a few. More threads
/// than connections wait their turn.
const MAX_POOL: u32 = 80;

/// Waits for the server to go, records how, and closes the pool so that no check waits for it.
async fn watch(probe: Probe, exit: Arc<OnceLock<String>>, pool: PgPool) {
    let _ = exit.set(probe.until_exit().await);
    pool.close().await;
}

/// The pool the checks share on the migrated `database`, and its catalog: read from the cache
/// entry's kept copy (`catalog_file`) when there is one, else from the server (and kept there).
async fn open_migrated(
    postgres: &Postgres,
    database: &str,
    connections: u32,
    catalog_file: Option<&Path>,
) -> Result<(Catalog, PgPool), ProvisionError> {
    // No ping before each check's transaction (sqlx's default): a round trip per case
    // of every behavioural check, and a connection lost since fails the check's first
    // statement anyway, which never reads as a pass.
    let pool = PgPoolOptions::new()
        .max_connections(connections.clamp(1, MAX_POOL))
        .test_before_acquire(false)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(postgres.options(database))
        .await
        .map_err(|e| db_error("connecting to the migrated database", e))?;
    let catalog = match catalog_file.and_then(kept_catalog) {
        Some(catalog) => catalog,
        None => {
            let mut conn = pool
                .acquire()
                .await
                .map_err(|e| db_error("connecting to the migrated database", e))?;
            let catalog = catalog::load(&mut conn)
                .await
                .map_err(|e| db_error("reading the catalog", e))?;
            if let Some(file) = catalog_file {
                keep_catalog(file, &catalog);
            }
            catalog
        }
    };
    arm_guard(&pool).await?;
    Ok((catalog, pool))
}

fn db_error(what: &str, source: sqlx::Error) -> ProvisionError {
    ProvisionError::Database {
        what: what.to_string(),
        source,
    }
}

async fn connect(postgres: &Postgres, database: &str) -> Result<PgConnection, ProvisionError> {
    let options = postgres.options(database);
    options
        .connect()
        .await
        .map_err(|e| db_error(&format!("connecting to database {database}"), e))
}

/// A failed statement, with what would help: how to get an extension the server lacks, how to
/// make room in a cluster that lives in memory.
fn remedied(
    e: ApplyError,
    version: &ServerVersion,
    source: &Source,
    postgres: &Postgres,
) -> ApplyError {
    e.with_extension_remedy(version.major, source.backend())
        .with_space_remedy(postgres.scratch().and_then(Scratch::remedy))
}

/// A server on a copy of a cached migrated cluster, and the migrated database's name; `None`
/// when the entry is unusable.
async fn start_copy(source: &Source, entry: &Entry) -> Option<(Postgres, String)> {
    let database = entry.database().ok()?;
    let postgres = Postgres::start_copy(source, entry).await.ok()?;
    postgres.adopt_database(&database);
    Some((postgres, database))
}

/// Records in the cache's entry of this cluster (a hit, or one just kept) that the idempotency
/// pass passed, so that runs starting from it skip the pass. A cache that cannot be written
/// only costs the next run the pass.
fn record_idempotent(entry: Option<&Entry>) {
    if let Some(entry) = entry {
        let _ = entry.record_idempotent();
    }
}

/// The catalog read before from this very cluster (by an earlier run, or another process of
/// the test run), kept in the cache's entry.
fn kept_catalog(file: &Path) -> Option<Catalog> {
    serde_json::from_slice(&std::fs::read(file).ok()?).ok()
}

/// Keeps the catalog for the runs and processes after (see [`kept_catalog`]): written whole,
/// then renamed into place. Not kept is no error: each reads it itself.
fn keep_catalog(file: &Path, catalog: &Catalog) {
    let Ok(json) = serde_json::to_vec(catalog) else {
        return;
    };
    let tmp = file.with_extension(format!("{}.tmp", std::process::id()));
    if std::fs::write(&tmp, json).is_ok() && std::fs::rename(&tmp, file).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// Installs the guard that keeps checks from changing the schema (see [`guard`]), after the
/// catalog is read: it is the harness's, not the project's.
async fn arm_guard(pool: &PgPool) -> Result<(), ProvisionError> {
    let mut conn = pool
        .acquire()
        .await
        .map_err(|e| db_error("connecting to the migrated database", e))?;
    guard::install(&mut conn).await.map_err(|e| {
        db_error(
            "installing the guard that keeps checks from changing the schema",
            e,
        )
    })
}

/// `before`, chain and seed on a fresh connection to `database`.
async fn apply_once(
    postgres: &Postgres,
    database: &str,
    chain: &Chain,
    mark_roles: Option<&str>,
) -> Result<Result<(), ApplyError>, ProvisionError> {
    let mut conn = connect(postgres, database).await?;
    let result = chain
        .apply(&mut conn, &postgres.client_env(database), mark_roles)
        .await;
    let _ = conn.close().await;
    postgres.rollback_prepared(database).await?;
    Ok(result)
}

/// The chain applied again, on a clone of the migrated database so the checks still see the
/// state after one application, whatever the second pass did.
async fn second_pass(
    postgres: &Postgres,
    database: &str,
    chain: &Chain,
    mark_roles: Option<&str>,
) -> Result<Result<(), ApplyError>, ProvisionError> {
    let clone = postgres.create_database(Some(database)).await?;
    let mut conn = connect(postgres, &clone).await?;
    let result = chain
        .apply_migrations(&mut conn, &postgres.client_env(&clone), mark_roles)
        .await;
    let _ = conn.close().await;
    postgres.drop_database(&clone).await?;
    Ok(result)
}
