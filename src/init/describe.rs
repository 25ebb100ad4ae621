//! What `init` says about one table: the facts the catalog shows, as a table file a person
//! would write (stable key order, a comment naming where each fact comes from).
//!
//! Every fact the catalog shows is written, whatever a behavioural check says of it: a promise
//! whose test fails today is listed in `[known]` (see `init::baseline`), never taken back.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::catalog::{Column, ConstraintKind, Table};
use crate::names::{TableName, ident, toml_string};
use crate::referential::OnDelete;
use crate::spec::{ColumnFacts, Reference};

/// A table file about to be written.
#[derive(Debug, Clone)]
pub struct Description {
    pub table: TableName,
    /// Where it is written.
    pub path: PathBuf,
    /// `table = "..."` is written: the file name alone does not name the table.
    pub qualified: bool,
    /// The key columns and the constraint's name.
    pub primary_key: Option<(Vec<String>, String)>,
    /// `purge = true` (`init --tenants`, on the tenant table).
    pub purge: bool,
    /// Comment lines about the table, without `# `.
    pub notes: Vec<String>,
    pub columns: Vec<ColumnDescription>,
}

/// One `[columns.X]`: each fact with what it was inferred from, and notes for what was not
/// written.
#[derive(Debug, Clone, Default)]
pub struct ColumnDescription {
    pub name: String,
    pub type_: Option<String>,
    /// What enforces it: `NOT NULL`, or a CHECK constraint's name.
    pub not_null: Option<String>,
    /// The referenced column and the foreign key's name.
    pub references: Option<(Reference, String)>,
    pub on_delete: Option<OnDelete>,
    pub indexed: bool,
    /// `tenant = true` (`init --tenants`).
    pub tenant: bool,
    /// `same_tenant = true` (`init --tenants`).
    pub same_tenant: bool,
    /// Comment lines, without `# `.
    pub notes: Vec<String>,
}

impl Description {
    /// Everything the catalog shows about `table`: its primary key; for key columns (primary
    /// and foreign) their type; NOT NULL where enforced; single-column foreign keys with their
    /// ON DELETE action, and `indexed` on their columns (a promise: when it fails, `[known]` says so).
    pub fn infer(table: &Table, path: PathBuf, qualified: bool, default_schema: &str) -> Self {
        let primary_key = table
            .primary_key()
            .map(|pk| (pk.columns.clone(), pk.name.clone()));
        let in_pk = |c: &str| {
            primary_key
                .as_ref()
                .is_some_and(|(cols, _)| cols.iter().any(|k| k == c))
        };
        let columns = table
            .columns
            .iter()
            .map(|column| describe_column(table, column, in_pk(&column.name), default_schema))
            .filter(|c| {
                c.type_.is_some()
                    || c.not_null.is_some()
                    || c.references.is_some()
                    || !c.notes.is_empty()
            })
            .collect();
        Self {
            table: table.name.clone(),
            path,
            qualified,
            primary_key,
            purge: false,
            notes: Vec::new(),
            columns,
        }
    }

    /// The table file's text.
    pub fn render(&self, default_schema: &str) -> String {
        let shown = self.table.display(default_schema);
        let mut out = format!(
            "# {shown}: what the schema promised when `pg-invariants init` wrote this file, read from\n\
             # the catalog after the migration chain: the primary key, the type of key columns, NOT\n\
             # NULL columns, foreign keys with their ON DELETE action, and which FK columns are\n\
             # indexed. A fact whose test failed when it was written is listed, with its reason,\n\
             # in [known] of the project file (docs/tests.md, \"The baseline\"); edit freely.\n"
        );
        if self.qualified {
            let _ = writeln!(out, "table = {}", toml_string(&self.table.to_string()));
        }
        if let Some((columns, name)) = &self.primary_key {
            let list: Vec<String> = columns.iter().map(|c| toml_string(c)).collect();
            let _ = writeln!(out, "primary_key = [{}]  # {name}", list.join(", "));
        }
        if self.purge {
            out.push_str("purge = true\n");
        }
        for note in &self.notes {
            let _ = writeln!(out, "# {note}");
        }
        for column in &self.columns {
            let _ = write!(out, "\n[columns.{}]\n", toml_key(&column.name));
            if let Some(t) = &column.type_ {
                let _ = writeln!(out, "type = {}", toml_string(t));
            }
            if let Some(by) = &column.not_null {
                let _ = writeln!(out, "not_null = true  # {by}");
            }
            if let Some((target, fk)) = &column.references {
                let text = target.display(default_schema);
                let _ = writeln!(out, "references = {}  # {fk}", toml_string(&text));
            }
            if let Some(action) = column.on_delete {
                let _ = writeln!(out, "on_delete = {}", toml_string(action.name()));
            }
            if column.indexed {
                let _ = writeln!(out, "indexed = true");
            }
            if column.tenant {
                let _ = writeln!(out, "tenant = true");
            }
            if column.same_tenant {
                let _ = writeln!(out, "same_tenant = true");
            }
            for note in &column.notes {
                let _ = writeln!(out, "# {note}");
            }
        }
        out
    }
}

