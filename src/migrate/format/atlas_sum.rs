//! `atlas.sum`, Atlas's integrity file, computed as Atlas computes it for each of its directory
//! formats (`--dir-format`), and checked against the directory.
//!
//! Atlas writes and applies chains in its own layout and in the layouts of golang-migrate,
//! goose, Flyway, dbmate and Liquibase. A directory in one of those layouts with an `atlas.sum`
//! is that tool's chain (read by that tool's format), and its `atlas.sum` covers the files
//! Atlas's reader of that format lists: every `*.sql` file of the directory for Atlas's own
//! format, goose, dbmate and Liquibase (`migrate.LocalDir`); only the `*.up.sql` files for
//! golang-migrate (`sqltool.GolangMigrateDir`); for Flyway, the `V`, `B` and `R` files of the
//! directory and its subdirectories, the newest baseline first, then the versioned files after it
//! by version, then the repeatable ones (`sqltool.FlywayDir`). Each line is a running SHA-256 over
//! the names and contents of the files so far, the first line the sum of the others
//! (`migrate.NewHashFile`). A file whose first line is `atlas:sum ignore` adds its name only.
//!
//! Atlas refuses to apply a directory whose sum does not match, and so does this reading. The
//! error says which file makes it differ and what fixes it: re-hashing with the right
//! `--dir-format`, or, when the sum is right for another format, setting that format.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use super::{DiscoverError, Entry, Format, atlas, entries, read_text};
use crate::location::Location;

/// The integrity file, in the migrations directory.
pub(super) const SUM: &str = "atlas.sum";

/// Which files Atlas hashes, by directory format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hashed {
    /// Every `*.sql` file of the directory: Atlas's own format, goose, dbmate, Liquibase.
    AllSql,
    /// The `*.up.sql` files: golang-migrate.
    UpSql,
    /// Flyway's `V`, `B` and `R` files, subdirectories included.
    Flyway,
}

impl Hashed {
    const ALL: [Hashed; 3] = [Hashed::AllSql, Hashed::UpSql, Hashed::Flyway];

    /// What Atlas hashes in a chain of `format`; `None` for formats Atlas does not read.
    fn of(format: Format) -> Option<Self> {
        match format {
            Format::Atlas | Format::Goose | Format::Dbmate | Format::Liquibase => {
                Some(Hashed::AllSql)
            }
            Format::GolangMigrate => Some(Hashed::UpSql),
            Format::Flyway => Some(Hashed::Flyway),
            _ => None,
        }
    }

    /// The format to set for a sum computed this way, among those whose files are not already
    /// read that way.
    fn format(self) -> Format {
        match self {
            Hashed::AllSql => Format::Atlas,
            Hashed::UpSql => Format::GolangMigrate,
            Hashed::Flyway => Format::Flyway,
        }
    }

    /// The files Atlas hashes in `dir`, in its order, named as in `atlas.sum`.
    fn files(self, dir: &Path) -> Result<Vec<Entry>, DiscoverError> {
        let flat = |suffix: &str| -> Result<Vec<Entry>, DiscoverError> {
            Ok(entries(dir)?
                .into_iter()
                .filter(|entry| !entry.is_dir && entry.name.ends_with(suffix))
                .collect())
        };
        match self {
            Hashed::AllSql => flat(".sql"),
            Hashed::UpSql => flat(".up.sql"),
            Hashed::Flyway => {
                let mut files = FlywayFiles::default();
                files.walk(dir, "")?;
                Ok(files.ordered())
            }
        }
    }
}

/// True when Atlas writes chains of `format`, another tool's (`--dir-format`): goose, dbmate,
/// Liquibase, golang-migrate, Flyway.
pub(super) fn writes_for(format: Format) -> bool {
    format != Format::Atlas && Hashed::of(format).is_some()
}

/// `--dir-format <name>` for `atlas migrate hash`, empty for Atlas's own format.
fn dir_format_flag(format: Format) -> String {
    match format {
        Format::Atlas => String::new(),
        other => format!(" --dir-format {other}"),
    }
}

/// The `atlas.sum` that matches a chain of `format` in `dir` now, for `fix` to write; `None`
/// for formats Atlas does not read.
pub(super) fn current(format: Format, dir: &Path) -> Result<Option<String>, DiscoverError> {
    match Hashed::of(format) {
        Some(hashed) => sum_text(&hashed.files(dir)?).map(Some),
        None => Ok(None),
    }
}

