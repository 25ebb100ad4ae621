//! `sqlx`: `<version>_<description>.sql`, or `<version>_<description>.up.sql` with `.down.sql`
//! rollbacks, applied by version. A `.down.sql` file never runs: it is the Down part
//! ([`Migration::down`]) of the `.up.sql` file of its version, sent as sqlx sends any file.
//!
//! A file whose first line is `-- no-transaction` runs outside a transaction; every other file
//! runs in one, as sqlx does: a `CREATE INDEX CONCURRENTLY` without the marker fails here as it
//! fails under sqlx. sqlx sends a no-transaction file as it is, in ONE simple-query message, so
//! it is one verbatim statement here too: PostgreSQL runs the statements of such a message in
//! one implicit transaction (the first is undone when the second fails), and refuses a
//! `CREATE INDEX CONCURRENTLY` there unless it is the file's only statement. PostgreSQL's error
//! position is an offset into that message, which maps back into the file.

use std::path::Path;

use super::tool::{Listing, Tool};
use super::version::cmp_numeric;
use super::write::{DOWN, NewFile, Planned, flat};
use super::{
    DiscoverError, FileLayout, Format, Name, as_one_message, in_version_order, pair_down_files,
    versioned_name, with_down,
};
use crate::migrate::migration::Migration;

const LAYOUT: FileLayout = FileLayout {
    format: Format::Sqlx,
    expected: "`<version>_<description>.sql` or `<version>_<description>.up.sql`",
    parse,
    recursive: false,
};

pub(super) fn discover(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    let mut migrations = LAYOUT.read(dir)?;
    pair_down_files(dir, &mut migrations)?;
    for migration in &mut migrations {
        with_down(migration, send);
    }
    in_version_order(Format::Sqlx, migrations, cmp_numeric)
}

/// As sqlx sends a file, Up or Down: in a transaction unless its first line opts out.
fn send(migration: &mut Migration) {
    if opts_out_of_transaction(&migration.text) {
        as_one_message(migration);
    }
}

fn parse(name: &str) -> Name<'_> {
    if name.ends_with(".down.sql") {
        return Name::Ignored;
    }
    if name.ends_with(".up.sql") {
        return versioned_name(name, ".up.sql");
    }
    versioned_name(name, ".sql")
}

/// The file starts with sqlx's `-- no-transaction` marker.
pub(super) fn opts_out_of_transaction(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .starts_with("-- no-transaction")
}

/// `<version>_<description>.sql`, neither an up nor a down file.
pub(super) fn is_plain_versioned(name: &str) -> bool {
    let up_or_down = name.ends_with(".up.sql") || name.ends_with(".down.sql");
    !up_or_down && matches!(versioned_name(name, ".sql"), Name::Migration { .. })
}

/// sqlx's history tables, as it creates them before the first migration.
const HISTORY: &str = "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
    success BOOLEAN NOT NULL,
    checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL
);
";

/// `format = "sqlx"`.
pub(super) struct Sqlx;

impl Tool for Sqlx {
    fn format(&self) -> Format {
        Format::Sqlx
    }

    fn history(&self) -> Option<(&'static str, &'static str)> {
        Some(("sqlx", HISTORY))
    }

    fn has_down_parts(&self) -> bool {
        true
    }

    fn discover(&self, dir: &Path, _: &super::Options) -> Result<Vec<Migration>, DiscoverError> {
        discover(dir)
    }

    fn marks(&self, text: &str, flat: bool) -> bool {
        flat && opts_out_of_transaction(text)
    }

    fn layout_rule(&self) -> Option<u8> {
        Some(8)
    }

    /// A file opting out of the transaction, or `*.up.sql` files next to plain
    /// `<version>_<desc>.sql` files (which golang-migrate does not accept).
    fn has_layout(&self, listing: &Listing<'_>) -> Result<bool, DiscoverError> {
        let up_files = listing.sql_names().any(|name| name.ends_with(".up.sql"));
        let plain_versioned = listing.sql_names().any(is_plain_versioned);
        let marked = listing.texts()?.iter().any(|t| opts_out_of_transaction(t));
        Ok(marked || (up_files && plain_versioned))
    }

