//! `golang-migrate`: `<version>_<name>.up.sql`, applied by version; `.down.sql` files are
//! rollbacks and are skipped.
//!
//! A file holding a statement PostgreSQL refuses inside a transaction block runs outside one,
//! as golang-migrate sends each file without wrapping it.

use std::path::Path;

use super::{DiscoverError, FileLayout, Format, Name, numbered, versioned_name};
use crate::migrate::migration::Migration;

const LAYOUT: FileLayout = FileLayout {
    format: Format::GolangMigrate,
    expected: "`<version>_<name>.up.sql` (or `.down.sql`)",
    parse,
    recursive: false,
};

pub(super) fn discover(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    numbered(LAYOUT.format, LAYOUT.read(dir)?)
}

fn parse(name: &str) -> Name<'_> {
    if name.ends_with(".down.sql") {
        return Name::Ignored;
    }
    versioned_name(name, ".up.sql")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;
    use rstest::rstest;

    #[rstest]
    #[case::sequential(
        &["000002_b.up.sql", "000002_b.down.sql", "000001_a.up.sql", "000001_a.down.sql"],
        &["000001_a.up.sql", "000002_b.up.sql"]
    )]
    #[case::numeric(&["10_b.up.sql", "9_a.up.sql"], &["9_a.up.sql", "10_b.up.sql"])]
    #[case::timestamps(
        &["20240102000000_b.up.sql", "20240101000000_a.up.sql"],
        &["20240101000000_a.up.sql", "20240102000000_b.up.sql"]
    )]
    fn orders_by_version(#[case] files: &[&str], #[case] expected: &[&str]) {
        let fixture = Fixture::with_names(files);
        assert_eq!(fixture.order(&discover(fixture.path()).unwrap()), expected);
    }

    #[test]
    fn concurrently_runs_outside_a_transaction() {
        let fixture = Fixture::new(&[
            ("1_orgs.up.sql", "CREATE TABLE orgs (a int);"),
            (
                "2_index.up.sql",
                "-- needs no lock\nDROP INDEX CONCURRENTLY IF EXISTS i;",
            ),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        let summary = Fixture::summary(&migrations);
        assert_eq!(summary, [("1", "orgs", true), ("2", "index", false)]);
    }

    #[rstest]
    #[case::plain_sql("3_c.sql")]
    #[case::no_version("c.up.sql")]
    fn misnamed_sql_file_is_an_error(#[case] name: &str) {
        let error = Fixture::discover_error(&["1_a.up.sql", name], discover);
        Fixture::assert_unexpected(&error, name);
    }

    #[test]
    fn same_version_twice_is_an_error() {
        let error = Fixture::discover_error(&["1_a.up.sql", "01_b.up.sql"], discover);
        assert!(
            matches!(error, DiscoverError::DuplicateVersion { .. }),
            "{error}"
        );
    }
}
