//! `prisma`: `<timestamp>_<name>/migration.sql` directories, applied by timestamp;
//! `migration_lock.toml` and other files are skipped.
//!
//! A migration holding a statement PostgreSQL refuses inside a transaction block runs outside
//! one, as Prisma does not wrap it.

use std::path::Path;

use super::{DirLayout, DiscoverError, Format, numbered, versioned};
use crate::migrate::migration::Migration;

const LAYOUT: DirLayout = DirLayout {
    format: Format::Prisma,
    file: "migration.sql",
    expected: "`<timestamp>_<name>/migration.sql`",
    parse: versioned,
};

pub(super) fn discover(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    numbered(LAYOUT.format, LAYOUT.read(dir)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;

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
                ("20240101000000", "init", true),
                ("20240102000000", "add_index", false)
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
