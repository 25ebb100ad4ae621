//! Reading a migrations directory: its visible entries, its files (bounded, UTF-8, noted for
//! the cache key), and the two shapes most layouts share, one `.sql` file per migration
//! ([`FileLayout`]) or one directory per migration ([`DirLayout`]), with the name patterns
//! most tools use.

use std::fs;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::{DiscoverError, Format, version};
use crate::location::TextError;
use crate::migrate::migration::Migration;

/// An entry of a migrations directory.
pub(super) struct Entry {
    pub(super) name: String,
    pub(super) path: PathBuf,
    pub(super) is_dir: bool,
}

/// The visible entries of `dir`, by name; hidden ones (`.gitkeep`, editor files) are left out.
pub(super) fn entries(dir: &Path) -> Result<Vec<Entry>, DiscoverError> {
    let metadata = fs::metadata(dir).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => DiscoverError::Missing {
            path: dir.to_path_buf(),
        },
        _ => io_error(dir)(source),
    })?;
    if !metadata.is_dir() {
        return Err(DiscoverError::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    let mut entries = Vec::new();
    crate::migrate::file::note(dir);
    for entry in fs::read_dir(dir).map_err(io_error(dir))? {
        let entry = entry.map_err(io_error(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let is_dir = fs::metadata(&path).is_ok_and(|m| m.is_dir());
        entries.push(Entry { name, path, is_dir });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

pub(super) fn io_error(path: &Path) -> impl Fn(io::Error) -> DiscoverError + '_ {
    move |source| DiscoverError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A file of the chain (see [`crate::migrate::file`]: regular, bounded, noted).
pub(super) fn read_text(path: &Path) -> Result<String, DiscoverError> {
    crate::migrate::file::read(path).map_err(|e| match e {
        TextError::Io(source) => io_error(path)(source),
        TextError::NotUtf8(e) => e.into(),
    })
}

/// Reads a migration file: the whole file runs, in a transaction until the layout says otherwise.
pub(super) fn read_migration(
    path: PathBuf,
    version: &str,
    description: &str,
) -> Result<Migration, DiscoverError> {
    let text = read_text(&path)?;
    Ok(Migration {
        version: version.to_string(),
        description: description.to_string(),
        ..Migration::new(path, text)
    })
}

/// The Down part of `up` kept in a file of its own at `path` (diesel's `down.sql`, sqitch's
/// revert script, a `.down.sql` file): read whole, named as `up`, in a transaction until the
/// layout says otherwise; `None` when there is no such file.
pub(super) fn down_file(up: &Migration, path: PathBuf) -> Result<Option<Migration>, DiscoverError> {
    if !path.is_file() {
        return Ok(None);
    }
    read_migration(path, &up.version, &up.description).map(Some)
}

/// Gives each `<version>_<name>.up.sql` migration of `dir` its Down part, as sqlx and
/// golang-migrate pair them: the `<version>_<name>.down.sql` file of the same version (compared
/// as the number both tools read it as), the one of the same name first when several have it.
/// A migration that is no `.up.sql` file (sqlx's plain `<version>_<desc>.sql`) or has no Down
/// file keeps `None`.
pub(super) fn pair_down_files(
    dir: &Path,
    migrations: &mut [Migration],
) -> Result<(), DiscoverError> {
    let downs: Vec<(String, Entry)> = (entries(dir)?.into_iter())
        .filter(|e| !e.is_dir)
        .filter_map(|e| match versioned_name(&e.name, ".down.sql") {
            Name::Migration { version, .. } => Some((version, e)),
            _ => None,
        })
        .collect();
    for up in migrations {
        let name = up
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let Some(stem) = name.as_deref().and_then(|n| n.strip_suffix(".up.sql")) else {
            continue;
        };
        let same_name = format!("{stem}.down.sql");
        let down = (downs.iter())
            .filter(|(version, _)| version::cmp_numeric(version, &up.version).is_eq())
            .min_by_key(|(_, entry)| entry.name != same_name);
        if let Some((_, entry)) = down {
            up.down = down_file(up, entry.path.clone())?.map(Box::new);
        }
    }
    Ok(())
}

/// `send` applied to `migration` and to its Down part, if any: the tool sends both alike
/// (sqlx's `-- no-transaction` as each file says, diesel's `metadata.toml` for both...).
pub(super) fn with_down(migration: &mut Migration, send: impl Fn(&mut Migration)) {
    if let Some(down) = migration.down.as_deref_mut() {
        send(down);
    }
    send(migration);
}

/// The lines of `text` with their byte offsets, each with its line break.
pub(super) fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n').scan(0, |offset, line| {
        let start = *offset;
        *offset += line.len();
        Some((start, line))
    })
}

/// `range` of `text` without surrounding whitespace, nor the blank and `--` comment lines that
/// lead it (so a location names the statement's first token).
pub(super) fn trimmed(text: &str, range: Range<usize>) -> Range<usize> {
    let mut start = range.start;
    for (offset, line) in lines(&text[range.clone()]) {
        let content = line.trim();
        if !content.is_empty() && !content.starts_with("--") {
            start = range.start + offset + (line.len() - line.trim_start().len());
            break;
        }
        start = range.start + offset + line.len();
    }
    let end = range.start + text[range.clone()].trim_end().len();
    start.min(end)..end
}

/// What a layout makes of a file name.
pub(super) enum Name<'a> {
    Migration {
        version: String,
        description: &'a str,
    },
    /// Not a migration that runs (a down migration, an undo file...).
    Ignored,
    /// A `.sql` file that does not fit the layout.
    Unexpected,
}

/// A layout with one `.sql` file per migration.
pub(super) struct FileLayout {
    pub(super) format: Format,
    /// The pattern in error messages.
    pub(super) expected: &'static str,
    pub(super) parse: fn(&str) -> Name<'_>,
    /// Also look into subdirectories (Flyway scans its locations recursively).
    pub(super) recursive: bool,
}

impl FileLayout {
    /// The migration files of `dir`, read, in directory order. Files that are not `.sql` are
    /// skipped; a `.sql` file whose name does not fit is an error.
    pub(super) fn read(&self, dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
        let mut migrations = Vec::new();
        for entry in entries(dir)? {
            if entry.is_dir {
                if self.recursive {
                    migrations.extend(self.read(&entry.path)?);
                }
                continue;
            }
            if !entry.name.ends_with(".sql") {
                continue;
            }
            match (self.parse)(&entry.name) {
                Name::Migration {
                    version,
                    description,
                } => migrations.push(read_migration(entry.path, &version, description)?),
                Name::Ignored => {}
                Name::Unexpected => {
                    return Err(unexpected(self.format, self.expected, entry.path));
                }
            }
        }
        Ok(migrations)
    }
}

/// A layout with one directory per migration, holding the SQL in `file`.
pub(super) struct DirLayout {
    pub(super) format: Format,
    /// The SQL file inside each migration directory.
    pub(super) file: &'static str,
    /// The pattern in error messages.
    pub(super) expected: &'static str,
    /// The version and description of a migration directory's name, `None` if the name does not
    /// look like a migration.
    pub(super) parse: fn(&str) -> Option<(String, &str)>,
}

impl DirLayout {
    /// The migrations of `dir`, read, in directory order. A migration-looking directory without
    /// the SQL file, a directory with the SQL file but another name, and a `.sql` file next to
    /// the directories are errors; other entries are skipped.
    pub(super) fn read(&self, dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
        self.read_skipping(dir, &|_| false)
    }

    /// [`DirLayout::read`], the directories `skip` matches left unread.
    pub(super) fn read_skipping(
        &self,
        dir: &Path,
        skip: &dyn Fn(&Path) -> bool,
    ) -> Result<Vec<Migration>, DiscoverError> {
        let mut migrations = Vec::new();
        for entry in entries(dir)? {
            if entry.is_dir && skip(&entry.path) {
                continue;
            }
            if !entry.is_dir {
                if entry.name.ends_with(".sql") {
                    return Err(unexpected(self.format, self.expected, entry.path));
                }
                continue;
            }
            let file = entry.path.join(self.file);
            let has_file = file.is_file();
            match ((self.parse)(&entry.name), has_file) {
                (Some((version, description)), true) => {
                    migrations.push(read_migration(file, &version, description)?);
                }
                (Some(_), false) => {
                    return Err(DiscoverError::MissingFile {
                        path: entry.path,
                        file: self.file,
                    });
                }
                (None, true) => return Err(unexpected(self.format, self.expected, entry.path)),
                (None, false) => {}
            }
        }
        Ok(migrations)
    }
}

pub(super) fn unexpected(format: Format, expected: &'static str, path: PathBuf) -> DiscoverError {
    DiscoverError::UnexpectedName {
        path,
        format,
        expected,
    }
}

/// `<digits>_<description>` (the separator required), as most tools name a migration.
pub(super) fn versioned(stem: &str) -> Option<(String, &str)> {
    let (digits, rest) = version::leading_digits(stem);
    let description = rest.strip_prefix('_')?;
    if digits.is_empty() {
        return None;
    }
    Some((digits.to_string(), description))
}

/// What `<digits>_<description><suffix>` makes of `name`: a migration, or unexpected.
pub(super) fn versioned_name<'a>(name: &'a str, suffix: &str) -> Name<'a> {
    let parsed = name.strip_suffix(suffix).and_then(versioned);
    let Some((version, description)) = parsed else {
        return Name::Unexpected;
    };
    Name::Migration {
        version,
        description,
    }
}
