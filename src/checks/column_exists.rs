//! `<table>::<col>::exists`: the column invariants talk about is there. A renamed column would
//! otherwise make every other fact about it vacuous. When it is missing, the message names the
//! table's nearest column names.

use super::{Check, Context, On, Verdict};
use crate::location::Location;
use crate::spec::did_you_mean;

/// `<table>::<col>::exists`, as the plan states it: the column and where its file was written.
pub struct Promise<'a>(pub On<'a>, pub &'a Location);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(On { table, column }, at) = *self;
        let promise = format!("column {}.{column} exists", ctx.show(table));
        ctx.column(table, column, at, &promise)
            .map(drop)
            .map_err(|mut f| {
                if let Some(t) = ctx.catalog.table(table) {
                    let near = did_you_mean(column, t.columns.iter().map(|c| c.name.as_str()));
                    f.found.push_str(&near);
                }
                f
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{Fixture, at, catalog, name, table};

    async fn verdict(of: &str, column: &str) -> (Fixture, Verdict) {
        let t = table("projects", &[("id", "bigint"), ("org_id", "bigint")]);
        let f = Fixture::new(catalog(vec![t], Vec::new()));
        let at = at("projects.toml", 2);
        let promise = Promise(
            On {
                table: &name(of),
                column,
            },
            &at,
        );
        let verdict = promise.check(&f.ctx()).await;
        (f, verdict)
    }

    #[tokio::test]
    async fn a_column_the_table_has_exists() {
        assert_eq!(verdict("projects", "org_id").await.1, Ok(()));
    }

    #[tokio::test]
    async fn a_renamed_column_is_named_by_its_nearest_column() {
        let (f, verdict) = verdict("projects", "orgId").await;
        insta::assert_snapshot!(f.shown(&verdict.unwrap_err()));
    }

    #[tokio::test]
    async fn a_column_of_a_missing_table_says_the_table_is_missing() {
        let (f, verdict) = verdict("project", "org_id").await;
        insta::assert_snapshot!(f.shown(&verdict.unwrap_err()));
    }
}
