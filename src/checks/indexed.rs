//! `<table>::<col>::indexed`: a valid, non-partial index whose first key column is this column,
//! on the table and on every partition.
//!
//! Without it every `ON DELETE CASCADE` from the parent and every tenant-scoped query scans the
//! whole table. An index with the column second does not serve those lookups; a partial one
//! serves only some; an INVALID one (a failed `CREATE INDEX CONCURRENTLY`) serves none.

use super::machinery::repair::{Repair, Runs, Step, derived_name};
use super::{Check, Context, Failure, On, Verdict};
use crate::catalog::{Catalog, Index, Table, TableKind};
use crate::location::Location;
use crate::names::{ident, literal};

/// `<table>::<col>::indexed`, as the plan states it.
pub struct Promise<'a>(pub On<'a>, pub &'a Location);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(On { table, column }, at) = *self;
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
            fix: Some(fix(ctx.catalog, t, column, &lacking).into()),
        })
    }
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
/// instead of building new ones. An INVALID index is rebuilt concurrently first. A parent whose
/// own index on (column) is INVALID (built `ON ONLY`, not every partition's index attached) gets
/// the missing partitions' indexes attached instead: it turns valid once each has one.
fn fix(catalog: &Catalog, table: &Table, column: &str, lacking: &[(&Table, String)]) -> Repair {
    let mut steps = Vec::new();
    let mut attach = Vec::new();
    let parent_index = table
        .indexes
        .iter()
        .filter(|_| table.kind == TableKind::Partitioned)
        .find(|i| !i.valid && !i.partial && i.key_columns == [Some(column.to_string())]);
    for part in catalog.with_partitions(table) {
        if part.kind != TableKind::Ordinary {
            if let Some(parent_index) = parent_index
                && part.parent.as_ref() == Some(&table.name)
            {
                attach.push(format!(
                    "  -- {} is partitioned itself: attach its own index on ({column}) to {} by hand",
                    part.name, parent_index.name
                ));
            }
            continue;
        }
        let lacks = lacking.iter().any(|(p, _)| p.name == part.name);
        if lacks {
            steps.extend(drop_invalid(part, column));
        }
        let Some(parent_index) = parent_index.filter(|_| part.parent.as_ref() == Some(&table.name))
        else {
            if lacks {
                steps.push(create_concurrently(part, column));
            }
            continue;
        };
        // A partition of a parent with an invalid index: it needs an index on exactly (column).
        let own = part
            .indexes
            .iter()
            .find(|i| i.valid && !i.partial && i.key_columns == [Some(column.to_string())]);
        let name = match own {
            Some(i) => i.name.clone(),
            None => {
                steps.push(create_concurrently(part, column));
                derived_name(&part.name.name, column, "idx")
            }
        };
        attach.push(format!(
            "  IF NOT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_index x ON x.indexrelid = i.inhrelid\n                 WHERE i.inhparent = {parent}::regclass AND x.indrelid = {part}::regclass) THEN\n    ALTER INDEX {parent_sql} ATTACH PARTITION {}.{};\n  END IF;",
            ident(&part.name.schema),
            ident(&name),
            parent = literal(&index_sql(table, &parent_index.name)),
            part = literal(&part.name.sql()),
            parent_sql = index_sql(table, &parent_index.name),
        ));
    }
    match parent_index {
        Some(parent_index) => steps.push(
            Step::new(&table.name, format!("DO $$\nBEGIN\n{}\nEND $$;", attach.join("\n"))).note(
                format!(
                    "{} on the partitioned table is INVALID until every partition's index is attached to it",
                    parent_index.name
                ),
            ),
        ),
        None if table.kind == TableKind::Partitioned => steps.push(
            create_index(table, column, "")
                .note("on a partitioned table: attaches the partitions' matching indexes"),
        ),
        None => {}
    }
    if let Some(first) = steps.iter_mut().find(|s| s.runs == Runs::Outside) {
        first.notes.insert(
            0,
            "CONCURRENTLY cannot run inside a transaction: put these in a no-transaction migration"
                .into(),
        );
    }
    Repair::new(steps)
}