    /// `<name>.sql`, or `<name>.up.sql` with a down file when the chain is reversible; the
    /// `-- no-transaction` first line for a migration outside a transaction.
    fn new_file(&self, dir: &Path, existing: &[Migration], new: &NewFile<'_>) -> Planned {
        let reversible = (existing.iter()).any(|m| m.path.to_string_lossy().ends_with(".up.sql"));
        let (name, sql) = (new.name(), &new.migration.sql);
        let text = match new.migration.transaction {
            false => format!("-- no-transaction\n{sql}"),
            true => sql.clone(),
        };
        if !reversible {
            return flat(dir, &format!("{name}.sql"), text, new.migration);
        }
        Planned {
            files: vec![
                (dir.join(format!("{name}.up.sql")), text),
                (dir.join(format!("{name}.down.sql")), DOWN.to_string()),
            ],
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
    #[case::simple(&["2_b.sql", "10_c.sql", "1_a.sql"], &["1_a.sql", "2_b.sql", "10_c.sql"])]
    #[case::reversible(
        &["20240102000000_b.up.sql", "20240102000000_b.down.sql", "20240101000000_a.up.sql"],
        &["20240101000000_a.up.sql", "20240102000000_b.up.sql"]
    )]
    #[case::mixed(&["2_b.up.sql", "1_a.sql", "README.md"], &["1_a.sql", "2_b.up.sql"])]
    fn orders_by_version(#[case] files: &[&str], #[case] expected: &[&str]) {
        let fixture = Fixture::with_names(files);
        assert_eq!(fixture.order(&discover(fixture.path()).unwrap()), expected);
    }

    #[test]
    fn only_the_marker_runs_outside_a_transaction() {
        let fixture = Fixture::new(&[
            ("1_orgs.sql", "CREATE TABLE orgs (a int);"),
            (
                "2_index.sql",
                "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON orgs (a);",
            ),
            ("3_unmarked.sql", "CREATE INDEX CONCURRENTLY j ON orgs (a);"),
            ("4_late_marker.sql", "SELECT 1;\n-- no-transaction\n"),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(
            Fixture::summary(&migrations),
            [
                ("1", "orgs", true),
                ("2", "index", false),
                ("3", "unmarked", true),
                ("4", "late_marker", true)
            ]
        );
        assert_eq!(migrations[1].sql(), migrations[1].text);
    }

    #[test]
    fn a_no_transaction_file_is_one_message_as_sqlx_sends_it() {
        let text = "-- no-transaction\nCREATE TABLE a ();\n\nCREATE TABLE b ();\n-- end\n";
        let fixture = Fixture::new(&[("1_two.sql", text), ("2_empty.sql", "-- no-transaction\n")]);
        let migrations = discover(fixture.path()).unwrap();
        let statements = migrations[0].statements();
        let sent: Vec<&str> = statements
            .iter()
            .map(|s| &migrations[0].sql()[s.range.clone()])
            .collect();
        assert_eq!(sent, ["CREATE TABLE a ();\n\nCREATE TABLE b ();\n-- end"]);
        assert!(migrations[1].statements().is_empty());
    }

    #[test]
    fn a_down_file_is_the_down_part_of_the_up_file_of_its_version() {
        let fixture = Fixture::new(&[
            ("1_a.up.sql", "CREATE TABLE a ();"),
            ("1_a.down.sql", "DROP TABLE a;"),
            (
                "2_b.up.sql",
                "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON a ((1));",
            ),
            (
                "02_b.down.sql",
                "-- no-transaction\nDROP INDEX CONCURRENTLY i;\n",
            ),
            ("3_c.up.sql", "SELECT 1;"),
            ("4_d.sql", "SELECT 1;"),
            ("4_d.down.sql", "SELECT 2;"),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        let downs = Fixture::downs(&migrations);
        assert_eq!(
            downs,
            [
                Some(("DROP TABLE a;", true)),
                Some(("-- no-transaction\nDROP INDEX CONCURRENTLY i;\n", false)),
                None,
                None
            ]
        );
        let down = migrations[1].down.as_deref().unwrap();
        assert!(down.path.ends_with("02_b.down.sql"));
        assert_eq!(Fixture::sent(down), ["DROP INDEX CONCURRENTLY i;"]);
        assert_eq!(
            (down.version.as_str(), down.description.as_str()),
            ("2", "b")
        );
        assert!(down.down.is_none());
    }

    #[rstest]
    #[case::no_version("schema.sql")]
    #[case::no_separator("3.sql")]
    fn misnamed_sql_file_is_an_error(#[case] name: &str) {
        let error = Fixture::discover_error(&["1_a.sql", name], discover);
        Fixture::assert_unexpected(&error, name);
    }

    #[test]
    fn same_version_in_up_and_plain_file_is_an_error() {
        let error = Fixture::discover_error(&["1_a.sql", "1_b.up.sql"], discover);
        assert!(
            matches!(error, DiscoverError::DuplicateVersion { .. }),
            "{error}"
        );
    }
}
