//! Where the PostgreSQL server binaries (`initdb`, `postgres`) are: the first of
//! `PG_INVARIANTS_PG_BINDIR`, `pg_config --bindir`, `PATH` and Debian's
//! `/usr/lib/postgresql/<newest>/bin` that holds both (docs/configuration.md). Apart from the
//! server because more than the local backend asks: the server's identity in cache keys, the
//! backend's choice (`auto`), psql beside the server.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::env;
use crate::provision::cache::{Cache, Key};

/// Where server binaries may be, in the order of [`search_order_text`]. Lazy: `pg_config` (a
/// shell script on Debian, two more processes) runs only when `PG_INVARIANTS_PG_BINDIR` does
/// not hold them.
fn candidate_bindirs() -> impl Iterator<Item = PathBuf> {
    let pg_config = std::iter::once_with(|| {
        Command::new("pg_config")
            .arg("--bindir")
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
    })
    .flatten();
    let path = std::iter::once_with(|| {
        env::path()
            .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
            .unwrap_or_default()
    })
    .flatten();
    let debian =
        std::iter::once_with(|| debian_bindirs(Path::new("/usr/lib/postgresql"))).flatten();
    env::pg_bindir()
        .into_iter()
        .chain(pg_config)
        .chain(path)
        .chain(debian)
}

/// `/usr/lib/postgresql/<version>/bin`, newest version first.
fn debian_bindirs(root: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut versions: Vec<(u32, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, e.path().join("bin")))
        })
        .collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v.0));
    versions.into_iter().map(|(_, p)| p).collect()
}

/// Where the server binaries are, once found in this process.
static BINDIR: OnceLock<Option<PathBuf>> = OnceLock::new();

/// The first candidate directory holding both `initdb` and `postgres`; looked for once per
/// process (`pg_config` is a shell script on Debian).
pub fn find_bindir() -> Option<PathBuf> {
    find_bindir_in(None)
}

/// [`find_bindir`], learned once per test run when there is a `cache`: the processes of one
/// `cargo nextest run` that look (its listings, its keeper, any process that runs alone) share
/// its environment, so the first one's answer is theirs, remembered under the run's id and
/// everything the search reads from the environment (`PATH`, `PG_INVARIANTS_PG_BINDIR`), and
/// checked to still hold the binaries. `pg_config` then runs once per run.
pub fn find_bindir_in(cache: Option<&Cache>) -> Option<PathBuf> {
    BINDIR
        .get_or_init(|| match (cache, env::shared_run()) {
            (Some(cache), Some(run)) => bindir_of_run(cache, &run.id, search_bindir),
            _ => search_bindir(),
        })
        .clone()
}

/// What `search` finds, remembered in `cache` for the processes of test run `run` (with what
/// the search reads from the environment), and taken from there only while it still holds the
/// binaries.
fn bindir_of_run(
    cache: &Cache,
    run: &str,
    search: impl Fn() -> Option<PathBuf>,
) -> Option<PathBuf> {
    let mut stamp = Key::new("server binaries of a test run");
    stamp
        .part("run", run)
        .part("PATH", env::path().unwrap_or_default().as_encoded_bytes())
        .part(
            "PG_INVARIANTS_PG_BINDIR",
            env::pg_bindir()
                .unwrap_or_default()
                .as_os_str()
                .as_encoded_bytes(),
        );
    let remembered = cache.remembered(&stamp.finish(), || {
        search().and_then(|d| d.to_str().map(str::to_string))
    });
    remembered
        .map(PathBuf::from)
        .filter(|d| holds_server(d))
        .or_else(search)
}

fn search_bindir() -> Option<PathBuf> {
    candidate_bindirs().find(|d| holds_server(d))
}

fn holds_server(dir: &Path) -> bool {
    dir.join("initdb").is_file() && dir.join("postgres").is_file()
}

pub(super) fn search_order_text() -> String {
    "PG_INVARIANTS_PG_BINDIR, `pg_config --bindir`, PATH, /usr/lib/postgresql/<newest>/bin".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory that holds (empty) `initdb` and `postgres`.
    fn binaries(dir: &Path) -> PathBuf {
        std::fs::create_dir_all(dir).expect("mkdir");
        for name in ["initdb", "postgres"] {
            std::fs::write(dir.join(name), "").expect("write");
        }
        dir.to_path_buf()
    }

    #[test]
    fn the_binaries_are_searched_once_per_test_run_while_they_are_there() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::at(&dir.path().join("cache"), 1 << 30);
        let first = binaries(&dir.path().join("15/bin"));
        let other = binaries(&dir.path().join("16/bin"));
        let searches = std::cell::Cell::new(0);
        let search = |found: &Path| {
            searches.set(searches.get() + 1);
            Some(found.to_path_buf())
        };
        assert_eq!(
            bindir_of_run(&cache, "run-1", || search(&first)),
            Some(first.clone())
        );
        // Another process of the same run: what the first found, without a search.
        assert_eq!(
            bindir_of_run(&cache, "run-1", || search(&other)),
            Some(first.clone())
        );
        assert_eq!(searches.get(), 1);
        // Another run searches for itself.
        assert_eq!(
            bindir_of_run(&cache, "run-2", || search(&other)),
            Some(other.clone())
        );
        assert_eq!(searches.get(), 2);
        // Binaries gone since: searched again.
        std::fs::remove_file(first.join("postgres")).expect("rm");
        assert_eq!(
            bindir_of_run(&cache, "run-1", || search(&other)),
            Some(other)
        );
        assert_eq!(searches.get(), 3);
    }
}
