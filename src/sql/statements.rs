//! Splitting a migration into the statements psql would send, one by one.
//!
//! Statements that PostgreSQL refuses inside a transaction block (`CREATE INDEX CONCURRENTLY`,
//! `VACUUM`...) must be sent alone, and an error must point at the statement that failed; both
//! need the file split into statements. A wrong split turns a valid chain red, so the rules are
//! psql's (`src/fe_utils/psqlscan.l`): a `;` ends a statement only outside quotes, comments and
//! parentheses, and outside the `BEGIN ... END` of a SQL-standard function body.
//!
//! Understood: `'...'` strings with `''`, `E'...'` strings with backslash escapes (continued on a
//! following line as the SQL standard says), `U&'...'`, `B'...'`, `X'...'`, `N'...'`, dollar
//! quoting `$tag$...$tag$` (`$1` is a parameter), `"..."` identifiers with `""`, `--` comments,
//! nested `/* */` comments, `BEGIN ATOMIC ... END` bodies of `CREATE [OR REPLACE]
//! FUNCTION|PROCEDURE` (tracked like psql: BEGIN and, inside it, CASE open; END closes), pg_dump's
//! `COPY ... FROM stdin;` followed by data up to a `\.` line, and psql backslash commands, which
//! are returned as [`StatementKind::MetaCommand`] for the caller to refuse.
//!
//! Not understood (as in psql, these are server settings): `standard_conforming_strings = off`.
//! psql variables (`:name`) are not interpolated.

use std::ops::Range;

use super::lexer::{Lexer, Token, TokenKind};

/// One statement: where it is in the input and what the caller must do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Byte range within the input, from the first token (leading whitespace and comments
    /// skipped) to the end of the last token: trailing comments and the terminating `;` are not
    /// part of it.
    pub range: Range<usize>,
    pub kind: StatementKind,
}

/// What a statement is, for the caller that runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementKind {
    /// Plain SQL, sent as it is.
    Sql,
    /// `COPY ... FROM stdin;` followed by data lines up to a line `\.` (pg_dump style seeds).
    /// `data` is the rows, without the `\.` line; it is empty when the statement is the last of
    /// the input.
    CopyFromStdin { data: Range<usize> },
    /// A psql backslash command (`\i file`, `\set x`...), up to the end of its line. Only psql
    /// understands these: the caller reports them as unsupported.
    MetaCommand,
}

/// Splits `sql` into statements, in the order psql would run them. Empty statements (only
/// whitespace, comments or `;`) are dropped; a statement without a final `;` at the end of the
/// input is still a statement.
pub fn split(sql: &str) -> Vec<Statement> {
    let mut splitter = Splitter {
        sql,
        lexer: Lexer::new(sql),
        current: Current::default(),
        statements: Vec::new(),
    };
    splitter.run();
    splitter.statements
}

/// The byte ranges of `sql` that PostgreSQL parses as SQL: its tokens, but for comments,
/// quoted strings and quoted identifiers. A dollar-quoted string counts (it is most often a
/// function body, parsed when the function is created).
pub fn parsed_ranges(sql: &str) -> Vec<Range<usize>> {
    let mut lexer = Lexer::new(sql);
    std::iter::from_fn(|| lexer.next_token())
        .filter(|t| t.kind != TokenKind::Quoted || sql.as_bytes()[t.range.start] == b'$')
        .map(|t| t.range)
        .collect()
}

/// False when a statement of `sql` must run outside a transaction block, so the file runs
/// statement by statement instead of wrapped in one transaction.
pub fn runs_in_transaction(sql: &str) -> bool {
    !split(sql)
        .into_iter()
        .any(|s| s.kind == StatementKind::Sql && refuses_transaction(&sql[s.range]))
}

/// The first words of the statements that change the transaction itself (BEGIN, COMMIT,
/// ROLLBACK, SAVEPOINT...): a message holding one is not one implicit transaction, and a
/// principal may not run one (it would end, or escape, the transaction a check runs in).
pub const TRANSACTION_CONTROL: [&str; 9] = [
    "BEGIN",
    "START",
    "COMMIT",
    "END",
    "ROLLBACK",
    "ABORT",
    "PREPARE",
    "SAVEPOINT",
    "RELEASE",
];

