//! What a chain's SQL reads from outside the project: a cache key that hashes the project's
//! files misses these, so each is either hashed into the key (a file `COPY ... FROM` names)
//! or makes the chain uncacheable (a program, a server-side file function, another server).
//!
//! Found with the statement lexer, so a comment or an ordinary string literal never counts,
//! while code inside a string does: dollar-quoted bodies (`DO $$ ... $$`, function bodies) and
//! single-quoted strings right after `DO`, `AS` or `EXECUTE` are read as SQL too. Dynamic SQL
//! that assembles the name of a function from pieces is beyond any reader of the text.

use std::ops::Range;
use std::path::PathBuf;

use super::migration::Migration;
use crate::sql::lexer::TokenKind;
use crate::sql::statements::{StatementKind, tokens};

/// One read from outside the project, and where it is (a byte offset into the file's text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutsideRead {
    pub offset: usize,
    pub what: Reads,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reads {
    /// `COPY ... FROM '<path>'`: the path as written, `None` when it is not a plain literal.
    File(Option<PathBuf>),
    /// `COPY ... FROM PROGRAM`.
    Program,
    /// A function or extension that reads the server's files or another server.
    Function(String),
}

impl std::fmt::Display for Reads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(Some(path)) => write!(f, "COPY FROM '{}'", path.display()),
            Self::File(None) => f.write_str("COPY FROM a file named by an expression"),
            Self::Program => f.write_str("COPY FROM PROGRAM"),
            Self::Function(name) => f.write_str(name),
        }
    }
}

/// Functions and extensions that read what the project does not hold: the server's files
/// (`pg_read_file`, `lo_import`...) or another server (`dblink`, the foreign data wrappers).
const READERS: [&str; 8] = [
    "pg_read_file",
    "pg_read_binary_file",
    "pg_stat_file",
    "pg_ls_dir",
    "lo_import",
    "file_fdw",
    "postgres_fdw",
    "dblink",
];

/// How deep code inside strings inside code is read.
const MAX_DEPTH: usize = 4;

/// The reads from outside of the statements of `m` that run, in order.
pub fn reads(m: &Migration) -> Vec<OutsideRead> {
    let base = m.body.start;
    let mut found = Vec::new();
    for statement in m.statements() {
        if statement.kind == StatementKind::MetaCommand {
            continue; // refused when applied: such a chain never applies, so is never kept
        }
        let range = base + statement.range.start..base + statement.range.end;
        scan(&m.text[range.clone()], range.start, 0, &mut found);
    }
    found
}

/// Reads of `sql`, whose first byte is at `base` in the file.
fn scan(sql: &str, base: usize, depth: usize, found: &mut Vec<OutsideRead>) {
    let tokens = tokens(sql);
    for (i, (kind, range)) in tokens.iter().enumerate() {
        let text = &sql[range.clone()];
        let at = base + range.start;
        match kind {
            TokenKind::Word if text.eq_ignore_ascii_case("copy") => {
                if let Some(what) = copy_from(sql, &tokens[i + 1..]) {
                    found.push(OutsideRead { offset: at, what });
                }
            }
            TokenKind::Word => reader(&text.to_ascii_lowercase(), at, found),
            // `"pg_read_file"(...)` calls the function too.
            TokenKind::Quoted if text.starts_with('"') => {
                reader(&text.trim_matches('"').replace("\"\"", "\""), at, found)
            }
            TokenKind::Quoted if depth < MAX_DEPTH => {
                let previous = i.checked_sub(1).map(|p| &sql[tokens[p].1.clone()]);
                if let Some((code, start)) = code_in(text, previous) {
                    scan(&code, at + start, depth + 1, found);
                }
            }
            _ => {}
        }
    }
}

/// Records `name` when it is one of the [`READERS`].
fn reader(name: &str, at: usize, found: &mut Vec<OutsideRead>) {
    if let Some(reader) = READERS.iter().find(|r| name.starts_with(*r)) {
        found.push(OutsideRead {
            offset: at,
            what: Reads::Function(reader.to_string()),
        });
    }
}

/// After the word COPY: what the first `FROM` or `TO` at its parenthesis depth says. `FROM
/// PROGRAM` and `FROM '<file>'` read from outside; `FROM STDIN` and `TO` do not.
fn copy_from(sql: &str, after: &[(TokenKind, Range<usize>)]) -> Option<Reads> {
    let mut depth = 0usize;
    let mut rest = after.iter();
    while let Some((kind, range)) = rest.next() {
        match kind {
            TokenKind::Open => depth += 1,
            TokenKind::Close if depth == 0 => return None,
            TokenKind::Close => depth -= 1,
            TokenKind::Semicolon => return None,
            TokenKind::Word if depth == 0 => {
                let word = &sql[range.clone()];
                if word.eq_ignore_ascii_case("to") {
                    return None;
                }
                if word.eq_ignore_ascii_case("from") {
                    let (kind, range) = rest.next()?;
                    let next = &sql[range.clone()];
                    return match kind {
                        TokenKind::Word if next.eq_ignore_ascii_case("program") => {
                            Some(Reads::Program)
                        }
                        TokenKind::Quoted => {
                            Some(Reads::File(plain_literal(next).map(PathBuf::from)))
                        }
                        _ => None,
                    };
                }
            }
            _ => {}
        }
    }
    None
}

