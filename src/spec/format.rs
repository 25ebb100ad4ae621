//! The migration tools a project's chain can belong to, by the name the project file and
//! `--format` use (docs/formats.md), and the tables those tools keep their history in.
//!
//! A format is what users write, so its name lives with the spec; how each format finds, orders
//! and writes migrations is `migrate`'s (`migrate::format`).

use std::fmt;
use std::str::FromStr;

use crate::names::TableName;

/// The layout of a migration chain: which tool owns it (docs/formats.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Auto,
    SqlDir,
    Supabase,
    Sqlx,
    Prisma,
    Diesel,
    GolangMigrate,
    Flyway,
    Dbmate,
    Goose,
    Drizzle,
    GraphileMigrate,
    Atlas,
    Refinery,
    Sqitch,
    Liquibase,
    NodePgMigrate,
    Command,
}

impl Format {
    /// Every format, in the order of the documentation.
    pub const ALL: [Format; 18] = [
        Format::Auto,
        Format::SqlDir,
        Format::Supabase,
        Format::Sqlx,
        Format::Prisma,
        Format::Diesel,
        Format::GolangMigrate,
        Format::Flyway,
        Format::Dbmate,
        Format::Goose,
        Format::Drizzle,
        Format::GraphileMigrate,
        Format::Atlas,
        Format::Refinery,
        Format::Sqitch,
        Format::Liquibase,
        Format::NodePgMigrate,
        Format::Command,
    ];

    /// The name used in `pg-invariants.toml` and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::SqlDir => "sql-dir",
            Format::Supabase => "supabase",
            Format::Sqlx => "sqlx",
            Format::Prisma => "prisma",
            Format::Diesel => "diesel",
            Format::GolangMigrate => "golang-migrate",
            Format::Flyway => "flyway",
            Format::Dbmate => "dbmate",
            Format::Goose => "goose",
            Format::Drizzle => "drizzle",
            Format::GraphileMigrate => "graphile-migrate",
            Format::Atlas => "atlas",
            Format::Refinery => "refinery",
            Format::Sqitch => "sqitch",
            Format::Liquibase => "liquibase",
            Format::NodePgMigrate => "node-pg-migrate",
            Format::Command => "command",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `--format` value that names no format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown migration format `{0}`; valid formats: {list}", list = valid_names())]
pub struct UnknownFormat(pub String);

fn valid_names() -> String {
    Format::ALL.map(Format::name).join(", ")
}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|format| format.name() == name)
            .ok_or_else(|| UnknownFormat(name.to_string()))
    }
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
