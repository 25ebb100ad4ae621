//! Names of tables and how identifiers and literals are written into SQL.
//!
//! Names are exact catalog names: Prisma's `"tenantId"` is `tenantId`, never folded to lower case.
//! Every identifier that reaches SQL goes through [`ident`], every string through [`literal`];
//! every name that reaches a test name or a message goes through [`shown`]; every
//! string written into a TOML file goes through [`toml_string`].

use std::borrow::Cow;
use std::fmt;
use std::fmt::Write as _;

/// A table, schema-qualified.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct TableName {
    pub schema: String,
    pub name: String,
}

impl TableName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// `name` in `default_schema`, or `schema.name` when written with a schema.
    pub fn parse(text: &str, default_schema: &str) -> Self {
        match text.split_once('.') {
            Some((schema, name)) => Self::new(schema, name),
            None => Self::new(default_schema, text),
        }
    }

    /// How test names and messages show the table: bare in the default schema, else qualified.
    pub fn display(&self, default_schema: &str) -> String {
        if self.schema == default_schema {
            self.name.clone()
        } else {
            format!("{}.{}", self.schema, self.name)
        }
    }

    /// [`Self::display`] with every character [`shown`] escapes escaped: for test names and
    /// messages, where a name must not be able to start a line of its own.
    pub fn shown(&self, default_schema: &str) -> String {
        if self.schema == default_schema {
            shown(&self.name).into_owned()
        } else {
            format!("{}.{}", shown(&self.schema), shown(&self.name))
        }
    }

    /// The quoted, schema-qualified name for SQL: `"public"."messages"`.
    pub fn sql(&self) -> String {
        format!("{}.{}", ident(&self.schema), ident(&self.name))
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// A double-quoted SQL identifier: `tenantId` → `"tenantId"`, `a"b` → `"a""b"`.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A catalog name as test names and messages show it. PostgreSQL allows any character but NUL
/// in a quoted name: a newline would start a line of its own (`test x ... ok`, forging a result
/// that CI parsers count), a carriage return or ESC would rewrite the terminal. Such characters
/// are written as Rust escapes (`\n`, `\r`, `\u{1b}`), and so is the backslash itself (`\\`),
/// so that two names never show the same. Other names are shown as they are.
pub fn shown(name: &str) -> Cow<'_, str> {
    if !name.chars().any(|c| c == '\\' || is_unprintable(c)) {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if is_unprintable(c) => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Characters a terminal or a log parser acts on instead of showing: control characters,
/// Unicode line and paragraph separators, and the bidirectional overrides that reorder a line.
pub fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// A single-quoted SQL string literal: `it's` → `'it''s'`.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Whether `expr` (an expression as `pg_get_expr` prints it: a CHECK, a policy, a generated
/// column's) names `name`, a column or a table: quoted, or as a word outside string literals.
pub fn mentions(expr: &str, name: &str) -> bool {
    if expr.contains(&ident(name)) {
        return true;
    }
    let mut outside = String::new();
    for (i, part) in expr.split('\'').enumerate() {
        outside.push_str(if i % 2 == 0 { part } else { " " });
    }
    let word = |ch: char| ch.is_alphanumeric() || ch == '_' || ch == '$';
    outside.split(|ch: char| !word(ch)).any(|w| w == name)
}

/// A TOML basic string on one line: `"`, `\` and control characters escaped.
pub fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_the_quote_character() {
        assert_eq!(ident("tenantId"), "\"tenantId\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("it's"), "'it''s'");
    }

    #[test]
    fn shown_names_cannot_start_a_line() {
        assert_eq!(shown("org_id"), "org_id");
        assert_eq!(shown("Tenant-Id é"), "Tenant-Id é");
        assert_eq!(
            shown("org_id\ntest x::y ... ok"),
            "org_id\\ntest x::y ... ok"
        );
        assert_eq!(shown("a\u{1b}[2Kb\rc"), "a\\u{1b}[2Kb\\rc");
        assert_eq!(shown("rtl\u{202e}"), "rtl\\u{202e}");
        assert_eq!(
            TableName::new("app\n", "t\t").shown("public"),
            "app\\n.t\\t"
        );
    }

    #[test]
    fn distinct_names_are_shown_distinct() {
        // The backslash is escaped too: a name spelling an escape differs from the character.
        assert_eq!(shown("a\\nb"), "a\\\\nb");
        assert_ne!(shown("a\\nb"), shown("a\nb"));
    }

    proptest::proptest! {
        #[test]
        fn shown_is_injective_and_printable(a in "\\PC*|[\\\\n\\x00-\\x1f\\u{7f}-\\u{9f}ab]*", b in "[\\\\n\\x1bab]*") {
            proptest::prop_assert!(!shown(&a).chars().any(is_unprintable));
            if a != b {
                proptest::prop_assert_ne!(shown(&a), shown(&b));
            }
        }
    }

    #[test]
    fn table_names_are_bare_in_the_default_schema() {
        let t = TableName::parse("billing.invoices", "public");
        assert_eq!(t.display("public"), "billing.invoices");
        assert_eq!(
            TableName::parse("Message", "public").display("public"),
            "Message"
        );
        assert_eq!(t.sql(), "\"billing\".\"invoices\"");
    }
}
