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
use super::{Check, Context, Failure, On, Verdict};
use crate::referential::OnDelete;
use crate::spec::{Fact, Reference};

/// `<table>::<col>::fk`, as the plan states it: the column, what it references and, when
/// declared, the ON DELETE action.
pub struct Promise<'a>(
    pub On<'a>,
    pub &'a Fact<Reference>,
    pub Option<&'a Fact<OnDelete>>,
);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(On { table, column }, references, on_delete) = *self;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{Build, Fixture, catalog, fact, name, reference, table};

    /// `tasks.project_id` as `tasks` has it (`type_`, and `fk` when given), and `projects.id`.
    fn fixture(type_: &str, fk: Option<OnDelete>) -> Fixture {
        let mut tasks = table("tasks", &[("id", "bigint"), ("project_id", type_)]);
        if let Some(action) = fk {
            tasks = tasks.fk("project_id", "projects.id", action);
        }
        let projects = table("projects", &[("id", "bigint")]).pk(&["id"]);
        Fixture::new(catalog(vec![tasks, projects], Vec::new()))
    }

    async fn verdict(f: &Fixture, on_delete: Option<OnDelete>) -> Verdict {
        let references = fact(reference("projects.id"), "tasks.toml", 3);
        let on_delete = on_delete.map(|d| fact(d, "tasks.toml", 4));
        let promise = Promise(
            On {
                table: &name("tasks"),
                column: "project_id",
            },
            &references,
            on_delete.as_ref(),
        );
        promise.check(&f.ctx()).await
    }

    #[tokio::test]
    async fn the_declared_key_with_the_declared_action_holds() {
        let f = fixture("bigint", Some(OnDelete::Cascade));
        assert_eq!(verdict(&f, Some(OnDelete::Cascade)).await, Ok(()));
        assert_eq!(verdict(&f, None).await, Ok(()));
    }

    #[tokio::test]
    async fn a_missing_key_is_added_not_valid_then_validated() {
        let f = fixture("bigint", None);
        let failure = verdict(&f, Some(OnDelete::Cascade)).await.unwrap_err();
        insta::assert_snapshot!(f.shown(&failure));
    }

    #[tokio::test]
    async fn another_action_is_replaced() {
        let f = fixture("bigint", Some(OnDelete::NoAction));
        let failure = verdict(&f, Some(OnDelete::Cascade)).await.unwrap_err();
        insta::assert_snapshot!(f.shown(&failure));
    }

    #[tokio::test]
    async fn an_integer_pointing_at_a_bigint_fails() {
        let f = fixture("integer", Some(OnDelete::Cascade));
        let failure = verdict(&f, None).await.unwrap_err();
        insta::assert_snapshot!(f.shown(&failure));
    }
}
