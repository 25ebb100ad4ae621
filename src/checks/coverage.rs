//! `coverage::<table>`: every table in `schemas` has a table file, so a new table cannot ship
//! without someone deciding what it promises.

use super::{Check, Context, Failure, Verdict};
use crate::names::TableName;

/// `coverage::<table>`, as the plan states it: a table of the catalog in `schemas`.
pub struct Promise<'a>(pub &'a TableName);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(table) = *self;
        if ctx.spec.table(table).is_some() {
            return Ok(());
        }
        let shown = ctx.show(table);
        let file = ctx
            .spec
            .project
            .invariants
            .path
            .join(format!("{}.toml", table.name));
        Err(Failure {
            at: None,
            promise: format!("table {shown} is covered by an invariant file"),
            expected: format!(
                "{} describing {shown} (`pg-invariants init` writes one for every table without a file), or {shown:?} in [invariants] ignore",
                file.display()
            ),
            found: "no invariant file for this table".into(),
            fix: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{Fixture, catalog, name, table};

    fn fixture() -> Fixture {
        let tables = vec![table("projects", &[("id", "bigint")]), table("tasks", &[])];
        let files = [("projects.toml", "[columns.id]\ntype = \"bigint\"\n")];
        Fixture::with(catalog(tables, Vec::new()), "", &files)
    }

    #[tokio::test]
    async fn a_table_with_a_file_is_covered() {
        let f = fixture();
        let verdict = Promise(&name("projects")).check(&f.ctx()).await;
        assert_eq!(verdict, Ok(()));
    }

    #[tokio::test]
    async fn a_table_without_a_file_names_the_file_to_write() {
        let f = fixture();
        let failure = Promise(&name("tasks")).check(&f.ctx()).await.unwrap_err();
        assert_eq!(failure.at, None);
        insta::assert_snapshot!(f.shown(&failure));
    }
}
