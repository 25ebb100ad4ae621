//! `node-pg-migrate`: SQL migrations `<timestamp>_<name>.sql` with `-- Up Migration` and
//! `-- Down Migration` lines; only the up section runs. The down section, from its marker to
//! the up marker when that comes later, else to the end, is the migration's Down part
//! ([`Migration::down`]), run in a transaction as node-pg-migrate runs it.
//!
//! As node-pg-migrate reads a SQL migration: the markers are `--` comment lines whose text,
//! after any dashes and spaces, starts with `up migration` or `down migration`, in any case.
//! The up section runs from its marker to the down marker when that comes later, else to the
//! end; without any marker the whole file is the up migration. A file with a down marker and no
//! up marker is an error here: node-pg-migrate would run its down section as part of the up
//! migration, and a down section is never applied. Each migration runs in its own transaction
//! (node-pg-migrate has no way to run a SQL migration outside one).
//!
//! Order: node-pg-migrate orders by the number the name starts with, read as a time: a 17-digit
//! prefix is a UTC time `yyyyMMddHHmmssSSS`, any other prefix a number of milliseconds (13
//! digits, `Date.now()`) or an index (`0001`). So `1700000000000_a.sql` runs before
//! `20240101000000000_b.sql`. Two files at the same time run in name order. A JavaScript or
//! TypeScript migration only node-pg-migrate can run: it is an error that says to use
//! `format = "command"`.

use std::cmp::Ordering;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::tool::{FLAT_LAYOUT, Listing, Marked, Shape, Tool};
use super::utc;
use super::version::{cmp_numeric, leading_digits};
use super::write::{DOWN, NewMigration, sequence};
use super::{DiscoverError, FileLayout, Format, dbmate, entries, lines};
use crate::location::Location;
use crate::migrate::command_hint;
use crate::migrate::migration::Migration;

const LAYOUT: FileLayout = FileLayout {
    format: Format::NodePgMigrate,
    expected: "`<timestamp>_<name>.sql`",
    // Any `.sql` file starting with digits, as for dbmate.
    parse: dbmate::parse,
    recursive: false,
};

/// Extensions of the migrations node-pg-migrate runs as code.
const SCRIPTS: [&str; 6] = [".js", ".cjs", ".mjs", ".ts", ".cts", ".mts"];

pub(super) fn discover(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    let scripts: Vec<PathBuf> = (entries(dir)?.into_iter())
        .filter(|e| is_script(&e.name))
        .map(|e| e.path)
        .collect();
    if let Some(script) = scripts.first() {
        let typescript = scripts.iter().any(|s| command_hint::is_typescript(s));
        return Err(DiscoverError::Malformed {
            location: Location {
                path: script.clone(),
                line: 1,
                column: 1,
            },
            problem: format!(
                "JavaScript or TypeScript migration: only node-pg-migrate can run it; set \
                 format = \"command\" and {} in the [migrations] section of pg-invariants.toml",
                command_hint::node_pg_migrate(typescript)
            ),
        });
    }
    let mut keyed = Vec::new();
    for mut migration in LAYOUT.read(dir)? {
        let (up, down) = sections(&migration.path, &migration.text)?;
        migration.down = down.map(|down| Box::new(migration.section(down)));
        migration.body = up;
        let key = time_key(&migration)?;
        keyed.push((key, migration));
    }
    keyed.sort_by(|(a, ma), (b, mb)| cmp_numeric(a, b).then_with(|| ma.path.cmp(&mb.path)));
    Ok(keyed.into_iter().map(|(_, m)| m).collect())
}

/// `names` hold a JavaScript or TypeScript migration (`<digits>_<name>.ts`...): `auto` reads
/// such a directory as node-pg-migrate's, whose discovery refuses it naming the `command` to set,
/// rather than as a `sql-dir` that would skip it.
pub(super) fn has_scripts<'a>(mut names: impl Iterator<Item = &'a str>) -> bool {
    names.any(is_script)
}

fn is_script(name: &str) -> bool {
    let (digits, _) = leading_digits(name);
    !digits.is_empty() && !name.ends_with(".d.ts") && SCRIPTS.iter().any(|ext| name.ends_with(ext))
}

