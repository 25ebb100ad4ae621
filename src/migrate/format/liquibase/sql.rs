//! Liquibase formatted SQL: a changelog whose first line is `--liquibase formatted sql`, each
//! `--changeset author:id [attribute:value...]` line starting a changeset that runs up to the
//! next one; one migration per changeset, in file order.
//!
//! Attributes honoured: `runInTransaction:false` runs the changeset statement by statement
//! outside a transaction (else it runs in one, so a `CREATE INDEX CONCURRENTLY` without it fails
//! here as it fails under Liquibase); `splitStatements:false` sends the whole changeset as one
//! statement; `endDelimiter:<d>` ends a statement where a line ends with `<d>` (`;` keeps the
//! usual splitting); `dbms:` leaves out a changeset not meant for PostgreSQL (`postgresql`,
//! `all`, `!postgresql`). `context` and `labels` are ignored, as Liquibase ignores them when
//! `update` is given no filter; `runOnChange`, `runAlways`... change nothing on a new database.
//!
//! Never run: `--rollback` lines and `/* liquibase rollback ... */` blocks (the changeset's
//! Down part, see [`super::rollback`]), and the lines `--ignoreLines:start` ...
//! `--ignoreLines:end` (or `--ignoreLines:<n>`) leave out. They are blanked in the migration's
//! text (line breaks kept), so that every location still names the line and column of the
//! original file. Ignored like any comment: `--comment`,
//! `--preconditions` and `--precondition-*` (a precondition that would skip a changeset is not
//! evaluated), `--validCheckSum`, `--property` (`${name}` is not substituted).
//!
//! SQL outside a changeset (before the first, or after an include) is an error, as it is for
//! Liquibase. A `.sql` changelog without the first-line marker is raw SQL: Liquibase runs the
//! whole file as one changeset, in a transaction, and so does this reader.

use std::ops::Range;
use std::path::Path;

use super::{Step, rollback};
use crate::location::Location;
use crate::migrate::format::{DiscoverError, lines, trimmed};
use crate::migrate::migration::Migration;

/// Whether `text` is a formatted SQL changelog: its first line says so.
pub(super) fn is_formatted(text: &str) -> bool {
    let first = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    directive(first).is_some_and(|d| d.to_ascii_lowercase().starts_with("liquibase formatted"))
}

/// The text after `--` of a comment line, leading spaces dropped.
fn directive(line: &str) -> Option<&str> {
    Some(line.trim().strip_prefix("--")?.trim_start())
}

/// A changeset being read.
pub(super) struct Open {
    pub(super) name: String,
    id: String,
    /// Where its body starts: after the `--changeset` line.
    start: usize,
    pub(super) transaction: bool,
    /// How its SQL is sent (`splitStatements`, `endDelimiter`).
    up: Sending,
    /// How its rollback SQL is sent (`rollbackSplitStatements`, `rollbackEndDelimiter`).
    pub(super) rollback: Sending,
    for_postgres: bool,
    /// The byte ranges of the changelog's text holding its rollback SQL, in order.
    pub(super) rollback_sql: Vec<Range<usize>>,
}

/// How Liquibase splits SQL into statements.
pub(super) struct Sending {
    split: bool,
    delimiter: Option<String>,
}

impl Default for Sending {
    fn default() -> Self {
        Self {
            split: true,
            delimiter: None,
        }
    }
}

/// What the changelog holds, in order, before the texts are final.
enum Pending {
    Changeset(Open, Range<usize>),
    Step(Step),
}

/// The steps of the formatted SQL changelog `path`, holding `text`.
pub(super) fn steps(path: &Path, text: &str) -> Result<Vec<Step>, DiscoverError> {
    if !is_formatted(text) {
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        return Ok(vec![Step::Sql(Box::new(Migration {
            version: format!("raw:{file_name}"),
            description: file_name,
            ..Migration::new(path.to_path_buf(), text.to_string())
        }))]);
    }
    let mut scan = Scan {
        path,
        text,
        blank: Vec::new(),
        pending: Vec::new(),
        open: None,
        rollback_block: false,
        keep_block: false,
        ignore_until_end: false,
        ignore_lines: 0,
    };
    for (offset, line) in lines(text).skip(1) {
        scan.line(offset, line)?;
    }
    scan.close(text.len());
    Ok(scan.finish())
}

