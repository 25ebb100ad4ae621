//! The cache of clusters, so that a run copies a data directory instead of running `initdb` and
//! applying the chain again:
//!
//! - `template/<key>`: a freshly initdb'ed cluster, one per server version (see
//!   [`super::local`]);
//! - `migrated/<key>`: the cluster after `before`, the chain and the seed, under a key hashing
//!   every input that can change it (see `setup`);
//! - `runs/<id>`: the keeper of a test run, which holds the set-up its processes share (see
//!   `keeper`; it is there whether the cache is on or off);
//! - `remembered/<stamp>`: small facts that cost a process to learn, such as the server's
//!   `postgres --version` or, for the processes of one test run, where the server binaries are
//!   (see [`Cache::remembered`]); forgotten a week after they were written.
//!
//! An entry is a directory holding `data/` (the data directory of a cluster stopped by a clean
//! shutdown), `password` (its superuser's), `database` (for a migrated cluster, the migrated
//! database's name), `size`, once a run has read it `catalog.json` (see [`Entry::catalog`]), and,
//! once the chain applied a second time without error on it, `idempotent` (see
//! [`Entry::record_idempotent`]). It is written whole in `tmp/`, then renamed into place: a
//! reader sees a complete entry or none, and a writer killed mid-way leaves only a `tmp/`
//! directory named after its [`Owner`], which the next run removes.
//!
//! Where: `PG_INVARIANTS_CACHE_DIR` if set; under `cargo test` (and `cargo run`, `cargo
//! bench`), `<target dir>/pg-invariants`; else `$XDG_CACHE_HOME/pg-invariants` or
//! `~/.cache/pg-invariants`. Bounded to [`DEFAULT_LIMIT`] (`PG_INVARIANTS_CACHE_SIZE`: `512MiB`, `2GiB`),
//! least recently used entries removed first. Everything is private (0700): a data directory
//! holds every row of the chain and seed. And everything is this user's own, checked before
//! any of it is used ([`super::fs`]): a cache another account can write to could hand a run a
//! cluster that turns its failures green.
//!
//! Concurrency, with `flock(2)` (released by the kernel when a process dies):
//! - an entry is read under a shared lock on its `lock` file, and eviction only removes entries
//!   it can lock exclusively, so no entry is removed under a copy;
//! - one process builds a given key at a time ([`Cache::building`]); the others wait, then find
//!   the entry (or, when the build failed, build it themselves);
//! - inserting and evicting hold `<root>/lock`.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::fs::{
    TrustError, check_entries, check_private, flock, lock_file, open_lock, private_dir,
    private_root, read_private, read_private_text, remove_dir_patiently, write_private,
};
use super::owner::{self, Owner};
use crate::env;

/// The size the cache is kept under, unless `PG_INVARIANTS_CACHE_SIZE` says otherwise: a
/// cluster is about 40 MB, so some 50 entries.
pub const DEFAULT_LIMIT: u64 = 2 << 30;

/// The cache's directories under its root (see the module's documentation; `remembered/` is
/// [`Cache::remembered`]'s).
const DIRS: [&str; 5] = ["template", "migrated", "tmp", "building", "remembered"];

/// What in an entry may belong to the server's account (when we are root): its data directory.
const SERVERS: &[&str] = &["data"];

/// What an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An initdb'ed cluster.
    Template,
    /// A cluster after `before`, the chain and the seed.
    Migrated,
}

impl Kind {
    fn dir(self) -> &'static str {
        match self {
            Kind::Template => "template",
            Kind::Migrated => "migrated",
        }
    }
}

/// The cache's directory and size bound.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
    limit: u64,
}

/// An entry being read: its shared lock keeps eviction away until dropped.
pub struct Entry {
    dir: PathBuf,
    _lock: File,
}

impl Entry {
    /// The data directory of the stopped cluster.
    pub fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The size of the data directory, as measured when it was stored (0 if unknown).
    pub fn size(&self) -> u64 {
        stored_size(&self.dir)
    }

    /// Where the catalog of the migrated database is kept once a run has read it (migrated
    /// entries only): the entry's key covers everything it is read from.
    pub fn catalog(&self) -> PathBuf {
        self.dir.join("catalog.json")
    }

