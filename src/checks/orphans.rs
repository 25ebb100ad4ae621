//! `<table>::<col>::orphans`: after the seed, no row (matching `where`) holds a value that is
//! absent from the referenced column. For columns without an FK on purpose, this is the only
//! thing that notices rows pointing at deleted parents.

use sqlx::{AssertSqlSafe, Row};

use super::repair::Repair;
use super::{Context, Failure, Verdict};
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
             ARRAY(SELECT DISTINCT v::text FROM o ORDER BY 1 LIMIT {SHOWN}) AS sample",
            col = ident(column),
            table = table.sql(),
            target = target.table.sql(),
        );
        let result = async {
            let mut tx = ctx.pool.begin().await?;
            sqlx::query("SET TRANSACTION READ ONLY")
                .execute(&mut *tx)
                .await?;
            let row = sqlx::query(AssertSqlSafe(sql.clone()))
                .fetch_one(&mut *tx)
                .await?;
            tx.rollback().await?;
            Ok::<_, sqlx::Error>((
                row.try_get::<i64, _>("n")?,
                row.try_get::<Vec<String>, _>("sample")?,
            ))
        }
        .await;
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
        let more = if count > sample.len() as i64 {
            ", …"
        } else {
            ""
        };
        Err(Failure {
            at: Some(orphans.at.clone()),
            promise,
            expected: "no orphans".into(),
            found: format!(
                "{count} row(s) whose {column} is not in {}: {}{more}",
                target.display(ctx.schema()),
                sample.join(", ")
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
