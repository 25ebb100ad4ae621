//! The human-readable rendering of one table's schema that `<table>::snapshot` compares with
//! `snapshots/<table>.snap`.
//!
//! The rendering is a review document: when a migration changes a table, the diff of two
//! renderings should tell the story in a few `-`/`+` lines. So it is deterministic (no OIDs,
//! nothing that depends on the machine, the run or the order the catalog returned rows in),
//! one fact per line (a new column or index adds one line and re-aligns nothing), and close to
//! the SQL a reader would write: columns in their `attnum` order (that order is part of the
//! schema), then constraints, indexes, triggers, policies and partitions, each sorted by name
//! (bytewise, whatever the server's collation).
//!
//! Text that PostgreSQL prints (`format_type`, `pg_get_expr`, `pg_get_constraintdef`,
//! `pg_get_indexdef`, `pg_get_triggerdef`) is kept as printed: it is exact and familiar, and
//! [`super::load`] reads it with fixed date, time zone and interval settings. Table names that
//! this module prints itself are always schema-qualified, so changing `[invariants] schemas`
//! changes no snapshot.

use std::fmt::Write;

use super::{
    Catalog, Constraint, ConstraintKind, ForeignKey, Index, Policy, Table, TableKind, Trigger,
};
use crate::names::TableName;

/// The rendering of `table`, which must come from `catalog` (its partitions are looked up there).
pub fn render(catalog: &Catalog, table: &Table) -> String {
    let mut out = String::new();
    header(&mut out, table);
    section(&mut out, "columns", table.columns.iter().map(column));
    constraints(&mut out, table);
    section(
        &mut out,
        "indexes",
        by_name(&table.indexes, |i| &i.name).map(index),
    );
    section(
        &mut out,
        "triggers",
        by_name(&table.triggers, |t| &t.name).map(trigger),
    );
    section(
        &mut out,
        "policies",
        by_name(&table.policies, |p| &p.name).map(policy),
    );
    let mut partitions = Vec::new();
    partition_tree(catalog, &table.name, 0, &mut partitions);
    section(&mut out, "partitions", partitions.into_iter());
    out
}

/// The table's name, where it sits in a partition tree, and its row level security.
fn header(out: &mut String, table: &Table) {
    line(out, format!("table {}", qualified(&table.name)));
    if let (Some(parent), Some(bound)) = (&table.parent, &table.partition_bound) {
        line(out, format!("partition of {} {bound}", qualified(parent)));
    }
    if let Some(key) = &table.partition_key {
        line(out, format!("partition by {key}"));
    }
    line(
        out,
        format!(
            "row level security: {}",
            match (table.rls_enabled, table.rls_forced) {
                (true, true) => "enabled, forced",
                (true, false) => "enabled",
                (false, true) => "disabled (forced when enabled)",
                (false, false) => "disabled",
            }
        ),
    );
}

/// `items` sorted by name (bytewise), so the rendering never depends on the catalog's order.
fn by_name<T>(items: &[T], name: impl Fn(&T) -> &String) -> impl Iterator<Item = &T> {
    let mut sorted: Vec<&T> = items.iter().collect();
    sorted.sort_by(|a, b| name(a).cmp(name(b)));
    sorted.into_iter()
}

/// The primary key, then the foreign keys, then the other constraints, each sorted by name.
fn constraints(out: &mut String, table: &Table) {
    let constraints: Vec<&Constraint> = by_name(&table.constraints, |c| &c.name).collect();
    if let Some(pk) = constraints
        .iter()
        .find(|c| matches!(c.kind, ConstraintKind::PrimaryKey))
    {
        line(
            out,
            format!(
                "primary key: {} ({}){}",
                ident(&pk.name),
                idents(&pk.columns),
                deferrable(pk.deferrable, pk.deferred)
            ),
        );
    }
    section(
        out,
        "foreign keys",
        constraints.iter().filter_map(|c| match &c.kind {
            ConstraintKind::ForeignKey(fk) => Some(foreign_key(c, fk)),
            _ => None,
        }),
    );
    section(
        out,
        "constraints",
        constraints.iter().filter_map(|c| match c.kind {
            ConstraintKind::Unique | ConstraintKind::Check | ConstraintKind::Exclusion => {
                Some(format!("{}: {}", ident(&c.name), c.definition))
            }
            ConstraintKind::PrimaryKey | ConstraintKind::ForeignKey(_) => None,
        }),
    );
}

fn foreign_key(c: &Constraint, fk: &ForeignKey) -> String {
    format!(
        "{}: FOREIGN KEY ({}) REFERENCES {} ({}){} ON UPDATE {} ON DELETE {}{}{}",
        ident(&c.name),
        idents(&c.columns),
        qualified(&fk.target),
        idents(&fk.target_columns),
        if fk.match_full { " MATCH FULL" } else { "" },
        fk.on_update.sql(),
        fk.on_delete.sql(),
        deferrable(c.deferrable, c.deferred),
        if c.validated { "" } else { " NOT VALID" },
    )
}

fn index(i: &Index) -> String {
    let invalid = if i.valid { "" } else { "  -- INVALID" };
    format!("{}{invalid}", i.definition)
}

fn trigger(t: &Trigger) -> String {
    let state = match t.enabled {
        'D' => "  -- DISABLED",
        'R' => "  -- ENABLED REPLICA",
        'A' => "  -- ENABLED ALWAYS",
        _ => "",
    };
    format!("{}{state}", t.definition)
}

