//! Every environment variable pg-invariants reads, in one place (docs/configuration.md lists the
//! same), read once into one [`Settings`] value at start ([`load`]): a bad value is an error
//! naming the variable and the value (exit 2), never ignored, and the run never sees the
//! environment change under it.
//!
//! `DATABASE_URL` is deliberately NOT read: pointing the harness at a real database by accident
//! must be impossible. The `url` backend only uses `PG_INVARIANTS_URL`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;

use crate::spec::{Backend, Timeout};

/// Every variable, as read at start.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    backend: Option<Backend>,
    image: Option<String>,
    url: Option<String>,
    pguser: Option<String>,
    pgoptions: Option<String>,
    pg_bindir: Option<PathBuf>,
    scratch_dir: Option<PathBuf>,
    tmpdir: Option<PathBuf>,
    cases: Option<u32>,
    cargo_manifest_dir: Option<PathBuf>,
    ci: bool,
    github_actions: bool,
    insta_update: Option<String>,
    insta_force_pass: Option<String>,
    insta_snapshot_references_file: Option<PathBuf>,
    path: Option<OsString>,
    cache_off: bool,
    cache_dir: Option<PathBuf>,
    cache_size: Option<u64>,
    shared_run: Option<SharedRun>,
    shared_idle_ms: Option<u64>,
    shared_wait_ms: Option<u64>,
    keeper: Option<String>,
    cargo_target_dir: Option<PathBuf>,
    xdg_cache_home: Option<PathBuf>,
    home: Option<PathBuf>,
}

/// A variable whose value pg-invariants cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}={value:?}: {why} (see docs/configuration.md)")]
pub struct SettingsError {
    pub name: &'static str,
    pub value: String,
    pub why: String,
}

/// At most this many generated cases per behavioural check (`PG_INVARIANTS_CASES`).
const MAX_CASES: u32 = 1000;
/// The cache's bound (`PG_INVARIANTS_CACHE_SIZE`) lies between these, in bytes: 1 MiB and 1 PiB.
const MIN_CACHE: u64 = 1 << 20;
const MAX_CACHE: u64 = 1 << 50;
/// At most this long a keeper outlives its last process (`PG_INVARIANTS_SHARED_IDLE_MS`).
const MAX_IDLE_MS: u64 = 3_600_000;
/// At most this long a process waits for its keeper (`PG_INVARIANTS_SHARED_WAIT_MS`): a day.
const MAX_WAIT_MS: u64 = 86_400_000;

static SETTINGS: OnceLock<Result<Settings, SettingsError>> = OnceLock::new();

/// Reads and checks every variable, once; the entry points call it first and exit 2 on an
/// error.
pub fn load() -> Result<&'static Settings, &'static SettingsError> {
    SETTINGS.get_or_init(Settings::from_env).as_ref()
}

/// The settings read at start. An entry point has already refused bad ones ([`load`]); for a
/// caller that did not (a library user), a bad variable reads as unset.
fn settings() -> &'static Settings {
    static UNSET: OnceLock<Settings> = OnceLock::new();
    load().unwrap_or_else(|_| UNSET.get_or_init(Settings::default))
}

impl Settings {
    /// Reads the process's environment.
    fn from_env() -> Result<Self, SettingsError> {
        Ok(Self {
            backend: parsed("PG_INVARIANTS_BACKEND", str::parse)?,
            image: text("PG_INVARIANTS_IMAGE")?,
            url: text("PG_INVARIANTS_URL")?,
            pguser: text("PGUSER")?,
            pgoptions: text("PGOPTIONS")?,
            pg_bindir: path_var("PG_INVARIANTS_PG_BINDIR"),
            scratch_dir: path_var("PG_INVARIANTS_TMPDIR"),
            tmpdir: path_var("TMPDIR"),
            cases: parsed("PG_INVARIANTS_CASES", cases_of)?,
            cargo_manifest_dir: path_var("CARGO_MANIFEST_DIR"),
            ci: ci_of(std::env::var("CI").ok().as_deref()),
            github_actions: std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"),
            insta_update: text("INSTA_UPDATE")?,
            insta_force_pass: text("INSTA_FORCE_PASS")?,
            insta_snapshot_references_file: path_var("INSTA_SNAPSHOT_REFERENCES_FILE"),
            path: std::env::var_os("PATH"),
            cache_off: parsed("PG_INVARIANTS_CACHE", cache_off_of)?.unwrap_or(false),
            cache_dir: path_var("PG_INVARIANTS_CACHE_DIR"),
            cache_size: parsed("PG_INVARIANTS_CACHE_SIZE", cache_size_of)?,
            shared_run: shared_run_of(text("PG_INVARIANTS_SHARED_RUN")?, text("NEXTEST_RUN_ID")?)?,
            shared_idle_ms: parsed("PG_INVARIANTS_SHARED_IDLE_MS", idle_ms_of)?,
            shared_wait_ms: parsed("PG_INVARIANTS_SHARED_WAIT_MS", wait_ms_of)?,
            keeper: text(KEEPER)?,
            cargo_target_dir: path_var("CARGO_TARGET_DIR"),
            xdg_cache_home: path_var("XDG_CACHE_HOME"),
            home: path_var("HOME"),
        })
    }
}

