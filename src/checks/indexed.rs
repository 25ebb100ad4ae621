//! `<table>::<col>::indexed`: a valid, non-partial index whose first key column is this column,
//! on the table and on every partition.
//!
//! Without it every `ON DELETE CASCADE` from the parent and every tenant-scoped query scans the
//! whole table. An index with the column second does not serve those lookups; a partial one
//! serves only some; an INVALID one (a failed `CREATE INDEX CONCURRENTLY`) serves none.

use super::{Context, Failure, Verdict, derived_name};
use crate::catalog::{Index, Table, TableKind};
use crate::location::Location;
use crate::names::{TableName, ident};

pub fn check(ctx: &Context<'_>, table: &TableName, column: &str, at: &Location) -> Verdict {
    let promise = format!(
        "{}.{column} is indexed (first key column of a valid, non-partial index)",
        ctx.show(table)
    );
    let (t, _) = ctx.column(table, column, at, &promise)?;
    let lacking: Vec<(&Table, String)> = ctx
        .catalog
        .with_partitions(t)
        .into_iter()
        .filter(|part| !part.indexes.iter().any(|i| serves(i, column)))
        .map(|part| (part, near_misses(part, column)))
        .collect();
    if lacking.is_empty() {
        return Ok(());
    }
    let found = lacking
        .iter()
        .map(|(part, why)| format!("{}: {why}", ctx.show(&part.name)))
        .collect::<Vec<_>>()
        .join("\n");
    Err(Failure {
        at: Some(at.clone()),
        promise,
        expected: format!(
            "an index on ({column}, ...) on {} and every partition",
            ctx.show(table)
        ),
        found,
        fix: Some(fix(t, column, &lacking)),
    })
}

fn serves(index: &Index, column: &str) -> bool {
    index.valid
        && !index.partial
        && index
            .key_columns
            .first()
            .is_some_and(|c| c.as_deref() == Some(column))
}

/// What the table has instead, so the user sees why a nearby index does not count.
fn near_misses(table: &Table, column: &str) -> String {
    let related: Vec<String> = table
        .indexes
        .iter()
        .filter(|i| i.key_columns.iter().any(|c| c.as_deref() == Some(column)))
        .map(|i| {
            let why = if !i.valid {
                "INVALID"
            } else if i.partial {
                "partial"
            } else {
                "column is not the first key"
            };
            format!("{} ({why}): {}", i.name, i.definition)
        })
        .collect();
    if related.is_empty() {
        format!("no index on {column}")
    } else {
        related.join("; ")
    }
}

/// Leaves first, concurrently; then the partitioned parent, which adopts the leaves' indexes
/// instead of building new ones. An INVALID index is rebuilt concurrently first.
fn fix(table: &Table, column: &str, lacking: &[(&Table, String)]) -> String {
    let mut sql = Vec::new();
    for (part, _) in lacking
        .iter()
        .filter(|(p, _)| p.kind == TableKind::Ordinary)
    {
        for invalid in part.indexes.iter().filter(|i| {
            !i.valid
                && i.key_columns
                    .first()
                    .is_some_and(|c| c.as_deref() == Some(column))
        }) {
            sql.push(format!(
                "DROP INDEX CONCURRENTLY IF EXISTS {}.{};",
                ident(&part.name.schema),
                ident(&invalid.name)
            ));
        }
        sql.push(format!(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {} ({});",
            ident(&derived_name(&part.name.name, column, "idx")),
            part.name.sql(),
            ident(column)
        ));
    }
    if table.kind == TableKind::Partitioned {
        sql.push(format!(
            "-- on a partitioned table: attaches the partitions' matching indexes\nCREATE INDEX IF NOT EXISTS {} ON {} ({});",
            ident(&derived_name(&table.name.name, column, "idx")),
            table.name.sql(),
            ident(column)
        ));
    }
    let mut text = String::from(
        "-- CONCURRENTLY cannot run inside a transaction: put these in a no-transaction migration\n",
    );
    text.push_str(&sql.join("\n"));
    text
}
