//! Every environment variable pg-invariants reads, in one place (the README lists the same).
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

/// `PG_INVARIANTS_PG_BINDIR`: where the local backend finds `initdb` and `postgres`.
pub fn pg_bindir() -> Option<PathBuf> {
    non_empty("PG_INVARIANTS_PG_BINDIR").map(PathBuf::from)
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

/// `PATH`, searched for server binaries when nothing more specific is set.
pub fn path() -> Option<std::ffi::OsString> {
    std::env::var_os("PATH")
}

fn non_empty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