/// `PG_INVARIANTS_BACKEND`: overrides `[database] backend`.
pub fn backend() -> Option<Backend> {
    settings().backend
}

/// `PG_INVARIANTS_IMAGE`: overrides `[database] image` (docker backend).
pub fn image() -> Option<String> {
    settings().image.clone()
}

/// `PG_INVARIANTS_URL`: the server on which the `url` backend creates its throwaway database.
pub fn url() -> Option<String> {
    settings().url.clone()
}

/// `PGUSER`: libpq's default user, which the url backend, like libpq, uses when the URL names
/// none (the OS user's name otherwise).
pub fn pguser() -> Option<String> {
    settings().pguser.clone()
}

/// `PGOPTIONS`: the server options libpq sends; a `command` chain's tool gets them, with the
/// time limits after them.
pub fn pgoptions() -> Option<String> {
    settings().pgoptions.clone()
}

/// `PG_INVARIANTS_PG_BINDIR`: where the local backend finds `initdb` and `postgres`.
pub fn pg_bindir() -> Option<PathBuf> {
    settings().pg_bindir.clone()
}

/// `PG_INVARIANTS_TMPDIR`: where the local backend puts its throwaway clusters, instead of
/// memory (`/dev/shm`) or `TMPDIR` (see `provision`'s `scratch`).
pub fn scratch_dir() -> Option<PathBuf> {
    settings().scratch_dir.clone()
}

/// `TMPDIR`, when set: the user chose where temporary files go, and the local backend's
/// clusters go there too unless `PG_INVARIANTS_TMPDIR` says otherwise.
pub fn tmpdir() -> Option<PathBuf> {
    settings().tmpdir.clone()
}

/// `PG_INVARIANTS_CASES`: how many generated variations each behavioural check runs after its
/// first, minimal case (default 3; 0 runs the minimal case only; at most [`MAX_CASES`]).
pub fn cases() -> Option<u32> {
    settings().cases
}

/// `CARGO_MANIFEST_DIR`: where `cargo test` starts looking for `pg-invariants.toml`.
pub fn cargo_manifest_dir() -> Option<PathBuf> {
    settings().cargo_manifest_dir.clone()
}

/// `CI` (or Azure's `TF_BUILD`), with insta's reading: set and not `false`, `0` or empty. In CI
/// no snapshot file is ever written.
pub fn ci() -> bool {
    settings().ci
}

/// `GITHUB_ACTIONS`: `true` on GitHub's runners; every failure then also prints an `::error`
/// annotation pointing at the invariant (see `report::github`).
pub fn github_actions() -> bool {
    settings().github_actions
}

/// `INSTA_UPDATE`: what a snapshot test writes (`auto`, `always`, `new`, `unseen`, `no`, `force`).
pub fn insta_update() -> Option<String> {
    settings().insta_update.clone()
}

/// `INSTA_FORCE_PASS`: `1` makes a mismatching snapshot test pass (set by `cargo insta test`,
/// which reviews the `.snap.new` files afterwards).
pub fn insta_force_pass() -> Option<String> {
    settings().insta_force_pass.clone()
}

/// `INSTA_SNAPSHOT_REFERENCES_FILE`: where `cargo insta test` collects the snapshot files tests
/// use, so that `--unreferenced=delete` keeps ours.
pub fn insta_snapshot_references_file() -> Option<PathBuf> {
    settings().insta_snapshot_references_file.clone()
}

/// `PATH`, searched for server binaries when nothing more specific is set.
pub fn path() -> Option<OsString> {
    settings().path.clone()
}

/// `PG_INVARIANTS_CACHE=off` (or `0`, `false`, `no`): never use or write the cache of
/// initdb'ed and migrated clusters, like `--no-cache`. `on` (`1`, `true`, `yes`) or unset: use it.
pub fn cache_off() -> bool {
    settings().cache_off
}

