//! `refinery`: `V<n>__<name>.sql` (versioned) and `U<n>__<name>.sql` (unversioned) files, the
//! directory searched recursively, applied by `n`.
//!
//! As refinery reads them: `n` is a whole number and the name is letters, digits and
//! underscores; versioned and unversioned migrations share one sequence of numbers (two files
//! with the same `n` are an error), and on a fresh database an unversioned migration runs in its
//! place in that sequence like any other. Each migration runs in its own transaction; a
//! `-- refinery:noTransaction` line runs it outside one, sent as refinery's PostgreSQL drivers
//! send a migration (`batch_execute`: the whole file as ONE simple-query message).
//!
//! Flyway's layout looks the same (`V1__init.sql`); [`super::detect`] tells them apart. refinery
//! has no down migrations (a `U` file is a migration of its own, not an undo): no Down part.

use std::path::Path;
use std::time::SystemTime;

use super::tool::{Listing, Marked, Shape, Tool};
use super::version::{cmp_numeric, leading_digits};
use super::write::{NewFile, NewMigration, Planned, flat, sequence};
use super::{DiscoverError, FileLayout, Format, Name, as_one_message, in_version_order, lines};
use crate::migrate::migration::Migration;

/// The line that runs a migration outside a transaction.
const NO_TRANSACTION: &str = "-- refinery:noTransaction";

const LAYOUT: FileLayout = FileLayout {
    format: Format::Refinery,
    expected: "`V<n>__<name>.sql` or `U<n>__<name>.sql`, n a whole number and the name letters, \
               digits and underscores",
    parse,
    recursive: true,
};

pub(super) fn discover(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    let mut migrations = LAYOUT.read(dir)?;
    for migration in &mut migrations {
        if opts_out_of_transaction(&migration.text) {
            as_one_message(migration);
        }
    }
    in_version_order(Format::Refinery, migrations, cmp_numeric)
}

fn parse(name: &str) -> Name<'_> {
    match split(name) {
        Some((_, version, description)) => Name::Migration {
            version: version.to_string(),
            description,
        },
        None => Name::Unexpected,
    }
}

/// `(prefix, n, name)` of `V<n>__<name>.sql` or `U<n>__<name>.sql`.
fn split(name: &str) -> Option<(char, &str, &str)> {
    let stem = name.strip_suffix(".sql")?;
    let prefix = stem.chars().next().filter(|c| matches!(c, 'V' | 'U'))?;
    let (digits, rest) = leading_digits(&stem[1..]);
    let description = rest.strip_prefix("__")?;
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let valid = !digits.is_empty() && !description.is_empty() && description.chars().all(word);
    valid.then_some((prefix, digits, description))
}

/// The file has refinery's no-transaction line, for detection and discovery.
pub(super) fn opts_out_of_transaction(text: &str) -> bool {
    lines(text).any(|(_, line)| line.trim() == NO_TRANSACTION)
}

/// Files of a flat directory that only refinery names this way: a `U<n>__` file with no
/// `V<n>__` file of the same number. For Flyway `U<n>__` undoes the versioned migration `n`,
/// which therefore exists; refinery refuses two migrations with one number.
pub(super) fn has_lone_unversioned<'a>(names: impl Iterator<Item = &'a str> + Clone) -> bool {
    let versioned: Vec<&str> = names
        .clone()
        .filter_map(split)
        .filter(|(prefix, ..)| *prefix == 'V')
        .map(|(_, n, _)| n)
        .collect();
    names
        .filter_map(split)
        .any(|(prefix, n, _)| prefix == 'U' && !versioned.iter().any(|v| cmp_numeric(v, n).is_eq()))
}

/// refinery's history tables, as it creates them before the first migration.
const HISTORY: &str = "CREATE TABLE IF NOT EXISTS refinery_schema_history (
    version INT4 PRIMARY KEY,
    name VARCHAR(255),
    applied_on VARCHAR(255),
    checksum VARCHAR(255)
);
";

/// `format = "refinery"`.
pub(super) struct Refinery;

impl Tool for Refinery {
    fn format(&self) -> Format {
        Format::Refinery
    }

    fn history(&self) -> Option<(&'static str, &'static str)> {
        Some(("refinery", HISTORY))
    }

    fn discover(&self, dir: &Path, _: &super::Options) -> Result<Vec<Migration>, DiscoverError> {
        discover(dir)
    }

    fn marks(&self, text: &str, flat: bool) -> bool {
        flat && opts_out_of_transaction(text)
    }

    fn marked(&self, _: &Path, shape: &Shape) -> Result<Marked, DiscoverError> {
        let layout = "`V<n>__<name>.sql` files, not one directory per migration";
        Ok(Marked::when(shape.flat(), layout))
    }

    fn layout_rule(&self) -> Option<u8> {
        Some(5)
    }

