//! psql's error report, read back into the file, line and column of the failing statement.
//!
//! With `ON_ERROR_STOP=1` and `VERBOSITY=verbose`, psql reports a server error as
//! `psql:FILE:LINE: ERROR:  SQLSTATE: message`, then `DETAIL:`, `HINT:`, `LINE n: text` with a
//! caret line under it, `CONTEXT:`, `LOCATION:`. FILE is the script (or the file a `\i` of it
//! included) and LINE the line where the statement ended. The statement is the one the splitter
//! finds ending on that line; PostgreSQL's position is the caret, `n` lines into the statement,
//! found in the file by the text psql shows around it. psql's own errors (a `\i` of a missing
//! file, a bad `\if`) are `psql:FILE:LINE: error: message`.

use std::path::{Path, PathBuf};

use crate::location::{Location, line_col};
use crate::migrate::apply::{ApplyError, SqlError};
use crate::migrate::migration::Migration;
use crate::sql::statements::{self, Statement, StatementKind};

/// The error of psql's `stderr`, located; `None` when it holds no `psql:FILE:LINE:` report.
/// `dir` is psql's working directory, `script` the migration run as `file`.
pub fn error(stderr: &str, dir: &Path, script: &Migration, file: &Path) -> Option<ApplyError> {
    let lines: Vec<&str> = stderr.lines().collect();
    let (index, head) = lines
        .iter()
        .enumerate()
        .find_map(|(i, l)| Head::parse(l).map(|h| (i, h)))?;
    let printed = PathBuf::from(head.file);
    let path = match printed.is_absolute() {
        true => printed,
        false => dir.join(printed),
    };
    let (shown, text) = match path == file {
        true => (script.path.clone(), script.text.clone()),
        false => (
            path.clone(),
            std::fs::read_to_string(&path).unwrap_or_default(),
        ),
    };
    let fields = Fields::parse(&lines[index + 1..]);
    let Some(rest) = head.rest.strip_prefix("ERROR:") else {
        let message = head
            .rest
            .split_once(':')
            .map_or(head.rest, |(_, m)| m)
            .trim();
        return Some(ApplyError::Psql {
            location: Location {
                path: shown,
                line: head.line,
                column: 1,
            },
            message: message.to_string(),
        });
    };
    let (code, message) = sqlstate(rest.trim());
    let found = statement(&text, head.line, fields.context.as_ref());
    let location = match &found {
        Some(s) => Location::at(&shown, &text, s.range.start),
        None => Location {
            path: shown.clone(),
            line: head.line,
            column: 1,
        },
    };
    let position = found
        .as_ref()
        .zip(fields.context.as_ref())
        .and_then(|(s, context)| context.offset(&text, s))
        .map(|offset| Location::at(&shown, &text, offset));
    Some(ApplyError::Statement {
        location,
        position,
        sql_error: SqlError {
            code: code.to_string(),
            message: message.to_string(),
            detail: fields.detail,
            hint: fields.hint,
            statement: found.map(|s| text[s.range].to_string()).unwrap_or_default(),
            remedy: None,
        },
    })
}

/// `psql:FILE:LINE: rest`.
struct Head<'a> {
    file: &'a str,
    line: usize,
    rest: &'a str,
}

impl<'a> Head<'a> {
    fn parse(line: &'a str) -> Option<Self> {
        let body = line.strip_prefix("psql:")?;
        // FILE may hold colons: the first `:<digits>: ` followed by a level ends it.
        body.match_indices(':').find_map(|(i, _)| {
            let after = &body[i + 1..];
            let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let rest = after[digits..].strip_prefix(": ")?;
            let level = ["ERROR:", "FATAL:", "PANIC:", "error:"];
            (digits > 0 && level.iter().any(|l| rest.starts_with(l))).then(|| Self {
                file: &body[..i],
                line: after[..digits].parse().unwrap_or(1),
                rest,
            })
        })
    }
}

/// `42P01: message` → (`42P01`, `message`); a message without SQLSTATE keeps an empty code.
fn sqlstate(text: &str) -> (&str, &str) {
    match text.split_once(": ") {
        Some((code, message))
            if code.len() == 5 && code.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            (code, message)
        }
        _ => ("", text),
    }
}

/// The lines after the head: detail, hint and the `LINE n:` context.
#[derive(Default)]
struct Fields {
    detail: Option<String>,
    hint: Option<String>,
    context: Option<Context>,
}

impl Fields {
    fn parse(lines: &[&str]) -> Self {
        let mut fields = Self::default();
        let mut iter = lines.iter().peekable();
        while let Some(line) = iter.next() {
            if line.starts_with("psql:") {
                break;
            }
            if let Some(d) = line.strip_prefix("DETAIL:") {
                fields.detail = Some(d.trim().to_string());
            } else if let Some(h) = line.strip_prefix("HINT:") {
                fields.hint = Some(h.trim().to_string());
            } else if line.starts_with("LINE ")
                && let Some(caret) = iter.peek()
            {
                fields.context = Context::parse(line, caret);
            }
        }
        fields
    }
}

/// psql's `LINE n: text` and the caret under it.
struct Context {
    /// 1-based line of the statement.
    line: usize,
    /// The text shown, without psql's `...` at either end.
    shown: String,
    /// The caret's character index in `shown`.
    caret: usize,
    /// psql cut the line's start: the shown text is somewhere inside it.
    cut: bool,
}