/// The code a string holds, and where it starts in the string's token: a dollar-quoted body
/// always, a plain `'...'` string right after `DO`, `AS` or `EXECUTE`.
fn code_in(token: &str, previous: Option<&str>) -> Option<(String, usize)> {
    if let Some(after_dollar) = token.strip_prefix('$') {
        let tag_end = after_dollar.find('$')? + 2;
        let body_end = token.len().checked_sub(tag_end)?;
        return (body_end >= tag_end).then(|| (token[tag_end..body_end].to_string(), tag_end));
    }
    let code_position = ["do", "as", "execute"]
        .iter()
        .any(|w| previous.is_some_and(|p| p.eq_ignore_ascii_case(w)));
    code_position
        .then(|| plain_literal(token))
        .flatten()
        .map(|code| (code, 1))
}

/// The value of a plain `'...'` literal (`''` a quote); `None` for any other kind of token.
fn plain_literal(token: &str) -> Option<String> {
    let inner = token.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.replace("''", "'"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn seed(sql: &str) -> Migration {
        Migration::new(PathBuf::from("seed.sql"), sql.to_string())
    }

    fn found(sql: &str) -> Vec<Reads> {
        reads(&seed(sql)).into_iter().map(|r| r.what).collect()
    }

    fn file(path: &str) -> Reads {
        Reads::File(Some(PathBuf::from(path)))
    }

    #[rstest]
    #[case::copy_file("COPY t FROM '/data/t.csv' WITH (FORMAT csv);", vec![file("/data/t.csv")])]
    #[case::copy_columns("copy t (a, b) from '/x''y';", vec![file("/x'y")])]
    #[case::copy_program("COPY t FROM PROGRAM 'echo $HOME';", vec![Reads::Program])]
    #[case::copy_escape_string("COPY t FROM E'/x\\\\y';", vec![Reads::File(None)])]
    #[case::copy_stdin("COPY t FROM stdin;\n1\n\\.\n", vec![])]
    #[case::copy_to_program("COPY t TO PROGRAM 'cat > /dev/null';", vec![])]
    #[case::copy_query_to("COPY (SELECT a FROM t) TO '/tmp/out';", vec![])]
    #[case::in_do("DO $$ BEGIN COPY t FROM PROGRAM 'id'; END $$;", vec![Reads::Program])]
    #[case::in_function(
        "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS 'SELECT pg_read_file(''/etc/hostname'')';",
        vec![Reads::Function("pg_read_file".into())]
    )]
    #[case::execute_in_do(
        "DO $body$ BEGIN EXECUTE 'COPY t FROM ''/a.csv'''; END $body$;",
        vec![file("/a.csv")]
    )]
    #[case::lo_import("SELECT lo_import('/etc/passwd');", vec![Reads::Function("lo_import".into())])]
    #[case::binary("SELECT pg_read_binary_file('/x');", vec![Reads::Function("pg_read_binary_file".into())])]
    #[case::dblink("CREATE EXTENSION dblink;", vec![Reads::Function("dblink".into())])]
    #[case::comment("-- COPY t FROM PROGRAM 'id'\n/* pg_read_file('/x') */ SELECT 1;", vec![])]
    #[case::literal("INSERT INTO notes VALUES ('COPY t FROM PROGRAM ''id''; pg_read_file');", vec![])]
    #[case::quoted_identifier(
        "SELECT \"pg_read_file\"('/x');",
        vec![Reads::Function("pg_read_file".into())]
    )]
    #[case::quoted_other("SELECT \"Pg_Read_File\" FROM t;", vec![])]
    #[case::column_named_copy("SELECT copy FROM t;", vec![])]
    fn reads_from_outside(#[case] sql: &str, #[case] expected: Vec<Reads>) {
        assert_eq!(found(sql), expected);
    }

    #[test]
    fn the_offset_is_where_the_read_starts() {
        let sql = "SELECT 1;\n  COPY t FROM PROGRAM 'id';";
        assert_eq!(reads(&seed(sql))[0].offset, sql.find("COPY").expect("COPY"));
    }
}
