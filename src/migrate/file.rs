//! Reading a chain's files (migrations, `before` and seed files, each layout's bookkeeping such
//! as `sqitch.plan`, `meta/_journal.json`, `atlas.sum` or a liquibase changelog): regular files
//! only, at most [`MAX`] bytes. A FIFO would hang the run, a device (a link to `/dev/zero`) or a
//! runaway file would exhaust memory: each is an error naming the file instead.
//!
//! Every file and directory read here is noted while [`recording`]: a run's keeper compares
//! them before answering, so that none of them can change under its answers unseen.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use crate::location::{self, TextError};

/// The largest file a chain may have.
pub const MAX: u64 = location::MAX_FILE;

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

/// The text of `path` ([`location::read_text`]: a regular file, at most [`MAX`] bytes, UTF-8),
/// noted while [`recording`].
pub fn read(path: &Path) -> Result<String, TextError> {
    note(path);
    location::read_text(path)
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
        std::fs::File::create(&big)
            .expect("create")
            .set_len(MAX + 1)
            .expect("grow");
        let fine = dir.path().join("0004_fine.sql");
        std::fs::write(&fine, "SELECT 1;").expect("write");
        let (results, seen) = recording(|| [&fifo, &zero, &big, &fine].map(|p| read(p)));
        let message = |r: &Result<String, TextError>| match r {
            Err(TextError::Io(e)) => Some(e.to_string()),
            _ => None,
        };
        assert!(message(&results[0]).is_some_and(|m| m.contains("a FIFO")));
        assert!(message(&results[1]).is_some_and(|m| m.contains("a device")));
        assert!(message(&results[2]).is_some_and(|m| m.contains("64 MiB")));
        assert_eq!(results[3].as_deref().ok(), Some("SELECT 1;"));
        assert_eq!(seen, vec![fifo, zero, big, fine]);
        assert_eq!(recording(|| ()).1, Vec::<PathBuf>::new());
    }
}
