//! Schema-wide `[[rule]]`s of the project file: facts every matching column must have, so a
//! new table is held to the team's conventions (an `org_id` that references `organizations`)
//! before anyone writes its table file.

use std::collections::HashMap;

use serde_spanned::Spanned;

use super::error::SpecError;
use super::facts::{ColumnFacts, RawKeys, Reference};
use super::glob::{self, Glob};
use super::source::Source;
use crate::location::Location;
use crate::names::TableName;

/// A schema-wide `[[rule]]`: facts applied to every matching column.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub at: Location,
    pub columns: Vec<Glob>,
    /// Empty: every table in `schemas`.
    pub tables: Vec<Glob>,
    /// `table` or `table.column` globs the rule never applies to.
    pub exclude: Vec<Glob>,
    pub facts: ColumnFacts,
}

impl Rule {
    /// True when the rule applies to `column` of `table` (`shown` as test names show it): its
    /// `columns` and `tables` match, `exclude` does not, and the column is not the one the rule
    /// itself references (`references = "users.id"` never applies to `users.id`).
    pub fn applies_to(&self, table: &TableName, shown: &str, column: &str) -> bool {
        glob::any_matches(&self.columns, column)
            && (self.tables.is_empty() || glob::any_matches(&self.tables, shown))
            && !self.excludes(shown, column)
            && !self.references_column(table, column)
    }

    /// `exclude` patterns match the table (`audit_*`) or the table and column (`users.user_id`).
    fn excludes(&self, shown: &str, column: &str) -> bool {
        let qualified = format!("{shown}.{column}");
        self.exclude
            .iter()
            .any(|g| g.matches(shown) || g.matches(&qualified))
    }

    fn references_column(&self, table: &TableName, column: &str) -> bool {
        let is_it = |r: &Reference| &r.table == table && r.column == column;
        let referenced = self
            .facts
            .references
            .as_ref()
            .is_some_and(|r| is_it(&r.value));
        let orphan_target = self
            .facts
            .orphans
            .as_ref()
            .is_some_and(|o| o.value.targets.iter().any(|t| is_it(&t.references)));
        referenced || orphan_target
    }
}

/// The project's `[[rule]]`s, each checked, their names unique.
pub(super) fn rules(
    src: &Source,
    raw: &[Spanned<RawKeys>],
    default_schema: &str,
) -> Result<Vec<Rule>, SpecError> {
    let rules = raw
        .iter()
        .map(|r| rule(src, r, default_schema))
        .collect::<Result<Vec<_>, _>>()?;
    unique_names(src, raw)?;
    Ok(rules)
}

/// One `[[rule]]` as written, checked: a name, columns, and at least one fact.
fn rule(src: &Source, raw: &Spanned<RawKeys>, default_schema: &str) -> Result<Rule, SpecError> {
    let keys = raw.get_ref();
    let name = keys
        .name
        .as_ref()
        .ok_or_else(|| {
            src.error_at(
                raw,
                "a [[rule]] needs `name`: it names the rule's test (`rules::<name>`), its messages, and what a column's `except` lists",
            )
        })?;
    if name.get_ref().trim().is_empty() {
        return Err(src.error_at(name, "a rule's `name` may not be empty"));
    }
    let columns = keys.columns.as_ref().ok_or_else(|| {
        src.error_at(
            raw,
            "a [[rule]] needs `columns`: glob patterns on column names",
        )
    })?;
    if columns.get_ref().is_empty() {
        return Err(src.error_at(columns, "`columns` is empty: the rule would match nothing"));
    }
    let facts = keys.facts(src, default_schema)?;
    if facts == ColumnFacts::default() {
        return Err(src.error_at(
            name,
            format!(
                "rule {:?} asserts nothing: add a column key (references, not_null, indexed, ...)",
                name.get_ref()
            ),
        ));
    }
    facts.check_consistency()?;
    let globs = |v: &Option<Spanned<Vec<String>>>| {
        v.as_ref()
            .map(|v| v.get_ref().iter().map(Glob::new).collect())
            .unwrap_or_default()
    };
    if let Some(except) = &keys.except {
        return Err(src.error_at(
            except,
            "`except` belongs to a column of a table file ([columns.X] except = [\"rule\"]); a rule leaves tables or columns out with `exclude`",
        ));
    }
    Ok(Rule {
        name: name.get_ref().clone(),
        at: src.at(raw),
        columns: globs(&keys.columns),
        tables: globs(&keys.tables),
        exclude: globs(&keys.exclude),
        facts,
    })
}

/// Rule names name tests (`rules::<name>`) and `except` entries: two rules may not share one.
fn unique_names(src: &Source, rules: &[Spanned<RawKeys>]) -> Result<(), SpecError> {
    let mut seen: HashMap<&str, &Spanned<String>> = HashMap::new();
    for name in rules.iter().filter_map(|r| r.get_ref().name.as_ref()) {
        if let Some(first) = seen.insert(name.get_ref(), name) {
            return Err(src.error_at(
                name,
                format!(
                    "a rule named {:?} already exists at {}: rule names must be unique",
                    name.get_ref(),
                    src.at(first)
                ),
            ));
        }
    }
    Ok(())
}
