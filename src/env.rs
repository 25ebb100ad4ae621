//! Every environment variable pg-invariants reads, in one place (docs/configuration.md lists the
//! same).
//!
//! `DATABASE_URL` is deliberately NOT read: pointing the harness at a real database by accident
//! must be impossible. The `url` backend only uses `PG_INVARIANTS_URL`.

use std::path::PathBuf;

/// `PG_INVARIANTS_BACKEND`: overrides `[database] backend`.
pub fn backend() -> Option<String> {
    non_empty("PG_INVARIANTS_BACKEND")
}

/// `PG_INVARIANTS_IMAGE`: overrides `[database] image` (docker backend).
pub fn image() -> Option<String> {
    non_empty("PG_INVARIANTS_IMAGE")
}

/// `PG_INVARIANTS_URL`: the server on which the `url` backend creates its throwaway database.
pub fn url() -> Option<String> {
    non_empty("PG_INVARIANTS_URL")
}

/// `PGUSER`: libpq's default user, which the url backend, like libpq, uses when the URL names
/// none (the OS user's name otherwise).
pub fn pguser() -> Option<String> {
    non_empty("PGUSER")
}

/// `PG_INVARIANTS_PG_BINDIR`: where the local backend finds `initdb` and `postgres`.
pub fn pg_bindir() -> Option<PathBuf> {
    non_empty("PG_INVARIANTS_PG_BINDIR").map(PathBuf::from)
}

/// `PG_INVARIANTS_TMPDIR`: where the local backend puts its throwaway clusters, instead of
/// memory (`/dev/shm`) or `TMPDIR` (see [`crate::provision`]'s `scratch`).
pub fn scratch_dir() -> Option<PathBuf> {
    non_empty("PG_INVARIANTS_TMPDIR").map(PathBuf::from)
}

/// `TMPDIR`, when set: the user chose where temporary files go, and the local backend's
/// clusters go there too unless `PG_INVARIANTS_TMPDIR` says otherwise.
pub fn tmpdir() -> Option<PathBuf> {
    non_empty("TMPDIR").map(PathBuf::from)
}

/// `PG_INVARIANTS_CASES`: how many generated variations each behavioural check runs after its
/// first, minimal case (default 3; 0 runs the minimal case only). Unparsable values are ignored.
pub fn cases() -> Option<u32> {
    non_empty("PG_INVARIANTS_CASES").and_then(|v| v.trim().parse().ok())
}

/// `CARGO_MANIFEST_DIR`: where `cargo test` starts looking for `pg-invariants.toml`.
pub fn cargo_manifest_dir() -> Option<PathBuf> {
    non_empty("CARGO_MANIFEST_DIR").map(PathBuf::from)
}

/// `CI` (or Azure's `TF_BUILD`), with insta's reading: set and not `false`, `0` or empty. In CI
/// no snapshot file is ever written.
pub fn ci() -> bool {
    match std::env::var("CI").ok().as_deref() {
        Some("false" | "0" | "") => false,
        Some(_) => true,
        None => std::env::var_os("TF_BUILD").is_some(),
    }
}

/// `GITHUB_ACTIONS`: `true` on GitHub's runners; every failure then also prints an `::error`
/// annotation pointing at the invariant (see [`crate::report::github`]).
pub fn github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// `INSTA_UPDATE`: what a snapshot test writes (`auto`, `always`, `new`, `unseen`, `no`, `force`).
pub fn insta_update() -> Option<String> {
    non_empty("INSTA_UPDATE")
}

/// `INSTA_FORCE_PASS`: `1` makes a mismatching snapshot test pass (set by `cargo insta test`,
/// which reviews the `.snap.new` files afterwards).
pub fn insta_force_pass() -> Option<String> {
    non_empty("INSTA_FORCE_PASS")
}

