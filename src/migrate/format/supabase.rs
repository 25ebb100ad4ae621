//! `supabase`: `supabase/migrations/<timestamp>_name.sql`, applied by timestamp.
//!
//! The Supabase CLI skips a misnamed file with a warning nobody reads; here it is an error. A
//! file holding a statement PostgreSQL refuses inside a transaction block runs outside one.

use std::path::Path;

use super::version::leading_digits;
use super::{DiscoverError, FileLayout, Format, Name, numbered, versioned_name};
use crate::migrate::migration::Migration;

const LAYOUT: FileLayout = FileLayout {
    format: Format::Supabase,
    expected: "`<timestamp>_<name>.sql`",
    parse,
    recursive: false,
};

pub(super) fn discover(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    numbered(LAYOUT.format, LAYOUT.read(dir)?)
}

fn parse(name: &str) -> Name<'_> {
    versioned_name(name, ".sql")
}

/// `dir` is a `migrations` directory inside a `supabase` directory, where the CLI keeps them.
pub(super) fn is_supabase_dir(dir: &Path) -> bool {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let named =
        |path: Option<&Path>, name: &str| path.and_then(Path::file_name).is_some_and(|n| n == name);
    named(Some(&dir), "migrations") && named(dir.parent(), "supabase")
}

/// `<14 digits>_name.sql`, the CLI's `YYYYMMDDHHMMSS` timestamps.
pub(super) fn is_timestamped(name: &str) -> bool {
    let (digits, rest) = leading_digits(name);
    digits.len() == 14 && rest.starts_with('_') && rest.ends_with(".sql")
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
    #[case::no_timestamp("seed.sql")]
    #[case::no_separator("20240101000000.sql")]
    fn misnamed_sql_file_is_an_error(#[case] name: &str) {
        let fixture = Fixture::with_names(&["20240101000000_a.sql", name]);
        let error = discover(fixture.path()).unwrap_err();
        let DiscoverError::UnexpectedName { path, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!(path, &fixture.path().join(name));
        assert!(
            error.to_string().contains("<timestamp>_<name>.sql"),
            "{error}"
        );
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
