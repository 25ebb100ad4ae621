//! `goose`: `<version>_<name>.sql` files with `-- +goose Up` / `-- +goose Down` annotations,
//! applied by numeric version; only the Up section runs. The Down section (from the line after
//! `-- +goose Down` to the end of the file) is the migration's Down part
//! ([`Migration::down`]), read and sent as the Up section is.
//!
//! Annotations are read as goose reads them: a `--` comment line holding `+goose`, the rest of
//! the line (case-insensitive, spacing free) being `Up`, `Down`, `StatementBegin`,
//! `StatementEnd`, `NO TRANSACTION`, `ENVSUB ON` or `ENVSUB OFF`; anything else is an error, as
//! it is for goose. The lines between `-- +goose StatementBegin` and `-- +goose StatementEnd`
//! are sent as ONE statement (a function body or a `DO` block that goose must not split); the
//! rest of the Up section is split into statements like any migration. `-- +goose NO
//! TRANSACTION` anywhere in the file runs it statement by statement outside a transaction;
//! every other file runs in one, as goose runs it, so a `CREATE INDEX CONCURRENTLY` without the
//! annotation fails here as it fails under goose. `ENVSUB` is accepted and ignored: `${VAR}` is
//! not substituted. A Go migration (`<version>_<name>.go`) only goose's own binary can run: it
//! is an error that says to use `format = "command"`.

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::tool::{FLAT_LAYOUT, Marked, Shape, Tool};
use super::version::cmp_numeric;
use super::write::{DOWN, NewMigration};
use super::{
    DiscoverError, FileLayout, Format, Name, entries, in_version_order, lines, trimmed,
    versioned_name,
};
use crate::location::Location;
use crate::migrate::migration::Migration;

const LAYOUT: FileLayout = FileLayout {
    format: Format::Goose,
    expected: "`<version>_<name>.sql`, the version a number greater than zero",
    parse,
    recursive: false,
};

pub(super) fn discover(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    let go = go_migrations(dir)?;
    if !go.is_empty() {
        return Err(DiscoverError::GoMigration {
            dir: dir.to_path_buf(),
            paths: go,
        });
    }
    let mut migrations = LAYOUT.read(dir)?;
    for migration in &mut migrations {
        let sections = sections(&migration.path, &migration.text)?;
        let part = |part: Part| Migration {
            transaction: sections.transaction,
            verbatim: part.blocks,
            ..migration.section(part.body)
        };
        let down = sections.down.map(|down| Box::new(part(down)));
        *migration = Migration {
            down,
            ..part(sections.up)
        };
    }
    in_version_order(Format::Goose, migrations, cmp_numeric)
}

/// goose refuses version 0 (`migration IDs must be greater than zero`).
fn parse(name: &str) -> Name<'_> {
    match versioned_name(name, ".sql") {
        Name::Migration { version, .. } if version.bytes().all(|b| b == b'0') => Name::Unexpected,
        parsed => parsed,
    }
}

/// The Go migrations of `dir`: `.go` files named like a migration (goose skips the others and
/// `_test.go` files).
fn go_migrations(dir: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
    Ok(entries(dir)?
        .into_iter()
        .filter(|entry| !entry.is_dir && !entry.name.ends_with("_test.go"))
        .filter(|entry| matches!(versioned_name(&entry.name, ".go"), Name::Migration { .. }))
        .map(|entry| entry.path)
        .collect())
}

/// The file has a goose annotation line, for detection.
pub(super) fn has_annotation(text: &str) -> bool {
    lines(text).any(|(_, line)| is_annotation(line))
}

/// A goose annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Annotation {
    Up,
    Down,
    StatementBegin,
    StatementEnd,
    NoTransaction,
    Envsub,
}

fn is_annotation(line: &str) -> bool {
    let line = content(line);
    line.starts_with("--") && line.contains("+goose")
}

/// The line without surrounding whitespace, nor the byte order mark an editor may put first.
fn content(line: &str) -> &str {
    line.trim().trim_start_matches('\u{feff}')
}

/// What an annotation line says; `None` for any other line, `Some(None)` for an unknown
/// annotation.
fn annotation(line: &str) -> Option<Option<Annotation>> {
    if !is_annotation(line) {
        return None;
    }
    let command = content(line).replace("--", "").replacen("+goose", "", 1);
    let words: Vec<String> = command.split_whitespace().map(str::to_lowercase).collect();
    let known = match words.join(" ").as_str() {
        "up" => Some(Annotation::Up),
        "down" => Some(Annotation::Down),
        "statementbegin" => Some(Annotation::StatementBegin),
        "statementend" => Some(Annotation::StatementEnd),
        "no transaction" => Some(Annotation::NoTransaction),
        "envsub on" | "envsub off" => Some(Annotation::Envsub),
        _ => None,
    };
    Some(known)
}

