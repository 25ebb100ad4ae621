//! What the harness trusts on disk, and how it keeps it so: the cache's root and everything in
//! it (entries, `runs/`, a keeper's directory and record) are this user's own.
//!
//! A directory another account can change is a directory whose contents that account chooses: a
//! planted cluster turns a failing chain green, a planted keeper record and socket answer every
//! verdict, a planted symbolic link makes a run remove or chmod whatever it points at. So:
//!
//! - the root's parent is this user's or root's, and nobody else may write to it unless it is
//!   sticky (`/tmp`): else another account could swap the root for its own;
//! - every directory is created 0700 by this user, and one that exists is refused (exit 2, naming
//!   its owner and what to do) when it is a symbolic link, another account's, or writable by
//!   group or others; an own directory with wider read rights is narrowed to 0700 through a
//!   descriptor opened without following links;
//! - files in it are opened with `O_NOFOLLOW` (a planted link is an error, never followed), and
//!   read only when they are regular files of this user, up to a bound;
//! - removal never follows a link (`remove_dir_all` removes a link itself, not what it names).
//!
//! See docs/backends.md, "What the harness trusts".

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The most a file of the harness's own (a record, a password, a remembered fact, a kept
/// catalog) may hold.
const PRIVATE_FILE_MAX: u64 = 256 << 20;

/// A directory (or file) the harness refuses to trust. Ends the run with exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error(
        "{} belongs to {owner}, not to this user ({me}): pg-invariants keeps clusters and its keepers' sockets only in a directory nobody else can change. Remove it, or set PG_INVARIANTS_CACHE_DIR to a directory of your own (see docs/backends.md, \"What the harness trusts\")",
        path.display()
    )]
    Foreign {
        path: PathBuf,
        owner: String,
        me: String,
    },
    #[error(
        "{} may be written by other users (mode {mode:04o}): whatever they put there, a run would use. Run `chmod go-w {}`, or set PG_INVARIANTS_CACHE_DIR to a directory of your own (see docs/backends.md, \"What the harness trusts\")",
        path.display(),
        path.display()
    )]
    Writable { path: PathBuf, mode: u32 },
    #[error(
        "{} is a symbolic link: pg-invariants follows none in its cache directory (whoever planted it could hand a run another project's cluster). Remove the link, or set PG_INVARIANTS_CACHE_DIR to a new directory of your own (see docs/backends.md, \"What the harness trusts\")",
        path.display()
    )]
    Symlink { path: PathBuf },
    #[error(
        "{} is not a directory; pg-invariants keeps its cache there. Remove it, or set PG_INVARIANTS_CACHE_DIR to a directory of your own",
        path.display()
    )]
    NotADirectory { path: PathBuf },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

impl TrustError {
    fn io(path: &Path) -> impl FnOnce(io::Error) -> Self + '_ {
        move |source| Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The effective uid of this process.
fn me() -> u32 {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() }
}

/// The name of the account `uid` (its number when it has none), for messages.
fn account(uid: u32) -> String {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: all-zero is a valid `passwd` (null pointers, zero ids) until getpwuid_r fills it.
    let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r writes into `pw` and `buf` (of the length given) only.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr(), buf.len(), &mut found) };
    if rc != 0 || found.is_null() {
        return format!("uid {uid}");
    }
    // SAFETY: on success pw_name points at a NUL-terminated string inside `buf`.
    let name = unsafe { std::ffi::CStr::from_ptr(pw.pw_name) };
    format!("{} (uid {uid})", name.to_string_lossy())
}

/// The cache's root: its parent checked (see the module's documentation), created 0700 with its
/// missing parents, or checked and narrowed to 0700 when it exists.
pub fn private_root(root: &Path) -> Result<(), TrustError> {
    if let Some(parent) = root.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(TrustError::io(parent))?;
        let meta = std::fs::metadata(parent).map_err(TrustError::io(parent))?;
        let sticky = meta.mode() & libc::S_ISVTX != 0;
        if meta.uid() != me() && meta.uid() != 0 && !sticky {
            return Err(TrustError::Foreign {
                path: parent.to_path_buf(),
                owner: account(meta.uid()),
                me: account(me()),
            });
        }
        if meta.mode() & 0o022 != 0 && !sticky {
            return Err(TrustError::Writable {
                path: parent.to_path_buf(),
                mode: meta.mode() & 0o7777,
            });
        }
    }
    private_dir(root)
}