    /// A `U<n>__<name>.sql` file with no `V<n>__` file of the same number.
    fn has_layout(&self, listing: &Listing<'_>) -> Result<bool, DiscoverError> {
        Ok(has_lone_unversioned(listing.sql_names()))
    }

    fn next_versions(&self, existing: &[Migration], count: usize, _: SystemTime) -> Vec<String> {
        sequence(existing.last().map_or("0", |m| m.version.as_str()), count)
    }

    /// `V<n>__<name>.sql`.
    fn new_file(&self, dir: &Path, _: &[Migration], new: &NewFile<'_>) -> Planned {
        let name = format!("V{}__{}.sql", new.version, new.description);
        flat(dir, &name, self.framed(new.migration), new.migration)
    }

    /// `-- refinery:noTransaction` first outside a transaction.
    fn framed(&self, migration: &NewMigration) -> String {
        let mode = match migration.transaction {
            false => "-- refinery:noTransaction\n",
            true => "",
        };
        format!("{mode}{}", migration.sql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case::numeric(&["V10__c.sql", "V2__b.sql", "V1__a.sql"], &["V1__a.sql", "V2__b.sql", "V10__c.sql"])]
    #[case::unversioned_in_sequence(&["V3__c.sql", "U2__b.sql", "V1__a.sql"], &["V1__a.sql", "U2__b.sql", "V3__c.sql"])]
    #[case::subdirectories(&["V2__b.sql", "sub/V1__a.sql", "sub/deeper/U3__c.sql", "README.md"], &["sub/V1__a.sql", "V2__b.sql", "sub/deeper/U3__c.sql"])]
    fn orders_by_n_across_subdirectories(#[case] files: &[&str], #[case] expected: &[&str]) {
        let fixture = Fixture::with_names(files);
        assert_eq!(fixture.order(&discover(fixture.path()).unwrap()), expected);
    }

    #[rstest]
    #[case::marker(
        "-- refinery:noTransaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n",
        false
    )]
    #[case::marker_later("SELECT 1;\n  -- refinery:noTransaction\r\n", false)]
    #[case::concurrently_without_marker("CREATE INDEX CONCURRENTLY i ON t (a);\n", true)]
    #[case::other_case("-- refinery:notransaction\n", true)]
    fn no_transaction_marker(#[case] text: &str, #[case] transaction: bool) {
        let fixture = Fixture::new(&[("V1__a.sql", text)]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(Fixture::summary(&migrations), [("1", "a", transaction)]);
    }

    #[rstest]
    #[case::versioned_and_unversioned(&["V1__a.sql", "U1__b.sql"])]
    #[case::leading_zero(&["V01__a.sql", "V1__b.sql"])]
    fn one_number_twice_is_an_error(#[case] files: &[&str]) {
        let error = Fixture::discover_error(files, discover);
        assert!(
            matches!(error, DiscoverError::DuplicateVersion { .. }),
            "{error}"
        );
    }

    #[rstest]
    #[case::dotted("V1.2__a.sql")]
    #[case::single_underscore("V1_a.sql")]
    #[case::lowercase("v1__a.sql")]
    #[case::dash_in_name("V1__a-b.sql")]
    #[case::no_name("V1__.sql")]
    #[case::repeatable("R__views.sql")]
    fn misnamed_sql_file_is_an_error(#[case] name: &str) {
        let error = Fixture::discover_error(&["V1__a.sql", name], discover);
        Fixture::assert_unexpected(&error, name);
    }

    #[rstest]
    #[case::lone_undo(&["V1__a.sql", "U2__b.sql"], true)]
    #[case::flyway_undo(&["V1__a.sql", "U1__a.sql"], false)]
    #[case::flyway_undo_padded(&["V01__a.sql", "U1__a.sql"], false)]
    #[case::versioned_only(&["V1__a.sql"], false)]
    fn lone_unversioned_files_are_refinery_s(#[case] names: &[&str], #[case] expected: bool) {
        assert_eq!(has_lone_unversioned(names.iter().copied()), expected);
    }

    proptest! {
        #[test]
        fn order_is_the_order_of_n(numbers in prop::collection::btree_set(0u64..100_000, 1..12), zeros in 0usize..3) {
            let names: Vec<String> = numbers
                .iter()
                .rev()
                .enumerate()
                .map(|(i, n)| format!("{}{}{n}__m{i}.sql", if i % 3 == 0 { 'U' } else { 'V' }, "0".repeat(zeros)))
                .collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let fixture = Fixture::with_names(&refs);
            let found: Vec<u64> = discover(fixture.path())
                .unwrap()
                .iter()
                .map(|m| m.version.parse().unwrap())
                .collect();
            prop_assert_eq!(found, numbers.into_iter().collect::<Vec<_>>());
        }
    }
}
