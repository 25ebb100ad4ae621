//! `rules::<name>`: a `[[rule]]` applies to at least one column (one that takes it off with
//! `except` counts), and no other rule states another value for a key of a column it applies to. A rule whose glob has a typo protects nothing while
//! every test it would have produced silently disappears: this test is what notices.

use super::{Check, Context, Failure, Verdict, unchecked};
use crate::catalog::Table;
use crate::location::Location;
use crate::plan;
use crate::spec::{Contradiction, Glob, Rule, nearest_to_glob};

/// How many names or contradictions a message lists.
const SHOWN: usize = 8;

pub struct Promise<'a> {
    pub name: &'a str,
    pub at: &'a Location,
}

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self { name, at } = *self;
        let Some(rule) = ctx.spec.project.rules.iter().find(|r| r.name == name) else {
            return Err(unchecked(Some(at)));
        };
        let promise = format!("rule {name:?} applies to at least one column");
        let tables: Vec<&Table> = plan::covered_tables(ctx.spec, Some(ctx.catalog))
            .iter()
            .filter_map(|t| ctx.catalog.table(t))
            .collect();
        let mut applied = 0;
        let mut contradictions: Vec<Contradiction> = Vec::new();
        for (table, column) in columns(&tables) {
            if !applies(ctx, rule, table, column) {
                continue;
            }
            applied += 1;
            let merged = ctx.spec.facts_of(&table.name, column);
            contradictions.extend(
                merged
                    .contradictions
                    .into_iter()
                    .filter(|c| c.involves(name)),
            );
        }
        if applied == 0 {
            return Err(Failure {
                at: Some(at.clone()),
                promise,
                expected: globs(ctx, rule),
                found: format!("no column it applies to{}", hints(ctx, rule, &tables)),
                fix: None,
            });
        }
        if contradictions.is_empty() {
            return Ok(());
        }
        let listed: Vec<String> = contradictions
            .iter()
            .take(SHOWN)
            .map(|c| format!("{}: {c}", c.at()))
            .collect();
        Err(Failure {
            at: Some(at.clone()),
            promise: format!(
                "rule {name:?} agrees with every other rule on the columns it applies to"
            ),
            expected: "each key of a column stated with one value".into(),
            found: listed.join("\n"),
            fix: None,
        })
    }
}

fn columns<'t>(tables: &[&'t Table]) -> impl Iterator<Item = (&'t Table, &'t str)> {
    tables
        .iter()
        .flat_map(|t| t.columns.iter().map(move |c| (*t, c.name.as_str())))
}

/// The rule applies to the column. A column whose table file takes the rule off with `except`
/// still counts: the glob found what it was written for, and the exception is a decision.
fn applies(ctx: &Context<'_>, rule: &Rule, table: &Table, column: &str) -> bool {
    rule.applies_to(&table.name, &ctx.show(&table.name), column)
}

/// The rule's globs, as written.
fn globs(ctx: &Context<'_>, rule: &Rule) -> String {
    let list = |g: &[Glob]| {
        let quoted: Vec<String> = g.iter().map(|g| format!("{:?}", g.as_str())).collect();
        format!("[{}]", quoted.join(", "))
    };
    let mut text = format!("a column matching columns = {}", list(&rule.columns));
    if !rule.tables.is_empty() {
        text.push_str(&format!(" in tables = {}", list(&rule.tables)));
    }
    if !rule.exclude.is_empty() {
        text.push_str(&format!(", exclude = {}", list(&rule.exclude)));
    }
    text.push_str(&format!(
        ", in schemas {:?}",
        ctx.spec.project.invariants.schemas
    ));
    text
}

/// Columns the `columns` globs match but the rule does not apply to, and catalog column names
/// near the globs: what the user probably meant.
fn hints(ctx: &Context<'_>, rule: &Rule, tables: &[&Table]) -> String {
    let left_out: Vec<String> = columns(tables)
        .filter(|(_, c)| rule.columns.iter().any(|g| g.matches(c)))
        .map(|(t, c)| format!("{}.{c}", ctx.show(&t.name)))
        .take(SHOWN)
        .collect();
    if !left_out.is_empty() {
        return format!(
            "; `columns` matches {}, but `tables`, `exclude` or the rule's own `references` leave it out",
            left_out.join(", ")
        );
    }
    let mut names: Vec<&str> = columns(tables).map(|(_, c)| c).collect();
    names.sort_unstable();
    names.dedup();
    let mut near: Vec<&str> = Vec::new();
    for glob in &rule.columns {
        near.extend(nearest_to_glob(glob.as_str(), names.iter().copied()));
    }
    near.sort_unstable();
    near.dedup();
    near.truncate(SHOWN);
    if near.is_empty() {
        return " (and no column name in the catalog is near)".into();
    }
    let quoted: Vec<String> = near.iter().map(|n| format!("{n:?}")).collect();
    format!("; did you mean {}?", quoted.join(" or "))
}