/// `dir` (whose parent is trusted) created 0700, or, when it exists, checked (a directory, not
/// a link, this user's, writable by nobody else) and narrowed to 0700.
pub fn private_dir(dir: &Path) -> Result<(), TrustError> {
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(TrustError::io(dir)(e)),
    }
    check_private(dir)?;
    let handle = File::options()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW)
        .open(dir)
        .map_err(TrustError::io(dir))?;
    let mode = handle.metadata().map_err(TrustError::io(dir))?.mode();
    if mode & 0o777 != 0o700 {
        handle
            .set_permissions(std::fs::Permissions::from_mode(0o700))
            .map_err(TrustError::io(dir))?;
    }
    Ok(())
}

/// `dir` is a directory (not a link to one) of this user that nobody else may write to.
pub fn check_private(dir: &Path) -> Result<(), TrustError> {
    let meta = std::fs::symlink_metadata(dir).map_err(TrustError::io(dir))?;
    check_own(dir, &meta)?;
    if !meta.is_dir() {
        return Err(TrustError::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    Ok(())
}

/// What `symlink_metadata` said of `path`: not a link, this user's, and, for a directory,
/// writable by nobody else.
fn check_own(path: &Path, meta: &std::fs::Metadata) -> Result<(), TrustError> {
    if meta.file_type().is_symlink() {
        return Err(TrustError::Symlink {
            path: path.to_path_buf(),
        });
    }
    if meta.uid() != me() {
        return Err(TrustError::Foreign {
            path: path.to_path_buf(),
            owner: account(meta.uid()),
            me: account(me()),
        });
    }
    // A file's own bits matter less: nobody else can reach it through a private directory (and
    // older versions made lock files with the umask's rights).
    if meta.is_dir() && meta.mode() & 0o022 != 0 {
        return Err(TrustError::Writable {
            path: path.to_path_buf(),
            mode: meta.mode() & 0o7777,
        });
    }
    Ok(())
}

/// Every entry of the trusted directory `dir` is a directory or file of this user's, no link
/// and writable by nobody else (what an earlier, trusting version or another account may have
/// left is refused rather than used or removed). An entry `servers` names may belong to another
/// account: a cluster's data directory is the server's when we are root.
pub fn check_entries(dir: &Path, servers: &[&str]) -> Result<(), TrustError> {
    // Another run may remove what was just listed (an evicted entry, a failed build's
    // directory): what is gone can be neither trusted nor used, so it is no error.
    let entries = match std::fs::read_dir(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        listed => listed.map_err(TrustError::io(dir))?,
    };
    for entry in entries {
        let entry = entry.map_err(TrustError::io(dir))?;
        let path = entry.path();
        let meta = match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            meta => meta.map_err(TrustError::io(&path))?,
        };
        let servers = servers.iter().any(|s| entry.file_name() == *s);
        match check_own(&path, &meta) {
            Err(TrustError::Foreign { .. }) if servers && meta.mode() & 0o022 == 0 => {}
            checked => checked?,
        }
    }
    Ok(())
}

/// Opens `path` without following a link, refusing what is not a regular file of this user.
fn open_own(path: &Path, options: &mut std::fs::OpenOptions) -> io::Result<File> {
    let file = options
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() || meta.uid() != me() {
        return Err(io::Error::other(format!(
            "{} is not a regular file of this user",
            path.display()
        )));
    }
    Ok(file)
}

/// A file that only exists to be locked: opened, created (0600) if need be, never truncated,
/// never through a link.
pub fn lock_file(path: &Path) -> io::Result<File> {
    open_own(
        path,
        File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600),
    )
}

/// An existing lock file (an entry's), never through a link.
pub fn open_lock(path: &Path) -> io::Result<File> {
    open_own(path, File::options().read(true))
}

