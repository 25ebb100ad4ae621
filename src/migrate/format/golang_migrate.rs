//! `golang-migrate`: `<version>_<name>.up.sql`, applied by version; `.down.sql` files are
//! rollbacks, never run: each is the Down part ([`Migration::down`]) of the `.up.sql` file of
//! its version, sent as golang-migrate sends an Up file.
//!
//! golang-migrate's PostgreSQL driver never wraps a file in a transaction: `Run` sends the whole
//! file as ONE simple-query message (`conn.ExecContext(ctx, query)` without arguments, unless
//! the database URL sets `x-multi-statement`). So each file is one message here too: its
//! statements share PostgreSQL's implicit transaction (a failure leaves nothing of the file), a
//! file holding one `CALL` of a procedure that COMMITs runs, and `CREATE INDEX CONCURRENTLY`
//! runs only alone in its file.

use std::path::Path;

use super::tool::{Listing, Tool};
use super::version::cmp_numeric;
use super::write::{DOWN, NEVER_WRAPPED, NewFile, Planned, flat};
use super::{
    DiscoverError, FileLayout, Format, Name, as_one_message, in_version_order, pair_down_files,
    versioned_name, with_down,
};
use crate::migrate::migration::Migration;

const LAYOUT: FileLayout = FileLayout {
    format: Format::GolangMigrate,
    expected: "`<version>_<name>.up.sql` (or `.down.sql`)",
    parse,
    recursive: false,
};

pub(super) fn discover(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    let mut migrations = LAYOUT.read(dir)?;
    pair_down_files(dir, &mut migrations)?;
    for migration in &mut migrations {
        with_down(migration, as_one_message);
    }
    in_version_order(LAYOUT.format, migrations, cmp_numeric)
}

fn parse(name: &str) -> Name<'_> {
    if name.ends_with(".down.sql") {
        return Name::Ignored;
    }
    versioned_name(name, ".up.sql")
}

/// golang-migrate's history tables, as it creates them before the first migration.
const HISTORY: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean not null);\n";

/// `format = "golang-migrate"`.
pub(super) struct GolangMigrate;

impl Tool for GolangMigrate {
    fn format(&self) -> Format {
        Format::GolangMigrate
    }

    fn history(&self) -> Option<(&'static str, &'static str)> {
        Some(("golang-migrate", HISTORY))
    }

    fn has_down_parts(&self) -> bool {
        true
    }

    fn discover(&self, dir: &Path, _: &super::Options) -> Result<Vec<Migration>, DiscoverError> {
        discover(dir)
    }

    fn layout_rule(&self) -> Option<u8> {
        Some(9)
    }

    /// `*.up.sql` files.
    fn has_layout(&self, listing: &Listing<'_>) -> Result<bool, DiscoverError> {
        Ok(listing.sql_names().any(|name| name.ends_with(".up.sql")))
    }

    /// `<name>.up.sql` and a `<name>.down.sql`.
    fn new_file(&self, dir: &Path, _: &[Migration], new: &NewFile<'_>) -> Planned {
        let name = new.name();
        Planned {
            files: vec![
                (
                    dir.join(format!("{name}.up.sql")),
                    new.migration.sql.clone(),
                ),
                (dir.join(format!("{name}.down.sql")), DOWN.to_string()),
            ],
            transaction: NEVER_WRAPPED,
            ..flat(dir, &format!("{name}.up.sql"), String::new(), new.migration)
        }
    }
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
    fn every_file_is_one_message_outside_a_transaction() {
        let text = "-- needs no lock\nCREATE TABLE a ();\n\nDROP INDEX CONCURRENTLY IF EXISTS i;\n";
        let fixture = Fixture::new(&[
            ("1_orgs.up.sql", "CREATE TABLE orgs (a int);"),
            ("2_index.up.sql", text),
            ("3_empty.up.sql", "-- nothing\n"),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        let summary = Fixture::summary(&migrations);
        assert_eq!(
            summary,
            [
                ("1", "orgs", false),
                ("2", "index", false),
                ("3", "empty", false)
            ]
        );
        let sent: Vec<&str> = migrations[1]
            .statements()
            .iter()
            .map(|s| &migrations[1].sql()[s.range.clone()])
            .collect();
        assert_eq!(
            sent,
            ["CREATE TABLE a ();\n\nDROP INDEX CONCURRENTLY IF EXISTS i;"]
        );
        assert!(migrations[2].statements().is_empty());
    }

    #[test]
    fn a_down_file_is_the_down_part_sent_as_an_up_file_is() {
        let fixture = Fixture::new(&[
            ("000001_a.up.sql", "CREATE TABLE a ();"),
            (
                "000001_a.down.sql",
                "-- undo\nDROP TABLE a;\nDROP TABLE b;\n",
            ),
            ("000002_b.up.sql", "SELECT 1;"),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(
            Fixture::downs(&migrations),
            [
                Some(("-- undo\nDROP TABLE a;\nDROP TABLE b;\n", false)),
                None
            ]
        );
        let down = migrations[0].down.as_deref().unwrap();
        assert!(down.path.ends_with("000001_a.down.sql"));
        assert_eq!(Fixture::sent(down), ["DROP TABLE a;\nDROP TABLE b;"]);
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
