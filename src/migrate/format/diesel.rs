//! `diesel`: `<version>_<name>/up.sql` directories, applied by version; `down.sql` is the
//! rollback, never run: it is the migration's Down part ([`Migration::down`]), sent as diesel
//! sends `up.sql` (`metadata.toml`'s `run_in_transaction` holds for both).
//!
//! Diesel's versions are the digits before the first `_`, dashes removed: its default
//! `2024-01-31-120000_create_users` has version `20240131120000`, and its
//! `00000000000000_diesel_initial_setup` comes first. A `metadata.toml` beside `up.sql` with
//! `run_in_transaction = false` runs the migration outside a transaction; nothing else does.
//! Diesel sends `up.sql` whole (`batch_execute`, one simple-query message), so such a migration
//! is one message here too: its statements share PostgreSQL's implicit transaction.

use std::path::Path;
use std::time::SystemTime;

use serde::Deserialize;

use super::tool::{Listing, Tool};
use super::version::cmp_numeric;
use super::write::{DOWN, NewFile, Planned, timestamps};
use super::{
    DirLayout, DiscoverError, Format, as_one_message, down_file, in_version_order, read_text,
    with_down,
};
use crate::migrate::migration::Migration;

const LAYOUT: DirLayout = DirLayout {
    format: Format::Diesel,
    file: "up.sql",
    expected: "`<version>_<name>/up.sql`, the version being digits and dashes such as `2024-01-31-120000`",
    parse,
};

pub(super) fn discover(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    discover_skipping(dir, &|_| false)
}

/// [`discover`], the migration folders `skip` matches left unread.
pub(super) fn discover_skipping(
    dir: &Path,
    skip: &dyn Fn(&Path) -> bool,
) -> Result<Vec<Migration>, DiscoverError> {
    let mut migrations = LAYOUT.read_skipping(dir, skip)?;
    for migration in &mut migrations {
        let down = down_file(migration, migration.path.with_file_name("down.sql"))?;
        migration.down = down.map(Box::new);
        if !runs_in_transaction(&migration.path.with_file_name("metadata.toml"))? {
            with_down(migration, as_one_message);
        }
    }
    in_version_order(Format::Diesel, migrations, cmp_numeric)
}

fn parse(name: &str) -> Option<(String, &str)> {
    let (version, description) = name.split_once('_')?;
    let valid = version.starts_with(|c: char| c.is_ascii_digit())
        && version.chars().all(|c| c.is_ascii_digit() || c == '-');
    if !valid {
        return None;
    }
    Some((version.replace('-', ""), description))
}

/// Diesel's `metadata.toml`.
#[derive(Deserialize)]
struct Metadata {
    #[serde(default = "yes")]
    run_in_transaction: bool,
}

fn yes() -> bool {
    true
}

/// `run_in_transaction` of the `metadata.toml` at `path`, true when there is none.
fn runs_in_transaction(path: &Path) -> Result<bool, DiscoverError> {
    if !path.is_file() {
        return Ok(true);
    }
    let text = read_text(path)?;
    let metadata: Metadata =
        toml::from_str(&text).map_err(|error| DiscoverError::InvalidMetadata {
            path: path.to_path_buf(),
            message: error.message().to_string(),
        })?;
    Ok(metadata.run_in_transaction)
}

/// diesel's history tables, as it creates them before the first migration.
const HISTORY: &str = "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (
    version VARCHAR(50) PRIMARY KEY NOT NULL,
    run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
";

/// `format = "diesel"`.
pub(super) struct Diesel;

impl Tool for Diesel {
    fn format(&self) -> Format {
        Format::Diesel
    }

    fn history(&self) -> Option<(&'static str, &'static str)> {
        Some(("diesel", HISTORY))
    }

    fn has_down_parts(&self) -> bool {
        true
    }

    fn discover(&self, dir: &Path, _: &super::Options) -> Result<Vec<Migration>, DiscoverError> {
        discover(dir)
    }

    fn discover_skipping(
        &self,
        dir: &Path,
        _: &super::Options,
        skip: &dyn Fn(&Path) -> bool,
    ) -> Result<Vec<Migration>, DiscoverError> {
        discover_skipping(dir, skip)
    }

    fn layout_rule(&self) -> Option<u8> {
        Some(3)
    }

    /// A subdirectory holding `up.sql`.
    fn has_layout(&self, listing: &Listing<'_>) -> Result<bool, DiscoverError> {
        Ok(listing.subdirectory_holds("up.sql"))
    }

    /// Timestamps, written `YYYY-MM-DD-HHMMSS` unless the last migration's is not.
    fn next_versions(&self, existing: &[Migration], count: usize, now: SystemTime) -> Vec<String> {
        let last = existing.last();
        let dashed = last.is_none_or(|m| {
            m.path.parent().and_then(Path::file_name).is_some_and(|n| {
                n.to_string_lossy()
                    .split('_')
                    .next()
                    .unwrap_or("")
                    .contains('-')
            })
        });
        timestamps(last.map(|m| m.version.as_str()), count, now)
            .into_iter()
            .map(|v| if dashed { dashed_timestamp(&v) } else { v })
            .collect()
    }