/// The bytes of a file the harness wrote (a record, a password, a kept catalog): a regular file
/// of this user, never through a link, at most [`PRIVATE_FILE_MAX`] bytes.
pub fn read_private(path: &Path) -> io::Result<Vec<u8>> {
    let file = open_own(path, File::options().read(true))?;
    let mut bytes = Vec::new();
    file.take(PRIVATE_FILE_MAX).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// [`read_private`] as text.
pub fn read_private_text(path: &Path) -> io::Result<String> {
    String::from_utf8(read_private(path)?).map_err(io::Error::other)
}

/// Writes a new file readable by its owner only; an existing file or link at `path` is an error
/// (`O_EXCL` follows no link).
pub fn write_private(path: &Path, text: &str) -> io::Result<()> {
    use std::io::Write;
    File::options()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?
        .write_all(text.as_bytes())
}

pub fn flock(file: &File, operation: libc::c_int) -> io::Result<()> {
    // SAFETY: flock(2) on a descriptor we own.
    if unsafe { libc::flock(file.as_raw_fd(), operation) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// `remove_dir_all`, retried for a moment: a process that just died may have been creating a
/// file in it.
pub fn remove_dir_patiently(dir: &Path) {
    for _ in 0..20 {
        if std::fs::remove_dir_all(dir).is_ok() || !dir.exists() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_another_run_removed_meanwhile_is_no_error() {
        let scratch = tempfile::tempdir().expect("tempdir");
        let gone = scratch.path().join("evicted");
        assert!(check_entries(&gone, &[]).is_ok());
        std::fs::create_dir(&gone).expect("mkdir");
        std::fs::write(gone.join("size"), "1").expect("write");
        assert!(check_entries(&gone, &[]).is_ok());
    }

    #[test]
    fn a_link_a_foreign_or_a_writable_directory_is_refused_and_an_own_one_narrowed() {
        let scratch = tempfile::tempdir().expect("tempdir");
        let root = scratch.path().join("cache");
        private_root(&root).expect("created");
        let mode = |p: &Path| std::fs::metadata(p).expect("stat").mode() & 0o777;
        assert_eq!(mode(&root), 0o700);
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        private_root(&root).expect("own, readable");
        assert_eq!(mode(&root), 0o700, "narrowed");
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o770)).expect("chmod");
        assert!(matches!(
            private_root(&root),
            Err(TrustError::Writable { .. })
        ));
        let target = scratch.path().join("elsewhere");
        std::fs::create_dir(&target).expect("mkdir");
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let link = scratch.path().join("link");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        assert!(matches!(
            private_dir(&link),
            Err(TrustError::Symlink { .. })
        ));
        assert_eq!(mode(&target), 0o755, "what the link names is untouched");
    }

    #[test]
    fn an_entry_holding_a_link_is_refused_and_only_its_data_may_be_the_servers() {
        let scratch = tempfile::tempdir().expect("tempdir");
        let entry = scratch.path().join("entry");
        private_dir(&entry).expect("mkdir");
        std::fs::create_dir(entry.join("data")).expect("mkdir");
        write_private(&entry.join("password"), "pw").expect("write");
        check_entries(&entry, &["data"]).expect("an own entry");
        // As root, the data directory belongs to the server's account.
        if me() == 0 {
            std::os::unix::fs::chown(entry.join("data"), Some(65534), None).expect("chown");
            check_entries(&entry, &["data"]).expect("the server's data directory");
            std::os::unix::fs::chown(entry.join("password"), Some(65534), None).expect("chown");
            assert!(matches!(
                check_entries(&entry, &["data"]),
                Err(TrustError::Foreign { .. })
            ));
            std::fs::remove_file(entry.join("password")).expect("rm");
        }
        std::os::unix::fs::symlink("/etc", entry.join("catalog.json")).expect("symlink");
        assert!(matches!(
            check_entries(&entry, &["data"]),
            Err(TrustError::Symlink { .. })
        ));
    }

    #[test]
    fn files_are_opened_without_following_links() {
        let scratch = tempfile::tempdir().expect("tempdir");
        let real = scratch.path().join("real");
        std::fs::write(&real, "secret").expect("write");
        let link = scratch.path().join("link");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        assert!(read_private(&link).is_err());
        assert!(lock_file(&link).is_err());
        assert!(write_private(&link, "x").is_err());
        assert_eq!(std::fs::read_to_string(&real).expect("read"), "secret");
        assert_eq!(read_private_text(&real).expect("read"), "secret");
    }
}