    /// The superuser's password of that cluster.
    pub fn password(&self) -> io::Result<String> {
        Ok(read_private_text(&self.dir.join("password"))?
            .trim()
            .to_string())
    }

    /// The migrated database's name (migrated entries only).
    pub fn database(&self) -> io::Result<String> {
        Ok(read_private_text(&self.dir.join("database"))?
            .trim()
            .to_string())
    }

    /// Whether the chain applied a second time on this cluster without error before
    /// ([`Entry::record_idempotent`]): the key covers every input of that pass, so its outcome
    /// would be the same.
    pub fn idempotent(&self) -> bool {
        std::fs::symlink_metadata(self.dir.join(IDEMPOTENT)).is_ok_and(|m| m.is_file())
    }

    /// Records that the second application of the chain passed on this cluster. Written whole
    /// and renamed into place (readers see the marker or none), under the entry's shared lock,
    /// which keeps eviction away. A failed pass is never recorded: it runs again, so its message
    /// stays exact.
    pub fn record_idempotent(&self) -> io::Result<()> {
        let secret = owner::random_secret()?;
        let tmp = self.dir.join(format!(
            "{IDEMPOTENT}.{}.{}",
            Owner::current().tag(),
            &secret[..8]
        ));
        write_private(&tmp, "")?;
        std::fs::rename(&tmp, self.dir.join(IDEMPOTENT)).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }
}

/// The marker file of an entry whose chain passed the idempotency pass.
const IDEMPOTENT: &str = "idempotent";

/// What a new entry holds besides its data directory.
pub struct Contents<'a> {
    pub password: &'a str,
    pub database: Option<&'a str>,
}

/// Held while this process builds a key: others wait for it in [`Cache::building`]. Holds no
/// lock when the builder it waited for was stopped (then two may build: [`Cache::put`] keeps
/// whichever entry lands first).
pub struct Building {
    _lock: Option<File>,
}

/// How long a builder may stay stopped (SIGSTOP, a debugger) before others build without it.
const BUILDER_STOPPED: std::time::Duration = std::time::Duration::from_secs(2);
/// How often a waiting process tries the building lock again.
const BUILDER_LOOK: std::time::Duration = std::time::Duration::from_millis(100);

impl Cache {
    /// The cache of this run, or `None` when it is off (`--no-cache`, `PG_INVARIANTS_CACHE=off`)
    /// or no directory can be named; an error when it is not this user's own (see
    /// [`super::fs`]).
    pub fn locate(no_cache: bool) -> Result<Option<Self>, TrustError> {
        if no_cache || env::cache_off() {
            return Ok(None);
        }
        let Some(root) = root_dir() else {
            return Ok(None);
        };
        let limit = env::cache_size().unwrap_or(DEFAULT_LIMIT);
        let cache = Self { root, limit };
        cache.trust()?;
        cache.reap_tmp();
        cache.forget_old_facts();
        Ok(Some(cache))
    }

    /// A cache at `root` bounded by `limit` bytes, whatever the environment says (tests).
    #[cfg(test)]
    pub(super) fn at(root: &Path, limit: u64) -> Self {
        let cache = Self {
            root: root.to_path_buf(),
            limit,
        };
        cache.trust().expect("an own cache");
        cache
    }

    /// Creates the root and its directories, or checks that they, and everything in them down to
    /// each entry's files, are this user's, no link, and writable by nobody else.
    fn trust(&self) -> Result<(), TrustError> {
        private_root(&self.root)?;
        check_entries(&self.root, &[])?;
        for dir in DIRS {
            let dir = self.root.join(dir);
            private_dir(&dir)?;
            check_entries(&dir, &[])?;
        }
        for kind in [Kind::Template, Kind::Migrated] {
            let dir = self.root.join(kind.dir());
            for entry in std::fs::read_dir(&dir).map_err(|source| TrustError::Io {
                path: dir.clone(),
                source,
            })? {
                let path = entry
                    .map_err(|source| TrustError::Io {
                        path: dir.clone(),
                        source,
                    })?
                    .path();
                check_entries(&path, SERVERS)?;
            }
        }
        Ok(())
    }

