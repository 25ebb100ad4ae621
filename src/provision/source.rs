//! Where a run's PostgreSQL comes from, decided once: `--backend` above `PG_INVARIANTS_BACKEND`
//! above `[database] backend`, `auto` resolved, `PG_INVARIANTS_IMAGE` above `[database] image`,
//! `PG_INVARIANTS_URL`, and the cache (`--no-cache`, `PG_INVARIANTS_CACHE*`; local backend
//! only). Every command (`test`, `--list`, `init`, `fix`, `cache key`) asks [`Source::decide`],
//! so no two places can disagree about which server a run uses.

use super::{Cache, ProvisionError, local::find_bindir_in};
use crate::env;
use crate::spec::{Backend, DatabaseConfig};

/// The decided backend (never `auto`), its settings with the environment's overrides applied,
/// and the cache it may use.
pub struct Source {
    backend: Backend,
    config: DatabaseConfig,
    url: Option<String>,
    cache: Option<Cache>,
}

impl Source {
    /// The source of this run: `cli` (`--backend`), then the environment, then `config`.
    pub fn decide(
        config: &DatabaseConfig,
        cli: Option<Backend>,
        no_cache: bool,
    ) -> Result<Self, ProvisionError> {
        let from_env = env::backend();
        let url = env::url();
        let chosen = cli.or(from_env).unwrap_or(config.backend);
        // Only the local backend copies clusters: a container's data directory is not ours
        // to copy, a URL's server not ours at all. The cache also remembers, for the
        // processes of one test run, where the server binaries are.
        let cache = match chosen {
            Backend::Local => Cache::locate(no_cache)?,
            Backend::Auto if url.is_none() => Cache::locate(no_cache)?,
            _ => None,
        };
        let backend = match chosen {
            Backend::Auto if url.is_some() => Backend::Url,
            Backend::Auto if find_bindir_in(cache.as_ref()).is_some() => Backend::Local,
            Backend::Auto => Backend::Docker,
            chosen => chosen,
        };
        let mut config = config.clone();
        if let Some(image) = env::image() {
            config.image = image;
        }
        let cache = cache.filter(|_| backend == Backend::Local);
        Ok(Self {
            backend,
            config,
            url,
            cache,
        })
    }

    /// Exactly `backend` with `config`, reading no override (tests, and servers of a kind
    /// the caller names).
    pub fn new(backend: Backend, config: DatabaseConfig, cache: Option<Cache>) -> Self {
        Self {
            backend,
            config,
            url: None,
            cache,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The server's settings and image, overrides applied.
    pub fn config(&self) -> &DatabaseConfig {
        &self.config
    }

    /// The server of the url backend.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// The cache of clusters, when this run may use one.
    pub fn cache(&self) -> Option<&Cache> {
        self.cache.as_ref()
    }
}