/// `INSTA_SNAPSHOT_REFERENCES_FILE`: where `cargo insta test` collects the snapshot files tests
/// use, so that `--unreferenced=delete` keeps ours.
pub fn insta_snapshot_references_file() -> Option<PathBuf> {
    non_empty("INSTA_SNAPSHOT_REFERENCES_FILE").map(PathBuf::from)
}

/// `PATH`, searched for server binaries when nothing more specific is set.
pub fn path() -> Option<std::ffi::OsString> {
    std::env::var_os("PATH")
}

/// `PG_INVARIANTS_CACHE=off` (or `0`, `false`, `no`): never use or write the cache of
/// initdb'ed and migrated clusters, like `--no-cache`.
pub fn cache_off() -> bool {
    non_empty("PG_INVARIANTS_CACHE").is_some_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "off" | "0" | "false" | "no"
        )
    })
}

/// `PG_INVARIANTS_CACHE_DIR`: where the cache is, above every default (CI keeps this directory
/// between jobs).
pub fn cache_dir() -> Option<PathBuf> {
    non_empty("PG_INVARIANTS_CACHE_DIR").map(PathBuf::from)
}

/// `PG_INVARIANTS_CACHE_SIZE`: the cache's bound in MiB. Unparsable values are ignored.
pub fn cache_size_mib() -> Option<u64> {
    non_empty("PG_INVARIANTS_CACHE_SIZE").and_then(|v| v.trim().parse().ok())
}

/// A test run whose processes share one set-up (see `keeper`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedRun {
    /// Letters, digits and dashes of the run's id.
    pub id: String,
    /// The id is nextest's: the run is this process's parent (`cargo nextest run`).
    pub nextest: bool,
}

/// `PG_INVARIANTS_SHARED_RUN`, else `NEXTEST_RUN_ID` (set by `cargo nextest run`, one per
/// run): the test run whose processes share one set-up, held by its keeper.
/// `PG_INVARIANTS_SHARED_RUN=off` shares nothing.
pub fn shared_run() -> Option<SharedRun> {
    let (run, nextest) = match non_empty("PG_INVARIANTS_SHARED_RUN") {
        Some(run) => (run, false),
        None => (non_empty("NEXTEST_RUN_ID")?, true),
    };
    if run.trim().eq_ignore_ascii_case("off") {
        return None;
    }
    let id: String = run
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(64)
        .collect();
    (!id.is_empty()).then_some(SharedRun { id, nextest })
}

/// `PG_INVARIANTS_SHARED_IDLE_MS`: how long a run's keeper (and its server) outlives its last
/// user, in milliseconds. Unparsable values are ignored.
pub fn shared_idle_ms() -> Option<u64> {
    non_empty("PG_INVARIANTS_SHARED_IDLE_MS").and_then(|v| v.trim().parse().ok())
}

/// `PG_INVARIANTS_KEEPER`: internal, set by a test process on the executable it starts again
/// as the keeper of its run (`keeper`): what to keep, as JSON.
pub fn keeper() -> Option<String> {
    non_empty(KEEPER)
}

/// The name of the variable [`keeper`] reads.
pub const KEEPER: &str = "PG_INVARIANTS_KEEPER";

/// `CARGO_TARGET_DIR`: cargo's target directory when the user moved it; the cache lives under
/// it when running under cargo.
pub fn cargo_target_dir() -> Option<PathBuf> {
    non_empty("CARGO_TARGET_DIR").map(PathBuf::from)
}

/// `XDG_CACHE_HOME`, then `HOME`: where the user's cache directory is outside cargo.
pub fn xdg_cache_home() -> Option<PathBuf> {
    non_empty("XDG_CACHE_HOME").map(PathBuf::from)
}

pub fn home() -> Option<PathBuf> {
    non_empty("HOME").map(PathBuf::from)
}

/// A variable the project names: graphile-migrate's `"!ENV"` placeholders read the variable of
/// the placeholder's name (`:DATABASE_VISITOR` → `DATABASE_VISITOR`). Unset and empty are alike,
/// as graphile-migrate reads them.
pub fn named(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn non_empty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