/// A formatted SQL changelog read line by line: the lines to blank out (rollbacks, ignored
/// lines, directives), the steps so far, and the changeset being read.
struct Scan<'a> {
    path: &'a Path,
    text: &'a str,
    blank: Vec<Range<usize>>,
    pending: Vec<Pending>,
    open: Option<Open>,
    /// Inside a `/* liquibase rollback ... */` block.
    rollback_block: bool,
    /// That block holds rollback SQL: its first line was `/* liquibase rollback` alone.
    keep_block: bool,
    /// Inside `--ignoreLines:start` ... `--ignoreLines:end`.
    ignore_until_end: bool,
    /// Lines still to ignore after `--ignoreLines:<n>`.
    ignore_lines: usize,
}

impl Scan<'_> {
    fn error(&self, offset: usize, message: String) -> DiscoverError {
        DiscoverError::InvalidChangelog {
            location: Location::at(self.path, self.text, offset),
            message,
        }
    }

    /// The line at `offset`, its line break included.
    fn line(&mut self, offset: usize, line: &str) -> Result<(), DiscoverError> {
        let line_range = offset..offset + line.trim_end_matches(['\n', '\r']).len();
        let content = line.trim();
        let said = directive(content).map(|d| (d, d.to_ascii_lowercase()));
        if self.skipped(offset, line, said.as_ref().map(|(_, l)| l.as_str())) {
            self.blank.push(line_range);
            return Ok(());
        }
        let column = offset + (line.len() - line.trim_start().len());
        let Some((said, lower)) = said else {
            if self.open.is_none() && !content.is_empty() {
                return Err(self.error(
                    column,
                    "SQL outside any `--changeset author:id`; Liquibase refuses it: start \
                     a changeset above it"
                        .into(),
                ));
            }
            return Ok(());
        };
        if lower.starts_with("rollback") {
            self.blank.push(line_range);
            if let Some(sql) = rollback::in_line(line) {
                self.keep(offset + sql.start..offset + sql.end);
            }
        } else if let Some(rest) = lower.strip_prefix("ignorelines:") {
            self.blank.push(line_range);
            match rest.trim() {
                "start" => self.ignore_until_end = true,
                count => {
                    self.ignore_lines = count.parse().map_err(|_| {
                        self.error(column, format!("`--{said}`: expected `start` or a number"))
                    })?;
                }
            }
        } else if lower.starts_with("changeset") && said.len() > "changeset".len() {
            let opened = changeset(&said["changeset".len()..], offset + line.len())
                .map_err(|m| self.error(column, m))?;
            if let Some(changeset) = opened {
                self.close(offset);
                self.open = Some(changeset);
            }
        } else if let Some(all) = include_kind(&lower) {
            self.close(offset);
            let step = self.include(said, all, column)?;
            self.pending.push(Pending::Step(step));
        }
        Ok(())
    }

    /// Whether the line at `offset` is part of a rollback block or of ignored lines (or starts
    /// a rollback block), updating what is ignored next. `said`: its directive, lower-cased.
    fn skipped(&mut self, offset: usize, line: &str, said: Option<&str>) -> bool {
        let content = line.trim();
        if self.rollback_block {
            self.rollback_block = !content.ends_with("*/");
            if self.keep_block {
                let sql = rollback::in_block(line, !self.rollback_block);
                self.keep(offset + sql.start..offset + sql.end);
            }
            return true;
        }
        if self.ignore_lines > 0 || self.ignore_until_end {
            self.ignore_lines = self.ignore_lines.saturating_sub(1);
            if said == Some("ignorelines:end") {
                self.ignore_until_end = false;
            }
            return true;
        }
        let opening = content
            .strip_prefix("/*")
            .map(|rest| rest.trim_start().to_ascii_lowercase());
        let rollback_start =
            (opening.as_deref()).is_some_and(|r| r.starts_with("liquibase rollback"));
        if rollback_start {
            self.rollback_block = !content.ends_with("*/");
            self.keep_block = opening.as_deref() == Some("liquibase rollback");
        }
        rollback_start
    }

    /// Notes `range` of the text as rollback SQL of the open changeset, if any.
    fn keep(&mut self, range: Range<usize>) {
        if let Some(open) = &mut self.open {
            open.rollback_sql.push(range);
        }
    }

    /// An `--include` / `--includeAll` directive.
    fn include(&self, said: &str, all: bool, column: usize) -> Result<Step, DiscoverError> {
        let attributes = attributes(said.split_once(char::is_whitespace).map_or("", |p| p.1));
        let key = if all { "path" } else { "file" };
        let Some(target) = attributes.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) else {
            return Err(self.error(column, format!("`--{said}` without `{key}:`")));
        };
        let relative = attributes.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("relativeToChangelogFile") && v.eq_ignore_ascii_case("true")
        });
        Ok(Step::Include {
            target: target.1.to_string(),
            all,
            relative,
            at: Location::at(self.path, self.text, column),
        })
    }

    /// Ends the open changeset, if any, at `end`.
    fn close(&mut self, end: usize) {
        if let Some(changeset) = self.open.take() {
            let body = changeset.start..end;
            self.pending.push(Pending::Changeset(changeset, body));
        }
    }

    /// The steps, each changeset's SQL with the blanked lines masked, its rollback its Down
    /// part (see [`rollback`]).
    fn finish(self) -> Vec<Step> {
        let mut masked = self.text.to_string();
        for range in self.blank {
            masked.replace_range(range.clone(), &" ".repeat(range.len()));
        }
        let ups: Vec<Option<Migration>> = (self.pending.iter())
            .map(|p| match p {
                Pending::Changeset(c, body) => {
                    Some(migration(self.path, &masked, c, &c.up, body.clone()))
                }
                Pending::Step(_) => None,
            })
            .collect();
        let changesets = self.pending.iter().filter_map(|p| match p {
            Pending::Changeset(c, _) => Some(c),
            Pending::Step(_) => None,
        });
        let rollback_text = rollback::only(self.text, changesets);
        let downs: Vec<Option<Migration>> = (self.pending.iter().enumerate())
            .map(|(i, p)| match p {
                Pending::Changeset(c, body) => {
                    let earlier = ups[..i].iter().flatten();
                    rollback::down(self.path, &rollback_text, c, body.clone(), earlier)
                }
                Pending::Step(_) => None,
            })
            .collect();
        (self.pending.into_iter().zip(ups).zip(downs))
            .filter_map(|((p, up), down)| match (p, up) {
                (Pending::Step(step), _) => Some(step),
                (Pending::Changeset(c, _), _) if !c.for_postgres => None,
                (Pending::Changeset(..), up) => up.map(|up| {
                    let down = down.map(Box::new);
                    Step::Sql(Box::new(Migration { down, ..up }))
                }),
            })
            .collect()
    }
}

