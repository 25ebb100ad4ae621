//! `flyway`: `V<version>__<description>.sql` by version, then `R__<description>.sql`
//! repeatables by description.
//!
//! Versions are dot- or underscore-separated numbers compared part by part (`1.10 > 1.9`,
//! `1.0 == 1`); they are reported with dots. Like Flyway, the directory is searched recursively.
//! Undo (`U<version>__`) and baseline (`B<version>__`) files and callbacks (`beforeMigrate.sql`,
//! `afterMigrate__grants.sql`...) are not part of the chain and are skipped; list a callback's
//! file under `before` or `seed` to run it. A migration holding a statement PostgreSQL refuses
//! inside a transaction block runs outside one, as Flyway does.

use std::path::Path;
use std::time::SystemTime;

use super::tool::{Listing, Tool};
use super::version::cmp_flyway;
use super::write::{NewFile, Planned, flat, sequence};
use super::{DiscoverError, FileLayout, Format, Name, in_version_order, mark_non_transactional};
use crate::migrate::migration::Migration;

const LAYOUT: FileLayout = FileLayout {
    format: Format::Flyway,
    expected: "`V<version>__<description>.sql` (version such as `1.2.3` or `1_2_3`) or \
               `R__<description>.sql`",
    parse,
    recursive: true,
};

pub(super) fn discover(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    let mut migrations = LAYOUT.read(dir)?;
    mark_non_transactional(&mut migrations);
    let (mut repeatable, versioned): (Vec<_>, Vec<_>) =
        migrations.into_iter().partition(|m| m.version.is_empty());
    let mut ordered = in_version_order(Format::Flyway, versioned, cmp_flyway)?;
    repeatable.sort_by(|a, b| {
        a.description
            .cmp(&b.description)
            .then_with(|| a.path.cmp(&b.path))
    });
    ordered.extend(repeatable);
    Ok(ordered)
}

fn parse(name: &str) -> Name<'_> {
    let Some(stem) = name.strip_suffix(".sql") else {
        return Name::Unexpected;
    };
    if let Some(description) = stem.strip_prefix("R__") {
        return Name::Migration {
            version: String::new(),
            description,
        };
    }
    if let Some((version, description)) = stem.strip_prefix('V').and_then(version_and_description) {
        return Name::Migration {
            version,
            description,
        };
    }
    let undo_or_baseline = stem
        .strip_prefix(['U', 'B'])
        .and_then(version_and_description)
        .is_some();
    if undo_or_baseline || is_callback(stem) {
        return Name::Ignored;
    }
    Name::Unexpected
}

/// `1.2__desc` or `1_2__desc`: the version with dots, and the description.
fn version_and_description(rest: &str) -> Option<(String, &str)> {
    let (version, description) = rest.split_once("__")?;
    let version = version.replace('_', ".");
    let valid = version
        .split('.')
        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    valid.then_some((version, description))
}

/// A callback: `<event>.sql` or `<event>__<description>.sql`, the event being `createSchema` or
/// `before...`/`after...` in camel case.
fn is_callback(stem: &str) -> bool {
    let event = stem.split("__").next().unwrap_or(stem);
    let camel_after = |prefix: &str| {
        event
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
    };
    event == "createSchema" || camel_after("before") || camel_after("after")
}

/// `V<version>__<description>.sql`, for detection.
pub(super) fn is_versioned(name: &str) -> bool {
    matches!(parse(name), Name::Migration { version, .. } if !version.is_empty())
}

/// Flyway's history tables, as it creates them before the first migration.
const HISTORY: &str = "CREATE TABLE flyway_schema_history (
    installed_rank INT NOT NULL,
    version VARCHAR(50),
    description VARCHAR(200) NOT NULL,
    type VARCHAR(20) NOT NULL,
    script VARCHAR(1000) NOT NULL,
    checksum INTEGER,
    installed_by VARCHAR(100) NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT now(),
    execution_time INTEGER NOT NULL,
    success BOOLEAN NOT NULL
);
ALTER TABLE flyway_schema_history ADD CONSTRAINT flyway_schema_history_pk PRIMARY KEY (installed_rank);
CREATE INDEX flyway_schema_history_s_idx ON flyway_schema_history (success);
";

/// `format = "flyway"`.
pub(super) struct Flyway;

impl Tool for Flyway {
    fn format(&self) -> Format {
        Format::Flyway
    }

    fn history(&self) -> Option<(&'static str, &'static str)> {
        Some(("Flyway", HISTORY))
    }

