//! `prisma`: `<timestamp>_<name>/migration.sql` directories, applied by timestamp;
//! `migration_lock.toml` and other files are skipped.
//!
//! Prisma orders the directories by name, so two migrations may share a timestamp (two branches
//! merged): they run in folder-name order. Prisma's schema engine sends each `migration.sql`,
//! on PostgreSQL, as ONE simple-query message without a transaction of its own
//! (`apply_migration_script`: `client.simple_query(script)`), so it is one message here too:
//! PostgreSQL's implicit transaction undoes the whole file on a failure, and
//! `CREATE INDEX CONCURRENTLY` runs only alone in its file.

use std::path::Path;
use std::time::SystemTime;

use super::tool::{Listing, Tool};
use super::write::{NEVER_WRAPPED, NewFile, Planned, in_folder, timestamps};
use super::{DirLayout, DiscoverError, Format, as_one_message, versioned};
use crate::migrate::migration::Migration;

const LAYOUT: DirLayout = DirLayout {
    format: Format::Prisma,
    file: "migration.sql",
    expected: "`<timestamp>_<name>/migration.sql`",
    parse: versioned,
};

pub(super) fn discover(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    discover_skipping(dir, &|_| false)
}

/// [`discover`], the migration folders `skip` matches left unread (a data migration's folder
/// holding only `migration.ts`, left out by `exclude`).
pub(super) fn discover_skipping(
    dir: &Path,
    skip: &dyn Fn(&Path) -> bool,
) -> Result<Vec<Migration>, DiscoverError> {
    // Read in directory order, which is name order.
    let mut migrations = LAYOUT.read_skipping(dir, skip)?;
    migrations.iter_mut().for_each(as_one_message);
    Ok(migrations)
}

/// Prisma's history tables, as it creates them before the first migration.
const HISTORY: &str = "CREATE TABLE _prisma_migrations (
    id VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum VARCHAR(64) NOT NULL,
    finished_at TIMESTAMPTZ,
    migration_name VARCHAR(255) NOT NULL,
    logs TEXT,
    rolled_back_at TIMESTAMPTZ,
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count INTEGER NOT NULL DEFAULT 0
);
";

/// `format = "prisma"`.
pub(super) struct Prisma;

impl Tool for Prisma {
    fn format(&self) -> Format {
        Format::Prisma
    }

    fn history(&self) -> Option<(&'static str, &'static str)> {
        Some(("Prisma", HISTORY))
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
        Some(2)
    }

    /// A subdirectory holding `migration.sql`, or a `migration_lock.toml`.
    fn has_layout(&self, listing: &Listing<'_>) -> Result<bool, DiscoverError> {
        Ok(listing.subdirectory_holds("migration.sql") || listing.has_file("migration_lock.toml"))
    }

    fn next_versions(&self, existing: &[Migration], count: usize, now: SystemTime) -> Vec<String> {
        timestamps(existing.last().map(|m| m.version.as_str()), count, now)
    }

    /// `<name>/migration.sql`, sent as one message.
    fn new_file(&self, dir: &Path, _: &[Migration], new: &NewFile<'_>) -> Planned {
        in_folder(dir, &new.name(), &new.migration.sql, NEVER_WRAPPED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;

    #[test]
    fn exclude_leaves_out_a_folder_without_its_sql() {
        let fixture = Fixture::new(&[
            (
                "20240101000000_init/migration.sql",
                "CREATE TABLE t (a int);",
            ),
            ("20240102000000_backfill/migration.ts", "export {}"),
        ]);
        let error = discover(fixture.path()).unwrap_err();
        assert!(
            matches!(error, DiscoverError::MissingFile { .. }),
            "{error}"
        );
        let patterns = [crate::spec::Glob::new("*_backfill")];
        let excluding = super::super::discover_excluding(
            Format::Auto,
            fixture.path(),
            &patterns,
            &super::super::Options::default(),
        );
        assert_eq!(
            fixture.order(&excluding.unwrap()),
            ["20240101000000_init/migration.sql"]
        );
    }

    #[test]
    fn reads_migration_directories_by_timestamp() {
        let fixture = Fixture::new(&[
            ("migration_lock.toml", "provider = \"postgresql\"\n"),
            (
                "20240102000000_add_index/migration.sql",
                "CREATE INDEX CONCURRENTLY i ON t (a);",
            ),
            (
                "20240101000000_init/migration.sql",
                "CREATE TABLE t (a int);",
            ),
            ("20240101000000_init/README.md", "notes"),
            ("notes/", ""),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(
            fixture.order(&migrations),
            [
                "20240101000000_init/migration.sql",
                "20240102000000_add_index/migration.sql"
            ]
        );
        assert_eq!(
            Fixture::summary(&migrations),
            [
                ("20240101000000", "init", false),
                ("20240102000000", "add_index", false)
            ]
        );
    }

    #[test]
    fn migrations_sharing_a_timestamp_run_in_folder_name_order() {
        let fixture = Fixture::new(&[
            ("20240102000000_b_second/migration.sql", "SELECT 2;"),
            ("20240102000000_a_first/migration.sql", "SELECT 1;"),
            ("20240101000000_init/migration.sql", "SELECT 0;"),
            ("20240103000000_z/migration.sql", "SELECT 3;"),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(
            fixture.order(&migrations),
            [
                "20240101000000_init/migration.sql",
                "20240102000000_a_first/migration.sql",
                "20240102000000_b_second/migration.sql",
                "20240103000000_z/migration.sql"
            ]
        );
    }

    #[test]
    fn migration_directory_without_sql_is_an_error() {
        let fixture = Fixture::new(&[("20240101000000_init/", "")]);
        let error = discover(fixture.path()).unwrap_err();
        let DiscoverError::MissingFile { path, file } = &error else {
            panic!("{error}");
        };
        assert_eq!(
            (path, *file),
            (&fixture.path().join("20240101000000_init"), "migration.sql")
        );
    }

    #[test]
    fn misnamed_migration_directory_is_an_error() {
        let fixture = Fixture::new(&[("init/migration.sql", "SELECT 1;")]);
        let error = discover(fixture.path()).unwrap_err();
        assert!(
            matches!(&error, DiscoverError::UnexpectedName { path, .. } if path.ends_with("init")),
            "{error}"
        );
    }

    #[test]
    fn sql_file_beside_the_directories_is_an_error() {
        let fixture = Fixture::new(&[("20240101000000_init/migration.sql", ""), ("extra.sql", "")]);
        let error = discover(fixture.path()).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("<timestamp>_<name>/migration.sql"),
            "{error}"
        );
    }
}