/// `PG_INVARIANTS_CACHE_DIR`: where the cache is, above every default (CI keeps this directory
/// between jobs).
pub fn cache_dir() -> Option<PathBuf> {
    settings().cache_dir.clone()
}

/// `PG_INVARIANTS_CACHE_SIZE`: the cache's bound, in bytes (written `512MiB`, `2GiB`, or a plain
/// number of MiB).
pub fn cache_size() -> Option<u64> {
    settings().cache_size
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
    settings().shared_run.clone()
}

/// `PG_INVARIANTS_SHARED_IDLE_MS`: how long a run's keeper (and its server) outlives its last
/// user, in milliseconds (or with a unit: `500ms`, `5s`).
pub fn shared_idle_ms() -> Option<u64> {
    settings().shared_idle_ms
}

/// `PG_INVARIANTS_SHARED_WAIT_MS`: how long a process of a test run waits for its keeper, for
/// its set-up and then for each answer, in milliseconds (or with a unit: `30s`, `10min`).
pub fn shared_wait_ms() -> Option<u64> {
    settings().shared_wait_ms
}

/// `PG_INVARIANTS_KEEPER`: internal, set by a test process on the executable it starts again
/// as the keeper of its run (`keeper`): what to keep, as JSON.
pub fn keeper() -> Option<String> {
    settings().keeper.clone()
}

/// The name of the variable [`keeper`] reads.
pub const KEEPER: &str = "PG_INVARIANTS_KEEPER";

/// `CARGO_TARGET_DIR`: cargo's target directory when the user moved it; the cache lives under
/// it when running under cargo.
pub fn cargo_target_dir() -> Option<PathBuf> {
    settings().cargo_target_dir.clone()
}

/// `XDG_CACHE_HOME`, then `HOME`: where the user's cache directory is outside cargo.
pub fn xdg_cache_home() -> Option<PathBuf> {
    settings().xdg_cache_home.clone()
}

pub fn home() -> Option<PathBuf> {
    settings().home.clone()
}

/// A variable the project names: graphile-migrate's `"!ENV"` placeholders read the variable of
/// the placeholder's name (`:DATABASE_VISITOR` → `DATABASE_VISITOR`). Unset and empty are alike,
/// as graphile-migrate reads them.
pub fn named(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// A variable set to something other than blanks; one that is not UTF-8 is an error (these are
/// names, ids and URLs).
fn text(name: &'static str) -> Result<Option<String>, SettingsError> {
    parsed(name, |v| Ok(v.to_string())).map(|v| v.filter(|v| !v.is_empty()))
}

/// A path variable, set and not empty; a path need not be UTF-8.
fn path_var(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// A variable read by `parse`, when set: its error names the variable and the value.
fn parsed<T>(
    name: &'static str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<Option<T>, SettingsError> {
    let Some(value) = std::env::var_os(name).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let error = |why: String| SettingsError {
        name,
        value: value.to_string_lossy().into_owned(),
        why,
    };
    let text = value.to_str().ok_or_else(|| error("not UTF-8".into()))?;
    parse(text.trim()).map(Some).map_err(error)
}

fn cases_of(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(n) if n <= MAX_CASES => Ok(n),
        _ => Err(format!(
            "a whole number of generated cases from 0 to {MAX_CASES}"
        )),
    }
}

fn cache_off_of(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "off" | "0" | "false" | "no" => Ok(true),
        "on" | "1" | "true" | "yes" => Ok(false),
        _ => {
            Err("`off` (or 0, false, no) to use no cache, `on` (or 1, true, yes) to use it".into())
        }
    }
}

/// A size: `512MiB`, `2GiB`, `1TiB` (`KiB` too; `M`, `G`, `T`, `MB`… read as the same binary
/// units), or a plain number of MiB; between [`MIN_CACHE`] and [`MAX_CACHE`].
fn cache_size_of(text: &str) -> Result<u64, String> {
    let expected = "a size from 1MiB to 1PiB: a number of MiB, or with a unit (512MiB, 2GiB, 1TiB); `PG_INVARIANTS_CACHE=off` uses no cache";
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "k" | "kb" | "kib" => 10,
        "" | "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(expected.into()),
    };
    let bytes = number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift));
    match bytes {
        Some(b) if (MIN_CACHE..=MAX_CACHE).contains(&b) => Ok(b),
        _ => Err(expected.into()),
    }
}

