//! Where something is in a user's file, as `path:line:column`.
//!
//! Every error a user can fix points at a place in one of their files: an invariant file, the
//! project file or a migration. Spans come from the TOML parser and from the statement splitter
//! as byte offsets; this module turns them into the 1-based line and column (in characters) that
//! editors and terminals understand.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A position in a file: 1-based line and column, the column counted in characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` of `text`, the contents of `path`.
    pub fn at(path: &Path, text: &str, offset: usize) -> Self {
        let (line, column) = line_col(text, offset);
        Self {
            path: path.to_path_buf(),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

/// `path` relative to the current directory when it lies below it: how messages show paths.
pub fn relative(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
///
/// An offset past the end points just after the last character; an offset inside a multi-byte
/// character points at that character.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// A file read as text that is not UTF-8: where its first invalid byte is, so the user can
/// find it (an editor's Latin-1 save, a stray binary file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{location}: not valid UTF-8 (byte 0x{byte:02x}, byte offset {offset}); pg-invariants reads this file as UTF-8: save it as UTF-8"
)]
pub struct NotUtf8 {
    pub location: Location,
    pub byte: u8,
    pub offset: usize,
}

/// Why a text file could not be read.
#[derive(Debug)]
pub enum TextError {
    Io(std::io::Error),
    NotUtf8(NotUtf8),
}

/// The largest file a user's file may be (a migration, a table file): far above any real one,
/// far below what a machine can hold.
pub const MAX_FILE: u64 = 64 << 20;

/// The contents of `path` as text: a regular file (a link to one is followed) of at most
/// [`MAX_FILE`] bytes, in UTF-8. A FIFO would hang the run, a device (a link to `/dev/zero`) or
/// a runaway file would exhaust memory: each is an error naming what it is instead; text that is
/// not UTF-8 is located ([`NotUtf8`]).
pub fn read_text(path: &Path) -> Result<String, TextError> {
    let bytes = read_regular(path).map_err(TextError::Io)?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let valid = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
        TextError::NotUtf8(NotUtf8 {
            location: Location::at(path, valid, offset),
            byte: bytes[offset],
            offset,
        })
    })
}

/// The bytes of `path`, a regular file of at most [`MAX_FILE`] bytes.
fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    // O_NONBLOCK: opening a FIFO returns at once (and is refused below) instead of waiting for
    // a writer; it changes nothing for a regular file.
    let file = std::fs::File::options()
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
        return Err(std::io::Error::other(format!(
            "it is {what}; pg-invariants reads only regular files"
        )));
    }
    let too_big = || {
        std::io::Error::other(format!(
            "it holds more than {} MiB, the most a file pg-invariants reads may hold",
            MAX_FILE >> 20
        ))
    };
    if meta.len() > MAX_FILE {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(too_big());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_first_byte_that_is_not_utf8_is_located() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.sql");
        std::fs::write(&file, b"SELECT 1;\n-- caf\xe9\n").unwrap();
        let Err(super::TextError::NotUtf8(e)) = super::read_text(&file) else {
            panic!("not refused");
        };
        assert_eq!(
            (e.location.line, e.location.column, e.byte, e.offset),
            (2, 7, 0xe9, 16)
        );
        assert!(e.to_string().ends_with("f.sql:2:7: not valid UTF-8 (byte 0xe9, byte offset 16); pg-invariants reads this file as UTF-8: save it as UTF-8"));
    }

    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("abc", 0, (1, 1))]
    #[case("abc", 2, (1, 3))]
    #[case("a\nbc", 2, (2, 1))]
    #[case("a\nbc", 3, (2, 2))]
    #[case("a\nbc", 99, (2, 3))]
    #[case("é\nxé", 5, (2, 2))]
    #[case("éa", 1, (1, 1))]
    fn line_and_column(
        #[case] text: &str,
        #[case] offset: usize,
        #[case] expected: (usize, usize),
    ) {
        assert_eq!(line_col(text, offset), expected);
    }
}