/// An INVALID index on (column, …) of `part` (a failed `CREATE INDEX CONCURRENTLY`), dropped
/// so that it can be built again.
fn drop_invalid(part: &Table, column: &str) -> Vec<Step> {
    part.indexes
        .iter()
        .filter(|i| {
            !i.valid
                && i.key_columns
                    .first()
                    .is_some_and(|c| c.as_deref() == Some(column))
        })
        .map(|invalid| {
            Step::new(
                &part.name,
                format!(
                    "DROP INDEX CONCURRENTLY IF EXISTS {}.{};",
                    ident(&part.name.schema),
                    ident(&invalid.name)
                ),
            )
            .runs(Runs::Outside)
        })
        .collect()
}

fn create_concurrently(part: &Table, column: &str) -> Step {
    create_index(part, column, "CONCURRENTLY ").runs(Runs::Outside)
}

/// `CREATE INDEX [CONCURRENTLY ]IF NOT EXISTS <table>_<column>_idx ON <table> (<column>);`
fn create_index(table: &Table, column: &str, concurrently: &str) -> Step {
    Step::new(
        &table.name,
        format!(
            "CREATE INDEX {concurrently}IF NOT EXISTS {} ON {} ({});",
            ident(&derived_name(&table.name.name, column, "idx")),
            table.name.sql(),
            ident(column)
        ),
    )
}

/// An index of `table`, schema-qualified for SQL.
fn index_sql(table: &Table, index: &str) -> String {
    format!("{}.{}", ident(&table.name.schema), ident(index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{Build, Fixture, at, catalog, name, table};

    async fn verdict(f: &Fixture) -> Verdict {
        let at = at("tasks.toml", 5);
        let promise = Promise(
            On {
                table: &name("tasks"),
                column: "org_id",
            },
            &at,
        );
        promise.check(&f.ctx()).await
    }

    fn tasks() -> Table {
        table("tasks", &[("id", "bigint"), ("org_id", "bigint")]).pk(&["id"])
    }

    #[tokio::test]
    async fn an_index_led_by_the_column_serves() {
        let t = tasks().index("tasks_org_id_idx", &["org_id", "id"]);
        let f = Fixture::new(catalog(vec![t], Vec::new()));
        assert_eq!(verdict(&f).await, Ok(()));
    }

    #[tokio::test]
    async fn an_index_with_the_column_second_is_a_near_miss() {
        let t = tasks().index("tasks_id_org_id_idx", &["id", "org_id"]);
        let f = Fixture::new(catalog(vec![t], Vec::new()));
        let failure = verdict(&f).await.unwrap_err();
        insta::assert_snapshot!(f.shown(&failure));
    }

    #[tokio::test]
    async fn an_invalid_index_is_dropped_and_built_again() {
        let mut t = tasks().index("tasks_org_id_idx", &["org_id"]);
        t.indexes[1].valid = false;
        let f = Fixture::new(catalog(vec![t], Vec::new()));
        let failure = verdict(&f).await.unwrap_err();
        insta::assert_snapshot!(f.shown(&failure));
    }

    #[tokio::test]
    async fn a_partition_without_the_index_fails_with_the_partitioned_fix() {
        let mut parent = tasks().index("tasks_org_id_idx", &["org_id"]);
        parent.kind = TableKind::Partitioned;
        let mut part = table("tasks_2024", &[("id", "bigint"), ("org_id", "bigint")]);
        part.parent = Some(name("tasks"));
        let f = Fixture::new(catalog(vec![parent, part], Vec::new()));
        let failure = verdict(&f).await.unwrap_err();
        insta::assert_snapshot!(f.shown(&failure));
    }
}
