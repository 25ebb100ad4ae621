//! `<table>::<col>::type`: the column's type, exactly as `format_type()` prints it. Catches an
//! id silently narrowed to `integer` or a tenant id turned into `text`.

use super::machinery::repair::{Repair, Step};
use super::{Check, Context, Failure, On, Verdict};
use crate::names::ident;
use crate::spec::Fact;

/// `<table>::<col>::type`, as the plan states it: the column and the type written for it.
pub struct Promise<'a>(pub On<'a>, pub &'a Fact<String>);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(On { table, column }, expected) = *self;
        let promise = format!(
            "column {}.{column} has type {}",
            ctx.show(table),
            expected.value
        );
        let (_, col) = ctx.column(table, column, &expected.at, &promise)?;
        if col.type_ == expected.value {
            return Ok(());
        }
        Err(Failure {
            at: Some(expected.at.clone()),
            promise,
            expected: expected.value.clone(),
            found: col.type_.clone(),
            fix: Some(
                Repair::new(vec![
                    Step::new(
                        table,
                        format!(
                            "ALTER TABLE {} ALTER COLUMN {} TYPE {};",
                            table.sql(),
                            ident(column),
                            expected.value
                        ),
                    )
                    .note("rewrites the table under an ACCESS EXCLUSIVE lock; add USING (...) if no implicit cast exists"),
                ])
                .note(format!(
                    "or, if the schema is right, write type = {:?} in the invariant file",
                    col.type_
                ))
                .into(),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{Fixture, catalog, fact, name, table};

    fn projects() -> Fixture {
        let t = table("projects", &[("id", "bigint"), ("org_id", "integer")]);
        Fixture::new(catalog(vec![t], Vec::new()))
    }

    async fn verdict(f: &Fixture, column: &str, expected: &str) -> Verdict {
        let expected = fact(expected.to_string(), "projects.toml", 4);
        let table = &name("projects");
        let promise = Promise(On { table, column }, &expected);
        promise.check(&f.ctx()).await
    }

    #[tokio::test]
    async fn the_type_exactly_as_format_type_prints_it_passes() {
        assert_eq!(verdict(&projects(), "id", "bigint").await, Ok(()));
    }

    #[tokio::test]
    async fn a_narrowed_id_fails_with_the_alter_and_the_way_to_accept_it() {
        let failure = verdict(&projects(), "org_id", "bigint").await.unwrap_err();
        insta::assert_snapshot!(failure.to_string());
    }

    #[tokio::test]
    async fn a_missing_column_names_the_columns_there_are() {
        let failure = verdict(&projects(), "orgId", "bigint").await.unwrap_err();
        insta::assert_snapshot!(failure.to_string());
    }
}
