//! The deployed database's server: a server of its own (the chain may create roles, which are
//! the whole server's), started from the cache when the same deployed chain and the same rows
//! were built before, else fresh, and then kept for the runs after.
//!
//! The key covers what the deployed database is made of: the deployed chain's own key (the
//! server, `[database]`, `before` and the deployed migrations, byte for byte) and what fills it:
//! the `data` files, or, for synthesized rows, every file synthesis reads in the project (the
//! project file, with `[tenancy]`, `schemas` and `ignore`, and the table files with their
//! `[sample]`s). A chain no key can
//! cover (`command`, a sqitch script that reads what cannot be known) is built every run.

use sqlx::ConnectOptions;
use sqlx::postgres::PgConnection;

use super::Planned;
use crate::migrate::{Chain, migrated_key};
use crate::provision::{
    Building, Cache, Key, Kind, Postgres, ProvisionError, Source, server_identity_in,
};
use crate::spec::Spec;

/// Where the deployed database is kept in the cache.
pub struct Keyed<'c> {
    cache: &'c Cache,
    pub key: String,
}

impl Keyed<'_> {
    /// Holds off other processes building the same key until dropped (see `Cache::building`).
    pub fn building(&self) -> Option<Building> {
        self.cache.building(Kind::Migrated, &self.key).ok()
    }
}

/// The deployed database's key, when the cache applies.
pub fn key<'s>(spec: &Spec, planned: &Planned, source: &'s Source) -> Option<Keyed<'s>> {
    let cache = source.cache()?;
    let server = server_identity_in(cache)?;
    let deployed = &planned.split.deployed;
    let mut key = Key::new("deployed");
    key.part("chain", migrated_key(spec, deployed, &server).ok()?);
    let upgrade = spec.project.upgrade.as_ref()?;
    if upgrade.data.is_empty() {
        // What synthesis reads: the project file and the table files, byte for byte.
        let mut files: Vec<&std::path::Path> =
            spec.tables.iter().map(|t| t.at.path.as_path()).collect();
        files.sort();
        files.insert(0, &spec.project.file);
        for file in files {
            key.part("synthesized from", file.as_os_str().as_encoded_bytes())
                .part("content", std::fs::read(file).ok()?);
        }
    }
    for data in Chain::scripts(&upgrade.data).ok()? {
        key.part("data", data.path.as_os_str().as_encoded_bytes())
            .part("checksum", data.checksum.as_bytes());
    }
    Some(Keyed {
        cache,
        key: key.finish(),
    })
}

/// A server for the deployed database and the database's name: a copy of the cached one
/// (`true`: built already), else a fresh server with an empty database.
pub async fn start(
    source: &Source,
    keyed: Option<&Keyed<'_>>,
) -> Result<(Postgres, String, bool), ProvisionError> {
    if let Some(keyed) = keyed
        && let Some(entry) = keyed.cache.get(Kind::Migrated, &keyed.key)
        && let Ok(database) = entry.database()
        && let Ok(postgres) = Postgres::start_copy(source, &entry).await
    {
        postgres.adopt_database(&database);
        return Ok((postgres, database, true));
    }
    let postgres = Postgres::start(source).await?;
    let database = postgres.create_database(None).await?;
    Ok((postgres, database, false))
}

pub async fn connect(postgres: &Postgres, database: &str) -> Result<PgConnection, ProvisionError> {
    postgres
        .options(database)
        .connect()
        .await
        .map_err(|e| ProvisionError::Database {
            what: "connecting to the deployed database".into(),
            source: e,
        })
}

/// Keeps the built deployed database in the cache (the server restarts: the connection made
/// before is gone), and a new connection to it; `None` when the server's cluster cannot be
/// kept (not a local one) or the copy could not be written, which costs the next run a build.
pub async fn keep(
    postgres: &Postgres,
    database: &str,
    keyed: &Keyed<'_>,
) -> Result<Option<PgConnection>, ProvisionError> {
    if !postgres.can_keep() {
        return Ok(None);
    }
    let _ = postgres.keep_in(keyed.cache, &keyed.key, database).await?;
    connect(postgres, database).await.map(Some)
}
