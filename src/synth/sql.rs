//! SQL text built from a row: its INSERT, and the condition that finds it again.

use indexmap::IndexMap;

use super::Row;
use crate::catalog::Table;
use crate::names::{ident, literal};

/// `INSERT INTO t (…) VALUES (…) RETURNING every column as text`, with `OVERRIDING SYSTEM
/// VALUE` when an identity column is written.
pub fn insert_sql(table: &Table, written: &IndexMap<String, String>) -> String {
    let returning = table
        .columns
        .iter()
        .map(|c| format!("{}::text", ident(&c.name)))
        .collect::<Vec<_>>()
        .join(", ");
    format!("{} RETURNING {returning}", plain_insert(table, written))
}

/// The same INSERT without RETURNING: under row level security, RETURNING applies the SELECT
/// policies to the new row, which would hide what the INSERT policy let through.
pub fn plain_insert(table: &Table, written: &IndexMap<String, String>) -> String {
    if written.is_empty() {
        return format!("INSERT INTO {} DEFAULT VALUES", table.name.sql());
    }
    let overriding = written
        .keys()
        .any(|c| table.column(c).is_some_and(|x| x.identity == Some('a')));
    format!(
        "INSERT INTO {} ({}){} VALUES ({})",
        table.name.sql(),
        written
            .keys()
            .map(|c| ident(c))
            .collect::<Vec<_>>()
            .join(", "),
        if overriding {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        },
        written.values().cloned().collect::<Vec<_>>().join(", "),
    )
}

/// The condition that finds `row` again: its primary key, or, without one, every column but
/// `except` compared as text.
pub fn identify(table: &Table, row: &Row, except: Option<&str>) -> String {
    if let Some(pk) = table.primary_key()
        && !pk.columns.iter().any(|c| Some(c.as_str()) == except)
    {
        return pk
            .columns
            .iter()
            .filter_map(|c| table.column(c))
            .map(|c| format!("{} = {}", ident(&c.name), row.literal(c)))
            .collect::<Vec<_>>()
            .join(" AND ");
    }
    table
        .columns
        .iter()
        .filter(|c| Some(c.name.as_str()) != except)
        .map(|c| match row.values.get(&c.name).cloned().flatten() {
            Some(v) => format!("{}::text = {}", ident(&c.name), literal(&v)),
            None => format!("{} IS NULL", ident(&c.name)),
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}