/// `include` (false) or `includeAll` (true), for a directive.
fn include_kind(lower: &str) -> Option<bool> {
    let word = lower.split_whitespace().next()?;
    match word {
        "include" => Some(false),
        "includeall" => Some(true),
        _ => None,
    }
}

/// `key:value` words.
fn attributes(text: &str) -> Vec<(&str, &str)> {
    text.split_whitespace()
        .filter_map(|word| word.split_once(':'))
        .collect()
}

/// The changeset of a `--changeset` line, `rest` being what follows the word; `None` when it is
/// no changeset line to Liquibase (no `author:id`), so just a comment.
fn changeset(rest: &str, start: usize) -> Result<Option<Open>, String> {
    if !rest.starts_with(char::is_whitespace) {
        return Ok(None);
    }
    let rest = rest.trim_start();
    let (author, after_author) = match rest.strip_prefix('"') {
        Some(quoted) => match quoted.split_once('"') {
            Some((author, after)) => (author, after),
            None => return Ok(None),
        },
        None => match rest.split_once(':') {
            Some((author, _)) if !author.contains(char::is_whitespace) => {
                (author, &rest[author.len()..])
            }
            _ => return Ok(None),
        },
    };
    let Some(after_colon) = after_author.strip_prefix(':') else {
        return Ok(None);
    };
    let after_colon = after_colon.trim_start();
    let (id, attributes_text) = match after_colon.strip_prefix('"') {
        Some(quoted) => quoted.split_once('"').unwrap_or((quoted, "")),
        None => after_colon
            .split_once(char::is_whitespace)
            .unwrap_or((after_colon, "")),
    };
    let mut open = Open {
        name: format!("{author}:{id}"),
        id: id.to_string(),
        start,
        transaction: true,
        up: Sending::default(),
        rollback: Sending::default(),
        for_postgres: true,
        rollback_sql: Vec::new(),
    };
    for (key, value) in attributes(attributes_text) {
        let flag = || match value.to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(format!("`{key}:{value}`: expected true or false")),
        };
        match key.to_ascii_lowercase().as_str() {
            "runintransaction" => open.transaction = flag()?,
            "splitstatements" => open.up.split = flag()?,
            "rollbacksplitstatements" => open.rollback.split = flag()?,
            "enddelimiter" if !value.is_empty() && value != ";" => {
                open.up.delimiter = Some(value.to_string());
            }
            "rollbackenddelimiter" if !value.is_empty() && value != ";" => {
                open.rollback.delimiter = Some(value.to_string());
            }
            "dbms" => open.for_postgres = for_postgres(value),
            _ => {}
        }
    }
    Ok(Some(open))
}