/// The prefix as node-pg-migrate orders it, in milliseconds (or as an index), as digits.
fn time_key(migration: &Migration) -> Result<String, DiscoverError> {
    let prefix = &migration.version;
    if prefix.len() != 17 {
        return Ok(prefix.clone());
    }
    utc::millis_of(prefix)
        .map(|ms| ms.to_string())
        .ok_or_else(|| DiscoverError::Malformed {
            location: Location {
                path: migration.path.clone(),
                line: 1,
                column: 1,
            },
            problem: format!(
                "the name's 17-digit prefix `{prefix}` is not a UTC time yyyyMMddHHmmssSSS, which \
                 node-pg-migrate reads it as; rename the file"
            ),
        })
}

/// Which section a marker line opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Up,
    Down,
}

/// The section `line` opens, if it is a marker: `--`, then dashes and whitespace, then `up` or
/// `down`, whitespace, `migration` (case-insensitive; text may follow).
fn marker(line: &str) -> Option<Section> {
    let rest = line.trim_start().strip_prefix("--")?;
    let rest = rest.trim_start_matches(|c: char| c == '-' || c.is_whitespace());
    let lower = rest.to_ascii_lowercase();
    let (section, after) = if let Some(after) = lower.strip_prefix("up") {
        (Section::Up, after)
    } else {
        (Section::Down, lower.strip_prefix("down")?)
    };
    let words = after.trim_start();
    (words.len() < after.len() && words.starts_with("migration")).then_some(section)
}

/// The file has an `-- Up Migration` line, for detection.
pub(super) fn has_up_marker(text: &str) -> bool {
    lines(text).any(|(_, line)| marker(line) == Some(Section::Up))
}

/// The byte ranges of `text` that node-pg-migrate runs as the up migration and, when the file
/// has a down marker, as the down migration: each from its marker to the other's when that
/// comes later, else to the end.
fn sections(
    path: &Path,
    text: &str,
) -> Result<(Range<usize>, Option<Range<usize>>), DiscoverError> {
    let first = |section| {
        lines(text)
            .find(|(_, line)| marker(line) == Some(section))
            .map(|(start, _)| start)
    };
    let until = |from: usize, other: Option<usize>| match other {
        Some(other) if other.cmp(&from) == Ordering::Greater => from..other,
        _ => from..text.len(),
    };
    match (first(Section::Up), first(Section::Down)) {
        (Some(up), down) => Ok((until(up, down), down.map(|down| until(down, Some(up))))),
        (None, None) => Ok((0..text.len(), None)),
        (None, Some(down)) => Err(DiscoverError::Malformed {
            location: Location::at(path, text, down),
            problem: "a `-- Down Migration` section without `-- Up Migration`: node-pg-migrate \
                      would run the whole file, this section included, as the up migration; add \
                      `-- Up Migration` on a line of its own above the statements that migrate up"
                .into(),
        }),
    }
}

/// node-pg-migrate's history tables, as it creates them before the first migration.
const HISTORY: &str = "CREATE TABLE pgmigrations (
    id SERIAL PRIMARY KEY,
    name varchar(255) NOT NULL,
    run_on timestamp NOT NULL
);
";

/// `format = "node-pg-migrate"`.
pub(super) struct NodePgMigrate;

impl Tool for NodePgMigrate {
    fn format(&self) -> Format {
        Format::NodePgMigrate
    }

    fn history(&self) -> Option<(&'static str, &'static str)> {
        Some(("node-pg-migrate", HISTORY))
    }

    fn has_down_parts(&self) -> bool {
        true
    }

    fn discover(&self, dir: &Path, _: &super::Options) -> Result<Vec<Migration>, DiscoverError> {
        discover(dir)
    }

    fn marks(&self, text: &str, _: bool) -> bool {
        has_up_marker(text)
    }

    fn marked(&self, _: &Path, shape: &Shape) -> Result<Marked, DiscoverError> {
        Ok(Marked::when(shape.flat(), FLAT_LAYOUT))
    }

