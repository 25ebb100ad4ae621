//! `<table>::<col>::not_null`: an INSERT of an otherwise valid row with NULL in the column is
//! refused (SQLSTATE 23502 or 23514).
//!
//! Behaviour, not structure: the "three-step NOT NULL" leaves a validated `CHECK (col IS NOT
//! NULL)` that is as good as the attribute, while a step never finished (a `NOT VALID` check, a
//! forgotten `SET NOT NULL`) lets NULLs in. An INSERT tells them apart whatever the mechanism.

use super::behaviour::{self, Case, Run, outcome};
use super::{Context, Failure, Named, Verdict, derived_name, unless_exists};
use crate::catalog::{Table, TableKind};
use crate::location::Location;
use crate::names::{TableName, ident};

pub async fn check(ctx: &Context<'_>, table: &TableName, column: &str, at: &Location) -> Verdict {
    let promise = format!(
        "{}.{column} is NOT NULL: an INSERT with NULL there is refused",
        ctx.show(table)
    );
    let (t, col) = ctx.column(table, column, at, &promise)?;
    if col.generated {
        return Err(Failure {
            at: Some(at.clone()),
            promise,
            expected: "a column an INSERT can write".into(),
            found: format!("{column} is a generated column: no INSERT can set it to NULL"),
            fix: None,
        });
    }
    behaviour::each_case(ctx, async |run: &mut Run<'_>, _: Case| {
        let row = run.row(ctx, table, false, at, &promise).await?;
        let (result, count) = run.insert_instead(t, &row, column, "NULL").await;
        let out = match result {
            Err(e) if e.code == "23502" || e.code == "23514" => return Ok(()),
            Err(_) => None,
            Ok(out) => Some(out),
        };
        let replaced = out
            .as_ref()
            .map(|o| behaviour::replaced(t, column, None, o))
            .unwrap_or_default();
        // Already NOT NULL, and a trigger fills the column in: no DDL makes the INSERT fail.
        let fix = (!col.not_null || replaced.is_empty()).then(|| fix(t, column));
        Err(Failure {
            at: Some(at.clone()),
            promise: promise.clone(),
            expected: "the INSERT fails with SQLSTATE 23502 (not_null_violation) or 23514 (check_violation)".into(),
            found: format!(
                "the INSERT with {column} = NULL {}{replaced}\n{}",
                outcome(&count),
                behaviour::transcript(&run.sb)
            ),
            fix,
        })
    })
    .await
}

/// The three steps, each idempotent: a `CHECK (col IS NOT NULL) NOT VALID` (instant), its
/// validation (reads the table without blocking writes), then `SET NOT NULL`, which uses the
/// validated check instead of scanning again.
pub fn fix(table: &Table, column: &str) -> String {
    let t = table.name.sql();
    let name = derived_name(&table.name.name, column, "not_null");
    let mut sql = format!(
        "-- rows that are NULL today must be given a value first:\n-- UPDATE {t} SET {c} = ... WHERE {c} IS NULL;\n",
        c = ident(column)
    );
    if table.kind == TableKind::Partitioned {
        // A partitioned table takes no NOT VALID constraint: SET NOT NULL scans each partition.
        sql.push_str(&format!(
            "ALTER TABLE {t} ALTER COLUMN {} SET NOT NULL;",
            ident(column)
        ));
        return sql;
    }
    let add = format!(
        "ALTER TABLE {t} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID",
        ident(&name),
        ident(column)
    );
    sql.push_str(&unless_exists(Named::Constraint, &table.name, &name, &add));
    sql.push_str(&format!(
        "\nALTER TABLE {t} VALIDATE CONSTRAINT {};\nALTER TABLE {t} ALTER COLUMN {} SET NOT NULL;",
        ident(&name),
        ident(column),
    ));
    sql
}