/// Whether a `dbms:` list includes PostgreSQL.
fn for_postgres(list: &str) -> bool {
    let names: Vec<String> = list
        .split(',')
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    if names.iter().any(|n| n == "!postgresql" || n == "none") {
        return false;
    }
    let positive: Vec<&String> = names.iter().filter(|n| !n.starts_with('!')).collect();
    positive.is_empty() || positive.iter().any(|n| *n == "postgresql" || *n == "all")
}

/// The migration that runs `body` of `masked` (the changelog's text, what must not run blanked)
/// as changeset `c`, its statements split as `sending` says.
pub(super) fn migration(
    path: &Path,
    masked: &str,
    c: &Open,
    sending: &Sending,
    body: Range<usize>,
) -> Migration {
    let mut text = masked.to_string();
    let verbatim = match (&sending.delimiter, sending.split) {
        (_, false) => {
            let whole = trimmed(&text, body.clone());
            if whole.is_empty() {
                vec![]
            } else {
                vec![whole]
            }
        }
        (Some(delimiter), true) => {
            let ends = delimiters(&text, body.clone(), delimiter);
            let mut statements = Vec::new();
            let mut start = body.start;
            for end in ends {
                text.replace_range(end.clone(), &" ".repeat(end.len()));
                statements.push(trimmed(&text, start..end.start));
                start = end.end;
            }
            statements.push(trimmed(&text, start..body.end));
            statements.retain(|s| !s.is_empty());
            statements
        }
        (None, true) => Vec::new(),
    };
    Migration {
        version: c.name.clone(),
        description: c.id.clone(),
        body,
        transaction: c.transaction,
        verbatim,
        ..Migration::new(path.to_path_buf(), text)
    }
}

