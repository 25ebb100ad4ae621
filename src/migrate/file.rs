//! Reading a chain's files (migrations, `before` and seed files, each layout's bookkeeping such
//! as `sqitch.plan`, `meta/_journal.json`, `atlas.sum` or a liquibase changelog): regular files
//! only, at most [`MAX`] bytes. A FIFO would hang the run, a device (a link to `/dev/zero`) or a
//! runaway file would exhaust memory: each is an error naming the file instead.
//!
//! Every file and directory read here is noted while [`recording`]: a run's keeper compares
//! them before answering, so that none of them can change under its answers unseen.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The largest file a chain may have: far above any real migration, far below what a machine
/// can hold.
pub const MAX: u64 = 64 << 20;

thread_local! {
    /// What [`read`] and [`note`] saw on this thread, while [`recording`].
    static SEEN: RefCell<Option<Vec<PathBuf>>> = const { RefCell::new(None) };
}

/// `f`'s result, and every file and directory of the chain it read on this thread (discovery
/// runs on one).
pub fn recording<T>(f: impl FnOnce() -> T) -> (T, Vec<PathBuf>) {
    let outer = SEEN.with(|seen| seen.borrow_mut().replace(Vec::new()));
    let result = f();
    let seen = SEEN.with(|seen| std::mem::replace(&mut *seen.borrow_mut(), outer));
    (result, seen.unwrap_or_default())
}

/// Notes that `path` (a directory listed, say) was read.
pub fn note(path: &Path) {
    SEEN.with(|seen| {
        if let Some(seen) = seen.borrow_mut().as_mut() {
            seen.push(path.to_path_buf());
        }
    });
}

/// The text of `path`, a regular file of at most [`MAX`] bytes (a link to one is followed).
pub fn read(path: &Path) -> io::Result<String> {
    note(path);
    // O_NONBLOCK: opening a FIFO returns at once (and is refused below) instead of waiting for
    // a writer; it changes nothing for a regular file.
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)?;
    let meta = file.metadata()?;
    let kind = meta.file_type();
    if !kind.is_file() {
        let what = if kind.is_fifo() {
            "a FIFO"
        } else if kind.is_char_device() || kind.is_block_device() {
            "a device"
        } else if kind.is_socket() {
            "a socket"
        } else if kind.is_dir() {
            "a directory"
        } else {
            "not a regular file"
        };
        return Err(io::Error::other(format!(
            "it is {what}; pg-invariants reads a chain only from regular files"
        )));
    }
    let too_big = || {
        io::Error::other(format!(
            "it holds more than {} MiB, the most a file of a chain may hold",
            MAX >> 20
        ))
    };
    if meta.len() > MAX {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX {
        return Err(too_big());
    }
    String::from_utf8(bytes).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_a_device_and_an_oversized_file_are_refused_and_reads_are_recorded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("0001_fifo.sql");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("path");
        // SAFETY: mkfifo with a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let zero = dir.path().join("0002_zero.sql");
        std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
        let big = dir.path().join("0003_big.sql");
        File::create(&big)
            .expect("create")
            .set_len(MAX + 1)
            .expect("grow");
        let fine = dir.path().join("0004_fine.sql");
        std::fs::write(&fine, "SELECT 1;").expect("write");
        let (results, seen) = recording(|| [&fifo, &zero, &big, &fine].map(|p| read(p)));
        let message = |r: &io::Result<String>| r.as_ref().err().map(|e| e.to_string());
        assert!(message(&results[0]).is_some_and(|m| m.contains("a FIFO")));
        assert!(message(&results[1]).is_some_and(|m| m.contains("a device")));
        assert!(message(&results[2]).is_some_and(|m| m.contains("64 MiB")));
        assert_eq!(results[3].as_deref().ok(), Some("SELECT 1;"));
        assert_eq!(seen, vec![fifo, zero, big, fine]);
        assert_eq!(recording(|| ()).1, Vec::<PathBuf>::new());
    }
}
