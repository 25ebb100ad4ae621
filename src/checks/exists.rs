//! `<table>::exists` and `<table>::<col>::exists`: the things invariants talk about are there.
//! A renamed table or column would otherwise make every other fact about it vacuous.

use super::{Context, Verdict};
use crate::location::Location;
use crate::names::TableName;

pub fn table(ctx: &Context<'_>, table: &TableName, at: &Location) -> Verdict {
    let promise = format!("table {} exists", ctx.show(table));
    ctx.table(table, at, &promise).map(drop)
}

pub fn column(ctx: &Context<'_>, table: &TableName, column: &str, at: &Location) -> Verdict {
    let promise = format!("column {}.{column} exists", ctx.show(table));
    ctx.column(table, column, at, &promise).map(drop)
}