/// Where `delimiter` ends a line of `text[body]` (comment lines left out): each ends a statement,
/// and is blanked so that nothing but the statements runs.
fn delimiters(text: &str, body: Range<usize>, delimiter: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for (offset, line) in lines(&text[body.clone()]) {
        let content = line.trim_end();
        if content.trim_start().starts_with("--") || content.len() < delimiter.len() {
            continue;
        }
        let at = content.len() - delimiter.len();
        if content.is_char_boundary(at) && content[at..].eq_ignore_ascii_case(delimiter) {
            let start = body.start + offset + at;
            out.push(start..start + delimiter.len());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn migrations(text: &str) -> Vec<Migration> {
        steps(&PathBuf::from("c.sql"), text)
            .unwrap()
            .into_iter()
            .filter_map(|s| match s {
                Step::Sql(m) => Some(*m),
                _ => None,
            })
            .collect()
    }

    /// Each changeset's statements, as sent.
    fn sent(migration: &Migration) -> Vec<String> {
        let sql = migration.sql();
        migration
            .statements()
            .iter()
            .map(|s| sql[s.range.clone()].to_string())
            .collect()
    }

    #[test]
    fn changesets_run_in_file_order_with_their_attributes() {
        let text = "--liquibase formatted sql\n\n-- a comment\n--changeset ann:1\nCREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\n--rollback DROP TABLE t;\n\n--changeset ann:2 runInTransaction:false context:dev\nCREATE INDEX CONCURRENTLY i ON t (a);\n--changeset \"Ann Lee\":3 splitStatements:false\nDO $$ BEGIN PERFORM 1; END $$;\nSELECT 2;\n--changeset ann:4 endDelimiter:/\nCREATE FUNCTION f() RETURNS int AS 'SELECT 1; SELECT 2' LANGUAGE sql\n/\nSELECT 3;\n  /\n";
        let found = migrations(text);
        let summary: Vec<(&str, bool)> = found
            .iter()
            .map(|m| (m.version.as_str(), m.transaction))
            .collect();
        assert_eq!(
            summary,
            [
                ("ann:1", true),
                ("ann:2", false),
                ("Ann Lee:3", true),
                ("ann:4", true)
            ]
        );
        assert_eq!(
            sent(&found[0]),
            ["CREATE TABLE t (a int)", "INSERT INTO t VALUES (1)"]
        );
        assert_eq!(
            sent(&found[2]),
            ["DO $$ BEGIN PERFORM 1; END $$;\nSELECT 2;"]
        );
        assert_eq!(
            sent(&found[3]),
            [
                "CREATE FUNCTION f() RETURNS int AS 'SELECT 1; SELECT 2' LANGUAGE sql",
                "SELECT 3;"
            ]
        );
    }

    #[test]
    fn rollbacks_and_ignored_lines_never_run_and_locations_stay() {
        let text = "--liquibase formatted sql\n--changeset a:1\nSELECT 1;\n/* liquibase rollback\nDROP TABLE t;\n*/\n--ignoreLines:start\nSELECT 'ignored';\n--ignoreLines:end\n--ignoreLines:1\nSELECT 'also ignored';\nSELECT 'last';\n--rollback SELECT 'never';\n";
        let found = migrations(text);
        assert_eq!(found[0].text.len(), text.len());
        let statements = found[0].statements();
        let sent: Vec<String> = sent(&found[0]);
        assert_eq!(sent, ["SELECT 1", "SELECT 'last'"]);
        let last = found[0].body.start + statements[1].range.start;
        assert_eq!(crate::location::line_col(&found[0].text, last), (12, 1));
    }

    /// Each changeset's Down part: its statements, as sent, and its transaction mode.
    fn downs(text: &str) -> Vec<Option<(Vec<String>, bool)>> {
        (migrations(text).iter())
            .map(|m| m.down.as_deref().map(|d| (sent(d), d.transaction)))
            .collect()
    }

    #[test]
    fn rollback_lines_are_the_down_part_located_in_the_changelog() {
        let text = "--liquibase formatted sql\n--changeset a:1\nCREATE TABLE t (a int);\n\
                    --rollback DROP TABLE t;\n--changeset a:2 runInTransaction:false\n\
                    CREATE INDEX CONCURRENTLY i ON t (a);\n-- rollback DROP INDEX\n\
                    --   ROLLBACK   CONCURRENTLY i;\n--changeset a:3\nSELECT 1;\n";
        assert_eq!(
            downs(text),
            [
                Some((vec!["DROP TABLE t".to_string()], true)),
                Some((
                    vec![format!("DROP INDEX\n{}CONCURRENTLY i", " ".repeat(16))],
                    false
                )),
                None
            ]
        );
        let found = migrations(text);
        let down = found[1].down.as_deref().unwrap();
        assert_eq!(
            (down.path.as_path(), down.text.len()),
            (Path::new("c.sql"), text.len())
        );
        let at = down.body.start + down.statements()[0].range.start;
        assert_eq!(crate::location::line_col(&down.text, at), (7, 13));
        assert_eq!(sent(&found[0]), ["CREATE TABLE t (a int)"]);
    }

    #[rstest::rstest]
    #[case::block(
        "--changeset a:1\nSELECT 1;\n/* liquibase rollback\nDROP TABLE t;\nDROP TABLE u; */\n",
        Some((vec!["DROP TABLE t", "DROP TABLE u"], true))
    )]
    #[case::split_false(
        "--changeset a:1 rollbackSplitStatements:false\nSELECT 1;\n--rollback DO 'a; b';\n--rollback SELECT 2;\n",
        Some((vec!["DO 'a; b';\n           SELECT 2;"], true))
    )]
    #[case::end_delimiter(
        "--changeset a:1 rollbackEndDelimiter:/ endDelimiter:;\nSELECT 1;\n--rollback DO 'a; b'\n--rollback /\n",
        Some((vec!["DO 'a; b'"], true))
    )]
    #[case::not_required("--changeset a:1\nSELECT 1;\n--rollback not required\n", Some((vec![], true)))]
    #[case::empty("--changeset a:1 runInTransaction:false\nSELECT 1;\n--rollback empty\n", Some((vec![], false)))]
    #[case::no_space("--changeset a:1\nSELECT 1;\n--rollback\n", None)]
    #[case::one_line_block(
        "--changeset a:1\nSELECT 1;\n/* liquibase rollback DROP TABLE t; */\n",
        None
    )]
    fn rollbacks_are_sent_as_liquibase_sends_them(
        #[case] changesets: &str,
        #[case] expected: Option<(Vec<&str>, bool)>,
    ) {
        let text = format!("--liquibase formatted sql\n{changesets}");
        let expected = expected.map(|(s, t)| (s.into_iter().map(String::from).collect(), t));
        assert_eq!(downs(&text), [expected]);
    }

    #[test]
    fn a_rollback_naming_an_earlier_changeset_runs_its_sql() {
        let text = "--liquibase formatted sql\n--changeset a:1\nCREATE TABLE old (a int);\n\
                    --changeset a:2 runInTransaction:false\nDROP TABLE old;\n\
                    --rollback changesetId:1 changesetAuthor:a\n\
                    --changeset a:3\nSELECT 1;\n--rollback changesetId:9 changesetAuthor:a\n\
                    --changeset a:4\nSELECT 1;\n\
                    --rollback changesetId:1 changesetAuthor:a changesetPath:other.sql\n";
        let found = migrations(text);
        let down = found[1].down.as_deref().unwrap();
        assert_eq!(
            (sent(down), down.transaction),
            (vec!["CREATE TABLE old (a int)".to_string()], false)
        );
        assert_eq!(down.body, found[0].body);
        assert!(found[2].down.is_none() && found[3].down.is_none());
    }

    #[test]
    fn a_raw_sql_changelog_has_no_down_part() {
        let found = migrations("CREATE TABLE t ();\n--rollback DROP TABLE t;\n");
        assert!(found[0].down.is_none());
    }

    #[rstest::rstest]
    #[case::postgres("dbms:postgresql", 1)]
    #[case::several("dbms:oracle,postgresql", 1)]
    #[case::all("dbms:all", 1)]
    #[case::other("dbms:oracle", 0)]
    #[case::not_postgres("dbms:!postgresql", 0)]
    #[case::not_other("dbms:!oracle", 1)]
    fn dbms_leaves_out_changesets_for_other_databases(#[case] dbms: &str, #[case] count: usize) {
        let text = format!("--liquibase formatted sql\n--changeset a:1 {dbms}\nSELECT 1;\n");
        assert_eq!(migrations(&text).len(), count);
    }

    #[test]
    fn a_file_without_the_marker_is_one_raw_changeset() {
        let found = migrations("CREATE TABLE t ();\n--changeset a:1\nSELECT 1;\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].transaction);
        assert_eq!(found[0].body, 0..found[0].text.len());
    }

    #[rstest::rstest]
    #[case::sql_before(
        "--liquibase formatted sql\n\nCREATE TABLE t ();\n",
        "c.sql:3:1: invalid liquibase changelog: SQL outside any"
    )]
    #[case::bad_flag(
        "--liquibase formatted sql\n  --changeset a:1 runInTransaction:no\n",
        "c.sql:2:3: invalid liquibase changelog: `runInTransaction:no`"
    )]
    fn formatting_liquibase_refuses_is_an_error(#[case] text: &str, #[case] expected: &str) {
        let error = steps(&PathBuf::from("c.sql"), text)
            .err()
            .expect("an error")
            .to_string();
        assert!(error.starts_with(expected), "{error}");
    }

    #[test]
    fn a_comment_that_only_starts_like_a_changeset_is_a_comment() {
        let found = migrations(
            "--liquibase formatted sql\n--changeset a:1\n-- changeset of prices\nSELECT 1;\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(sent(&found[0]), ["SELECT 1"]);
    }
}