/// Which section of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Up,
    Down,
}

/// Where the parser is in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    BeforeUp,
    In(Side),
    /// Inside `StatementBegin` of that section; the offset after that line.
    Block(Side, usize),
}

/// A section of a migration file.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Part {
    pub(super) body: Range<usize>,
    /// The `StatementBegin` … `StatementEnd` statements, trimmed.
    pub(super) blocks: Vec<Range<usize>>,
}

/// The Up section of a migration file, its Down section when it has one, and their transaction
/// mode (`NO TRANSACTION` anywhere in the file holds for both, as goose reads it).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Sections {
    pub(super) up: Part,
    pub(super) down: Option<Part>,
    pub(super) transaction: bool,
}

impl Sections {
    fn part(&mut self, side: Side) -> &mut Part {
        match side {
            Side::Up => &mut self.up,
            Side::Down => self.down.get_or_insert_with(Part::default),
        }
    }
}

pub(super) fn sections(path: &Path, text: &str) -> Result<Sections, DiscoverError> {
    let mut sections = Sections {
        up: Part {
            body: 0..text.len(),
            blocks: Vec::new(),
        },
        down: None,
        transaction: true,
    };
    let mut state = State::BeforeUp;
    let mut last_begin = 0;
    for (start, line) in lines(text) {
        let indent = start + (line.len() - line.trim_start().len());
        let problem = |problem: &'static str| DiscoverError::GooseAnnotation {
            location: Location::at(path, text, indent),
            line: line.trim().to_string(),
            problem,
        };
        let Some(found) = annotation(line) else {
            let content = content(line);
            if state == State::BeforeUp && !content.is_empty() && !content.starts_with("--") {
                return Err(problem(STATEMENT_BEFORE_UP));
            }
            continue;
        };
        let found = found.ok_or_else(|| problem(UNKNOWN))?;
        if found == Annotation::StatementBegin {
            last_begin = indent;
        }
        let after = start + line.len();
        state = step(state, found, start, after, text, &mut sections).map_err(problem)?;
    }
    match state {
        State::BeforeUp => Err(DiscoverError::GooseMissingUp {
            path: path.to_path_buf(),
        }),
        State::Block(..) => Err(DiscoverError::GooseAnnotation {
            location: Location::at(path, text, last_begin),
            line: "-- +goose StatementBegin".into(),
            problem: UNCLOSED,
        }),
        State::In(_) => Ok(sections),
    }
}

const STATEMENT_BEFORE_UP: &str = "statement before `-- +goose Up`; goose refuses it: move it \
                                   below `-- +goose Up`";
const UNKNOWN: &str = "unknown goose annotation; goose knows Up, Down, StatementBegin, \
                       StatementEnd, NO TRANSACTION and ENVSUB ON/OFF";
const UNCLOSED: &str = "no `-- +goose StatementEnd` closes this; add it after the statement";
const MISPLACED: &str = "annotation out of place: goose expects one `-- +goose Up`, then an \
                         optional `-- +goose Down`, with `StatementBegin`/`StatementEnd` in pairs \
                         inside them";

/// The state after annotation `found` on the line from `start` to `after`.
fn step(
    state: State,
    found: Annotation,
    start: usize,
    after: usize,
    text: &str,
    sections: &mut Sections,
) -> Result<State, &'static str> {
    match (state, found) {
        (_, Annotation::NoTransaction) => {
            sections.transaction = false;
            Ok(state)
        }
        (_, Annotation::Envsub) => Ok(state),
        (State::BeforeUp, Annotation::Up) => {
            sections.up.body = after..text.len();
            Ok(State::In(Side::Up))
        }
        (State::In(Side::Up), Annotation::Down) => {
            sections.up.body.end = start;
            sections.part(Side::Down).body = after..text.len();
            Ok(State::In(Side::Down))
        }
        (State::In(side), Annotation::StatementBegin) => Ok(State::Block(side, after)),
        (State::Block(side, begin), Annotation::StatementEnd) => {
            let block = trimmed(text, begin..start);
            if !block.is_empty() {
                sections.part(side).blocks.push(block);
            }
            Ok(State::In(side))
        }
        _ => Err(MISPLACED),
    }
}

/// goose's history tables, as it creates them before the first migration.
const HISTORY: &str = "CREATE TABLE goose_db_version (
    id integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
    version_id bigint NOT NULL,
    is_applied boolean NOT NULL,
    tstamp timestamp NOT NULL DEFAULT now()
);
INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true);
";

/// `format = "goose"`.
pub(super) struct Goose;

