//! `<table>::<col>::fk`: a validated foreign key from exactly this column to exactly the
//! referenced column, with the declared ON DELETE, on the table and on every partition, between
//! columns of the same type.
//!
//! This is the promise tenant isolation rests on, and the one migrations break silently: a
//! repartitioning that forgets the FK, a `NOT VALID` constraint never validated, an `integer`
//! column pointing at a `bigint` id (PostgreSQL accepts it; the first id past 2^31 does not).
//! What is wrong, and the repair, are [`repair::foreign_key`]'s: `rejects_invalid` and
//! `on_delete` point to the same repair when the FK is their cause.

use super::machinery::repair;
use super::{Check, Context, Failure, Verdict};
use crate::names::TableName;
use crate::spec::{Fact, OnDelete, Reference};

pub struct Promise<'a> {
    pub table: &'a TableName,
    pub column: &'a str,
    pub references: &'a Fact<Reference>,
    pub on_delete: Option<&'a Fact<OnDelete>>,
}

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self {
            table,
            column,
            references,
            on_delete,
        } = *self;
        let target = &references.value;
        let action = on_delete
            .map(|d| format!(" ON DELETE {}", d.value.sql()))
            .unwrap_or_default();
        let promise = format!(
            "{}.{column} references {}{action}",
            ctx.show(table),
            target.display(ctx.schema())
        );
        let at = &references.at;
        let (t, _) = ctx.column(table, column, at, &promise)?;
        let (_, target_col) = ctx.column(&target.table, &target.column, at, &promise)?;
        let Some(wrong) = repair::foreign_key(ctx, table, column, references, on_delete) else {
            return Ok(());
        };
        let scope = match ctx.catalog.partitions(t).len() {
            0 => String::new(),
            n => format!(" on {} and its {n} partition(s)", ctx.show(table)),
        };
        Err(Failure {
            at: Some(at.clone()),
            promise,
            expected: format!(
                "a validated FOREIGN KEY ({column}) REFERENCES {}({}){action}{scope}, both columns {}",
                target.table.display(ctx.schema()),
                target.column,
                target_col.type_
            ),
            found: wrong.problems.join("\n"),
            fix: Some(wrong.repair.into()),
        })
    }
}