/// `atlas.sum` as Atlas would write it for `files`: a running SHA-256 over each file's name and
/// contents (a file whose first line is `atlas:sum ignore` adds its name only, and has no line),
/// then the sum of the lines.
fn sum_text(files: &[Entry]) -> Result<String, DiscoverError> {
    let mut running = Sha256::new();
    let mut lines = Vec::new();
    for entry in files {
        let text = read_text(&entry.path)?;
        running.update(entry.name.as_bytes());
        let first = text.lines().next().unwrap_or_default();
        if atlas::directive(first) == Some(("sum", "ignore")) {
            continue;
        }
        running.update(text.as_bytes());
        let hash = STANDARD.encode(running.clone().finalize());
        lines.push(format!("{} h1:{hash}\n", entry.name));
    }
    let mut total = Sha256::new();
    for line in &lines {
        let (name, hash) = line.trim_end().split_once(" h1:").unwrap_or_default();
        total.update(name.as_bytes());
        total.update(hash.as_bytes());
    }
    Ok(format!(
        "h1:{}\n{}",
        STANDARD.encode(total.finalize()),
        lines.concat()
    ))
}

/// Checks the `atlas.sum` of a chain of `format` in `dir`. Atlas's own format requires one (for
/// a directory with migrations); another tool's chain is checked only when it has one, since
/// only a chain Atlas writes has.
pub(super) fn verify(format: Format, dir: &Path) -> Result<(), DiscoverError> {
    let Some(hashed) = Hashed::of(format) else {
        return Ok(());
    };
    let path = dir.join(SUM);
    if !path.is_file() {
        if format != Format::Atlas || hashed.files(dir)?.is_empty() {
            return Ok(());
        }
        let problem = match other_layout(dir)? {
            Some(other) => format!(
                "missing, and the directory has {other}'s layout: set format = \"{other}\" in \
                 the [migrations] section of pg-invariants.toml (if Atlas writes the chain, \
                 `atlas migrate hash --dir-format {other}` writes the sum it checks)"
            ),
            None => "missing; Atlas refuses to apply a migration directory without its \
                     integrity file: run `atlas migrate hash`"
                .into(),
        };
        return Err(DiscoverError::Layout { path, problem });
    }
    let found: Vec<String> = read_text(&path)?.lines().map(normalize).collect();
    let expected = sum_text(&hashed.files(dir)?)?;
    let Some(line) = first_difference(&expected, &found) else {
        return Ok(());
    };
    let problem = match other_dir_format(hashed, dir, &found)? {
        Some(other) => format!(
            "atlas.sum is the sum Atlas writes for this directory read as {other} \
             (`--dir-format {other}`), not as {format} reads it: set format = \"{other}\" in \
             the [migrations] section of pg-invariants.toml"
        ),
        None => {
            let remove = match format {
                Format::Atlas => "",
                _ => " (or, if Atlas neither writes nor applies this chain, remove atlas.sum)",
            };
            format!(
                "atlas.sum does not match the migration files ({}), and Atlas refuses to apply \
                 the directory: if the change is intended, run `atlas migrate hash{}`{remove}",
                culprit(&expected, &found, line, dir),
                dir_format_flag(format)
            )
        }
    };
    Err(DiscoverError::Malformed {
        location: Location {
            path,
            line: line + 1,
            column: 1,
        },
        problem,
    })
}

/// The index of the first line of `found` that differs from `expected`: the file lines first,
/// since the first line, their sum, differs whenever one of them does.
fn first_difference(expected: &str, found: &[String]) -> Option<usize> {
    let want: Vec<&str> = expected.lines().collect();
    let count = want.len().max(found.len());
    let differs = |i: usize| want.get(i).copied() != found.get(i).map(String::as_str);
    (1..count)
        .find(|&i| differs(i))
        .or((count > 0 && differs(0)).then_some(0))
}

/// Another tool's layout that `dir` has, among Atlas's directory formats: golang-migrate's
/// `.up.sql` files, Flyway's `V<version>__` files.
fn other_layout(dir: &Path) -> Result<Option<Format>, DiscoverError> {
    let names: Vec<String> = entries(dir)?.into_iter().map(|e| e.name).collect();
    if names.iter().any(|n| n.ends_with(".up.sql")) {
        return Ok(Some(Format::GolangMigrate));
    }
    Ok(names
        .iter()
        .any(|n| super::flyway::is_versioned(n))
        .then_some(Format::Flyway))
}

/// The format whose files Atlas hashed to write `found`, when it is not `hashed`'s.
fn other_dir_format(
    hashed: Hashed,
    dir: &Path,
    found: &[String],
) -> Result<Option<Format>, DiscoverError> {
    for other in Hashed::ALL.into_iter().filter(|h| *h != hashed) {
        let files = other.files(dir)?;
        if !files.is_empty() && first_difference(&sum_text(&files)?, found).is_none() {
            return Ok(Some(other.format()));
        }
    }
    Ok(None)
}