    /// The cache's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The entry `key` of `kind`, locked for reading and marked as just used.
    /// An entry that is not this user's own (a link, another account's) is none.
    pub fn get(&self, kind: Kind, key: &str) -> Option<Entry> {
        let dir = self.root.join(kind.dir()).join(key);
        check_private(&dir).ok()?;
        let lock = open_lock(&dir.join("lock")).ok()?;
        flock(&lock, libc::LOCK_SH).ok()?;
        // Evicted between open and lock: the directory is gone.
        if !std::fs::symlink_metadata(dir.join("data")).is_ok_and(|m| m.is_dir()) {
            return None;
        }
        let _ = lock.set_modified(SystemTime::now());
        Some(Entry { dir, _lock: lock })
    }

    /// The text remembered under `stamp` (a [`Key`]), else what `compute` gives, remembered
    /// (written whole and renamed into place) for the next process. Small facts only: they are
    /// not counted in the cache's size.
    pub fn remembered(
        &self,
        stamp: &str,
        compute: impl FnOnce() -> Option<String>,
    ) -> Option<String> {
        let path = self.root.join("remembered").join(stamp);
        if let Ok(text) = read_private_text(&path) {
            return Some(text);
        }
        let text = compute()?;
        let tmp = self
            .root
            .join("tmp")
            .join(format!("{}.{stamp}", Owner::current().tag()));
        let _ = std::fs::remove_file(&tmp);
        if write_private(&tmp, &text).is_ok() && std::fs::rename(&tmp, &path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        Some(text)
    }

    /// Waits until no other process builds `key`, then keeps others waiting until the result is
    /// dropped. Whoever waited looks the entry up again before building it.
    ///
    /// Never forever: the builder writes its tag into the lock file, and a builder that stays
    /// stopped for [`BUILDER_STOPPED`] (it runs, so the kernel keeps its lock, but answers
    /// nobody: a run's keeper stopped mid-set-up) is not waited for any longer.
    pub fn building(&self, kind: Kind, key: &str) -> io::Result<Building> {
        use std::os::unix::fs::FileExt;
        let path = (self.root.join("building")).join(format!("{}-{key}", kind.dir()));
        let lock = lock_file(&path)?;
        let mut stopped_since: Option<std::time::Instant> = None;
        loop {
            if flock(&lock, libc::LOCK_EX | libc::LOCK_NB).is_ok() {
                lock.set_len(0)?;
                lock.write_all_at(Owner::current().tag().as_bytes(), 0)?;
                return Ok(Building { _lock: Some(lock) });
            }
            let holder = read_private_text(&path).ok();
            let holder = holder.as_deref().and_then(|t| Owner::parse_tag(t.trim()));
            if holder.is_some_and(|o| o.is_stopped()) {
                let since = *stopped_since.get_or_insert_with(std::time::Instant::now);
                if since.elapsed() >= BUILDER_STOPPED {
                    return Ok(Building { _lock: None });
                }
            } else {
                stopped_since = None;
            }
            std::thread::sleep(BUILDER_LOOK);
        }
    }

    /// Adds entry `key`: `fill` writes the data directory it is given (which does not exist
    /// yet); the entry appears whole, or not at all. Another process's entry of the same key is
    /// kept. Then the least recently used entries go until the cache fits its bound.
    pub fn put(
        &self,
        kind: Kind,
        key: &str,
        contents: Contents<'_>,
        fill: impl FnOnce(&Path) -> io::Result<()>,
    ) -> io::Result<()> {
        let secret = owner::random_secret()?;
        let tmp =
            self.root
                .join("tmp")
                .join(format!("{}.{}", Owner::current().tag(), &secret[..8]));
        private_dir(&tmp).map_err(io::Error::other)?;
        let written = (|| {
            fill(&tmp.join("data"))?;
            write_private(&tmp.join("password"), contents.password)?;
            if let Some(database) = contents.database {
                write_private(&tmp.join("database"), database)?;
            }
            write_private(&tmp.join("size"), &dir_size(&tmp).to_string())?;
            write_private(&tmp.join("lock"), "")
        })();
        if let Err(e) = written {
            remove_dir_patiently(&tmp);
            return Err(e);
        }
        let global = lock_file(&self.root.join("lock"))?;
        flock(&global, libc::LOCK_EX)?;
        let dest = self.root.join(kind.dir()).join(key);
        if std::fs::rename(&tmp, &dest).is_err() {
            // Another process put the same key first: theirs is as good.
            remove_dir_patiently(&tmp);
        }
        self.evict(&dest);
        Ok(())
    }

    /// Removes the least recently used entries (never `keep`, never one being read) until the
    /// cache fits its bound. Called with `<root>/lock` held.
    fn evict(&self, keep: &Path) {
        let mut entries: Vec<(SystemTime, u64, PathBuf)> = [Kind::Template, Kind::Migrated]
            .iter()
            .flat_map(|k| {
                std::fs::read_dir(self.root.join(k.dir()))
                    .into_iter()
                    .flatten()
            })
            .flatten()
            // A link (planted, never made here) is no entry: never followed, never removed.
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .map(|dir| {
                let used = std::fs::symlink_metadata(dir.join("lock"))
                    .and_then(|m| m.modified())
                    .unwrap_or(SystemTime::UNIX_EPOCH);
                (used, stored_size(&dir), dir)
            })
            .collect();
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        entries.sort_by_key(|e| e.0);
        for (_, size, dir) in entries {
            if total <= self.limit {
                break;
            }
            if dir == keep {
                continue;
            }
            let Ok(lock) = open_lock(&dir.join("lock")) else {
                continue;
            };
            if flock(&lock, libc::LOCK_EX | libc::LOCK_NB).is_err() {
                continue; // being read
            }
            let doomed = self.root.join("tmp").join(format!(
                "{}.evicted.{}",
                Owner::current().tag(),
                dir.file_name().and_then(|n| n.to_str()).unwrap_or("entry")
            ));
            if std::fs::rename(&dir, &doomed).is_ok() {
                drop(lock);
                remove_dir_patiently(&doomed);
                total = total.saturating_sub(size);
            }
        }
    }

    /// Removes remembered facts not written for [`FACTS_KEPT`]: some are learned once per test
    /// run (where the server binaries are), and any is learned again at the cost of a process.
    fn forget_old_facts(&self) {
        let Ok(entries) = std::fs::read_dir(self.root.join("remembered")) else {
            return;
        };
        for entry in entries.flatten() {
            let written = entry.metadata().and_then(|m| m.modified());
            if written.is_ok_and(|w| w.elapsed().is_ok_and(|age| age > FACTS_KEPT)) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Removes what writers that are gone left in `tmp/` (SIGKILL mid-write).
    fn reap_tmp(&self) {
        let Ok(entries) = std::fs::read_dir(self.root.join("tmp")) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let owner = name
                .to_str()
                .and_then(|n| n.split('.').next())
                .and_then(Owner::parse_tag);
            if owner.is_none_or(|o| !o.is_alive()) {
                match entry.file_type() {
                    Ok(t) if t.is_dir() => remove_dir_patiently(&entry.path()),
                    _ => {
                        let _ = std::fs::remove_file(entry.path());
                    }
                }
            }
        }
    }
}

/// How long a remembered fact is kept after it was written.
const FACTS_KEPT: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Bumped whenever what an entry holds, or how a chain is applied, changes in a way the
/// package version does not show.
const FORMAT: &str = "2";

/// A cache key: SHA-256 over named parts, each framed by its length (so that no two lists of
/// parts hash alike), with the harness's version first; 32 hex digits.
pub struct Key(sha2::Sha256);

impl Key {
    pub fn new(kind: &str) -> Self {
        use sha2::Digest;
        let mut key = Self(sha2::Sha256::new());
        key.part("kind", kind)
            .part("harness", env!("CARGO_PKG_VERSION"))
            .part("format", FORMAT);
        key
    }

    pub fn part(&mut self, name: &str, bytes: impl AsRef<[u8]>) -> &mut Self {
        use sha2::Digest;
        let bytes = bytes.as_ref();
        for field in [name.as_bytes(), bytes] {
            self.0.update((field.len() as u64).to_le_bytes());
            self.0.update(field);
        }
        self
    }

    pub fn finish(self) -> String {
        use sha2::Digest;
        self.0.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The target directory of the cargo command running us (`cargo test`, `cargo run`, `cargo
/// bench`): `CARGO_TARGET_DIR` when set, else the directory cargo marks with `CACHEDIR.TAG`
/// above our executable (`<target>/<profile>/deps/<test>-<hash>`). Cargo tells a `harness =
/// false` target it runs under cargo by setting `CARGO_MANIFEST_DIR`; without it, `None`.
fn cargo_target_dir() -> Option<PathBuf> {
    env::cargo_manifest_dir()?;
    if let Some(dir) = env::cargo_target_dir() {
        return Some(dir);
    }
    let exe = std::env::current_exe().ok()?;
    exe.ancestors()
        .skip(1)
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        .map(Path::to_path_buf)
}

/// Where the cache lives, on or off: `PG_INVARIANTS_CACHE_DIR`, else `pg-invariants/` in cargo's
/// target directory under cargo, else the user's cache directory. The keepers of test runs (see
/// `keeper`) keep their directories there too.
pub fn root_dir() -> Option<PathBuf> {
    env::cache_dir()
        .or_else(|| cargo_target_dir().map(|t| t.join("pg-invariants")))
        .or_else(user_cache_dir)
}

/// `$XDG_CACHE_HOME/pg-invariants`, else `~/.cache/pg-invariants`.
fn user_cache_dir() -> Option<PathBuf> {
    env::xdg_cache_home()
        .or_else(|| env::home().map(|h| h.join(".cache")))
        .map(|d| d.join("pg-invariants"))
}

/// Bytes of the files under `dir`.
/// The size an entry's `size` file records (0 if unreadable).
fn stored_size(entry: &Path) -> u64 {
    read_private(&entry.join("size"))
        .ok()
        .and_then(|s| String::from_utf8(s).ok()?.trim().parse().ok())
        .unwrap_or(0)
}

fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            _ => e.metadata().map(|m| m.len()).unwrap_or(0),
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(dir: &Path, limit: u64) -> Cache {
        Cache::at(dir, limit)
    }

    /// A builder that is stopped (a run's keeper under SIGSTOP) keeps its lock, as the kernel
    /// only releases it when the process dies: the next builder builds without it, after
    /// [`BUILDER_STOPPED`], instead of waiting forever.
    #[test]
    fn a_stopped_builder_is_not_waited_for() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = cache(dir.path(), 1 << 30);
        let path = (dir.path().join("building")).join(format!("{}-k", Kind::Migrated.dir()));
        let probe = lock_file(&path).expect("the lock file");
        // `flock -o` holds the lock itself (its command does not inherit it).
        let mut holder = std::process::Command::new("flock")
            .arg("-o")
            .arg(&path)
            .args(["sleep", "30"])
            .spawn()
            .expect("flock(1)");
        while flock(&probe, libc::LOCK_EX | libc::LOCK_NB).is_ok() {
            flock(&probe, libc::LOCK_UN).expect("unlock");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let tag = Owner::of(holder.id()).expect("it runs").tag();
        std::fs::write(&path, tag).expect("the holder's tag");
        let signal = |name: &str| {
            let status = std::process::Command::new("kill")
                .args([name, &holder.id().to_string()])
                .status()
                .expect("kill(1)");
            assert!(status.success());
        };
        signal("-STOP");
        let start = std::time::Instant::now();
        let building = cache.building(Kind::Migrated, "k").expect("not waited for");
        let waited = start.elapsed();
        signal("-KILL");
        let _ = holder.wait();
        assert!(building._lock.is_none(), "it builds without the lock");
        assert!(
            waited >= BUILDER_STOPPED && waited < BUILDER_STOPPED * 5,
            "{waited:?}"
        );
        drop(building);
        // The lock is free again once the holder is gone: the next builder holds it.
        assert!(
            cache
                .building(Kind::Migrated, "k")
                .expect("free")
                ._lock
                .is_some()
        );
    }

    #[test]
    fn facts_are_forgotten_a_week_after_they_were_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = cache(dir.path(), 1 << 30);
        let old = Key::new("t").finish();
        let new = Key::new("u").finish();
        // What is remembered under `key`, or `computed` when nothing is.
        let remembered =
            |key: &str, computed: &str| cache.remembered(key, || Some(computed.into()));
        assert_eq!(remembered(&old, "a"), Some("a".into()));
        assert_eq!(remembered(&new, "b"), Some("b".into()));
        let written =
            std::time::SystemTime::now() - FACTS_KEPT - std::time::Duration::from_secs(60);
        File::options()
            .write(true)
            .open(dir.path().join("remembered").join(&old))
            .expect("open")
            .set_modified(written)
            .expect("touch");
        cache.forget_old_facts();
        assert_eq!(remembered(&old, "again"), Some("again".into()));
        assert_eq!(remembered(&new, "never"), Some("b".into()));
    }

    fn put(cache: &Cache, key: &str, bytes: usize) {
        let contents = Contents {
            password: "pw",
            database: Some("db"),
        };
        cache
            .put(Kind::Migrated, key, contents, |data| {
                std::fs::create_dir(data)?;
                std::fs::write(data.join("f"), vec![0u8; bytes])
            })
            .expect("put");
    }

    #[test]
    fn keys_differ_by_any_part_and_by_where_parts_end() {
        let key = |parts: &[(&str, &str)]| {
            let mut k = Key::new("migrated");
            for (name, bytes) in parts {
                k.part(name, bytes);
            }
            k.finish()
        };
        let a = key(&[("file", "ab"), ("file", "c")]);
        assert_eq!(a.len(), 32);
        assert_eq!(a, key(&[("file", "ab"), ("file", "c")]));
        assert_ne!(a, key(&[("file", "a"), ("file", "bc")]));
        assert_ne!(a, key(&[("file", "c"), ("file", "ab")]));
        assert_ne!(a, key(&[("file", "ab"), ("file", "d")]));
    }

    #[test]
    fn an_entry_reads_back_and_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = cache(dir.path(), DEFAULT_LIMIT);
        assert!(cache.get(Kind::Migrated, "k").is_none());
        put(&cache, "k", 10);
        let entry = cache.get(Kind::Migrated, "k").expect("hit");
        assert_eq!(entry.password().expect("password"), "pw");
        assert_eq!(entry.database().expect("database"), "db");
        assert!(entry.data().join("f").is_file());
        let mode = std::fs::metadata(dir.path().join("migrated/k"))
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(cache.get(Kind::Template, "k").is_none(), "kinds are apart");
    }

    #[test]
    fn the_idempotency_marker_is_recorded_once_and_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = cache(dir.path(), DEFAULT_LIMIT);
        put(&cache, "k", 10);
        let entry = cache.get(Kind::Migrated, "k").expect("hit");
        assert!(!entry.idempotent());
        entry.record_idempotent().expect("record");
        entry
            .record_idempotent()
            .expect("recording again is harmless");
        assert!(cache.get(Kind::Migrated, "k").expect("hit").idempotent());
        let files: Vec<_> = std::fs::read_dir(dir.path().join("migrated/k"))
            .expect("read")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(IDEMPOTENT))
            .collect();
        assert_eq!(
            files,
            vec![IDEMPOTENT.to_string()],
            "no temporary file left"
        );
    }

    #[test]
    fn the_least_recently_used_entry_goes_first_and_never_one_being_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = cache(dir.path(), 2500);
        put(&cache, "old", 1000);
        std::thread::sleep(std::time::Duration::from_millis(20));
        put(&cache, "read", 1000);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let reading = cache.get(Kind::Migrated, "old").expect("hit");
        std::thread::sleep(std::time::Duration::from_millis(20));
        // "old" was used last now, but is being read; "read" is the least recently used.
        put(&cache, "new", 1000);
        assert!(cache.get(Kind::Migrated, "read").is_none());
        assert!(cache.get(Kind::Migrated, "new").is_some());
        drop(reading);
        assert!(cache.get(Kind::Migrated, "old").is_some());
    }

    #[test]
    fn a_dead_writers_leftover_is_removed_and_a_live_ones_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = cache(dir.path(), DEFAULT_LIMIT);
        let me = Owner::current();
        let dead = Owner {
            start: me.start + 1,
            ..me
        };
        let mine = dir.path().join(format!("tmp/{}.aaaa", me.tag()));
        let theirs = dir.path().join(format!("tmp/{}.bbbb", dead.tag()));
        std::fs::create_dir_all(mine.join("data")).expect("mkdir");
        std::fs::create_dir_all(theirs.join("data")).expect("mkdir");
        cache.reap_tmp();
        assert!(mine.exists());
        assert!(!theirs.exists());
    }
}
