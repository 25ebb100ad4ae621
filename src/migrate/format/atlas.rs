//! `atlas`: Atlas's versioned migrations, `<version>_<name>.sql` files beside `atlas.sum`.
//!
//! As Atlas reads a migration directory: every `*.sql` file of the directory (not of its
//! subdirectories) is a migration, in file name order (byte order: `10_b.sql` before `9_a.sql`,
//! which is why Atlas names them by timestamp). `atlas.sum` must match the files, as Atlas
//! refuses to apply a directory whose sum does not (an edited, added or removed file is an error
//! naming it). Directives are `atlas:<name> <value>` comment lines in the file's header, the
//! leading comment lines followed by a blank line: `-- atlas:txmode none` runs the file
//! statement by statement outside a transaction (`file`, the default, in one); on a fresh
//! database Atlas starts at the last checkpoint file (`-- atlas:checkpoint`), and so does this
//! reading. A first line `-- atlas:delimiter <d>` makes the statements the text between
//! occurrences of `d` (`\n`, `\r`, `\t` unescaped), each sent as it is, as Atlas sends them.

use std::ops::Range;
use std::path::Path;
use std::time::SystemTime;

use super::tool::{Marked, Shape, Tool};
use super::write::{Created, NewMigration, Planned, WriteError};
use super::{DiscoverError, Entry, Format, atlas_sum, entries, read_migration, trimmed};
use crate::location::Location;
use crate::migrate::migration::Migration;

pub(super) use atlas_sum::SUM;

pub(super) fn discover(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    let files = sql_files(dir)?;
    atlas_sum::verify(Format::Atlas, dir)?;
    let mut migrations = Vec::with_capacity(files.len());
    for entry in files {
        let stem = entry.name.strip_suffix(".sql").unwrap_or(&entry.name);
        let (version, description) = stem.split_once('_').unwrap_or((stem, ""));
        migrations.push(read_migration(entry.path, version, description)?);
    }
    let mut start = 0;
    for (i, migration) in migrations.iter_mut().enumerate() {
        let header = header(&migration.text);
        migration.transaction = transaction(migration, &header)?;
        if let Some(statements) = delimited(&migration.text) {
            migration.verbatim = statements;
        }
        if header
            .iter()
            .any(|line| matches!(directive(line.text), Some(("checkpoint", _))))
        {
            start = i;
        }
    }
    Ok(migrations.split_off(start))
}

/// The `.sql` files of `dir`, in Atlas's order.
fn sql_files(dir: &Path) -> Result<Vec<Entry>, DiscoverError> {
    Ok(entries(dir)?
        .into_iter()
        .filter(|entry| !entry.is_dir && entry.name.ends_with(".sql"))
        .collect())
}

/// A header comment line: its offset in the file and its text, trimmed.
struct Comment<'a> {
    offset: usize,
    text: &'a str,
}

/// The file's header comments, as Atlas finds them: the lines starting with `--` or `#` at the
/// top of the file, counted only when a blank line (or nothing) follows them.
fn header(text: &str) -> Vec<Comment<'_>> {
    let mut comments = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while rest.starts_with('#') || rest.starts_with("--") {
        let Some(end) = rest.find('\n') else {
            // A comment-only file without a final line break: Atlas finds no header in it.
            return Vec::new();
        };
        comments.push(Comment {
            offset,
            text: rest[..end].trim(),
        });
        offset += end + 1;
        rest = &rest[end + 1..];
    }
    let detached = rest.trim_start_matches([' ', '\t']).starts_with('\n') || rest.is_empty();
    if detached { comments } else { Vec::new() }
}

/// `(name, value)` of an `atlas:<name> <value>` directive line: what Atlas's
/// `^([ -~]*)atlas:(\w+)(?: +(.+))*` captures.
pub(super) fn directive(line: &str) -> Option<(&str, &str)> {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices("atlas:")
        .filter(|(at, _)| line[..*at].bytes().all(|b| (b' '..=b'~').contains(&b)))
        .find_map(|(at, _)| {
            let rest = &line[at + 6..];
            let end = rest.find(|c: char| !word(c)).unwrap_or(rest.len());
            let after = &rest[end..];
            let value = after.trim_start_matches(' ');
            let value = if value.len() < after.len() { value } else { "" };
            (end > 0).then_some((&rest[..end], value))
        })
}