impl Context {
    fn parse(line: &str, caret: &str) -> Option<Self> {
        let after = line.strip_prefix("LINE ")?;
        let (number, _) = after.split_once(": ")?;
        let prefix = "LINE ".len() + number.len() + 2;
        let text = line.get(prefix..)?;
        let at = caret.find('^')?;
        let cut = text.starts_with("...");
        let shown = text.strip_prefix("...").unwrap_or(text);
        let shown = shown.strip_suffix("...").unwrap_or(shown);
        Some(Self {
            line: number.parse().ok()?,
            shown: shown.to_string(),
            caret: at.checked_sub(prefix + if cut { 3 } else { 0 })?,
            cut,
        })
    }

    /// The byte offset in `text` of the caret, inside `statement`.
    fn offset(&self, text: &str, statement: &Statement) -> Option<usize> {
        let first = line_start(text, statement.range.start);
        // Line 1 starts where the statement does (psql sends it from its first token).
        let mut start = if self.line == 1 {
            statement.range.start
        } else {
            first
        };
        for _ in 1..self.line {
            start = start + text[start..].find('\n')? + 1;
        }
        let end = text[start..].find('\n').map_or(text.len(), |e| start + e);
        let window = &text[start..end];
        let base = match window.find(self.shown.as_str()) {
            Some(found) => found,
            None if !self.cut => 0,
            None => return None,
        };
        let inside = window[base..]
            .char_indices()
            .nth(self.caret)
            .map_or(window.len() - base, |(i, _)| i);
        Some(start + base + inside)
    }
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// The statement of `text` psql sent when it reached the end of line `line`: among those that
/// end on the last line at or before it, the one showing `context`, else the first.
fn statement(text: &str, line: usize, context: Option<&Context>) -> Option<Statement> {
    let sent: Vec<Statement> = statements::split(text)
        .into_iter()
        .filter(|s| s.kind != StatementKind::MetaCommand)
        .filter(|s| line_col(text, s.range.end).0 <= line)
        .collect();
    let last_line = line_col(text, sent.last()?.range.end).0;
    let candidates: Vec<Statement> = sent
        .into_iter()
        .filter(|s| line_col(text, s.range.end).0 == last_line)
        .collect();
    let shows = |s: &&Statement| {
        context.is_some_and(|c| {
            c.offset(text, s).is_some() && text[s.range.clone()].contains(c.shown.as_str())
        })
    };
    candidates
        .iter()
        .find(shows)
        .or(candidates.first())
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migration(text: &str) -> Migration {
        Migration {
            transaction: false,
            ..Migration::new(PathBuf::from("deploy/projects.sql"), text.into())
        }
    }

    fn located(text: &str, stderr: &str) -> String {
        let file = Path::new("/p/deploy/projects.sql");
        error(stderr, Path::new("/p"), &migration(text), file)
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_server_error_names_the_statement_and_postgresql_position() {
        let text = "BEGIN;\n\nCREATE TABLE projects (id bigint PRIMARY KEY);\n  INSERT INTO projects (id, org_id) VALUES (1, 1);\n\nCOMMIT;\n";
        let stderr = "psql:/p/deploy/projects.sql:4: ERROR:  42703: column \"org_id\" of relation \"projects\" does not exist\nLINE 1: INSERT INTO projects (id, org_id) VALUES (1, 1);\n                                  ^\nLOCATION:  checkInsertTargets, parse_target.c:1056\n";
        let message = located(text, stderr);
        assert!(
            message.starts_with("deploy/projects.sql:4:3: column \"org_id\""),
            "{message}"
        );
        assert!(
            message.contains("at deploy/projects.sql:4:29 (SQLSTATE 42703)"),
            "{message}"
        );
    }

    #[test]
    fn a_later_line_and_a_cut_line_are_found_in_the_file() {
        let long = "x".repeat(80);
        let text = format!("SELECT 1;\nselect a,\n   '{long}', zzz\n  from t;\n");
        let shown = "LINE 2: ...xxxxxxxxxxxxxxxxxxxxxxxx', zzz";
        let caret = format!("{}^", " ".repeat(shown.len() - 3));
        let stderr = format!(
            "psql:/p/deploy/projects.sql:4: ERROR:  42703: column \"zzz\" does not exist\n{shown}\n{caret}\n"
        );
        let message = located(&text, &stderr);
        let column = 4 + 80 + 4;
        assert!(message.starts_with("deploy/projects.sql:2:1:"), "{message}");
        assert!(
            message.contains(&format!("at deploy/projects.sql:3:{column} ")),
            "{message}"
        );
    }

    #[test]
    fn a_psql_error_names_its_line() {
        let stderr =
            "psql:/p/deploy/projects.sql:2: error: lib/missing.sql: No such file or directory\n";
        let message = located("\\set x 1\n\\ir lib/missing.sql\n", stderr);
        assert_eq!(
            message,
            "deploy/projects.sql:2:1: psql: lib/missing.sql: No such file or directory"
        );
    }

    #[test]
    fn an_included_file_is_named_as_psql_names_it() {
        let temp = tempfile::tempdir().unwrap();
        let lib = temp.path().join("lib.sql");
        std::fs::write(&lib, "SELECT 1;\nSELECT nope;\n").unwrap();
        let stderr = format!(
            "psql:{}:2: ERROR:  42703: column \"nope\" does not exist\nLINE 1: SELECT nope;\n               ^\n",
            lib.display()
        );
        let script = migration("\\ir lib.sql\n");
        let error = error(&stderr, temp.path(), &script, Path::new("/elsewhere.sql")).unwrap();
        assert!(
            error
                .to_string()
                .starts_with(&format!("{}:2:1:", lib.display())),
            "{error}"
        );
        assert!(error.to_string().contains(":2:8 (SQLSTATE"), "{error}");
    }
}
