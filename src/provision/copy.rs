//! Copying a stopped cluster's data directory, as `cp -a` would, but only what a cluster needs
//! and on every core.
//!
//! A cache hit is a copy of the migrated cluster, and that copy was most of the time before the
//! first check: a 500-table cluster is 4,300 files, and `cp -a` spends a dozen system calls on
//! each (extended attributes, timestamps, a reflink attempt) for 180 ms into memory. A cluster
//! needs its files' bytes, modes and, when we are root (the server then runs as another user),
//! owners; so each file here is an open, a create, a `copy_file_range` (shared blocks where the
//! file system can) and a `chown` as root, spread over the cores.
//!
//! The copy stops between two files once a termination signal arrived, so the signal's cleanup
//! never removes a directory while files are still being written into it.

use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::cleanup;

/// Copies the directory `from` to `to`, which must not exist: directories, files and symbolic
/// links, with their modes, and their owners when we are root.
pub fn tree(from: &Path, to: &Path) -> io::Result<()> {
    // SAFETY: geteuid has no preconditions.
    let as_root = unsafe { libc::geteuid() } == 0;
    let mut files = Vec::new();
    let mut dirs = vec![(from.to_path_buf(), to.to_path_buf())];
    while let Some((source, target)) = dirs.pop() {
        make_dir(&source, &target, as_root)?;
        for entry in std::fs::read_dir(&source)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let pair = (entry.path(), target.join(entry.file_name()));
            if kind.is_dir() {
                dirs.push(pair);
            } else if kind.is_symlink() {
                let link = std::fs::read_link(&pair.0)?;
                std::os::unix::fs::symlink(link, &pair.1)?;
                own(&pair.0, &pair.1, as_root, true)?;
            } else {
                files.push(pair);
            }
        }
    }
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let share = files.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let copies: Vec<_> = files
            .chunks(share)
            .map(|chunk| scope.spawn(move || copy_files(chunk, as_root)))
            .collect();
        copies.into_iter().try_for_each(|copy| {
            copy.join()
                .unwrap_or_else(|_| Err(io::Error::other("a copy thread panicked")))
        })
    })
}

fn copy_files(files: &[(PathBuf, PathBuf)], as_root: bool) -> io::Result<()> {
    for (source, target) in files {
        if cleanup::interrupted() {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
        }
        // Creates `target` with `source`'s mode and copies the bytes (copy_file_range).
        std::fs::copy(source, target)?;
        own(source, target, as_root, false)?;
    }
    Ok(())
}

fn make_dir(source: &Path, target: &Path, as_root: bool) -> io::Result<()> {
    let mode = std::fs::metadata(source)?.permissions().mode();
    std::fs::DirBuilder::new().mode(mode).create(target)?;
    // The umask may have taken bits away.
    std::fs::set_permissions(target, std::fs::Permissions::from_mode(mode))?;
    own(source, target, as_root, false)
}

/// Gives `target` the owner of `source`, when we are root (otherwise both are ours).
fn own(source: &Path, target: &Path, as_root: bool, link: bool) -> io::Result<()> {
    if !as_root {
        return Ok(());
    }
    let meta = std::fs::symlink_metadata(source)?;
    if link {
        std::os::unix::fs::lchown(target, Some(meta.uid()), Some(meta.gid()))
    } else {
        std::os::unix::fs::chown(target, Some(meta.uid()), Some(meta.gid()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_directories_links_and_modes_are_copied() {
        let dir = tempfile::tempdir().expect("tempdir");
        let from = dir.path().join("from");
        std::fs::create_dir_all(from.join("base/1")).expect("mkdir");
        std::fs::write(from.join("PG_VERSION"), "15\n").expect("write");
        std::fs::write(from.join("base/1/1259"), vec![7u8; 3 * 8192]).expect("write");
        std::fs::write(from.join("base/1/empty"), "").expect("write");
        std::fs::set_permissions(&from, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        std::fs::set_permissions(
            from.join("PG_VERSION"),
            std::fs::Permissions::from_mode(0o600),
        )
        .expect("chmod");
        std::os::unix::fs::symlink("/nowhere/wal", from.join("pg_wal")).expect("symlink");
        let to = dir.path().join("to");
        tree(&from, &to).expect("copied");
        assert_eq!(
            std::fs::read(to.join("base/1/1259")).expect("read"),
            vec![7u8; 3 * 8192]
        );
        assert_eq!(std::fs::read(to.join("base/1/empty")).expect("read"), b"");
        assert_eq!(
            std::fs::read_to_string(to.join("PG_VERSION")).expect("read"),
            "15\n"
        );
        let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&to), 0o700);
        assert_eq!(mode(&to.join("PG_VERSION")), 0o600);
        assert_eq!(
            std::fs::read_link(to.join("pg_wal")).expect("link"),
            PathBuf::from("/nowhere/wal")
        );
        // The target must not exist: a copy never merges into what is there.
        assert!(tree(&from, &to).is_err());
    }
}