fn describe_column(
    table: &Table,
    column: &Column,
    in_pk: bool,
    default_schema: &str,
) -> ColumnDescription {
    let name = &column.name;
    let mut described = ColumnDescription {
        name: name.clone(),
        ..Default::default()
    };
    let on_column: Vec<_> = table
        .foreign_keys()
        .filter(|(c, _)| c.columns.iter().any(|n| n == name))
        .collect();
    let single: Vec<_> = on_column
        .iter()
        .filter(|(c, _)| c.columns.len() == 1)
        .collect();
    // A validated foreign key first: the `fk` check only accepts one.
    let chosen = single
        .iter()
        .find(|(c, _)| c.validated)
        .or_else(|| single.first());
    if let Some((constraint, fk)) = chosen {
        let target = Reference {
            table: fk.target.clone(),
            column: fk.target_columns.first().cloned().unwrap_or_default(),
        };
        let expressible = Reference::parse(&target.display(default_schema), default_schema)
            .is_some_and(|parsed| parsed == target);
        if expressible {
            described.references = Some((target, constraint.name.clone()));
            described.on_delete = Some(fk.on_delete);
            described.indexed = true;
        } else {
            described.notes.push(format!(
                "foreign key {} to {}: a name with a dot cannot be written in `references`",
                constraint.name,
                target.display(default_schema)
            ));
        }
    }
    for (constraint, fk) in on_column.iter().filter(|(c, _)| c.columns.len() > 1) {
        described.notes.push(format!(
            "part of the composite foreign key {} ({}) → {} ({}): `references` describes one column only",
            constraint.name,
            constraint.columns.join(", "),
            fk.target.display(default_schema),
            fk.target_columns.join(", ")
        ));
    }
    if in_pk || !on_column.is_empty() {
        described.type_ = Some(column.type_.clone());
    }
    described.not_null = not_null(table, column, in_pk, &mut described.notes);
    described
}

/// What enforces NOT NULL on `column`, when an INSERT can try a NULL there at all.
fn not_null(
    table: &Table,
    column: &Column,
    in_pk: bool,
    notes: &mut Vec<String>,
) -> Option<String> {
    let check = table.constraints.iter().find(|c| {
        matches!(c.kind, ConstraintKind::Check)
            && c.validated
            && is_not_null_check(&c.definition, &column.name)
    });
    // PostgreSQL 18's NOT NULL ... NOT VALID promises no more than a NOT VALID CHECK does.
    let validated = column.not_null && column.not_null_not_valid.is_none();
    let by = match (validated, check) {
        (true, _) => "NOT NULL".to_string(),
        (false, Some(c)) => format!("CHECK constraint {}", c.name),
        (false, None) => return None,
    };
    let written_by_server = column.generated || column.identity == Some('a');
    if !written_by_server {
        return Some(by);
    }
    if !in_pk {
        notes.push(
            "NOT NULL, but PostgreSQL writes this column itself (GENERATED ALWAYS): not_null is not asserted"
                .into(),
        );
    }
    None
}

/// `CHECK ((col IS NOT NULL))` as `pg_get_constraintdef` prints it, the name bare or quoted.
fn is_not_null_check(definition: &str, column: &str) -> bool {
    [column.to_string(), ident(column)]
        .iter()
        .any(|name| definition == format!("CHECK (({name} IS NOT NULL))"))
}

