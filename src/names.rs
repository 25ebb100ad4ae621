//! Names of tables and how identifiers and literals are written into SQL.
//!
//! Names are exact catalog names: Prisma's `"tenantId"` is `tenantId`, never folded to lower case.
//! Every identifier that reaches SQL goes through [`ident`], every string through [`literal`].

use std::fmt;

/// A table, schema-qualified.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

/// A single-quoted SQL string literal: `it's` → `'it''s'`.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
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
