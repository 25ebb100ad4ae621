//! One migration of a chain, as a plain value.
//!
//! Discovery (`format`) turns a directory into `Vec<Migration>`; applying them is someone else's
//! job. Keeping the migration a value that can be printed and compared lets the formats be tested
//! without a database, and lets an error point into the file (`text` plus a byte offset is all
//! `Location::at` needs).

use std::ops::Range;
use std::path::PathBuf;

use crate::sql::statements::{self, Statement, StatementKind};

/// One step of the chain, as the tool that owns the chain sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The version as the tool orders it: a timestamp, a number, a flyway `1.2.3`; `""` for a
    /// flyway repeatable migration and for an unnumbered `sql-dir` file.
    pub version: String,
    /// The name part of the file or directory name, e.g. `create_orgs`.
    pub description: String,
    /// The file holding the SQL.
    pub path: PathBuf,
    /// That file's full text, so that byte offsets of `body` and of statements map to lines.
    pub text: String,
    /// The byte range of `text` that runs: the whole file, or dbmate's `-- migrate:up` section.
    pub body: Range<usize>,
    /// `false`: run statement by statement outside a transaction (the tool's explicit flag, or
    /// statements PostgreSQL refuses to run in a transaction block).
    pub transaction: bool,
    /// Byte ranges of `text`, inside `body`, in order, that the tool sends as ONE statement each
    /// (goose's `StatementBegin` … `StatementEnd`, drizzle's breakpoint chunks): the statement
    /// splitter runs only over the rest of `body`. Usually empty.
    pub verbatim: Vec<Range<usize>>,
}

impl Migration {
    /// The SQL that runs: `text[body]`. Offsets into it are relative to `body.start`.
    pub fn sql(&self) -> &str {
        self.text.get(self.body.clone()).unwrap_or_default()
    }

    /// The statements that run, in order, their ranges relative to `body.start` like offsets
    /// into [`Migration::sql`]: each `verbatim` range as one statement, the splitter's
    /// statements between them.
    pub fn statements(&self) -> Vec<Statement> {
        let base = self.body.start;
        let mut out = Vec::new();
        let mut gap_start = base;
        for range in &self.verbatim {
            out.extend(split_at(&self.text, gap_start..range.start, base));
            out.push(Statement {
                range: range.start - base..range.end - base,
                kind: StatementKind::Sql,
            });
            gap_start = range.end;
        }
        out.extend(split_at(&self.text, gap_start..self.body.end, base));
        out
    }
}

/// The splitter's statements of `text[range]`, their ranges made relative to `base`.
fn split_at(text: &str, range: Range<usize>, base: usize) -> Vec<Statement> {
    let offset = range.start - base;
    let mut found = statements::split(text.get(range).unwrap_or_default());
    for statement in &mut found {
        statement.range = statement.range.start + offset..statement.range.end + offset;
        if let StatementKind::CopyFromStdin { data } = &mut statement.kind {
            *data = data.start + offset..data.end + offset;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_is_the_body_of_the_text() {
        let text = "-- migrate:up\nCREATE TABLE t ();\n-- migrate:down\n".to_string();
        let migration = Migration {
            version: "1".into(),
            description: "t".into(),
            path: PathBuf::from("1_t.sql"),
            body: 14..33,
            text,
            transaction: true,
            verbatim: Vec::new(),
        };
        assert_eq!(migration.sql(), "CREATE TABLE t ();\n");
    }

    #[test]
    fn verbatim_ranges_are_single_statements_between_split_ones() {
        let text = "-- up\nSELECT 1; SELECT 2;\nDO 'a; b';\nSELECT 3;\nDO 'c; d';".to_string();
        let first = text.find("DO 'a").unwrap();
        let second = text.find("DO 'c").unwrap();
        let migration = Migration {
            version: "1".into(),
            description: "t".into(),
            path: PathBuf::from("1_t.sql"),
            body: 6..text.len(),
            verbatim: vec![first..first + 10, second..text.len()],
            text,
            transaction: true,
        };
        let sql = migration.sql();
        let found: Vec<&str> = migration
            .statements()
            .iter()
            .map(|s| &sql[s.range.clone()])
            .collect();
        assert_eq!(
            found,
            [
                "SELECT 1",
                "SELECT 2",
                "DO 'a; b';",
                "SELECT 3",
                "DO 'c; d';"
            ]
        );
    }
}
