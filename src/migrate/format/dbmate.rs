//! `dbmate`: `<version>_<name>.sql` files with a `-- migrate:up` and an optional
//! `-- migrate:down` section, applied by version; only the up section runs, the down section
//! (from the line after `-- migrate:down` to the end of the file) being the migration's Down
//! part ([`Migration::down`]), sent as dbmate sends it (`transaction:false` on its own line).
//!
//! The body of a migration is the up section: from the line after `-- migrate:up` to the
//! `-- migrate:down` line or the end of the file. dbmate sends the section in one `Exec`, in a
//! transaction of its own; `-- migrate:up transaction:false` sends it without one, as ONE
//! simple-query message, and so does this run (its statements share PostgreSQL's implicit
//! transaction); nothing else runs outside a transaction. As dbmate does, a file without an up section, with
//! the down section first, or with a statement before the up section is an error.

use std::ops::Range;
use std::path::Path;

use super::tool::{Listing, Tool};
use super::version::{cmp_numeric, leading_digits};
use super::write::{DOWN, NewMigration};
use super::{DiscoverError, FileLayout, Format, Name, as_one_message, in_version_order, lines};
use crate::location::Location;
use crate::migrate::migration::Migration;

const LAYOUT: FileLayout = FileLayout {
    format: Format::Dbmate,
    expected: "`<version>_<name>.sql`",
    parse,
    recursive: false,
};

pub(super) fn discover(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    let mut migrations = LAYOUT.read(dir)?;
    for migration in &mut migrations {
        let (up, down) = sections(&migration.path, &migration.text)?;
        let down = down.map(|down| Box::new(down.of(migration)));
        *migration = Migration {
            down,
            ..up.of(migration)
        };
    }
    in_version_order(Format::Dbmate, migrations, cmp_numeric)
}

/// dbmate takes any `.sql` file starting with digits (node-pg-migrate too).
pub(super) fn parse(name: &str) -> Name<'_> {
    let Some(stem) = name.strip_suffix(".sql") else {
        return Name::Unexpected;
    };
    let (digits, rest) = leading_digits(stem);
    if digits.is_empty() {
        return Name::Unexpected;
    }
    Name::Migration {
        version: digits.to_string(),
        description: rest.strip_prefix(['_', '-']).unwrap_or(rest),
    }
}

/// The file has a `-- migrate:up` line, for detection.
pub(super) fn has_up_section(text: &str) -> bool {
    lines(text).any(|(_, line)| directive(line, "up").is_some())
}

/// A section of a migration file: its body, and whether dbmate runs it in a transaction (no
/// `transaction:false` on its directive line).
struct Section {
    body: Range<usize>,
    transaction: bool,
}

impl Section {
    /// The section of `file` (whose text it is in) as a migration sent as dbmate sends it.
    fn of(&self, file: &Migration) -> Migration {
        let mut migration = file.section(self.body.clone());
        if !self.transaction {
            as_one_message(&mut migration);
        }
        migration
    }
}

/// The transaction mode the options of a directive line set.
fn in_transaction(options: &str) -> bool {
    !options
        .split_whitespace()
        .any(|option| option == "transaction:false")
}

