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

/// `rules::<name>`, as the plan states it: the rule's name and where it was written.
pub struct Promise<'a>(pub &'a str, pub &'a Location);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(name, at) = *self;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{Fixture, catalog, in_project, table};

    const RULES: &str = "[invariants]\npath = \"invariants\"\ncoverage = false\n\n\
        [[rule]]\nname = \"tenant-fk\"\ncolumns = [\"org_id\", \"*_org_id\"]\nindexed = true\n\n\
        [[rule]]\nname = \"timestamps\"\ncolumns = [\"created_at\"]\ntables = [\"projects\"]\n\
        type = \"timestamp with time zone\"\n";

    fn fixture() -> Fixture {
        let tables = vec![
            table("projects", &[("id", "bigint"), ("orgId", "bigint")]),
            table(
                "tasks",
                &[("id", "bigint"), ("created_at", "timestamp with time zone")],
            ),
        ];
        Fixture::with(catalog(tables, Vec::new()), RULES, &[])
    }

    async fn verdict(f: &Fixture, name: &str) -> Verdict {
        Promise(name, &in_project("pg-invariants.toml", 17))
            .check(&f.ctx())
            .await
    }

    #[tokio::test]
    async fn a_rule_that_applies_to_nothing_names_the_near_columns() {
        let f = fixture();
        let failure = verdict(&f, "tenant-fk").await.unwrap_err();
        insta::assert_snapshot!(f.shown(&failure));
    }

    #[tokio::test]
    async fn a_rule_whose_tables_leave_out_what_columns_matches_says_so() {
        let f = fixture();
        let failure = verdict(&f, "timestamps").await.unwrap_err();
        insta::assert_snapshot!(f.shown(&failure));
    }

    #[tokio::test]
    async fn a_rule_no_file_states_is_never_a_pass() {
        let f = fixture();
        let failure = verdict(&f, "no-such-rule").await.unwrap_err();
        assert_eq!(
            failure,
            unchecked(Some(&in_project("pg-invariants.toml", 17)))
        );
    }
}