    fn layout_rule(&self) -> Option<u8> {
        Some(10)
    }

    /// A `<digits>_<name>.js` / `.ts` / `.cjs` / `.mjs` migration, refused naming the
    /// `command` that applies it (read as `sql-dir`, it would be skipped).
    fn has_layout(&self, listing: &Listing<'_>) -> Result<bool, DiscoverError> {
        Ok(has_scripts(listing.entries.iter().map(|e| e.name.as_str())))
    }

    fn in_transaction_only(&self) -> bool {
        true
    }

    fn next_versions(&self, existing: &[Migration], count: usize, now: SystemTime) -> Vec<String> {
        prefixes(existing.last().map(|m| m.version.as_str()), count, now)
    }

    /// `-- Up Migration` / `-- Down Migration` sections.
    fn framed(&self, migration: &NewMigration) -> String {
        let sql = &migration.sql;
        format!("-- Up Migration\n{sql}\n-- Down Migration\n{DOWN}")
    }
}

/// node-pg-migrate: milliseconds since 1970 (`Date.now()`), or a 17-digit UTC time when the last
/// migration is named so, or the next index after an index (`0004`); always after the last.
fn prefixes(last: Option<&str>, count: usize, now: SystemTime) -> Vec<String> {
    let ms = utc::millis(now);
    let utc = |ms: u128| {
        let secs = u64::try_from(ms / 1000).unwrap_or_default();
        format!("{}{:03}", utc::timestamp(secs), ms % 1000)
    };
    let first = match last {
        Some(last) if last.len() == 17 => utc(ms),
        Some(last) if last.len() < 13 => return sequence(last, count),
        _ => ms.to_string(),
    };
    match last {
        Some(last) if cmp_numeric(&first, last).is_le() => sequence(last, count),
        _ if first.len() == 17 => (0..count as u128).map(|i| utc(ms + i)).collect(),
        _ => (0..count as u128).map(|i| (ms + i).to_string()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case::canonical(
        "-- Up Migration\nSELECT 1;\n-- Down Migration\nSELECT 2;\n",
        "-- Up Migration\nSELECT 1;\n"
    )]
    #[case::any_case(
        "--   up   MIGRATION\nSELECT 1;\n---- down migration\nSELECT 2;\n",
        "--   up   MIGRATION\nSELECT 1;\n"
    )]
    #[case::down_first(
        "-- Down Migration\nSELECT 2;\n-- Up Migration\nSELECT 1;\n",
        "-- Up Migration\nSELECT 1;\n"
    )]
    #[case::no_markers("SELECT 1;\n", "SELECT 1;\n")]
    #[case::indented("  -- Up Migration\nSELECT 1;\n", "  -- Up Migration\nSELECT 1;\n")]
    #[case::text_after(
        "-- up migrations: create t\nSELECT 1;\n",
        "-- up migrations: create t\nSELECT 1;\n"
    )]
    #[case::not_a_marker("-- upmigration\nSELECT 1;\n", "-- upmigration\nSELECT 1;\n")]
    fn runs_the_up_section(#[case] text: &str, #[case] up: &str) {
        let fixture = Fixture::new(&[("1700000000000_a.sql", text)]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(migrations[0].sql(), up);
        assert!(migrations[0].transaction);
    }

    #[rstest]
    #[case::after_up(
        "-- Up Migration\nSELECT 1;\n-- Down Migration\nSELECT 2;\n",
        Some("-- Down Migration\nSELECT 2;\n")
    )]
    #[case::any_case_before_up(
        "---- down MIGRATION\nSELECT 2;\n-- up migration\nSELECT 1;\n",
        Some("---- down MIGRATION\nSELECT 2;\n")
    )]
    #[case::no_down("-- Up Migration\nSELECT 1;\n", None)]
    #[case::no_markers("SELECT 1;\n", None)]
    fn the_down_section_is_the_down_part(#[case] text: &str, #[case] down: Option<&str>) {
        let fixture = Fixture::new(&[("1700000000000_a.sql", text)]);
        let migrations = discover(fixture.path()).unwrap();
        let found = migrations[0].down.as_deref();
        assert_eq!(
            found.map(|d| (d.sql(), d.transaction)),
            down.map(|d| (d, true))
        );
        if let Some(found) = found {
            assert_eq!(found.text, text);
            assert_eq!(Fixture::sent(found), ["SELECT 2"]);
        }
    }

    #[test]
    fn down_without_up_is_an_error_at_the_down_line() {
        let text = "SELECT 1;\n\n-- Down Migration\nDROP TABLE t;\n";
        let error = sections(Path::new("1_a.sql"), text).unwrap_err();
        let DiscoverError::Malformed { location, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!((location.line, location.column), (3, 1));
    }

    #[test]
    fn utc_and_millisecond_prefixes_are_ordered_as_times() {
        let fixture = Fixture::with_names(&[
            "20231114221320001_c.sql",
            "1700000000000_b.sql",
            "1700000000000_a.sql",
            "0001_index.sql",
            "README.md",
        ]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(
            fixture.order(&migrations),
            [
                "0001_index.sql",
                "1700000000000_a.sql",
                "1700000000000_b.sql",
                "20231114221320001_c.sql"
            ]
        );
    }

    #[test]
    fn invalid_utc_prefix_is_an_error() {
        let error = Fixture::discover_error(&["20231301000000000_a.sql"], discover);
        assert!(error.to_string().contains("not a UTC time"), "{error}");
    }

    #[rstest]
    #[case::javascript("1700000000000_a.js")]
    #[case::typescript("1700000000000_a.ts")]
    fn script_migration_is_an_error_naming_it(#[case] name: &str) {
        let error = Fixture::discover_error(&["1700000000001_b.sql", name], discover);
        assert!(error.to_string().contains(name), "{error}");
        assert!(
            error.to_string().contains("format = \"command\""),
            "{error}"
        );
    }

    #[rstest]
    #[case::only_scripts(&["1700000000000_init.ts", "1700000000001_b.ts", "README.md"])]
    #[case::beside_unmarked_sql(&["1_schema.sql", "1700000000001_seed.mjs"])]
    fn auto_reads_scripts_as_node_pg_migrate_and_refuses_them(#[case] names: &[&str]) {
        let fixture = Fixture::with_names(names);
        assert_eq!(
            super::super::detect(fixture.path()).unwrap(),
            Format::NodePgMigrate
        );
        let error = super::super::discover(Format::Auto, fixture.path())
            .unwrap_err()
            .to_string();
        assert!(error.contains("1700000000"), "{error}");
        let typescript = names.iter().any(|n| n.ends_with(".ts"));
        let command = match typescript {
            true => r#"command = ["npx", "node-pg-migrate", "up", "-j", "ts"] (TypeScript"#,
            false => r#"command = ["npx", "node-pg-migrate", "up"] in"#,
        };
        assert!(error.contains(command), "{error}");
    }

    #[test]
    fn unnumbered_sql_file_is_an_error() {
        let error = Fixture::discover_error(&["schema.sql"], discover);
        Fixture::assert_unexpected(&error, "schema.sql");
    }

    proptest! {
        /// Milliseconds and UTC names are ordered by the time they name, whichever is used.
        #[test]
        fn mixed_prefixes_run_in_time_order(times in prop::collection::btree_set(0i64..4_000_000_000_000, 1..10)) {
            let names: Vec<String> = times
                .iter()
                .rev()
                .enumerate()
                .map(|(i, ms)| {
                    let prefix = if i % 2 == 0 {
                        let secs = u64::try_from(ms / 1000).unwrap();
                        format!("{}{:03}", utc::timestamp(secs), ms % 1000)
                    } else {
                        format!("{ms:013}")
                    };
                    format!("{prefix}_m{i}.sql")
                })
                .collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let fixture = Fixture::with_names(&refs);
            let found: Vec<i64> = discover(fixture.path())
                .unwrap()
                .iter()
                .map(|m| if m.version.len() == 17 { utc::millis_of(&m.version).unwrap() } else { m.version.parse().unwrap() })
                .collect();
            prop_assert_eq!(found, times.into_iter().collect::<Vec<_>>());
        }
    }
}
