//! `<table>::<col>::orphans`: after the seed, no row (matching `where`) holds a value that is
//! absent from the referenced column. For columns without an FK on purpose, this is the only
//! thing that notices rows pointing at deleted parents.

use super::repair::Repair;
use super::{Context, Failure, Verdict, data};
use crate::names::{TableName, ident};
use crate::spec::{Fact, Orphans};

/// How many offending values a message lists.
const SHOWN: i64 = 10;

pub async fn check(
    ctx: &Context<'_>,
    table: &TableName,
    column: &str,
    orphans: &Fact<Orphans>,
) -> Verdict {
    {
        let target = &orphans.value.references;
        let promise = format!(
            "every {}.{column}{} exists in {}",
            ctx.show(table),
            orphans
                .value
                .filter
                .as_ref()
                .map(|w| format!(" (where {w})"))
                .unwrap_or_default(),
            target.display(ctx.schema())
        );
        let (_, col) = ctx.column(table, column, &orphans.at, &promise)?;
        let (_, target_col) = ctx.column(&target.table, &target.column, &orphans.at, &promise)?;
        // Values of different types (a text id against a uuid key) are compared as text.
        let (lhs, rhs) = if col.type_ == target_col.type_ {
            (
                format!("t.{}", ident(column)),
                format!("r.{}", ident(&target.column)),
            )
        } else {
            (
                format!("t.{}::text", ident(column)),
                format!("r.{}::text", ident(&target.column)),
            )
        };
        let filter = orphans
            .value
            .filter
            .as_ref()
            .map(|w| format!(" AND ({w})"))
            .unwrap_or_default();
        let sql = format!(
            "WITH o AS (SELECT t.{col} AS v FROM {table} t WHERE t.{col} IS NOT NULL{filter} \
             AND NOT EXISTS (SELECT 1 FROM {target} r WHERE {rhs} = {lhs})) \
             SELECT (SELECT count(*) FROM o) AS n, \
             ARRAY(SELECT DISTINCT v::text FROM o ORDER BY 1 LIMIT $1) AS sample",
            col = ident(column),
            table = table.sql(),
            target = target.table.sql(),
        );
        let result = data::count_and_sample(ctx, &sql, SHOWN).await;
        let (count, sample) = match result {
            Ok(found) => found,
            Err(e) => {
                return Err(Failure {
                    at: Some(orphans.at.clone()),
                    promise,
                    expected: "the orphan query runs (`where` is SQL on the table's columns)"
                        .into(),
                    found: format!("{e}\n{sql}"),
                    fix: None,
                });
            }
        };
        if count == 0 {
            return Ok(());
        }
        Err(Failure {
            at: Some(orphans.at.clone()),
            promise,
            expected: "no orphans".into(),
            found: format!(
                "{count} row(s) whose {column} is not in {}: {}",
                target.display(ctx.schema()),
                data::listing(count, &sample)
            ),
            fix: Some(
                Repair::default()
                    .note("review first; pg-invariants never runs this:")
                    .note(format!(
                        "DELETE FROM {} t WHERE t.{} IS NOT NULL{filter} AND NOT EXISTS (SELECT 1 FROM {} r WHERE {rhs} = {lhs});",
                        table.sql(),
                        ident(column),
                        target.table.sql()
                    ))
                    .into(),
            ),
        })
    }
}