/// True when PostgreSQL refuses to run the statement inside a transaction block: CREATE/DROP
/// INDEX CONCURRENTLY, REINDEX ... CONCURRENTLY and REINDEX SCHEMA/DATABASE/SYSTEM, CREATE/DROP
/// DATABASE, ALTER DATABASE ... SET TABLESPACE, CREATE/DROP TABLESPACE, VACUUM, ALTER SYSTEM,
/// CREATE/DROP SUBSCRIPTION (unless it creates no slot), ALTER SUBSCRIPTION that refreshes,
/// ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY, COMMIT/ROLLBACK PREPARED, DISCARD ALL and
/// CLUSTER of every table.
///
/// Such a statement must be sent on its own, outside `BEGIN`, or the migration fails although
/// the tool that owns the chain would have run it.
pub fn refuses_transaction(statement: &str) -> bool {
    let words = words(statement);
    let top: Vec<&str> = words
        .iter()
        .filter(|word| word.depth == 0)
        .map(|word| word.upper.as_str())
        .collect();
    match top.as_slice() {
        ["VACUUM", ..] | ["ALTER", "SYSTEM", ..] | ["DISCARD", "ALL"] => true,
        ["COMMIT" | "ROLLBACK", "PREPARED", ..] => true,
        ["CREATE", "UNIQUE", "INDEX", "CONCURRENTLY", ..] => true,
        ["CREATE" | "DROP", "INDEX", "CONCURRENTLY", ..] => true,
        ["CREATE" | "DROP", "DATABASE" | "TABLESPACE", ..] => true,
        ["CREATE", "SUBSCRIPTION", ..] => {
            !option_is_off(&words, "CREATE_SLOT") && !option_is_off(&words, "CONNECT")
        }
        ["DROP", "SUBSCRIPTION", ..] => true,
        ["REINDEX", rest @ ..] => {
            matches!(rest.first(), Some(&("SCHEMA" | "DATABASE" | "SYSTEM")))
                || words.iter().any(|word| word.upper == "CONCURRENTLY")
        }
        ["ALTER", "DATABASE", rest @ ..] => rest.windows(2).any(|w| w == ["SET", "TABLESPACE"]),
        ["ALTER", "SUBSCRIPTION", rest @ ..] => {
            rest.contains(&"REFRESH")
                || (rest.contains(&"PUBLICATION") && !option_is_off(&words, "REFRESH"))
        }
        ["ALTER", "TABLE", rest @ ..] => rest.contains(&"DETACH") && rest.contains(&"CONCURRENTLY"),
        ["CLUSTER", rest @ ..] => rest.iter().all(|word| *word == "VERBOSE"),
        _ => false,
    }
}

/// The tokens of `sql` (comments and whitespace skipped), each with its byte range: for readers
/// of a statement's words and strings that must not be fooled by a comment or a literal.
pub fn tokens(sql: &str) -> Vec<(TokenKind, Range<usize>)> {
    let mut lexer = Lexer::new(sql);
    std::iter::from_fn(|| lexer.next_token().map(|t| (t.kind, t.range))).collect()
}

/// True when the statement is `CREATE ROLE`, `CREATE USER` or `CREATE GROUP` (not `CREATE USER
/// MAPPING`).
pub fn creates_role(statement: &str) -> bool {
    let words = words(statement);
    let top: Vec<&str> = words.iter().take(3).map(|w| w.upper.as_str()).collect();
    matches!(top.as_slice(), ["CREATE", "ROLE" | "USER" | "GROUP", ..])
        && top.get(2) != Some(&"MAPPING")
}

/// An unquoted word of a statement, upper-cased, with its parenthesis depth.
struct Word {
    upper: String,
    depth: usize,
}

fn words(statement: &str) -> Vec<Word> {
    let mut lexer = Lexer::new(statement);
    let mut depth = 0usize;
    let mut words = Vec::new();
    while let Some(token) = lexer.next_token() {
        match token.kind {
            TokenKind::Open => depth += 1,
            TokenKind::Close => depth = depth.saturating_sub(1),
            TokenKind::Word => words.push(Word {
                upper: statement[token.range].to_ascii_uppercase(),
                depth,
            }),
            _ => {}
        }
    }
    words
}

/// `WITH (name = false)` (or `off`) among the options in parentheses.
fn option_is_off(words: &[Word], name: &str) -> bool {
    words.windows(2).any(|pair| {
        pair[0].depth > 0
            && pair[0].upper == name
            && matches!(pair[1].upper.as_str(), "FALSE" | "OFF")
    })
}

