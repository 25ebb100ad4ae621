//! One migration of a chain, as a plain value.
//!
//! Discovery (`format`) turns a directory into `Vec<Migration>`; applying them is someone else's
//! job. Keeping the migration a value that can be printed and compared lets the formats be tested
//! without a database, and lets an error point into the file (`text` plus a byte offset is all
//! `Location::at` needs). Like sqlx's `Migration`, it carries a checksum of its text, computed
//! once when it is read, so that whoever needs to know whether it changed (the cache key)
//! compares that instead of hashing the text again.

use std::fmt;
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
    /// SHA-256 of `text`, as it was when the migration was made ([`Migration::new`]).
    pub checksum: Checksum,
    /// The tool's Down part of this migration (a `.down.sql` file, dbmate's `-- migrate:down`
    /// section, sqitch's revert script...), itself a migration sent as the tool would send it,
    /// so that `[upgrade] reversible` applies it with the machinery that applies Up parts and
    /// its errors point into its own file. Never applied by the chain, and no part of the cache
    /// key: it does not change the migrated cluster. `None` when the format has no Down parts
    /// ([`crate::spec::Format::has_down_parts`]) or this migration has none; always `None`
    /// in a Down part.
    pub down: Option<Box<Migration>>,
}

/// SHA-256 of a migration's text: what identifies its content.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Checksum([u8; 32]);

impl Checksum {
    pub fn of(text: &str) -> Self {
        use sha2::Digest;
        Self(sha2::Sha256::digest(text.as_bytes()).into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl Migration {
    /// The file at `path` holding `text`, all of it run in a transaction, its checksum
    /// computed; version and description empty until the format names them.
    pub fn new(path: PathBuf, text: String) -> Self {
        Self {
            version: String::new(),
            description: String::new(),
            body: 0..text.len(),
            checksum: Checksum::of(&text),
            path,
            text,
            transaction: true,
            verbatim: Vec::new(),
            down: None,
        }
    }

    /// Another part of the same file (a Down section beside an Up one): the byte range `body`
    /// of this migration's text, named like it, in a transaction until its format says
    /// otherwise, with no Down part of its own.
    pub fn section(&self, body: Range<usize>) -> Self {
        Self {
            version: self.version.clone(),
            description: self.description.clone(),
            path: self.path.clone(),
            text: self.text.clone(),
            body,
            transaction: true,
            verbatim: Vec::new(),
            checksum: self.checksum,
            down: None,
        }
    }

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
            body: 14..33,
            ..Migration::new(PathBuf::from("1_t.sql"), text)
        };
        assert_eq!(migration.sql(), "CREATE TABLE t ();\n");
    }

    #[test]
    fn a_section_is_another_part_of_the_same_file() {
        let text = "-- migrate:up\nCREATE TABLE t ();\n-- migrate:down\nDROP TABLE t;\n";
        let up = Migration {
            version: "1".into(),
            description: "t".into(),
            body: 14..33,
            transaction: false,
            verbatim: Some(14..32).into_iter().collect(),
            ..Migration::new(PathBuf::from("1_t.sql"), text.to_string())
        };
        let down = up.section(49..text.len());
        assert_eq!(down.sql(), "DROP TABLE t;\n");
        assert_eq!(
            (&down.path, &down.text, &down.version, &down.description),
            (&up.path, &up.text, &up.version, &up.description)
        );
        assert_eq!(down.checksum, up.checksum);
        assert!(down.transaction && down.verbatim.is_empty() && down.down.is_none());
    }

    #[test]
    fn the_checksum_is_the_texts_and_changes_with_it() {
        let a = Migration::new(PathBuf::from("1_t.sql"), "SELECT 1;".into());
        let b = Migration::new(PathBuf::from("2_t.sql"), "SELECT 1;".into());
        let c = Migration::new(PathBuf::from("1_t.sql"), "SELECT 2;".into());
        assert_eq!(a.checksum, b.checksum);
        assert_ne!(a.checksum, c.checksum);
        assert_eq!(
            format!("{:?}", Checksum::of("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn verbatim_ranges_are_single_statements_between_split_ones() {
        let text = "-- up\nSELECT 1; SELECT 2;\nDO 'a; b';\nSELECT 3;\nDO 'c; d';".to_string();
        let first = text.find("DO 'a").unwrap();
        let second = text.find("DO 'c").unwrap();
        let migration = Migration {
            body: 6..text.len(),
            verbatim: vec![first..first + 10, second..text.len()],
            ..Migration::new(PathBuf::from("1_t.sql"), text)
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
