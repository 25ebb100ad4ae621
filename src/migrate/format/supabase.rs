//! `supabase`: `supabase/migrations/<timestamp>_name.sql`, applied by timestamp.
//!
//! Files the Supabase CLI skips are skipped here too, and the run prints the CLI's warning for
//! each (`Skipping migration TEMPLATE.sql... (file name must match pattern
//! "<timestamp>_name.sql")`): every entry whose name is not `<digits>_<name>.sql`, and a first
//! file `<timestamp>_init.sql` older than 2021-12-09 (the CLI's deprecated initial schema). A
//! file holding a statement PostgreSQL refuses inside a transaction block runs outside one.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::tool::{Listing, Tool};
use super::version::leading_digits;
use super::write::timestamps;
use super::{DiscoverError, FileLayout, Format, Name, entries, numbered, versioned_name};
use crate::migrate::migration::Migration;

const LAYOUT: FileLayout = FileLayout {
    format: Format::Supabase,
    expected: "`<timestamp>_<name>.sql`",
    parse,
    recursive: false,
};

pub(super) fn discover(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    let skipped = skipped(dir)?;
    let mut migrations = LAYOUT.read(dir)?;
    migrations.retain(|m| !skipped.contains(&m.path));
    numbered(LAYOUT.format, migrations)
}

fn parse(name: &str) -> Name<'_> {
    match versioned_name(name, ".sql") {
        Name::Unexpected => Name::Ignored,
        named => named,
    }
}

/// The entries of `dir` the CLI skips, in its (name) order; hidden ones are not listed.
pub(super) fn skipped(dir: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
    let entries = entries(dir)?;
    let legacy_init = entries.first().filter(|e| is_legacy_init(&e.name));
    let mismatched = entries.iter().filter(|e| !matches_cli_pattern(&e.name));
    Ok(legacy_init
        .into_iter()
        .chain(mismatched)
        .map(|e| e.path.clone())
        .collect())
}

/// The CLI's warning for a file it skips.
pub fn skip_warning(path: &Path) -> String {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let why = match is_legacy_init(&name) {
        true => "replace \"init\" with a different file name to apply this migration",
        false => "file name must match pattern \"<timestamp>_name.sql\"",
    };
    format!("Skipping migration {name}... ({why})")
}

/// `^([0-9]+)_(.*)\.sql$`, the CLI's pattern: `0001_init.sql` as much as a timestamp.
pub(super) fn matches_cli_pattern(name: &str) -> bool {
    let (digits, rest) = leading_digits(name);
    !digits.is_empty() && rest.starts_with('_') && rest.ends_with(".sql")
}

/// `<14 digits>_init.sql` before 20211209000000: the CLI skips it as the first file.
fn is_legacy_init(name: &str) -> bool {
    let (digits, rest) = leading_digits(name);
    digits.len() == 14 && rest == "_init.sql" && digits < "20211209000000"
}

/// `dir` is a `migrations` directory inside a `supabase` directory, where the CLI keeps them.
pub(super) fn is_supabase_dir(dir: &Path) -> bool {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let named =
        |path: Option<&Path>, name: &str| path.and_then(Path::file_name).is_some_and(|n| n == name);
    named(Some(&dir), "migrations") && named(dir.parent(), "supabase")
}

/// the Supabase CLI's history tables, as it creates them before the first migration.
const HISTORY: &str = "CREATE SCHEMA IF NOT EXISTS supabase_migrations;
CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (version text NOT NULL PRIMARY KEY);
ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS statements text[];
ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS name text;
";

/// `format = "supabase"`.
pub(super) struct Supabase;

impl Tool for Supabase {
    fn format(&self) -> Format {
        Format::Supabase
    }

    fn history(&self) -> Option<(&'static str, &'static str)> {
        Some(("the Supabase CLI", HISTORY))
    }

    fn discover(&self, dir: &Path, _: &super::Options) -> Result<Vec<Migration>, DiscoverError> {
        discover(dir)
    }

    fn not_applied(&self, dir: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
        skipped(dir)
    }

    fn layout_rule(&self) -> Option<u8> {
        Some(4)
    }

    /// The directory is `supabase/migrations` and holds a file of the CLI's pattern.
    fn has_layout(&self, listing: &Listing<'_>) -> Result<bool, DiscoverError> {
        Ok(is_supabase_dir(listing.dir) && listing.sql_names().any(matches_cli_pattern))
    }

    fn next_versions(&self, existing: &[Migration], count: usize, now: SystemTime) -> Vec<String> {
        timestamps(existing.last().map(|m| m.version.as_str()), count, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;
    use rstest::rstest;

    #[rstest]
    #[case::by_timestamp(
        &["20240102000000_b.sql", "20240101000000_a.sql", "README.md"],
        &["20240101000000_a.sql", "20240102000000_b.sql"]
    )]
    #[case::short_versions_numeric(&["10_b.sql", "9_a.sql"], &["9_a.sql", "10_b.sql"])]
    fn orders_by_timestamp(#[case] files: &[&str], #[case] expected: &[&str]) {
        let fixture = Fixture::with_names(files);
        assert_eq!(fixture.order(&discover(fixture.path()).unwrap()), expected);
    }

    #[test]
    fn reads_description_and_transaction_mode() {
        let fixture = Fixture::new(&[
            ("20240101000000_create_orgs.sql", "CREATE TABLE orgs ();"),
            (
                "20240102000000_index.sql",
                "create index concurrently i on orgs ((1));",
            ),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        let summary = Fixture::summary(&migrations);
        assert_eq!(
            summary,
            [
                ("20240101000000", "create_orgs", true),
                ("20240102000000", "index", false)
            ]
        );
    }

    #[rstest]
    #[case::template(
        "TEMPLATE.sql",
        "file name must match pattern \"<timestamp>_name.sql\""
    )]
    #[case::no_separator("20240101000000.sql", "must match pattern")]
    #[case::not_sql("README.md", "must match pattern")]
    #[case::legacy_init(
        "20211208000000_init.sql",
        "replace \"init\" with a different file name"
    )]
    fn files_the_cli_skips_are_skipped_with_its_warning(#[case] name: &str, #[case] why: &str) {
        let fixture = Fixture::with_names(&["20240101000000_a.sql", name]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(fixture.order(&migrations), ["20240101000000_a.sql"]);
        let skipped = skipped(fixture.path()).unwrap();
        assert_eq!(skipped, [fixture.path().join(name)]);
        let warning = skip_warning(&skipped[0]);
        assert!(
            warning.starts_with(&format!("Skipping migration {name}... (")),
            "{warning}"
        );
        assert!(warning.contains(why), "{warning}");
    }

    #[test]
    fn a_later_init_file_is_a_migration() {
        let fixture = Fixture::with_names(&["20200101000000_a.sql", "20211208000000_init.sql"]);
        assert_eq!(discover(fixture.path()).unwrap().len(), 2);
        assert!(skipped(fixture.path()).unwrap().is_empty());
    }

    #[test]
    fn same_timestamp_twice_is_an_error() {
        let fixture = Fixture::with_names(&["20240101000000_a.sql", "20240101000000_b.sql"]);
        let error = discover(fixture.path()).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("20240101000000_a.sql") && message.contains("20240101000000_b.sql"),
            "{message}"
        );
    }
}
