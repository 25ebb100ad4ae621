//! `<table>::primary_key`: the primary key is exactly these columns, in this order (the order
//! decides which lookups the key's index serves).

use super::{Context, Failure, Verdict};
use crate::names::{TableName, ident};
use crate::spec::Fact;

pub fn check(ctx: &Context<'_>, table: &TableName, columns: &Fact<Vec<String>>) -> Verdict {
    let expected = format!("({})", columns.value.join(", "));
    let promise = format!("the primary key of {} is {expected}", ctx.show(table));
    let t = ctx.table(table, &columns.at, &promise)?;
    let pk = t.primary_key();
    if pk.is_some_and(|pk| pk.columns == columns.value) {
        return Ok(());
    }
    let key_sql = columns
        .value
        .iter()
        .map(|c| ident(c))
        .collect::<Vec<_>>()
        .join(", ");
    let (found, drop) = match pk {
        Some(pk) => (
            format!("primary key {} ({})", pk.name, pk.columns.join(", ")),
            format!(
                "ALTER TABLE {} DROP CONSTRAINT {};\n",
                table.sql(),
                ident(&pk.name)
            ),
        ),
        None => ("no primary key".to_string(), String::new()),
    };
    Err(Failure {
        at: Some(columns.at.clone()),
        promise,
        expected: format!("primary key {expected}"),
        found,
        fix: Some(format!(
            "-- takes an ACCESS EXCLUSIVE lock and builds a unique index\n{drop}ALTER TABLE {} ADD PRIMARY KEY ({key_sql});",
            table.sql()
        )),
    })
}