fn policy(p: &Policy) -> String {
    let mut roles: Vec<&String> = p.roles.iter().collect();
    roles.sort();
    let roles: Vec<String> = roles.into_iter().map(|r| ident(r)).collect();
    let mut text = format!(
        "{} AS {} FOR {} TO {}",
        ident(&p.name),
        if p.permissive {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        },
        policy_command(&p.command),
        roles.join(", ")
    );
    if let Some(using) = &p.using {
        let _ = write!(text, " USING ({using})");
    }
    if let Some(check) = &p.check {
        let _ = write!(text, " WITH CHECK ({check})");
    }
    text
}

fn line(out: &mut String, text: String) {
    out.push_str(&text);
    out.push('\n');
}

/// `title:` and one indented line per item; nothing at all when there are none.
fn section(out: &mut String, title: &str, items: impl Iterator<Item = String>) {
    let mut items = items.peekable();
    if items.peek().is_none() {
        return;
    }
    line(out, format!("{title}:"));
    for item in items {
        line(out, format!("  {item}"));
    }
}

/// A column as in `CREATE TABLE`: `name type [NOT NULL] [DEFAULT ...|GENERATED ...]`.
fn column(c: &super::Column) -> String {
    let mut text = format!("{} {}", ident(&c.name), c.type_);
    if c.not_null {
        text.push_str(" NOT NULL");
    }
    if c.not_null_not_valid.is_some() {
        text.push_str(" NOT VALID");
    }
    match (&c.default, c.generated) {
        (Some(expr), true) => {
            let kind = if c.generated_virtual {
                "VIRTUAL"
            } else {
                "STORED"
            };
            let _ = write!(text, " GENERATED ALWAYS AS ({expr}) {kind}");
        }
        (Some(expr), false) => {
            let _ = write!(text, " DEFAULT {expr}");
        }
        (None, _) => {}
    }
    match c.identity {
        Some('a') => text.push_str(" GENERATED ALWAYS AS IDENTITY"),
        Some('d') => text.push_str(" GENERATED BY DEFAULT AS IDENTITY"),
        _ => {}
    }
    text
}

fn deferrable(deferrable: bool, deferred: bool) -> &'static str {
    match (deferrable, deferred) {
        (true, true) => " DEFERRABLE INITIALLY DEFERRED",
        (true, false) => " DEFERRABLE",
        (false, _) => "",
    }
}

/// `pg_policy.polcmd` as the SQL word.
fn policy_command(code: &str) -> &str {
    match code {
        "r" => "SELECT",
        "a" => "INSERT",
        "w" => "UPDATE",
        "d" => "DELETE",
        "*" => "ALL",
        other => other,
    }
}

/// The partitions directly below `parent`, each followed by its own (indented one level more).
fn partition_tree(catalog: &Catalog, parent: &TableName, depth: usize, out: &mut Vec<String>) {
    let mut children: Vec<&Table> = catalog
        .tables
        .iter()
        .filter(|t| t.parent.as_ref() == Some(parent))
        .collect();
    children.sort_by(|a, b| a.name.cmp(&b.name));
    for child in children {
        let mut text = format!(
            "{}{} {}",
            "  ".repeat(depth),
            qualified(&child.name),
            child.partition_bound.as_deref().unwrap_or("")
        );
        if child.kind == TableKind::Partitioned
            && let Some(key) = &child.partition_key
        {
            let _ = write!(text, " PARTITION BY {key}");
        }
        out.push(text);
        partition_tree(catalog, &child.name, depth + 1, out);
    }
}

fn qualified(name: &TableName) -> String {
    format!("{}.{}", ident(&name.schema), ident(&name.name))
}

fn idents(names: &[String]) -> String {
    names
        .iter()
        .map(|n| ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An identifier for reading: bare when it is a plain lower-case name, double-quoted otherwise
/// (`Tenant-Id` → `"Tenant-Id"`), so names that differ only in case or punctuation stay distinct.
fn ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        name.to_string()
    } else {
        crate::names::ident(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_only_when_they_must_be() {
        assert_eq!(ident("org_id"), "org_id");
        assert_eq!(ident("tenantId"), "\"tenantId\"");
        assert_eq!(ident("Tenant-Id"), "\"Tenant-Id\"");
        assert_eq!(ident("1st"), "\"1st\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
    }

    fn col(name: &str) -> super::super::Column {
        super::super::Column {
            name: name.into(),
            type_: "integer".into(),
            not_null: false,
            not_null_not_valid: None,
            default: None,
            identity: None,
            generated: false,
            generated_virtual: false,
            value: super::super::ValueType {
                base: "integer".into(),
                base_name: "integer".into(),
                category: 'N',
                labels: Vec::new(),
                domain_checks: Vec::new(),
                element: None,
            },
        }
    }

    /// PostgreSQL 18 adds two column shapes; the ones 15 has render as before.
    #[test]
    fn virtual_columns_and_not_valid_not_nulls_of_18_render_as_such() {
        let generated = |virtual_| super::super::Column {
            default: Some("(id * 2)".into()),
            generated: true,
            generated_virtual: virtual_,
            ..col("twice")
        };
        let not_null = |not_valid: Option<&str>| super::super::Column {
            not_null: true,
            not_null_not_valid: not_valid.map(String::from),
            ..col("org_id")
        };
        assert_eq!(
            column(&generated(false)),
            "twice integer GENERATED ALWAYS AS ((id * 2)) STORED"
        );
        assert_eq!(
            column(&generated(true)),
            "twice integer GENERATED ALWAYS AS ((id * 2)) VIRTUAL"
        );
        assert_eq!(column(&not_null(None)), "org_id integer NOT NULL");
        assert_eq!(
            column(&not_null(Some("projects_org_id_nn"))),
            "org_id integer NOT NULL NOT VALID"
        );
    }
}
