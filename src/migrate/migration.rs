//! One migration of a chain, as a plain value.
//!
//! Discovery (`format`) turns a directory into `Vec<Migration>`; applying them is someone else's
//! job. Keeping the migration a value that can be printed and compared lets the formats be tested
//! without a database, and lets an error point into the file (`text` plus a byte offset is all
//! `Location::at` needs).

use std::ops::Range;
use std::path::PathBuf;

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
}

impl Migration {
    /// The SQL that runs: `text[body]`. Offsets into it are relative to `body.start`.
    pub fn sql(&self) -> &str {
        self.text.get(self.body.clone()).unwrap_or_default()
    }
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
        };
        assert_eq!(migration.sql(), "CREATE TABLE t ();\n");
    }
}
