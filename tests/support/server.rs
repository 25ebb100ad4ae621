//! A PostgreSQL of the tests' own, started exactly as the local backend starts one: it stands in
//! for a user's server (url backend) or holds a schema to read back.
//!
//! Each test target includes this file and uses part of it.
#![allow(dead_code)]

use pg_invariants::provision::{Cache, Postgres, Source};
use pg_invariants::spec::{Backend, DatabaseConfig, Preset};

/// The local backend with these server settings.
pub fn local_config(settings: &[(&str, &str)]) -> DatabaseConfig {
    DatabaseConfig {
        backend: Backend::Local,
        preset: Preset::None,
        image: String::new(),
        settings: settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// A private local server with these settings; removed when dropped. Its cluster is a copy of
/// the initdb'ed template of the cache under the target directory, as a run's would be.
pub async fn local_server(settings: &[(&str, &str)]) -> Postgres {
    let cache = Cache::locate(false).expect("an own cache directory");
    Postgres::start(&Source::new(Backend::Local, local_config(settings), cache))
        .await
        .expect("a local PostgreSQL")
}

/// What a `format = "command"` tool would get as `name` (`DATABASE_URL`, `PGHOST`…) for the
/// database `postgres` of `server`: with it, a test reaches the server as the harness does.
pub fn env_var(server: &Postgres, name: &str) -> String {
    server
        .client_env("postgres")
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no {name}"))
}

/// A temporary directory the server reaches: it may run as an unprivileged user, who must be
/// able to enter it (`0o755`), or also write in it (`0o777`).
pub fn tempdir_with_mode(mode: u32) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(mode)).expect("chmod");
    dir
}