impl Tool for Goose {
    fn format(&self) -> Format {
        Format::Goose
    }

    fn history(&self) -> Option<(&'static str, &'static str)> {
        Some(("goose", HISTORY))
    }

    fn has_down_parts(&self) -> bool {
        true
    }

    fn discover(&self, dir: &Path, _: &super::Options) -> Result<Vec<Migration>, DiscoverError> {
        discover(dir)
    }

    fn marks(&self, text: &str, _: bool) -> bool {
        has_annotation(text)
    }

    fn marked(&self, _: &Path, shape: &Shape) -> Result<Marked, DiscoverError> {
        Ok(Marked::when(shape.flat(), FLAT_LAYOUT))
    }

    /// `-- +goose Up`, the SQL in one `StatementBegin`/`StatementEnd` block (goose cannot split
    /// a `DO $$ … $$` body), an empty Down; `-- +goose NO TRANSACTION` first when asked.
    fn framed(&self, migration: &NewMigration) -> String {
        let mode = match migration.transaction {
            false => "-- +goose NO TRANSACTION\n",
            true => "",
        };
        format!(
            "{mode}-- +goose Up\n-- +goose StatementBegin\n{}\n-- +goose StatementEnd\n\n-- +goose Down\n{DOWN}",
            migration.sql.trim_end()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;
    use rstest::rstest;

    const FUNCTION: &str = "-- +goose Up\n\
        CREATE TABLE t (a int);\n\
        -- +goose StatementBegin\n\
        CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS '\n\
        BEGIN\n\
          NEW.a := 1;\n\
          RETURN NEW;\n\
        END;';\n\
        -- +goose StatementEnd\n\
        SELECT 1;\n\
        -- +goose Down\n\
        DROP TABLE t;\n";

    /// The statements that run, as text.
    fn statements(migration: &Migration) -> Vec<&str> {
        let sql = migration.sql();
        migration
            .statements()
            .into_iter()
            .map(|s| &sql[s.range])
            .collect()
    }

    #[test]
    fn statement_begin_end_is_one_statement_and_down_never_runs() {
        let fixture = Fixture::new(&[("00001_t.sql", FUNCTION)]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(
            statements(&migrations[0]),
            [
                "CREATE TABLE t (a int)",
                "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS '\nBEGIN\nNEW.a := 1;\nRETURN \
                 NEW;\nEND;';",
                "SELECT 1",
            ]
        );
        assert_eq!(Fixture::summary(&migrations), [("00001", "t", true)]);
    }

    #[rstest]
    #[case::canonical("-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n", 13..23, true)]
    #[case::lower_case("--+goose up\nSELECT 1;\n--  +goose DOWN\n", 12..22, true)]
    #[case::no_down("-- +goose Up\nSELECT 1;", 13..22, true)]
    #[case::no_transaction(
        "-- +goose NO TRANSACTION\n-- +goose Up\nVACUUM;\n",
        38..46,
        false
    )]
    #[case::no_transaction_in_down("-- +goose Up\n-- +goose Down\n-- +goose no transaction\n", 13..13, false)]
    #[case::envsub("-- +goose ENVSUB ON\n-- +goose Up\nSELECT 1;\n", 33..43, true)]
    #[case::comment_before_up("-- a note\n\n-- +goose Up\nSELECT 1;\n", 24..34, true)]
    #[case::crlf("-- +goose Up\r\nSELECT 1;\r\n-- +goose Down\r\n", 14..25, true)]
    #[case::byte_order_mark("\u{feff}-- +goose Up\nSELECT 1;\n", 16..26, true)]
    fn up_sections(#[case] text: &str, #[case] body: Range<usize>, #[case] transaction: bool) {
        let found = sections(Path::new("1_a.sql"), text).unwrap();
        assert_eq!((found.up.body, found.transaction), (body, transaction));
    }

    #[test]
    fn block_in_the_down_section_is_skipped() {
        let text = "-- +goose Up\nSELECT 1;\n-- +goose Down\n-- +goose StatementBegin\nDO 'x';\n-- +goose StatementEnd\n";
        let found = sections(Path::new("1_a.sql"), text).unwrap();
        assert_eq!((found.up.body, found.up.blocks), (13..23, Vec::new()));
    }

    #[test]
    fn the_down_section_is_the_down_part_read_as_the_up_section_is() {
        let text = "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (a);\n\
                    -- +goose Down\nDROP INDEX CONCURRENTLY i;\n-- +goose StatementBegin\n\
                    DO 'a; b';\n-- +goose StatementEnd\nSELECT 1;\n";
        let fixture = Fixture::new(&[
            ("1_a.sql", text),
            ("2_b.sql", "-- +goose Up\nSELECT 1;\n-- +goose Down\n"),
            ("3_c.sql", "-- +goose Up\nSELECT 1;\n"),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        let down = migrations[0].down.as_deref().unwrap();
        assert_eq!(
            (statements(down), down.transaction),
            (
                vec!["DROP INDEX CONCURRENTLY i", "DO 'a; b';", "SELECT 1"],
                false
            )
        );
        assert_eq!(
            statements(&migrations[0]),
            ["CREATE INDEX CONCURRENTLY i ON t (a)"]
        );
        assert_eq!(
            (down.path.clone(), down.text.as_str()),
            (migrations[0].path.clone(), text)
        );
        let block = down.body.start + down.statements()[1].range.start;
        assert_eq!(crate::location::line_col(&down.text, block), (7, 1));
        assert_eq!(Fixture::downs(&migrations)[1..], [Some(("", true)), None]);
    }

    /// Every error points at the line in the ORIGINAL file.
    #[rstest]
    #[case::statement_before_up("\n  SELECT 1;\n-- +goose Up\n", 2, 3, "statement before")]
    #[case::down_first("-- +goose Down\n-- +goose Up\n", 1, 1, "out of place")]
    #[case::second_up("-- +goose Up\n-- +goose Down\n-- +goose Up\n", 3, 1, "out of place")]
    #[case::end_without_begin(
        "-- +goose Up\nSELECT 1;\n-- +goose StatementEnd\n",
        3,
        1,
        "out of place"
    )]
    #[case::unknown("-- +goose Up\n\n-- +goose Upp\n", 3, 1, "unknown goose annotation")]
    #[case::unclosed(
        "-- +goose Up\n-- +goose StatementBegin\nDO 'x';\n",
        2,
        1,
        "StatementEnd"
    )]
    fn misplaced_annotations_are_errors(
        #[case] text: &str,
        #[case] line: usize,
        #[case] column: usize,
        #[case] message: &str,
    ) {
        let error = sections(Path::new("1_a.sql"), text).unwrap_err();
        let DiscoverError::GooseAnnotation { location, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!((location.line, location.column), (line, column), "{error}");
        assert!(error.to_string().contains(message), "{error}");
    }

    #[test]
    fn missing_up_is_an_error_naming_the_file() {
        let error = sections(Path::new("1_a.sql"), "SELECT 1;\n").unwrap_err();
        let error = match error {
            DiscoverError::GooseAnnotation { .. } => {
                sections(Path::new("1_a.sql"), "-- only a comment\n").unwrap_err()
            }
            other => other,
        };
        assert!(
            matches!(&error, DiscoverError::GooseMissingUp { path } if path.ends_with("1_a.sql")),
            "{error}"
        );
    }

    #[test]
    fn orders_by_numeric_version() {
        let up = "-- +goose Up\nSELECT 1;\n";
        let fixture = Fixture::new(&[
            ("10_c.sql", up),
            ("2_b.sql", up),
            ("1_a.sql", up),
            ("main.go", "package main"),
            ("migrations_test.go", "package main"),
            ("README.md", ""),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(
            fixture.order(&migrations),
            ["1_a.sql", "2_b.sql", "10_c.sql"]
        );
    }

    #[test]
    fn go_migration_is_an_error_naming_it() {
        let fixture = Fixture::new(&[
            ("00001_a.sql", "-- +goose Up\nSELECT 1;\n"),
            ("00002_b.go", "package migrations"),
        ]);
        let error = discover(fixture.path()).unwrap_err();
        assert!(
            matches!(&error, DiscoverError::GoMigration { paths, .. } if paths.len() == 1 && paths[0].ends_with("00002_b.go")),
            "{error}"
        );
        assert!(
            error.to_string().contains("format = \"command\""),
            "{error}"
        );
    }

    #[test]
    fn go_migrations_name_three_and_a_command_given_the_database() {
        let names: Vec<String> = (1..=9).map(|n| format!("0000{n}_m.go")).collect();
        let files: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "package m")).collect();
        let fixture = Fixture::new(&files);
        let error = discover(fixture.path()).unwrap_err().to_string();
        assert!(
            error.contains("00003_m.go and 6 more: Go migration(s)"),
            "{error}"
        );
        assert!(!error.contains("00004_m.go"), "{error}");
        assert!(
            error.contains(r#"postgres \"$DATABASE_URL\" up"]"#),
            "{error}"
        );
    }

    #[rstest]
    #[case::no_version("schema.sql")]
    #[case::version_zero("00000_init.sql")]
    fn misnamed_sql_file_is_an_error(#[case] name: &str) {
        let error = Fixture::discover_error(&[name], discover);
        Fixture::assert_unexpected(&error, name);
    }
}
