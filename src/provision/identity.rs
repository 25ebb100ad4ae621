//! What identifies the local server in a cache key: everything of the installation a cluster or
//! a chain can depend on. A cached cluster is used only by the very same installation:
//!
//! - the `postgres` binary: its path, what `postgres --version` says, and its file (device,
//!   inode, size, modification and change times), so a rebuilt or reinstalled binary misses;
//! - the extensions: every file of `<sharedir>/extension` (control files and scripts) and every
//!   library of `<pkglibdir>` (`*.so`), by name, size, inode and times, so `CREATE EXTENSION`
//!   after an upgrade of an extension misses;
//! - the account the server runs as (see [`super::account`]): a cluster's files belong to it.
//!
//! Without a share directory holding `extension/plpgsql.control`, no identity: no cache.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use super::account;
use super::cache::{Cache, Key};
use super::local::{find_bindir, find_bindir_in};

/// The server's identity, without a cache to remember what costs a process.
pub fn server_identity() -> Option<String> {
    of(&find_bindir()?, None)
}

/// [`server_identity`], the part that costs processes (`postgres --version`, `pg_config`)
/// remembered in `cache` under what identifies the `postgres` binary: the processes of a
/// nextest run would each run them otherwise. The files are looked at every time.
pub fn server_identity_in(cache: &Cache) -> Option<String> {
    of(&find_bindir_in(Some(cache))?, Some(cache))
}

/// The identity of the server in `bindir`.
pub fn of(bindir: &Path, cache: Option<&Cache>) -> Option<String> {
    let postgres = bindir.join("postgres");
    let binary = file_stamp(&std::fs::metadata(&postgres).ok()?);
    let installation = match cache {
        Some(cache) => {
            let mut stamp = Key::new("server installation");
            stamp
                .part("postgres", postgres.as_os_str().as_encoded_bytes())
                .part("metadata", &binary);
            cache.remembered(&stamp.finish(), || installation_of(bindir))?
        }
        None => installation_of(bindir)?,
    };
    let (version, dirs) = installation.split_once('\n')?;
    let (sharedir, pkglibdir) = dirs.split_once('\n')?;
    let mut key = Key::new("server");
    key.part("bindir", bindir.as_os_str().as_encoded_bytes())
        .part("version", version)
        .part("postgres", binary)
        .part(
            "extensions",
            listing(&Path::new(sharedir).join("extension"), |_| true)?,
        )
        .part(
            "libraries",
            listing(Path::new(pkglibdir), |name| name.ends_with(".so"))?,
        )
        .part("account", account::identity());
    Some(key.finish())
}

/// `postgres --version`, the share directory and the library directory, one a line; asked
/// once per process and `bindir`.
fn installation_of(bindir: &Path) -> Option<String> {
    static KNOWN: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());
    let mut known = KNOWN.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, found)) = known.iter().find(|(dir, _)| dir == bindir) {
        return Some(found.clone());
    }
    let version = output(&bindir.join("postgres"), "--version")?;
    let sharedir = installation_dir(bindir, "--sharedir", &share_guesses(bindir), |d| {
        d.join("extension/plpgsql.control").is_file()
    })?;
    let pkglibdir = installation_dir(bindir, "--pkglibdir", &[bindir.join("../lib")], |d| {
        d.join("plpgsql.so").is_file()
    })?;
    let found = format!("{version}\n{}\n{}", sharedir.display(), pkglibdir.display());
    known.push((bindir.to_path_buf(), found.clone()));
    Some(found)
}

/// The installation's directory that `pg_config <option>` beside the server names, else the
/// first of `guesses`; only one that `holds` what it must.
fn installation_dir(
    bindir: &Path,
    option: &str,
    guesses: &[PathBuf],
    holds: impl Fn(&Path) -> bool,
) -> Option<PathBuf> {
    let pg_config = bindir.join("pg_config");
    let named = pg_config
        .is_file()
        .then(|| output(&pg_config, option))
        .flatten()
        .map(PathBuf::from);
    named
        .into_iter()
        .chain(guesses.iter().cloned())
        .find(|dir| holds(dir))
}

