//! `coverage::<table>`: every table in `schemas` has a table file, so a new table cannot ship
//! without someone deciding what it promises.

use super::{Check, Context, Failure, Verdict};
use crate::names::TableName;

pub struct Promise<'a> {
    pub table: &'a TableName,
}

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self { table } = *self;
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