/// The up section of a migration file, and its down section when it has one (from the line
/// after `-- migrate:down` to the end of the file).
fn sections(path: &Path, text: &str) -> Result<(Section, Option<Section>), DiscoverError> {
    let mut up: Option<(usize, bool)> = None;
    let mut down: Option<(usize, usize, bool)> = None;
    let mut statement: Option<usize> = None;
    for (start, line) in lines(text) {
        if up.is_none()
            && let Some(options) = directive(line, "up")
        {
            up = Some((start + line.len(), in_transaction(options)));
            continue;
        }
        if down.is_none()
            && let Some(options) = directive(line, "down")
        {
            down = Some((start, start + line.len(), in_transaction(options)));
            continue;
        }
        let blank_or_comment = line.trim().is_empty() || line.trim_start().starts_with("--");
        if up.is_none() && statement.is_none() && !blank_or_comment {
            statement = Some(start + (line.len() - line.trim_start().len()));
        }
    }
    let Some((body_start, transaction)) = up else {
        return Err(DiscoverError::MissingUpSection {
            path: path.to_path_buf(),
        });
    };
    let at = |offset| Location::at(path, text, offset);
    if let Some((down, ..)) = down
        && down < body_start
    {
        return Err(DiscoverError::DownBeforeUp { location: at(down) });
    }
    if let Some(statement) = statement {
        return Err(DiscoverError::StatementBeforeUp {
            location: at(statement),
        });
    }
    let up = Section {
        body: body_start..down.map_or(text.len(), |(start, ..)| start),
        transaction,
    };
    let down = down.map(|(_, body_start, transaction)| Section {
        body: body_start..text.len(),
        transaction,
    });
    Ok((up, down))
}

/// The options after `-- migrate:<section>` when `line` is that directive (dbmate allows any
/// spacing after `--`).
fn directive<'a>(line: &'a str, section: &str) -> Option<&'a str> {
    let rest = line
        .strip_prefix("--")?
        .trim_start_matches([' ', '\t'])
        .strip_prefix("migrate:")?
        .strip_prefix(section)?;
    let ends_word = rest.is_empty() || rest.starts_with(char::is_whitespace);
    ends_word.then(|| rest.trim())
}

/// dbmate's history tables, as it creates them before the first migration.
const HISTORY: &str =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version varchar(128) primary key);\n";

/// `format = "dbmate"`.
pub(super) struct Dbmate;

impl Tool for Dbmate {
    fn format(&self) -> Format {
        Format::Dbmate
    }

    fn history(&self) -> Option<(&'static str, &'static str)> {
        Some(("dbmate", HISTORY))
    }

    fn has_down_parts(&self) -> bool {
        true
    }

    fn discover(&self, dir: &Path, _: &super::Options) -> Result<Vec<Migration>, DiscoverError> {
        discover(dir)
    }

    fn marks(&self, text: &str, flat: bool) -> bool {
        flat && has_up_section(text)
    }

    fn layout_rule(&self) -> Option<u8> {
        Some(7)
    }

    /// A `.sql` file with a `-- migrate:up` line.
    fn has_layout(&self, listing: &Listing<'_>) -> Result<bool, DiscoverError> {
        Ok(listing.texts()?.iter().any(|text| has_up_section(text)))
    }