/// Where the share directory is without `pg_config`: Debian's `/usr/share/postgresql/<major>`
/// for `/usr/lib/postgresql/<major>/bin`, else `<prefix>/share/postgresql` or `<prefix>/share`.
fn share_guesses(bindir: &Path) -> Vec<PathBuf> {
    let prefix = bindir.join("..");
    let mut guesses = vec![prefix.join("share/postgresql"), prefix.join("share")];
    if let Some(major) = bindir.parent().and_then(Path::file_name) {
        guesses.insert(0, Path::new("/usr/share/postgresql").join(major));
    }
    guesses
}

/// The trimmed standard output of `program argument`, when it succeeds.
fn output(program: &Path, argument: &str) -> Option<String> {
    let out = Command::new(program)
        .arg(argument)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Device, inode, size, modification and change times.
fn file_stamp(meta: &std::fs::Metadata) -> String {
    format!(
        "{} {} {} {}.{} {}.{}",
        meta.dev(),
        meta.ino(),
        meta.size(),
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ctime(),
        meta.ctime_nsec()
    )
}

/// Each file of `dir` whose name passes `wanted`, by name and [`file_stamp`], in name order;
/// `None` when `dir` cannot be read.
fn listing(dir: &Path, wanted: impl Fn(&str) -> bool) -> Option<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let meta = entry.metadata().ok().filter(|m| m.is_file())?;
            wanted(&name).then(|| format!("{name} {}", file_stamp(&meta)))
        })
        .collect();
    files.sort();
    Some(files.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An installation under `root`: a `postgres` that prints a version, `initdb`, a share
    /// directory with plpgsql and one extension, a library directory.
    fn installation(root: &Path) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let bin = root.join("bin");
        for dir in ["bin", "share/postgresql/extension", "lib"] {
            std::fs::create_dir_all(root.join(dir)).expect("mkdir");
        }
        let postgres = bin.join("postgres");
        std::fs::write(&postgres, "#!/bin/sh\necho 'postgres (PostgreSQL) 15.99'\n").expect("w");
        std::fs::set_permissions(&postgres, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        std::fs::write(bin.join("initdb"), "").expect("write");
        let extension = root.join("share/postgresql/extension");
        std::fs::write(extension.join("plpgsql.control"), "").expect("write");
        std::fs::write(extension.join("tiny.control"), "default_version = '1.0'\n").expect("w");
        std::fs::write(extension.join("tiny--1.0.sql"), "CREATE FUNCTION one()").expect("w");
        std::fs::write(root.join("lib/plpgsql.so"), "").expect("write");
        bin
    }

    #[test]
    fn an_upgraded_extension_changes_the_identity() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bin = installation(dir.path());
        let before = of(&bin, None).expect("an identity");
        assert_eq!(of(&bin, None).as_deref(), Some(before.as_str()), "stable");
        // The same size, another script: an upgrade in place.
        let script = dir.path().join("share/postgresql/extension/tiny--1.0.sql");
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&script, "CREATE FUNCTION two()").expect("write");
        let after = of(&bin, None).expect("an identity");
        assert_ne!(before, after, "a changed extension script misses");
        std::fs::write(dir.path().join("lib/tiny.so"), "x").expect("write");
        assert_ne!(
            of(&bin, None).expect("identity"),
            after,
            "a new library misses"
        );
    }

    #[test]
    fn no_share_directory_no_identity() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bin = installation(dir.path());
        std::fs::remove_file(
            dir.path()
                .join("share/postgresql/extension/plpgsql.control"),
        )
        .expect("rm");
        assert_eq!(of(&bin, None), None);
    }

    #[test]
    fn the_real_server_has_an_identity() {
        if let Some(bindir) = find_bindir() {
            assert!(of(&bindir, None).is_some(), "{}", bindir.display());
        }
    }
}
