//! The files a tool keeps beside its migrations (drizzle's journal, Atlas's `atlas.sum`,
//! sqitch's plan, Liquibase's master changelog), rewritten to list the new migrations, and what
//! was written so far, to be undone when the chain does not read back as asked.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{Planned, WriteError};

/// Rewrites the file listing the chain at `path` (sqitch's plan, Liquibase's master changelog)
/// to list the entries of `planned`: `extend` makes the new text from the old one and them.
pub(crate) fn index(
    path: &Path,
    planned: &[Planned],
    created: &mut Created,
    extend: impl FnOnce(String, &[&str]) -> Result<String, WriteError>,
) -> Result<(), WriteError> {
    let entries: Vec<&str> = planned.iter().filter_map(|p| p.entry.as_deref()).collect();
    let old = fs::read_to_string(path).map_err(|source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let new = extend(old, &entries)?;
    created.rewrite(path, &new)
}

/// `old` with `entries` at its end, on lines of their own.
pub(crate) fn appended(mut old: String, entries: &[&str]) -> String {
    if !old.is_empty() && !old.ends_with('\n') {
        old.push('\n');
    }
    old.extend(entries.iter().copied());
    old
}

/// What was created so far, to be removed again if anything goes wrong, and the files rewritten
/// with their contents before, to be restored.
#[derive(Default)]
pub(crate) struct Created {
    dirs: Vec<PathBuf>,
    files: Vec<PathBuf>,
    rewritten: Vec<(PathBuf, Option<Vec<u8>>)>,
}

impl Created {
    pub(super) fn write(&mut self, planned: &Planned) -> Result<(), WriteError> {
        for dir in &planned.dirs {
            if self.dirs.contains(dir) {
                continue;
            }
            fs::create_dir(dir).map_err(|e| new_path_error(dir, e))?;
            self.dirs.push(dir.clone());
        }
        for (path, text) in &planned.files {
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .map_err(|e| new_path_error(path, e))?;
            self.files.push(path.clone());
            file.write_all(text.as_bytes())
                .map_err(|source| WriteError::Io {
                    path: path.clone(),
                    source,
                })?;
        }
        Ok(())
    }

    /// Replaces the contents of `path` (a tool's bookkeeping file), keeping the old ones.
    pub(crate) fn rewrite(&mut self, path: &Path, text: &str) -> Result<(), WriteError> {
        let io = |source| WriteError::Io {
            path: path.to_path_buf(),
            source,
        };
        let old = match fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(e)),
        };
        self.rewritten.push((path.to_path_buf(), old));
        fs::write(path, text).map_err(io)
    }

    pub(super) fn remove(&self) {
        for (path, old) in self.rewritten.iter().rev() {
            let _ = match old {
                Some(bytes) => fs::write(path, bytes),
                None => fs::remove_file(path),
            };
        }
        for file in self.files.iter().rev() {
            let _ = fs::remove_file(file);
        }
        for dir in self.dirs.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }

    /// Every file written, in order: the new ones, then the rewritten bookkeeping files.
    pub(super) fn into_written(self) -> Vec<PathBuf> {
        let rewritten = self.rewritten.into_iter().map(|(path, _)| path);
        self.files.into_iter().chain(rewritten).collect()
    }
}

