//! The tables a migration tool keeps its own history in, as the tool creates them before it
//! applies the first migration.
//!
//! They exist in production whenever the tool runs the chain, so a migration may touch them
//! (goharbor/harbor's `ALTER TABLE schema_migrations ...` under golang-migrate): the chain is
//! applied after the same DDL the tool runs, in the schema it uses (the first of the search
//! path, `public`, unless the tool has a schema of its own). The DDL is each tool's, as its
//! PostgreSQL driver writes it; no history rows are inserted, except goose's version-0 row,
//! which goose inserts with its table. sqitch's registry (a `sqitch` schema of six tables)
//! is not created. Such tables are never covered nor matched by rules ([`is_bookkeeping`]).

use std::path::PathBuf;

use super::format::Format;
use super::migration::Migration;
use crate::names::TableName;

/// The script that creates `format`'s bookkeeping, as a migration that runs before the chain;
/// `None` when the format has none of its own (`sql-dir`, `command`: the tool creates its own).
/// Each format's DDL is in its module ([`super::format::history`]).
pub fn script(format: Format) -> Option<Migration> {
    let (tool, sql) = super::format::history(format)?;
    Some(Migration {
        description: format!("{tool}'s bookkeeping"),
        ..Migration::new(
            PathBuf::from(format!("({tool}'s own bookkeeping tables)")),
            sql.to_string(),
        )
    })
}

/// Tables a supported tool keeps its history in, whatever the chain's format: never covered,
/// never matched by rules.
const TABLES: [&str; 11] = [
    "_sqlx_migrations",
    "_prisma_migrations",
    "goose_db_version",
    "schema_migrations",
    "flyway_schema_history",
    "__drizzle_migrations",
    "__diesel_schema_migrations",
    "pgmigrations",
    "databasechangelog",
    "databasechangeloglock",
    "refinery_schema_history",
];

/// Schemas that hold only a tool's bookkeeping.
const SCHEMAS: [&str; 5] = [
    "atlas_schema_revisions",
    "graphile_migrate",
    "sqitch",
    "supabase_migrations",
    "drizzle",
];

/// `table` is a migration tool's bookkeeping.
pub fn is_bookkeeping(table: &TableName) -> bool {
    TABLES.contains(&table.name.as_str())
        || SCHEMAS.contains(&table.schema.as_str())
        || table.name == "atlas_schema_revisions"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_with_a_table_has_its_ddl_and_its_tables_are_bookkeeping() {
        for format in Format::ALL {
            let Some(script) = script(format) else {
                continue;
            };
            assert!(!script.statements().is_empty(), "{format}");
        }
        assert!(is_bookkeeping(&TableName::new(
            "public",
            "schema_migrations"
        )));
        assert!(is_bookkeeping(&TableName::new(
            "drizzle",
            "__drizzle_migrations"
        )));
        assert!(is_bookkeeping(&TableName::new(
            "graphile_migrate",
            "current"
        )));
        assert!(!is_bookkeeping(&TableName::new("public", "migrations")));
    }
}