/// The statements of a file whose first line is `-- atlas:delimiter <d>`: the text between the
/// occurrences of `d`, trimmed, empty ones dropped.
fn delimited(text: &str) -> Option<Vec<Range<usize>>> {
    let first_end = text.find('\n')?;
    let first = text[..first_end].trim_end_matches('\r');
    let ("delimiter", value) = directive(first)? else {
        return None;
    };
    if !first.starts_with("-- atlas:") || value.is_empty() {
        return None;
    }
    let delimiter = value
        .replace(r"\n", "\n")
        .replace(r"\r", "\r")
        .replace(r"\t", "\t");
    let mut statements = Vec::new();
    let mut start = first_end + 1;
    let ends = text[start..]
        .match_indices(&delimiter)
        .map(|(at, _)| start + at)
        .collect::<Vec<_>>();
    for end in ends.into_iter().chain([text.len()]) {
        let statement = trimmed(text, start..end);
        if !statement.is_empty() {
            statements.push(statement);
        }
        start = (end + delimiter.len()).min(text.len());
    }
    Some(statements)
}

/// The transaction mode of `migration` from its `txmode` directive.
fn transaction(migration: &Migration, header: &[Comment<'_>]) -> Result<bool, DiscoverError> {
    let modes: Vec<(&Comment<'_>, &str)> = header
        .iter()
        .filter_map(|line| match directive(line.text) {
            Some(("txmode", value)) => Some((line, value)),
            _ => None,
        })
        .collect();
    let problem = |line: &Comment<'_>, problem: &str| DiscoverError::Malformed {
        location: Location::at(&migration.path, &migration.text, line.offset),
        problem: problem.to_string(),
    };
    match modes.as_slice() {
        [] => Ok(true),
        [(_, "file")] => Ok(true),
        [(_, "none")] => Ok(false),
        [(line, "all")] => Err(problem(
            line,
            "`txmode all` is only a command-line setting; Atlas refuses it in a file: use \
             `-- atlas:txmode file` (or `none`)",
        )),
        [(line, _)] => Err(problem(
            line,
            "unknown txmode; Atlas knows `-- atlas:txmode none` and `-- atlas:txmode file`",
        )),
        [_, (line, _), ..] => Err(problem(
            line,
            "a second txmode directive; Atlas refuses more than one per file: keep one",
        )),
    }
}

/// The file's header has an `atlas:` directive, for detection.
pub(super) fn has_directive(text: &str) -> bool {
    header(text)
        .iter()
        .any(|line| line.text.starts_with("--") && directive(line.text).is_some())
}

/// The `atlas.sum` that matches the `.sql` files of `dir` now, for `fix` to write.
pub(super) fn current_sum(dir: &Path) -> Result<String, DiscoverError> {
    Ok(atlas_sum::current(Format::Atlas, dir)?.unwrap_or_default())
}

/// Atlas's history tables, as it creates them before the first migration.
const HISTORY: &str = "CREATE SCHEMA IF NOT EXISTS atlas_schema_revisions;
CREATE TABLE atlas_schema_revisions.atlas_schema_revisions (
    version character varying NOT NULL PRIMARY KEY,
    description character varying NOT NULL,
    type bigint NOT NULL DEFAULT 2,
    applied bigint NOT NULL DEFAULT 0,
    total bigint NOT NULL DEFAULT 0,
    executed_at timestamptz NOT NULL,
    execution_time bigint NOT NULL,
    error text NULL,
    error_stmt text NULL,
    hash character varying NOT NULL,
    partial_hashes jsonb NULL,
    operator_version character varying NOT NULL
);
";

/// `format = "atlas"`.
pub(super) struct Atlas;

impl Tool for Atlas {
    fn format(&self) -> Format {
        Format::Atlas
    }

    fn history(&self) -> Option<(&'static str, &'static str)> {
        Some(("Atlas", HISTORY))
    }

    fn discover(&self, dir: &Path, _: &super::Options) -> Result<Vec<Migration>, DiscoverError> {
        discover(dir)
    }

    fn marker_files(&self) -> &'static [&'static str] {
        &[SUM]
    }

    fn marks(&self, text: &str, flat: bool) -> bool {
        flat && has_directive(text)
    }

    fn marked(&self, dir: &Path, shape: &Shape) -> Result<Marked, DiscoverError> {
        let layout = "`<version>_<name>.sql` files beside atlas.sum (`atlas migrate hash`)";
        Ok(Marked::when(
            shape.flat() && dir.join(SUM).is_file(),
            layout,
        ))
    }

    /// `-- atlas:txmode none` first outside a transaction.
    fn framed(&self, migration: &NewMigration) -> String {
        let mode = match migration.transaction {
            false => "-- atlas:txmode none\n\n",
            true => "",
        };
        format!("{mode}{}", migration.sql)
    }

    /// `atlas.sum` rewritten as `atlas migrate hash` would.
    fn bookkeeping(
        &self,
        dir: &Path,
        _: &[Planned],
        _: SystemTime,
        created: &mut Created,
    ) -> Result<(), WriteError> {
        created.rewrite(&dir.join(SUM), &current_sum(dir)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;
    use rstest::rstest;
    use std::fs;

    const INIT: &str = "CREATE TABLE a (id int);\n";
    const INDEX: &str = "-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY i ON a (id);\n";
    /// Computed independently (Python's hashlib) the way Atlas's `NewHashFile` does.
    const SUM_TEXT: &str = "h1:kXFERBQgzFC7JvaDnZlE+iYWmo6E3BiGCwI+p4/oc58=\n\
                            1_init.sql h1:6cVHPCDqxJi4dEE9JsnsaxB6kOgOLSRkBDrQySa1RFY=\n\
                            2_index.sql h1:lnY6wHsToTTx2NL2MpeOl/4D3UsU1d9q8I+b59Jg33E=\n";

    fn chain() -> Fixture {
        Fixture::new(&[
            ("1_init.sql", INIT),
            ("2_index.sql", INDEX),
            ("atlas.sum", SUM_TEXT),
            ("README.md", ""),
        ])
    }

    #[test]
    fn reads_the_files_in_name_order_with_their_txmode() {
        let fixture = chain();
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(
            Fixture::summary(&migrations),
            [("1", "init", true), ("2", "index", false)]
        );
        assert_eq!(current_sum(fixture.path()).unwrap(), SUM_TEXT);
    }

    #[test]
    fn file_name_order_is_byte_order() {
        let names = ["9_a.sql", "10_b.sql", "20240101000000_c.sql"];
        let fixture = Fixture::with_names(&names);
        fs::write(
            fixture.path().join(SUM),
            current_sum(fixture.path()).unwrap(),
        )
        .unwrap();
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(
            fixture.order(&migrations),
            ["10_b.sql", "20240101000000_c.sql", "9_a.sql"]
        );
    }

    #[rstest]
    #[case::edited(
        "2_index.sql",
        Some("-- atlas:txmode none\n\nSELECT 1;\n"),
        3,
        "2_index.sql was edited"
    )]
    #[case::added("3_more.sql", Some("SELECT 1;\n"), 4, "3_more.sql is not in it")]
    #[case::removed("2_index.sql", None, 3, "not in the directory")]
    fn a_sum_that_does_not_match_is_an_error_naming_the_file(
        #[case] file: &str,
        #[case] text: Option<&str>,
        #[case] line: usize,
        #[case] message: &str,
    ) {
        let fixture = chain();
        let path = fixture.path().join(file);
        match text {
            Some(text) => fs::write(&path, text).unwrap(),
            None => fs::remove_file(&path).unwrap(),
        }
        let error = discover(fixture.path()).unwrap_err();
        let DiscoverError::Malformed { location, .. } = &error else {
            panic!("{error}");
        };
        assert!(location.path.ends_with("atlas.sum"), "{error}");
        assert!(error.to_string().contains(message), "{error}");
        assert!(error.to_string().contains("atlas migrate hash"), "{error}");
        assert_eq!(location.line, line, "{error}");
    }

    #[test]
    fn a_missing_sum_is_an_error() {
        let fixture = Fixture::new(&[("1_init.sql", INIT)]);
        let error = discover(fixture.path()).unwrap_err();
        assert!(
            matches!(&error, DiscoverError::Layout { path, .. } if path.ends_with("atlas.sum")),
            "{error}"
        );
    }

    #[rstest]
    #[case::none("-- atlas:txmode none\n\nVACUUM;\n", Ok(false))]
    #[case::file("-- atlas:txmode file\n\nSELECT 1;\n", Ok(true))]
    #[case::hash_comment("# atlas:txmode none\n\nVACUUM;\n", Ok(false))]
    #[case::among_comments("-- a note\n-- atlas:txmode none\n\nVACUUM;\n", Ok(false))]
    #[case::attached_to_a_statement("-- atlas:txmode none\nVACUUM;\n", Ok(true))]
    #[case::later_in_the_file("SELECT 1;\n\n-- atlas:txmode none\n\nVACUUM;\n", Ok(true))]
    #[case::all("-- x\n-- atlas:txmode all\n\nSELECT 1;\n", Err(2))]
    #[case::unknown("-- atlas:txmode never\n\nSELECT 1;\n", Err(1))]
    #[case::twice("-- atlas:txmode none\n-- atlas:txmode file\n\nSELECT 1;\n", Err(2))]
    fn txmode(#[case] text: &str, #[case] expected: Result<bool, usize>) {
        let fixture = Fixture::new(&[("1_a.sql", text)]);
        fs::write(
            fixture.path().join(SUM),
            current_sum(fixture.path()).unwrap(),
        )
        .unwrap();
        match (discover(fixture.path()), expected) {
            (Ok(migrations), Ok(transaction)) => assert_eq!(migrations[0].transaction, transaction),
            (Err(DiscoverError::Malformed { location, .. }), Err(line)) => {
                assert_eq!((location.line, location.column), (line, 1));
            }
            (found, _) => panic!("{found:?}"),
        }
    }

    #[test]
    fn a_delimiter_directive_separates_the_statements() {
        let text = "-- atlas:delimiter -- end\nCREATE TABLE a (id int) -- end\n\nCREATE TABLE b (id int)\n-- end\n";
        let fixture = Fixture::new(&[
            ("1_a.sql", text),
            ("2_b.sql", "-- atlas:delimiter \\n\\n\nSELECT 1\n\nSELECT 2"),
        ]);
        fs::write(
            fixture.path().join(SUM),
            current_sum(fixture.path()).unwrap(),
        )
        .unwrap();
        let migrations = discover(fixture.path()).unwrap();
        let statements = |m: &Migration| -> Vec<String> {
            let sql = m.sql();
            m.statements()
                .iter()
                .map(|s| sql[s.range.clone()].to_string())
                .collect()
        };
        assert_eq!(
            statements(&migrations[0]),
            ["CREATE TABLE a (id int)", "CREATE TABLE b (id int)"]
        );
        assert_eq!(statements(&migrations[1]), ["SELECT 1", "SELECT 2"]);
    }

    #[test]
    fn a_fresh_database_starts_at_the_last_checkpoint() {
        let fixture = Fixture::new(&[
            ("1_a.sql", "CREATE TABLE a ();\n"),
            (
                "2_checkpoint.sql",
                "-- atlas:checkpoint\n\nCREATE TABLE a ();\n",
            ),
            ("3_b.sql", "CREATE TABLE b ();\n"),
        ]);
        fs::write(
            fixture.path().join(SUM),
            current_sum(fixture.path()).unwrap(),
        )
        .unwrap();
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(fixture.order(&migrations), ["2_checkpoint.sql", "3_b.sql"]);
    }

    #[test]
    fn a_file_marked_sum_ignore_has_no_line() {
        let fixture = Fixture::new(&[
            ("1_a.sql", "-- atlas:sum ignore\nSELECT 1;\n"),
            ("2_b.sql", INIT),
        ]);
        let sum = current_sum(fixture.path()).unwrap();
        assert_eq!(sum.lines().count(), 2, "{sum}");
        assert!(sum.contains("2_b.sql h1:"), "{sum}");
    }
}