    /// `<name>/up.sql`, `down.sql`, and `metadata.toml` outside a transaction.
    fn new_file(&self, dir: &Path, _: &[Migration], new: &NewFile<'_>) -> Planned {
        let folder = dir.join(new.name());
        let mut files = vec![
            (folder.join("up.sql"), new.migration.sql.clone()),
            (folder.join("down.sql"), DOWN.to_string()),
        ];
        if !new.migration.transaction {
            files.push((
                folder.join("metadata.toml"),
                "run_in_transaction = false\n".to_string(),
            ));
        }
        Planned {
            main: folder.join("up.sql"),
            files,
            dirs: vec![folder],
            transaction: new.migration.transaction,
            key: None,
            entry: None,
        }
    }
}

/// Diesel's `YYYY-MM-DD-HHMMSS` from `YYYYMMDDHHMMSS`.
fn dashed_timestamp(t: &str) -> String {
    if t.len() != 14 {
        return t.to_string();
    }
    format!("{}-{}-{}-{}", &t[..4], &t[4..6], &t[6..8], &t[8..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;
    use rstest::rstest;

    #[test]
    fn reads_migration_directories_by_version() {
        let fixture = Fixture::new(&[
            (
                "2024-01-31-120000_create_users/up.sql",
                "CREATE TABLE users ();",
            ),
            (
                "2024-01-31-120000_create_users/down.sql",
                "DROP TABLE users;",
            ),
            (
                "2024-02-01-090000_index/up.sql",
                "CREATE INDEX CONCURRENTLY i ON users ((1));",
            ),
            (
                "2024-02-01-090000_index/metadata.toml",
                "run_in_transaction = false\n",
            ),
            (
                "2024-01-01-000000_plain_index/up.sql",
                "CREATE INDEX CONCURRENTLY j ON users ((1));",
            ),
            (
                "00000000000000_diesel_initial_setup/up.sql",
                "CREATE FUNCTION f() ...",
            ),
            ("README.md", "notes"),
            ("helpers/", ""),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(
            fixture.order(&migrations),
            [
                "00000000000000_diesel_initial_setup/up.sql",
                "2024-01-01-000000_plain_index/up.sql",
                "2024-01-31-120000_create_users/up.sql",
                "2024-02-01-090000_index/up.sql",
            ]
        );
        assert_eq!(
            Fixture::summary(&migrations),
            [
                ("00000000000000", "diesel_initial_setup", true),
                ("20240101000000", "plain_index", true),
                ("20240131120000", "create_users", true),
                ("20240201090000", "index", false),
            ]
        );
    }

    #[rstest]
    #[case::explicit_true("run_in_transaction = true", true)]
    #[case::empty("", true)]
    #[case::other_keys("something_else = 1", true)]
    fn metadata_decides_the_transaction(#[case] metadata: &str, #[case] transaction: bool) {
        let fixture = Fixture::new(&[("1_a/up.sql", "SELECT 1;"), ("1_a/metadata.toml", metadata)]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(migrations[0].transaction, transaction);
    }

    #[test]
    fn down_sql_is_the_down_part_in_the_transaction_mode_of_up_sql() {
        let fixture = Fixture::new(&[
            ("1_a/up.sql", "CREATE TABLE a ();"),
            ("1_a/down.sql", "DROP TABLE a;"),
            ("2_b/up.sql", "CREATE INDEX CONCURRENTLY i ON a ((1));"),
            ("2_b/down.sql", "DROP INDEX CONCURRENTLY i;"),
            ("2_b/metadata.toml", "run_in_transaction = false\n"),
            ("3_c/up.sql", "SELECT 1;"),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(
            Fixture::downs(&migrations),
            [
                Some(("DROP TABLE a;", true)),
                Some(("DROP INDEX CONCURRENTLY i;", false)),
                None
            ]
        );
        let down = migrations[1].down.as_deref().unwrap();
        assert!(down.path.ends_with("2_b/down.sql"));
        assert_eq!(Fixture::sent(down), ["DROP INDEX CONCURRENTLY i;"]);
    }

    #[test]
    fn invalid_metadata_is_an_error() {
        let fixture = Fixture::new(&[
            ("1_a/up.sql", "SELECT 1;"),
            ("1_a/metadata.toml", "run_in_transaction = \"no\""),
        ]);
        let error = discover(fixture.path()).unwrap_err();
        assert!(
            matches!(&error, DiscoverError::InvalidMetadata { path, .. } if path.ends_with("metadata.toml")),
            "{error}"
        );
    }

    #[test]
    fn migration_directory_without_up_sql_is_an_error() {
        let fixture = Fixture::new(&[("2024-01-31-120000_a/down.sql", "SELECT 1;")]);
        let error = discover(fixture.path()).unwrap_err();
        assert!(
            matches!(&error, DiscoverError::MissingFile { file: "up.sql", .. }),
            "{error}"
        );
    }

    #[test]
    fn same_version_twice_is_an_error() {
        let fixture = Fixture::new(&[
            ("2024-01-31-120000_a/up.sql", ""),
            ("20240131120000_b/up.sql", ""),
        ]);
        let error = discover(fixture.path()).unwrap_err();
        assert!(
            matches!(error, DiscoverError::DuplicateVersion { .. }),
            "{error}"
        );
    }
}