/// A sum line as Atlas reads it: the name and the hash around `h1:`, spacing ignored.
fn normalize(line: &str) -> String {
    match line.split_once("h1:") {
        Some(("", hash)) => format!("h1:{hash}"),
        Some((name, hash)) => format!("{} h1:{hash}", name.trim()),
        None => line.to_string(),
    }
}

/// Which file makes line `line` differ.
fn culprit(expected: &str, found: &[String], line: usize, dir: &Path) -> String {
    let name = |text: &str| text.split_once(" h1:").map(|(n, _)| n.to_string());
    let want = expected.lines().nth(line).and_then(name);
    let have = found.get(line).and_then(|l| name(l));
    let shown = |n: String| PathBuf::from(dir).join(n).display().to_string();
    match (want, have) {
        (Some(w), Some(h)) if w == h => format!("{} was edited", shown(w)),
        (Some(w), _) if !found.iter().any(|l| name(l).as_deref() == Some(w.as_str())) => {
            format!("{} is not in it", shown(w))
        }
        (_, Some(h))
            if !expected
                .lines()
                .any(|l| name(l).as_deref() == Some(h.as_str())) =>
        {
            format!("it lists {}, which is not in the directory", shown(h))
        }
        _ => "its first line, the sum of the others, is wrong".into(),
    }
}

/// Flyway's files as Atlas's `FlywayDir` collects them while walking the directory: the newest
/// baseline, the versioned files after it, the repeatable ones. Versions are compared as
/// Atlas compares them (as text when choosing what a baseline covers, part by part when
/// ordering).
#[derive(Default)]
struct FlywayFiles {
    baseline: Option<Entry>,
    versioned: Vec<Entry>,
    repeatable: Vec<Entry>,
}

impl FlywayFiles {
    /// Walks `dir` (named `prefix` relative to the migrations directory) in name order,
    /// entering subdirectories where they come.
    fn walk(&mut self, dir: &Path, prefix: &str) -> Result<(), DiscoverError> {
        for entry in entries(dir)? {
            let name = format!("{prefix}{}", entry.name);
            if entry.is_dir {
                self.walk(&entry.path, &format!("{name}/"))?;
                continue;
            }
            let kind = entry.name.as_bytes()[0];
            if !entry.name.ends_with(".sql") || entry.name.len() < 4 || !b"VBR".contains(&kind) {
                continue;
            }
            self.add(Entry { name, ..entry });
        }
        Ok(())
    }

    fn add(&mut self, entry: Entry) {
        match entry.name.rsplit('/').next().unwrap_or_default().as_bytes()[0] {
            b'B' => {
                let version = flyway_version(&entry.name);
                if self
                    .baseline
                    .as_ref()
                    .is_some_and(|b| version < flyway_version(&b.name))
                {
                    return;
                }
                // As Atlas does: the names kept are those greater than the baseline's version.
                self.versioned.retain(|v| v.name.as_str() > version);
                self.baseline = Some(entry);
            }
            b'V' => {
                let version = flyway_version(&entry.name);
                let after = self
                    .baseline
                    .as_ref()
                    .is_none_or(|b| flyway_version(&b.name) < version);
                if after {
                    self.versioned.push(entry);
                }
            }
            _ => self.repeatable.push(entry),
        }
    }

    fn ordered(mut self) -> Vec<Entry> {
        let by_version = |a: &Entry, b: &Entry| {
            compare_versions(flyway_version(&a.name), flyway_version(&b.name))
        };
        self.versioned.sort_by(by_version);
        self.repeatable.sort_by(by_version);
        self.baseline
            .into_iter()
            .chain(self.versioned)
            .chain(self.repeatable)
            .collect()
    }
}

/// `1.2` of `sub/V1.2__desc.sql`; empty for a repeatable `R__` file.
fn flyway_version(path: &str) -> &str {
    let base = path.rsplit('/').next().unwrap_or(path);
    if base.starts_with('R') {
        return "";
    }
    let stem = base.strip_suffix(".sql").unwrap_or(base);
    let version = stem.split("__").next().unwrap_or(stem);
    version.get(1..).unwrap_or_default()
}

