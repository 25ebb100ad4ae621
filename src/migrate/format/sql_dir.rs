//! `sql-dir`: the `*.sql` files directly in the directory, as a plain psql loop would run them.
//!
//! Order: files with a leading number first, by that number compared as a number (`2_b` before
//! `10_a`), then the files without one; ties by file name. With no tool owning the versions,
//! two files may share a number (`001_a.sql`, `001_b.sql`): the name decides. `*.down.sql`
//! files are rollbacks and are skipped. A file holding a statement PostgreSQL refuses inside a
//! transaction block (`CREATE INDEX CONCURRENTLY`...) runs outside one.

use std::cmp::Ordering;
use std::path::Path;
use std::time::SystemTime;

use super::tool::Tool;
use super::version::{cmp_numeric, leading_digits};
use super::write::{NewFile, Planned, flat, sequence};
use super::{DiscoverError, FileLayout, Format, Name, mark_non_transactional};
use crate::migrate::migration::Migration;

const LAYOUT: FileLayout = FileLayout {
    format: Format::SqlDir,
    expected: "`*.sql`",
    parse,
    recursive: false,
};

pub(super) fn discover(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    let mut migrations = LAYOUT.read(dir)?;
    mark_non_transactional(&mut migrations);
    migrations
        .sort_by(|a, b| numbered_first(&a.version, &b.version).then_with(|| a.path.cmp(&b.path)));
    Ok(migrations)
}

fn parse(name: &str) -> Name<'_> {
    if name.ends_with(".down.sql") {
        return Name::Ignored;
    }
    let stem = name.strip_suffix(".sql").unwrap_or(name);
    let (digits, rest) = leading_digits(stem);
    Name::Migration {
        version: digits.to_string(),
        description: rest.trim_start_matches(['_', '-', '.', ' ']),
    }
}

/// Numbered files (non-empty version) before unnumbered ones, numbers by value.
fn numbered_first(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (false, true) => Ordering::Less,
        (true, false) => Ordering::Greater,
        _ => cmp_numeric(a, b),
    }
}

/// `format = "sql-dir"`: also what `auto` reads a directory as when no other layout fits.
pub(super) struct SqlDir;

impl Tool for SqlDir {
    fn format(&self) -> Format {
        Format::SqlDir
    }

    fn discover(&self, dir: &Path, _: &super::Options) -> Result<Vec<Migration>, DiscoverError> {
        discover(dir)
    }

    fn next_versions(&self, existing: &[Migration], count: usize, _: SystemTime) -> Vec<String> {
        prefixes(existing.last(), count)
    }

    /// The version is the whole prefix, separator included (see [`prefixes`]).
    fn new_file(&self, dir: &Path, _: &[Migration], new: &NewFile<'_>) -> Planned {
        let name = format!("{}{}.sql", new.version, new.description);
        flat(dir, &name, new.migration.sql.clone(), new.migration)
    }
}

/// sql-dir: the prefix of each new file name, separator included. After a numbered file, the
/// next number with the same padding and separator (`002-x.sql` → `003-`); after unnumbered files
/// (which run last, by name), the last one's name (`schema.sql` → `schema_`), which sorts after it.
fn prefixes(last: Option<&Migration>, count: usize) -> Vec<String> {
    let name = last
        .and_then(|m| m.path.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".sql").unwrap_or(&name);
    let (digits, rest) = leading_digits(stem);
    if last.is_some() && digits.is_empty() {
        return vec![format!("{stem}_"); count];
    }
    let separator = rest
        .chars()
        .next()
        .filter(|c| ['_', '-', '.'].contains(c))
        .unwrap_or('_');
    sequence(digits, count)
        .into_iter()
        .map(|n| format!("{n}{separator}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;
    use rstest::rstest;

    #[rstest]
    #[case::numeric_not_text(&["10_c.sql", "2_b.sql", "1_a.sql"], &["1_a.sql", "2_b.sql", "10_c.sql"])]
    #[case::leading_zeros(&["010_c.sql", "9_b.sql", "001_a.sql"], &["001_a.sql", "9_b.sql", "010_c.sql"])]
    #[case::same_number_by_name(&["001_b.sql", "001_a.sql"], &["001_a.sql", "001_b.sql"])]
    #[case::unnumbered_last(&["seed.sql", "2_b.sql", "schema.sql"], &["2_b.sql", "schema.sql", "seed.sql"])]
    #[case::skips_other_files(&["README.md", ".gitkeep", "1_a.sql", "1_a.down.sql", "notes.txt"], &["1_a.sql"])]
    #[case::empty(&[], &[])]
    fn orders_files(#[case] files: &[&str], #[case] expected: &[&str]) {
        let fixture = Fixture::with_names(files);
        assert_eq!(fixture.order(&discover(fixture.path()).unwrap()), expected);
    }

    #[test]
    fn reads_version_description_and_transaction_mode() {
        let fixture = Fixture::new(&[
            ("001_create_orgs.sql", "CREATE TABLE orgs ();"),
            (
                "002-index.sql",
                "CREATE INDEX CONCURRENTLY i ON orgs ((1));",
            ),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        let summary: Vec<_> = migrations
            .iter()
            .map(|m| {
                (
                    m.version.as_str(),
                    m.description.as_str(),
                    m.transaction,
                    m.sql(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("001", "create_orgs", true, "CREATE TABLE orgs ();"),
                (
                    "002",
                    "index",
                    false,
                    "CREATE INDEX CONCURRENTLY i ON orgs ((1));"
                ),
            ]
        );
        assert_eq!(
            migrations[0].path,
            fixture.path().join("001_create_orgs.sql")
        );
    }
}