/// A duration: a plain number of milliseconds, or with PostgreSQL's units (`500ms`, `5s`,
/// `1min`); at most [`MAX_IDLE_MS`].
fn idle_ms_of(text: &str) -> Result<u64, String> {
    let expected = "a time from 0 to 1h: milliseconds, or with a unit (500ms, 5s, 1min)";
    match Timeout::parse(text) {
        Ok(t) if t.millis <= MAX_IDLE_MS => Ok(t.millis),
        _ => Err(expected.into()),
    }
}

fn wait_ms_of(text: &str) -> Result<u64, String> {
    let expected = "a time from 1ms to 24h: milliseconds, or with a unit (500ms, 30s, 10min)";
    match Timeout::parse(text) {
        Ok(t) if (1..=MAX_WAIT_MS).contains(&t.millis) => Ok(t.millis),
        _ => Err(expected.into()),
    }
}

/// insta's reading of `CI`: set and not `false`, `0` or empty; Azure's `TF_BUILD` when unset.
fn ci_of(ci: Option<&str>) -> bool {
    match ci {
        Some("false" | "0" | "") => false,
        Some(_) => true,
        None => std::env::var_os("TF_BUILD").is_some(),
    }
}

/// The run to share, from `PG_INVARIANTS_SHARED_RUN` (ours: `off`, or letters, digits and
/// dashes, up to 64) else `NEXTEST_RUN_ID` (nextest's: its letters, digits and dashes).
fn shared_run_of(
    ours: Option<String>,
    nextest: Option<String>,
) -> Result<Option<SharedRun>, SettingsError> {
    let Some(run) = ours else {
        let id = nextest.map(|run| -> String {
            run.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .take(64)
                .collect()
        });
        return Ok(id
            .filter(|id| !id.is_empty())
            .map(|id| SharedRun { id, nextest: true }));
    };
    let id = run.trim();
    if id.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let valid = id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !valid {
        return Err(SettingsError {
            name: "PG_INVARIANTS_SHARED_RUN",
            value: run.clone(),
            why: "`off`, or a run id of letters, digits and dashes (at most 64)".into(),
        });
    }
    Ok(Some(SharedRun {
        id: id.to_string(),
        nextest: false,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_size_is_bounded_and_never_wraps() {
        assert_eq!(cache_size_of("2048"), Ok(2 << 30));
        assert_eq!(cache_size_of("512MiB"), Ok(512 << 20));
        assert_eq!(cache_size_of("2GiB"), Ok(2 << 30));
        assert_eq!(cache_size_of("1 TiB"), Ok(1 << 40));
        assert_eq!(cache_size_of("1024KiB"), Ok(1 << 20));
        // 2^44 MiB is 2^64 bytes: it used to wrap to 0 and empty the cache.
        for bad in [
            "17592186044416",
            "-1",
            "abc",
            "0",
            "1KiB",
            "2PiB",
            "1.5GiB",
            "2 GB x",
        ] {
            assert!(cache_size_of(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn counts_and_times_are_bounded() {
        assert_eq!(cases_of("0"), Ok(0));
        assert_eq!(cases_of("1000"), Ok(1000));
        for bad in ["-1", "abc", "1001", "3.5"] {
            assert!(cases_of(bad).is_err(), "{bad}");
        }
        assert_eq!(idle_ms_of("5000"), Ok(5000));
        assert_eq!(idle_ms_of("5s"), Ok(5000));
        assert_eq!(idle_ms_of("500ms"), Ok(500));
        for bad in ["-1", "abc", "2h", "5 parsecs"] {
            assert!(idle_ms_of(bad).is_err(), "{bad}");
        }
        assert_eq!(cache_off_of("OFF"), Ok(true));
        assert_eq!(cache_off_of("on"), Ok(false));
        assert!(cache_off_of("maybe").is_err());
    }

    #[test]
    fn a_run_id_of_ours_is_checked_and_nextests_is_read_as_it_can_be() {
        let ours = |v: &str| shared_run_of(Some(v.into()), None);
        assert_eq!(ours("off"), Ok(None));
        assert_eq!(ours("ci-42").unwrap().unwrap().id, "ci-42");
        assert_eq!(ours("a b").unwrap_err().name, "PG_INVARIANTS_SHARED_RUN");
        let nextest = shared_run_of(None, Some("{3f2a_b}".into()))
            .unwrap()
            .unwrap();
        assert_eq!((nextest.id.as_str(), nextest.nextest), ("3f2ab", true));
    }
}
