//! `<table>::<col>::exists`: the column invariants talk about is there. A renamed column would
//! otherwise make every other fact about it vacuous. When it is missing, the message names the
//! table's nearest column names.

use super::{Check, Context, Verdict};
use crate::location::Location;
use crate::names::TableName;
use crate::spec::did_you_mean;

pub struct Promise<'a> {
    pub table: &'a TableName,
    pub column: &'a str,
    pub at: &'a Location,
}

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self { table, column, at } = *self;
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