/// Reads tokens and cuts statements where psql would.
struct Splitter<'a> {
    sql: &'a str,
    lexer: Lexer<'a>,
    current: Current,
    statements: Vec<Statement>,
}

impl Splitter<'_> {
    fn run(&mut self) {
        while let Some(token) = self.lexer.next_token() {
            match token.kind {
                TokenKind::Semicolon if self.current.at_statement_level() => {
                    self.finish(Some(token.range.end));
                }
                TokenKind::Backslash => self.meta_command(token.range.start),
                _ => self.current.push(&token, &self.sql[token.range.clone()]),
            }
        }
        self.finish(None);
    }

    /// Ends the current statement; `semicolon_end` is where the `;` that ends it stops, if any
    /// (COPY data starts on the line after it).
    fn finish(&mut self, semicolon_end: Option<usize>) {
        let current = std::mem::take(&mut self.current);
        let Some(start) = current.start else {
            return;
        };
        let range = start..current.end;
        if !current.copy_from_stdin {
            self.statements.push(Statement {
                range,
                kind: StatementKind::Sql,
            });
            return;
        }
        let data = match semicolon_end {
            Some(end) => {
                let (data, resume) = copy_data(self.sql, end);
                self.lexer.jump = Some((data.start, resume));
                data
            }
            None => range.end..range.end,
        };
        self.statements.push(Statement {
            range,
            kind: StatementKind::CopyFromStdin { data },
        });
    }

    /// A backslash outside quotes: psql reads a meta-command up to the end of the line. What
    /// was read of a statement before it is a statement of its own (psql would let `\g` send it).
    fn meta_command(&mut self, start: usize) {
        self.finish(None);
        let line_end = self.sql[start..]
            .find('\n')
            .map_or(self.sql.len(), |i| start + i);
        let end = start + self.sql[start..line_end].trim_end().len();
        self.statements.push(Statement {
            range: start..end,
            kind: StatementKind::MetaCommand,
        });
        self.lexer.pos = line_end;
    }
}

/// Where the rows of a `COPY ... FROM stdin` whose `;` ends at `after` are: from the next line
/// up to the line `\.` (or the end of the input), and where reading SQL resumes after them.
fn copy_data(sql: &str, after: usize) -> (Range<usize>, usize) {
    let start = sql[after..].find('\n').map_or(sql.len(), |i| after + i + 1);
    let mut line_start = start;
    while line_start < sql.len() {
        let line_end = sql[line_start..]
            .find('\n')
            .map_or(sql.len(), |i| line_start + i);
        let line = &sql[line_start..line_end];
        if line.strip_suffix('\r').unwrap_or(line) == "\\." {
            return (start..line_start, (line_end + 1).min(sql.len()));
        }
        line_start = line_end + 1;
    }
    (start..sql.len(), sql.len())
}

/// The statement being read.
#[derive(Default)]
struct Current {
    /// Start of the first token; `None` while only whitespace and comments were read.
    start: Option<usize>,
    /// End of the last token.
    end: usize,
    paren_depth: usize,
    /// Depth of `BEGIN ... END` in a SQL-standard routine body.
    begin_depth: usize,
    /// psql's `identifiers`: for each of the first four words, its first letter if it is one of
    /// create/or/replace/function/procedure, else 0.
    heads: [u8; 4],
    words: usize,
    /// The statement starts with the word COPY.
    copy: bool,
    /// The previous token is the word FROM at depth 0.
    after_from: bool,
    /// The statement is `COPY ... FROM stdin`.
    copy_from_stdin: bool,
}

impl Current {
    /// A `;` here ends the statement.
    fn at_statement_level(&self) -> bool {
        self.paren_depth == 0 && self.begin_depth == 0
    }

    fn push(&mut self, token: &Token, text: &str) {
        let first = self.start.is_none();
        if first {
            self.start = Some(token.range.start);
        }
        self.end = token.range.end;
        let after_from = std::mem::take(&mut self.after_from);
        match token.kind {
            TokenKind::Open => self.paren_depth += 1,
            TokenKind::Close => self.paren_depth = self.paren_depth.saturating_sub(1),
            TokenKind::Word => self.word(text, first, after_from),
            _ => {}
        }
    }