    /// `-- migrate:up` (with `transaction:false` outside a transaction), then an empty down.
    fn framed(&self, migration: &NewMigration) -> String {
        let options = match migration.transaction {
            false => " transaction:false",
            true => "",
        };
        let sql = &migration.sql;
        format!("-- migrate:up{options}\n{sql}\n-- migrate:down\n{DOWN}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;
    use rstest::rstest;

    #[test]
    fn runs_only_the_up_section() {
        let text =
            "-- a comment\n-- migrate:up\nCREATE TABLE t ();\n\n-- migrate:down\nDROP TABLE t;\n";
        let fixture = Fixture::new(&[("20240101000000_create_t.sql", text)]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(migrations.len(), 1);
        assert_eq!(migrations[0].sql(), "CREATE TABLE t ();\n\n");
        assert_eq!(migrations[0].text, text);
        assert_eq!(
            Fixture::summary(&migrations),
            [("20240101000000", "create_t", true)]
        );
    }

    #[rstest]
    #[case::no_down("--migrate:up\nSELECT 1;", "SELECT 1;", true)]
    #[case::no_transaction(
        "-- migrate:up transaction:false\nVACUUM;\n-- migrate:down\n",
        "VACUUM;\n",
        false
    )]
    #[case::crlf(
        "-- migrate:up\r\nSELECT 1;\r\n-- migrate:down\r\n",
        "SELECT 1;\r\n",
        true
    )]
    #[case::concurrently_needs_the_flag(
        "-- migrate:up\nCREATE INDEX CONCURRENTLY i ON t (a);\n",
        "CREATE INDEX CONCURRENTLY i ON t (a);\n",
        true
    )]
    #[case::marker_in_body(
        "-- migrate:up\nSELECT 1;\n-- migrate:up\n",
        "SELECT 1;\n-- migrate:up\n",
        true
    )]
    fn sections(#[case] text: &str, #[case] body: &str, #[case] transaction: bool) {
        let fixture = Fixture::new(&[("1_a.sql", text)]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(
            (migrations[0].sql(), migrations[0].transaction),
            (body, transaction)
        );
    }

    #[rstest]
    #[case::down("-- migrate:up\nCREATE TABLE t ();\n-- migrate:down\nDROP TABLE t;\n", Some(("DROP TABLE t;\n", true)))]
    #[case::down_without_transaction(
        "-- migrate:up\nSELECT 1;\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY i;\n",
        Some(("DROP INDEX CONCURRENTLY i;\n", false))
    )]
    #[case::up_without_transaction_down_in_one(
        "-- migrate:up transaction:false\nVACUUM;\n-- migrate:down\nSELECT 1;\n",
        Some(("SELECT 1;\n", true))
    )]
    #[case::empty_down("-- migrate:up\nSELECT 1;\n-- migrate:down\n", Some(("", true)))]
    #[case::no_down("-- migrate:up\nSELECT 1;\n", None)]
    fn the_down_section_is_the_down_part(#[case] text: &str, #[case] down: Option<(&str, bool)>) {
        let fixture = Fixture::new(&[("1_a.sql", text)]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(Fixture::downs(&migrations), [down]);
        if let Some(found) = migrations[0].down.as_deref() {
            assert_eq!(
                (found.path.clone(), found.text.as_str()),
                (migrations[0].path.clone(), text)
            );
            let sent = Fixture::sent(found);
            let at = found.body.start + found.statements().first().map_or(0, |s| s.range.start);
            assert_eq!(crate::location::line_col(&found.text, at).0, 4, "{sent:?}");
        }
    }

    #[test]
    fn orders_by_version() {
        let fixture = Fixture::new(&[
            ("20240102000000_b.sql", "-- migrate:up\n"),
            ("20240101000000_a.sql", "-- migrate:up\n"),
            ("schema.rb", ""),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(
            fixture.order(&migrations),
            ["20240101000000_a.sql", "20240102000000_b.sql"]
        );
    }

    #[test]
    fn missing_up_section_is_an_error_naming_the_file() {
        let fixture = Fixture::new(&[("1_a.sql", "CREATE TABLE t ();\n-- migrate:down\n")]);
        let error = discover(fixture.path()).unwrap_err();
        assert!(
            matches!(&error, DiscoverError::MissingUpSection { path } if path.ends_with("1_a.sql")),
            "{error}"
        );
        assert!(error.to_string().contains("-- migrate:up"), "{error}");
    }

    #[rstest]
    #[case::down_first("-- migrate:down\nDROP TABLE t;\n-- migrate:up\n", 1, 1)]
    #[case::statement_first("\n  CREATE TABLE t ();\n-- migrate:up\n", 2, 3)]
    fn misplaced_sections_are_errors(
        #[case] text: &str,
        #[case] line: usize,
        #[case] column: usize,
    ) {
        let fixture = Fixture::new(&[("1_a.sql", text)]);
        let error = discover(fixture.path()).unwrap_err();
        let location = match &error {
            DiscoverError::DownBeforeUp { location }
            | DiscoverError::StatementBeforeUp { location } => location,
            _ => panic!("{error}"),
        };
        assert_eq!((location.line, location.column), (line, column));
        assert!(location.path.ends_with("1_a.sql"));
    }

    #[test]
    fn unnumbered_sql_file_is_an_error() {
        let error = Fixture::discover_error(&["schema.sql"], discover);
        Fixture::assert_unexpected(&error, "schema.sql");
    }
}