fn new_path_error(path: &Path, source: io::Error) -> WriteError {
    if source.kind() == io::ErrorKind::AlreadyExists {
        WriteError::Exists {
            path: path.to_path_buf(),
        }
    } else {
        WriteError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{now, outside, tx, written};
    use super::super::{WriteError, append};
    use crate::migrate::format::fixture::Fixture;
    use crate::migrate::format::{Format, Options, atlas, atlas_sum, discover};
    use rstest::rstest;
    use std::fs;

    #[rstest]
    #[case::sql_master(
        "changelog.sql",
        "--liquibase formatted sql\n--changeset a:1\nSELECT 1;",
        &["changelog.sql"]
    )]
    #[case::xml_master(
        "changelog.xml",
        "<databaseChangeLog>\n  <include file=\"a.sql\" relativeToChangelogFile=\"true\"/>\n</databaseChangeLog>\n",
        &["20240305060708_fix_1.sql", "20240305060709_fix_2.sql", "changelog.xml"]
    )]
    fn liquibase_gains_changesets_marked_for_their_transaction_mode(
        #[case] master: &str,
        #[case] text: &str,
        #[case] expected: &[&str],
    ) {
        let fixture = Fixture::new(&[
            (master, text),
            (
                "a.sql",
                "--liquibase formatted sql\n--changeset a:1\nSELECT 1;",
            ),
        ]);
        let new = [
            tx("SELECT 1;\n"),
            outside("CREATE INDEX CONCURRENTLY i ON t (a);\n"),
        ];
        assert_eq!(written(&fixture, Format::Auto, &new), expected);
        let chain = discover(Format::Liquibase, fixture.path()).unwrap();
        let added: Vec<(&str, bool)> = chain
            .iter()
            .filter(|m| m.version.starts_with("pg-invariants:"))
            .map(|m| (m.version.as_str(), m.transaction))
            .collect();
        assert_eq!(
            added,
            [
                ("pg-invariants:20240305060708_fix_1", true),
                ("pg-invariants:20240305060709_fix_2", false)
            ]
        );
    }

    #[test]
    fn a_master_that_cannot_be_extended_is_left_as_it_was() {
        // The changelog list is not the last key: the include appended at the end is not in it.
        let master = "databaseChangeLog:\n  - include:\n      file: a.sql\nother: 1\n";
        let fixture = Fixture::new(&[
            ("changelog.yaml", master),
            (
                "a.sql",
                "--liquibase formatted sql\n--changeset a:1\nSELECT 1;",
            ),
        ]);
        let error = append(
            Format::Liquibase,
            fixture.path(),
            &Options::default(),
            "fix",
            &[tx("SELECT 2;")],
            now(),
        );
        assert!(error.is_err());
        let read = fs::read_to_string(fixture.path().join("changelog.yaml")).unwrap();
        assert_eq!(read, master);
        assert!(!fixture.path().join("20240305060708_fix.sql").exists());
    }

    #[test]
    fn an_existing_file_is_never_overwritten_and_nothing_is_left_behind() {
        // golang-migrate ignores a stray down file, whose name the new migration needs.
        let fixture = Fixture::new(&[
            ("000001_init.up.sql", "SELECT 1;"),
            ("000002_fix.down.sql", "-- mine"),
        ]);
        let error = append(
            Format::GolangMigrate,
            fixture.path(),
            &Options::default(),
            "fix",
            &[tx("SELECT 2;")],
            now(),
        )
        .unwrap_err();
        let stray = fixture.path().join("000002_fix.down.sql");
        assert!(
            matches!(&error, WriteError::Exists { path } if *path == stray),
            "{error}"
        );
        assert_eq!(fs::read_to_string(&stray).unwrap(), "-- mine");
        assert!(!fixture.path().join("000002_fix.up.sql").exists());
    }

    /// Atlas over golang-migrate: the new `.up.sql` file is added to atlas.sum as Atlas hashes
    /// that layout, so the chain reads back (its sum checked) after `fix`.
    #[test]
    fn atlas_sum_of_another_tools_chain_is_rewritten_for_its_layout() {
        let fixture = Fixture::new(&[
            ("000001_a.up.sql", "SELECT 1;\n"),
            ("000001_a.down.sql", "SELECT 0;\n"),
        ]);
        let sum = atlas_sum::current(Format::GolangMigrate, fixture.path())
            .unwrap()
            .unwrap();
        fs::write(fixture.path().join(atlas::SUM), sum).unwrap();
        written(&fixture, Format::GolangMigrate, &[tx("SELECT 2;")]);
        let text = fs::read_to_string(fixture.path().join(atlas::SUM)).unwrap();
        assert!(text.contains("000002_fix.up.sql h1:"), "{text}");
        assert!(!text.contains("down"), "{text}");
        assert_eq!(discover(Format::Auto, fixture.path()).unwrap().len(), 2);
    }

    #[test]
    fn a_failed_write_restores_the_rewritten_files() {
        // atlas: `9_a.sql` sorts after any timestamp, so the new file is not last.
        let fixture = Fixture::new(&[("9_a.sql", "SELECT 1;\n")]);
        let sum = fixture.path().join(atlas::SUM);
        let before = atlas::current_sum(fixture.path()).unwrap();
        fs::write(&sum, &before).unwrap();
        let error = append(
            Format::Atlas,
            fixture.path(),
            &Options::default(),
            "fix",
            &[tx("SELECT 2;")],
            now(),
        )
        .unwrap_err();
        assert!(matches!(error, WriteError::NotLast { .. }), "{error}");
        assert_eq!(fs::read_to_string(&sum).unwrap(), before);
        assert_eq!(discover(Format::Atlas, fixture.path()).unwrap().len(), 1);
    }
}