impl ColumnDescription {
    /// Leaves to the project's `[[rule]]`s every key they already state, whatever its value: a
    /// table file that restated it would either repeat the rule or contradict it (an invalid
    /// configuration), and the rule's own test then tells the truth about the schema. Says so
    /// where the schema disagrees with the rule. Never writes `except`: overriding a rule is a
    /// person's decision.
    pub fn leave_to_rules(&mut self, rules: &ColumnFacts, default_schema: &str) {
        if let Some(rule) = &rules.type_
            && let Some(own) = self.type_.take()
            && own != rule.value
        {
            self.notes.push(format!(
                "type is left to a [[rule]], which expects {}; the schema has {own}",
                rule.value
            ));
        }
        if rules.not_null.is_some() {
            self.not_null = None;
        }
        if rules.indexed.is_some() {
            self.indexed = false;
        }
        let Some((own, fk)) = self.references.clone() else {
            return;
        };
        let shown = own.display(default_schema);
        if rules.no_fk.is_some() {
            self.notes.push(format!(
                "a [[rule]] says no_fk, but the schema has foreign key {fk} to {shown}"
            ));
            (self.references, self.on_delete) = (None, None);
            return;
        }
        if let Some(rule) = &rules.references {
            self.references = None;
            if rule.value != own {
                self.notes.push(format!(
                    "references is left to a [[rule]], which expects {}; the schema has foreign key {fk} to {shown}",
                    rule.value.display(default_schema)
                ));
                self.on_delete = None;
                return;
            }
        }
        if let Some(rule) = &rules.on_delete
            && let Some(own) = self.on_delete.take()
            && own != rule.value
        {
            self.notes.push(format!(
                "on_delete is left to a [[rule]], which expects {}; the schema has {}",
                rule.value.name(),
                own.name()
            ));
        }
    }
}

/// A TOML key: bare when TOML allows it (`A-Za-z0-9_-`), else a quoted string.
pub fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        toml_string(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::TableSpec;
    use proptest::prelude::*;
    use std::path::Path;

    fn described(columns: Vec<ColumnDescription>) -> Description {
        Description {
            table: TableName::new("billing", "line items"),
            path: PathBuf::from("invariants/billing.line items.toml"),
            qualified: true,
            primary_key: Some((vec!["id".into(), "created at".into()], "li_pkey".into())),
            purge: false,
            notes: Vec::new(),
            columns,
        }
    }

    #[test]
    fn renders_a_table_file_the_parser_reads_back() {
        let description = described(vec![
            ColumnDescription {
                name: "tenantId".into(),
                type_: Some("uuid".into()),
                not_null: Some("NOT NULL".into()),
                references: Some((
                    Reference::parse("auth.users.id", "public").unwrap(),
                    "li_tenant_fkey".into(),
                )),
                on_delete: Some(OnDelete::SetNull),
                indexed: false,
                notes: vec!["no index on this FK column: cascades scan the table".into()],
                ..Default::default()
            },
            ColumnDescription {
                name: "weird.\"name\"".into(),
                not_null: Some("CHECK constraint c".into()),
                ..Default::default()
            },
        ]);
        let text = description.render("public");
        assert!(text.contains("table = \"billing.line items\"\n"), "{text}");
        assert!(
            text.contains("primary_key = [\"id\", \"created at\"]  # li_pkey\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "\n[columns.tenantId]\ntype = \"uuid\"\nnot_null = true  # NOT NULL\nreferences = \"auth.users.id\"  # li_tenant_fkey\non_delete = \"set null\"\n# no index on this FK column: cascades scan the table\n"
            ),
            "{text}"
        );
        assert!(text.contains("[columns.\"weird.\\\"name\\\"\"]"), "{text}");

        let parsed = TableSpec::parse(Path::new("x.toml"), text, "public").expect("valid");
        assert_eq!(parsed.table, TableName::new("billing", "line items"));
        let names: Vec<&str> = parsed.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["tenantId", "weird.\"name\""]);
        let tenant = &parsed.columns[0].facts;
        assert_eq!(tenant.on_delete.as_ref().unwrap().value, OnDelete::SetNull);
        assert_eq!(
            tenant.references.as_ref().unwrap().value.table,
            TableName::new("auth", "users")
        );
        assert!(tenant.indexed.is_none());
    }

    #[test]
    fn not_null_checks_are_recognised_in_both_spellings() {
        assert!(is_not_null_check("CHECK ((email IS NOT NULL))", "email"));
        assert!(is_not_null_check(
            "CHECK ((\"Email\" IS NOT NULL))",
            "Email"
        ));
        assert!(!is_not_null_check(
            "CHECK ((email IS NOT NULL) AND (x > 0))",
            "email"
        ));
    }

    proptest! {
        #[test]
        fn any_column_name_survives_the_round_trip(name in "\\PC{1,12}|[ -~]{1,12}") {
            let text = described(vec![ColumnDescription {
                name: name.clone(),
                type_: Some("text".into()),
                ..Default::default()
            }])
            .render("public");
            let parsed = TableSpec::parse(Path::new("x.toml"), text, "public").expect("valid");
            prop_assert_eq!(&parsed.columns[0].name, &name);
        }
    }
}