    fn discover(&self, dir: &Path, _: &super::Options) -> Result<Vec<Migration>, DiscoverError> {
        discover(dir)
    }

    fn layout_rule(&self) -> Option<u8> {
        Some(6)
    }

    /// A `V<version>__<desc>.sql` file.
    fn has_layout(&self, listing: &Listing<'_>) -> Result<bool, DiscoverError> {
        Ok(listing.sql_names().any(is_versioned))
    }

    fn next_versions(&self, existing: &[Migration], count: usize, _: SystemTime) -> Vec<String> {
        next_versions(existing, count)
    }

    /// `V<version>__<description>.sql`: Flyway runs a file outside a transaction by itself.
    fn new_file(&self, dir: &Path, _: &[Migration], new: &NewFile<'_>) -> Planned {
        let name = format!("V{}__{}.sql", new.version, new.description);
        flat(dir, &name, new.migration.sql.clone(), new.migration)
    }
}

/// Flyway: the last versioned migration's version, as written in its name (`1_2` or `1.2`), with
/// its last part incremented.
fn next_versions(existing: &[Migration], count: usize) -> Vec<String> {
    let written = existing
        .iter()
        .rev()
        .filter(|m| !m.version.is_empty())
        .find_map(|m| {
            let name = m.path.file_name()?.to_str()?;
            Some(name.strip_prefix('V')?.split_once("__")?.0.to_string())
        });
    let Some(written) = written else {
        return (1..=count).map(|n| n.to_string()).collect();
    };
    let (head, last_part) = match written.rfind(['.', '_']) {
        Some(i) => written.split_at(i + 1),
        None => ("", written.as_str()),
    };
    sequence(last_part, count)
        .into_iter()
        .map(|part| format!("{head}{part}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;
    use rstest::rstest;

    #[rstest]
    #[case::numeric_parts(
        &["V1.10__c.sql", "V1.9__b.sql", "V1__a.sql", "V2__d.sql"],
        &["V1__a.sql", "V1.9__b.sql", "V1.10__c.sql", "V2__d.sql"]
    )]
    #[case::underscores(&["V1_2__b.sql", "V1_1__a.sql"], &["V1_1__a.sql", "V1_2__b.sql"])]
    #[case::repeatables_last_by_name(
        &["R__views.sql", "R__functions.sql", "V2__b.sql", "V1__a.sql"],
        &["V1__a.sql", "V2__b.sql", "R__functions.sql", "R__views.sql"]
    )]
    #[case::skips_undo_baseline_callbacks(
        &["V1__a.sql", "U1__a.sql", "B1__base.sql", "beforeMigrate.sql", "afterMigrate__grants.sql", "flyway.conf"],
        &["V1__a.sql"]
    )]
    #[case::recursive(&["V2__b.sql", "sub/V1__a.sql", "sub/R__r.sql"], &["sub/V1__a.sql", "V2__b.sql", "sub/R__r.sql"])]
    fn orders_versioned_then_repeatable(#[case] files: &[&str], #[case] expected: &[&str]) {
        let fixture = Fixture::with_names(files);
        assert_eq!(fixture.order(&discover(fixture.path()).unwrap()), expected);
    }

    #[test]
    fn reads_versions_and_transaction_mode() {
        let fixture = Fixture::new(&[
            ("V1_1__create_orgs.sql", "CREATE TABLE orgs (a int);"),
            (
                "V1_2__index.sql",
                "CREATE INDEX CONCURRENTLY i ON orgs (a);",
            ),
            ("R__view.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;"),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(
            Fixture::summary(&migrations),
            [
                ("1.1", "create_orgs", true),
                ("1.2", "index", false),
                ("", "view", true)
            ]
        );
    }

    #[rstest]
    #[case::lowercase("v1__a.sql")]
    #[case::single_underscore("V1_a.sql")]
    #[case::letters_in_version("V1a__x.sql")]
    #[case::empty_version("V__x.sql")]
    #[case::plain("schema.sql")]
    fn misnamed_sql_file_is_an_error(#[case] name: &str) {
        let error = Fixture::discover_error(&["V1__a.sql", name], discover);
        Fixture::assert_unexpected(&error, name);
    }

    #[rstest]
    #[case::trailing_zero(&["V1__a.sql", "V1.0__b.sql"])]
    #[case::leading_zero(&["V01__a.sql", "V1__b.sql"])]
    fn same_version_twice_is_an_error(#[case] files: &[&str]) {
        let error = Fixture::discover_error(files, discover);
        assert!(
            matches!(error, DiscoverError::DuplicateVersion { .. }),
            "{error}"
        );
    }
}