    fn word(&mut self, text: &str, first: bool, after_from: bool) {
        let is = |keyword: &str| text.eq_ignore_ascii_case(keyword);
        if first && is("copy") {
            self.copy = true;
        }
        if self.copy && self.paren_depth == 0 {
            self.copy_from_stdin |= after_from && is("stdin");
            self.after_from = is("from");
        }
        let routine_word = ["create", "or", "replace", "function", "procedure"]
            .iter()
            .any(|keyword| is(keyword));
        if routine_word && self.words < self.heads.len() {
            self.heads[self.words] = text.as_bytes()[0].to_ascii_lowercase();
        }
        self.words += 1;
        if !self.defines_routine() || self.paren_depth > 0 {
            return;
        }
        if is("begin") || (is("case") && self.begin_depth > 0) {
            self.begin_depth += 1;
        } else if is("end") {
            self.begin_depth = self.begin_depth.saturating_sub(1);
        }
    }

    /// `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, as psql recognises it.
    fn defines_routine(&self) -> bool {
        matches!(
            self.heads,
            [b'c', b'f' | b'p', ..] | [b'c', b'o', b'r', b'f' | b'p']
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    /// The text of each statement.
    fn texts(sql: &str) -> Vec<&str> {
        split(sql).into_iter().map(|s| &sql[s.range]).collect()
    }

    #[rstest]
    #[case::simple("SELECT 1; SELECT 2;", &["SELECT 1", "SELECT 2"])]
    #[case::no_final_semicolon("SELECT 1;\nSELECT 2", &["SELECT 1", "SELECT 2"])]
    #[case::empty_statements(";; ;\n-- only a comment\n;", &[])]
    #[case::empty_input("", &[])]
    #[case::leading_comments("-- c\n/* d */  SELECT 1 -- trailing\n;", &["SELECT 1"])]
    #[case::space_before_semicolon("SELECT 1 ;", &["SELECT 1"])]
    #[case::string("SELECT 'a;b''c;'; SELECT 2", &["SELECT 'a;b''c;'", "SELECT 2"])]
    #[case::backslash_in_plain_string(r"SELECT 'a\'; SELECT 2", &[r"SELECT 'a\'", "SELECT 2"])]
    #[case::escape_string(r"SELECT E'a\';b'; SELECT 2", &[r"SELECT E'a\';b'", "SELECT 2"])]
    #[case::escape_string_lower(r"SELECT e'\\'; SELECT 2", &[r"SELECT e'\\'", "SELECT 2"])]
    #[case::escape_string_continued(
        "SELECT E'a'\n  -- c\n'\\';'; SELECT 2",
        &["SELECT E'a'\n  -- c\n'\\';'", "SELECT 2"]
    )]
    #[case::plain_after_escape_same_line(r"SELECT E'a' '\'; SELECT 2", &[r"SELECT E'a' '\'", "SELECT 2"])]
    #[case::identifier_ending_in_e(r"SELECT somE'\'; SELECT 2", &[r"SELECT somE'\'", "SELECT 2"])]
    #[case::unicode_string("SELECT U&'d\\0061t;a'; SELECT 2", &["SELECT U&'d\\0061t;a'", "SELECT 2"])]
    #[case::unicode_identifier("SELECT U&\"a;\"\"b\"; SELECT 2", &["SELECT U&\"a;\"\"b\"", "SELECT 2"])]
    #[case::bit_strings("SELECT B'1;', X'f;', N'n;'; SELECT 2", &["SELECT B'1;', X'f;', N'n;'", "SELECT 2"])]
    #[case::dollar("SELECT $$a;'b$$; SELECT 2", &["SELECT $$a;'b$$", "SELECT 2"])]
    #[case::dollar_tag(
        "DO $body$ BEGIN $$;$$; END $body$; SELECT 2",
        &["DO $body$ BEGIN $$;$$; END $body$", "SELECT 2"]
    )]
    #[case::dollar_tag_case_sensitive("SELECT $a$ ; $A$ ; $a$; SELECT 2", &["SELECT $a$ ; $A$ ; $a$", "SELECT 2"])]
    #[case::parameter("PREPARE p AS SELECT $1; SELECT $2", &["PREPARE p AS SELECT $1", "SELECT $2"])]
    #[case::dollar_in_identifier("SELECT a$b$; SELECT 2$", &["SELECT a$b$", "SELECT 2$"])]
    #[case::number_then_dollar_quote("SELECT 1$a$;$a$; SELECT 2", &["SELECT 1$a$;$a$", "SELECT 2"])]
    #[case::quoted_identifier("SELECT \"a;\"\"b\"; SELECT 2", &["SELECT \"a;\"\"b\"", "SELECT 2"])]
    #[case::line_comment("SELECT 1 -- a;b\n+ 1; SELECT 2", &["SELECT 1 -- a;b\n+ 1", "SELECT 2"])]
    #[case::nested_comment("SELECT /* a /* ; */ ; */ 1; SELECT 2", &["SELECT /* a /* ; */ ; */ 1", "SELECT 2"])]
    #[case::comment_like_operator("SELECT 1 */ 2; SELECT 3", &["SELECT 1 */ 2", "SELECT 3"])]
    #[case::parentheses("SELECT (1;2); SELECT 2", &["SELECT (1;2)", "SELECT 2"])]
    #[case::unbalanced_close("SELECT 1); SELECT 2", &["SELECT 1)", "SELECT 2"])]
    #[case::unterminated_string("SELECT 'a; SELECT 2", &["SELECT 'a; SELECT 2"])]
    #[case::unterminated_comment("SELECT 1; /* SELECT 2;", &["SELECT 1"])]
    #[case::begin_atomic(
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END; SELECT 3",
        &["CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END", "SELECT 3"]
    )]
    #[case::begin_atomic_case(
        "create or replace procedure p() begin atomic select case when true then 1 end; insert into t values (1); end; select 3",
        &["create or replace procedure p() begin atomic select case when true then 1 end; insert into t values (1); end", "select 3"]
    )]
    #[case::function_with_dollar_body(
        "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql; SELECT 2",
        &["CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql", "SELECT 2"]
    )]
    #[case::transaction_begin("BEGIN; CREATE TABLE t (); END; SELECT 1", &["BEGIN", "CREATE TABLE t ()", "END", "SELECT 1"])]
    #[case::case_outside_routine("SELECT CASE WHEN true THEN 1 END; SELECT 2", &["SELECT CASE WHEN true THEN 1 END", "SELECT 2"])]
    #[case::create_table_named_begin("CREATE TABLE begin (a int); SELECT 2", &["CREATE TABLE begin (a int)", "SELECT 2"])]
    #[case::non_ascii("SELECT 'é;' AS \"ü\"; SELECT ñ", &["SELECT 'é;' AS \"ü\"", "SELECT ñ"])]
    fn splits_like_psql(#[case] sql: &str, #[case] expected: &[&str]) {
        assert_eq!(texts(sql), expected);
        assert!(split(sql).iter().all(|s| s.kind == StatementKind::Sql));
    }

    #[test]
    fn copy_from_stdin_reads_rows_up_to_backslash_dot() {
        let sql = "COPY public.t (a, b) FROM stdin;\n1\tx;y\n2\t'z\n\\.\nSELECT 1;\n";
        let statements = split(sql);
        assert_eq!(statements.len(), 2);
        assert_eq!(
            &sql[statements[0].range.clone()],
            "COPY public.t (a, b) FROM stdin"
        );
        let StatementKind::CopyFromStdin { data } = statements[0].kind.clone() else {
            panic!("not a COPY: {statements:?}");
        };
        assert_eq!(&sql[data], "1\tx;y\n2\t'z\n");
        assert_eq!(&sql[statements[1].range.clone()], "SELECT 1");
        assert_eq!(statements[1].kind, StatementKind::Sql);
    }

    #[rstest]
    #[case::crlf(
        "copy t from STDIN with (format csv);\r\na,b\r\n\\.\r\nSELECT 1",
        "a,b\r\n"
    )]
    #[case::no_rows("COPY t FROM stdin;\n\\.\nSELECT 1", "")]
    #[case::comment_after_semicolon("COPY t FROM stdin; -- rows\n1\n\\.\nSELECT 1", "1\n")]
    fn copy_data(#[case] sql: &str, #[case] rows: &str) {
        let statements = split(sql);
        assert_eq!(statements.len(), 2, "{statements:?}");
        let StatementKind::CopyFromStdin { data } = statements[0].kind.clone() else {
            panic!("not a COPY: {statements:?}");
        };
        assert_eq!(&sql[data], rows);
        assert_eq!(&sql[statements[1].range.clone()], "SELECT 1");
    }

    #[rstest]
    #[case::unterminated("COPY t FROM stdin;\n1\n2\n", "1\n2\n")]
    #[case::at_end("COPY t FROM stdin", "")]
    fn copy_data_to_end(#[case] sql: &str, #[case] rows: &str) {
        let statements = split(sql);
        assert_eq!(statements.len(), 1, "{statements:?}");
        let StatementKind::CopyFromStdin { data } = statements[0].kind.clone() else {
            panic!("not a COPY: {statements:?}");
        };
        assert_eq!(&sql[data], rows);
    }

    #[rstest]
    #[case::from_file("COPY t FROM '/tmp/x';\nSELECT 1")]
    #[case::to_stdout("COPY t TO stdout;\nSELECT 1")]
    #[case::stdin_in_query("COPY (SELECT a FROM stdin) TO stdout;\nSELECT 1")]
    fn copy_without_inline_data(#[case] sql: &str) {
        let kinds: Vec<_> = split(sql).into_iter().map(|s| s.kind).collect();
        assert_eq!(kinds, [StatementKind::Sql, StatementKind::Sql]);
    }

    #[test]
    fn meta_commands_are_reported() {
        let sql = "\\set ON_ERROR_STOP 1\nSELECT 1;\n  \\i other.sql  \nSELECT 'x' \\gexec\nSELECT '\\'; SELECT 2";
        let found: Vec<_> = split(sql)
            .into_iter()
            .map(|s| (&sql[s.range], s.kind))
            .collect();
        let expected = [
            ("\\set ON_ERROR_STOP 1", StatementKind::MetaCommand),
            ("SELECT 1", StatementKind::Sql),
            ("\\i other.sql", StatementKind::MetaCommand),
            ("SELECT 'x'", StatementKind::Sql),
            ("\\gexec", StatementKind::MetaCommand),
            ("SELECT '\\'", StatementKind::Sql),
            ("SELECT 2", StatementKind::Sql),
        ];
        assert_eq!(found, expected);
    }

    #[rstest]
    #[case("CREATE INDEX CONCURRENTLY i ON t (a)")]
    #[case("create unique index concurrently if not exists i on t (a)")]
    #[case("DROP INDEX CONCURRENTLY IF EXISTS i")]
    #[case("REINDEX INDEX CONCURRENTLY i")]
    #[case("REINDEX (VERBOSE, CONCURRENTLY) TABLE t")]
    #[case("REINDEX SCHEMA public")]
    #[case("REINDEX DATABASE db")]
    #[case("CREATE DATABASE db")]
    #[case("DROP DATABASE IF EXISTS db")]
    #[case("ALTER DATABASE db SET TABLESPACE ts")]
    #[case("CREATE TABLESPACE ts LOCATION '/x'")]
    #[case("DROP TABLESPACE ts")]
    #[case("VACUUM")]
    #[case("vacuum (analyze) t")]
    #[case("ALTER SYSTEM SET work_mem = '1MB'")]
    #[case("CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p")]
    #[case("DROP SUBSCRIPTION s")]
    #[case("ALTER SUBSCRIPTION s REFRESH PUBLICATION")]
    #[case("ALTER SUBSCRIPTION s SET PUBLICATION p")]
    #[case("ALTER TABLE t DETACH PARTITION p CONCURRENTLY")]
    #[case("COMMIT PREPARED 'x'")]
    #[case("DISCARD ALL")]
    #[case("CLUSTER")]
    #[case("CLUSTER VERBOSE")]
    #[case("/* why */ -- because\n  CREATE INDEX CONCURRENTLY i ON t (a)")]
    fn refuses_a_transaction_block(#[case] statement: &str) {
        assert!(refuses_transaction(statement));
    }

    #[rstest]
    #[case("CREATE INDEX i ON t (a)")]
    #[case("CREATE INDEX concurrently_idx ON t (a)")]
    #[case("CREATE INDEX \"concurrently\" ON t (a)")]
    #[case("REFRESH MATERIALIZED VIEW CONCURRENTLY v")]
    #[case("REINDEX TABLE t")]
    #[case("ALTER DATABASE db SET work_mem = '1MB'")]
    #[case("ALTER TYPE e ADD VALUE 'x'")]
    #[case("ANALYZE t")]
    #[case("SELECT 'VACUUM'")]
    #[case("-- VACUUM\nSELECT 1")]
    #[case("CREATE FUNCTION f() RETURNS void AS $$ VACUUM $$ LANGUAGE sql")]
    #[case("CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p WITH (create_slot = false)")]
    #[case("CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p WITH (connect = false)")]
    #[case("ALTER SUBSCRIPTION s SET PUBLICATION p WITH (refresh = false)")]
    #[case("ALTER SUBSCRIPTION s DISABLE")]
    #[case("ALTER TABLE t DETACH PARTITION p")]
    #[case("CLUSTER t USING i")]
    #[case("DISCARD PLANS")]
    #[case("")]
    fn runs_in_a_transaction_block(#[case] statement: &str) {
        assert!(!refuses_transaction(statement));
    }

    /// Statements with every construct that may hide a `;`, none starting a routine body.
    fn statement() -> impl Strategy<Value = String> {
        let fragment = prop::sample::select(vec![
            "1",
            "t.a",
            "'a;b'",
            "'it''s;'",
            "E'\\';'",
            "e'\\\\'",
            "U&'d\\0061t;'",
            "$$;$$",
            "$f$ $$ ; $f$",
            "$_1$;$_1$",
            "$1",
            "\"a;\"\"b\"",
            "/* ; /* ; */ ; */",
            "-- ;\n",
            "(1; 2)",
            "CASE WHEN a THEN 1 END",
            "END",
            "begin",
            "é",
            "a$b",
            "1.5e3",
            "::",
            "-",
            "*/",
        ]);
        let routine = prop::sample::select(vec![
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END",
            "create or replace procedure p() begin atomic select case when x then 1 end; select 2; end",
            "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql",
        ]);
        let select = prop::collection::vec(fragment, 0..8)
            .prop_map(|fragments| format!("SELECT {} x", fragments.join(" ")));
        prop_oneof![4 => select, 1 => routine.prop_map(String::from)]
    }

    /// What may come between statements besides `;`.
    fn trivia() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "",
            " ",
            "\n",
            "\r\n",
            "\t",
            ";",
            " -- c; d\n",
            "/* ; */",
            "/* /* ; */ */\n",
            ";\n;",
        ])
    }

    proptest! {
        #[test]
        fn joined_statements_split_back(
            statements in prop::collection::vec((statement(), trivia(), trivia()), 0..8),
            last_semicolon in any::<bool>(),
        ) {
            let mut sql = String::new();
            for (i, (statement, before, after)) in statements.iter().enumerate() {
                sql.push_str(before);
                sql.push_str(statement);
                if i + 1 < statements.len() || last_semicolon {
                    sql.push(';');
                } else {
                    sql.push(' ');
                }
                sql.push_str(after);
            }
            let expected: Vec<&str> = statements.iter().map(|(s, _, _)| s.as_str()).collect();
            prop_assert_eq!(texts(&sql), expected);
        }

        #[test]
        fn ranges_are_ordered_slices_of_the_input(sql in "[a-zA-Z0-9 ;'\"$\\-/*()\\\\\n\r.é&_]{0,80}") {
            check_ranges(&sql)?;
        }

        #[test]
        fn never_panics(sql in any::<String>()) {
            check_ranges(&sql)?;
            let _ = refuses_transaction(&sql);
        }
    }

    /// Every range is a non-empty slice of the input, ranges do not overlap, and a SQL statement
    /// split again is itself.
    fn check_ranges(sql: &str) -> Result<(), TestCaseError> {
        let mut previous_end = 0;
        for statement in split(sql) {
            let range = statement.range.clone();
            prop_assert!(range.start >= previous_end && range.start < range.end);
            let Some(text) = sql.get(range.clone()) else {
                return Err(TestCaseError::fail(format!("{range:?} is not a slice")));
            };
            previous_end = range.end;
            if let StatementKind::CopyFromStdin { data } = &statement.kind {
                prop_assert!(sql.get(data.clone()).is_some());
            }
            if statement.kind == StatementKind::Sql {
                let again: Vec<_> = split(text).into_iter().map(|s| s.range).collect();
                prop_assert_eq!(again, vec![0..text.len()]);
            }
        }
        Ok(())
    }
}
