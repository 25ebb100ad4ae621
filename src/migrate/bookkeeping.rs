//! The tables a migration tool keeps its own history in, as the tool creates them before it
//! applies the first migration.
//!
//! They exist in production whenever the tool runs the chain, so a migration may touch them
//! (goharbor/harbor's `ALTER TABLE schema_migrations ...` under golang-migrate): the chain is
//! applied after the same DDL the tool runs, in the schema it uses (the first of the search
//! path, `public`, unless the tool has a schema of its own). The DDL is each tool's, as its
//! PostgreSQL driver writes it; no history rows are inserted, except goose's version-0 row,
//! which goose inserts with its table. sqitch's registry (a `sqitch` schema of six tables)
//! is not created. Such tables are never covered nor matched by rules
//! ([`crate::spec::is_bookkeeping`]).

use std::path::PathBuf;

use super::migration::Migration;
use crate::spec::Format;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::TableName;
    use crate::spec::is_bookkeeping;

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
