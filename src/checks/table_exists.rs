//! `<table>::exists`: the table invariants talk about is there. A renamed table would otherwise
//! make every other fact about it vacuous. When it is missing, the message names the catalog's
//! nearest names: `team.toml` describes table `team`, which is not `"Team"`, and a table of the
//! same name in another schema is a `schemas` setting away.

use super::{Check, Context, Verdict};
use crate::location::Location;
use crate::names::TableName;
use crate::spec::did_you_mean;

/// `<table>::exists`, as the plan states it: the table and where its file was written.
pub struct Promise<'a>(pub &'a TableName, pub &'a Location);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(table, at) = *self;
        let promise = format!("table {} exists", ctx.show(table));
        ctx.table(table, at, &promise).map(drop).map_err(|mut f| {
            // The same name in another schema first: a table file of `api_keys` when the chain
            // made `fluxend.api_keys` is a `schemas` (or `table = ...`) to set, not a typo.
            let elsewhere: Vec<String> = (ctx.catalog.tables.iter())
                .filter(|t| t.name.name == table.name && t.name.schema != table.schema)
                .map(|t| format!("{:?}", ctx.show(&t.name)))
                .collect();
            if !elsewhere.is_empty() {
                f.found.push_str(&format!(
                    " (did you mean {}? it is in another schema: add it to `schemas` in the [invariants] section of pg-invariants.toml, or write `table = \"schema.name\"` in the table file)",
                    elsewhere.join(" or ")
                ));
                return f;
            }
            let names: Vec<String> = (ctx.catalog.tables.iter())
                .map(|t| ctx.show(&t.name))
                .collect();
            f.found.push_str(&did_you_mean(
                &ctx.show(table),
                names.iter().map(String::as_str),
            ));
            f
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{Fixture, at, catalog, name, table};

    fn fixture() -> Fixture {
        let tables = vec![table("Team", &[]), table("billing.invoices", &[])];
        Fixture::new(catalog(tables, Vec::new()))
    }

    async fn verdict(f: &Fixture, table: &str) -> Verdict {
        let at = at("t.toml", 1);
        Promise(&name(table), &at).check(&f.ctx()).await
    }

    #[tokio::test]
    async fn a_table_the_catalog_has_exists() {
        assert_eq!(verdict(&fixture(), "billing.invoices").await, Ok(()));
    }

    #[tokio::test]
    async fn a_table_of_another_case_is_the_nearest_name() {
        let f = fixture();
        let failure = verdict(&f, "team").await.unwrap_err();
        insta::assert_snapshot!(f.shown(&failure));
    }

    #[tokio::test]
    async fn a_table_in_another_schema_is_a_schemas_setting_away() {
        let f = fixture();
        let failure = verdict(&f, "invoices").await.unwrap_err();
        insta::assert_snapshot!(f.shown(&failure));
    }
}