/// Atlas's order of Flyway versions: parts split at `.` and `_`, each a number (0 when not one).
fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |v: &str| -> Vec<i64> {
        v.replace('_', ".")
            .split('.')
            .map(|part| part.parse().unwrap_or(0))
            .collect()
    };
    parts(a).cmp(&parts(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;
    use rstest::rstest;
    use std::fs;

    /// An `atlas.sum` computed independently (Python's hashlib, as Atlas's `NewHashFile` does)
    /// over the two `.up.sql` files of [`golang_migrate_chain`], and not over the `.down.sql` ones.
    const UP_ONLY_SUM: &str = "h1:UCxpxWbgO44OPtbSetdnkHrGSliSACvLumw0rq0J9v8=\n\
                               1_a.up.sql h1:TCQrvU3n16fQiwX0dCFN1VXDfgnTPiOsCgjCCe0c9vg=\n\
                               2_b.up.sql h1:W7Xbgld52MkhZXRHxmQHt5yKjfcaI13+uWSupvD4w7U=\n";

    fn golang_migrate_chain() -> Fixture {
        Fixture::new(&[
            ("1_a.up.sql", "CREATE TABLE a (id int);\n"),
            ("1_a.down.sql", "DROP TABLE a;\n"),
            ("2_b.up.sql", "CREATE TABLE b (id int);\n"),
            ("2_b.down.sql", "DROP TABLE b;\n"),
            ("atlas.sum", UP_ONLY_SUM),
        ])
    }

    #[test]
    fn golang_migrate_sums_only_the_up_files() {
        let fixture = golang_migrate_chain();
        let sum = current(Format::GolangMigrate, fixture.path()).unwrap();
        assert_eq!(sum.as_deref(), Some(UP_ONLY_SUM));
        verify(Format::GolangMigrate, fixture.path()).unwrap();
    }

    #[test]
    fn an_edited_up_file_is_named_with_the_hash_command_of_its_dir_format() {
        let fixture = golang_migrate_chain();
        fs::write(fixture.path().join("2_b.up.sql"), "DROP TABLE a;\n").unwrap();
        let error = verify(Format::GolangMigrate, fixture.path()).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("2_b.up.sql was edited"), "{text}");
        assert!(
            text.contains("atlas migrate hash --dir-format golang-migrate"),
            "{text}"
        );
        assert!(text.contains("atlas.sum:3:1"), "{text}");
    }

    #[test]
    fn an_edited_down_file_changes_nothing() {
        let fixture = golang_migrate_chain();
        fs::write(fixture.path().join("2_b.down.sql"), "SELECT 1;\n").unwrap();
        verify(Format::GolangMigrate, fixture.path()).unwrap();
    }

    /// Atlas over another tool's layout: the chain is that tool's, Down parts included.
    #[test]
    fn a_chain_atlas_wrote_in_golang_migrate_layout_has_its_down_parts() {
        let fixture = golang_migrate_chain();
        let migrations = super::super::discover(Format::Auto, fixture.path()).unwrap();
        assert_eq!(
            Fixture::downs(&migrations),
            [
                Some(("DROP TABLE a;\n", false)),
                Some(("DROP TABLE b;\n", false))
            ]
        );
    }

    #[test]
    fn read_as_atlas_the_hint_names_the_dir_format_that_matches() {
        let fixture = golang_migrate_chain();
        let error = verify(Format::Atlas, fixture.path()).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("set format = \"golang-migrate\""), "{text}");
        assert!(!text.contains("atlas migrate hash"), "{text}");
    }

    #[test]
    fn another_tools_chain_without_a_sum_is_not_checked() {
        let fixture = Fixture::new(&[("1_a.up.sql", "SELECT 1;\n")]);
        verify(Format::GolangMigrate, fixture.path()).unwrap();
        // Read as Atlas's own layout, the sum is missing: the hint names the layout it has.
        let error = verify(Format::Atlas, fixture.path())
            .unwrap_err()
            .to_string();
        assert!(error.contains("set format = \"golang-migrate\""), "{error}");
    }

    #[rstest]
    // Atlas takes any `.sql` file starting with `R` for a repeatable one, `README.sql` too.
    #[case::versions_by_part(
        &["V1__a.sql", "V10__c.sql", "V2__b.sql", "R__views.sql", "U1__a.sql", "README.sql"],
        &["V1__a.sql", "V2__b.sql", "V10__c.sql", "README.sql", "R__views.sql"]
    )]
    #[case::subdirectories(
        &["V1__a.sql", "v3/V3_1__d.sql", "V3__c.sql"],
        &["V1__a.sql", "V3__c.sql", "v3/V3_1__d.sql"]
    )]
    #[case::baseline_first(
        &["B2__base.sql", "V1__a.sql", "V2__b.sql", "V3__c.sql"],
        &["B2__base.sql", "V3__c.sql"]
    )]
    fn flyway_files_in_atlas_order(#[case] names: &[&str], #[case] expected: &[&str]) {
        let fixture = Fixture::with_names(names);
        let files = Hashed::Flyway.files(fixture.path()).unwrap();
        let found: Vec<&str> = files.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(found, expected);
    }
}
