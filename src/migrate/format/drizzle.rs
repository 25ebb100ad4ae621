//! `drizzle`: drizzle-kit's chains, in its two layouts.
//!
//! - With a journal: `meta/_journal.json` lists the migrations; entry `tag` is the file
//!   `<tag>.sql` beside `meta/`. They run in journal order (the entries' `idx` must agree with
//!   it); a `.sql` file the journal does not list is NOT applied, as drizzle does not apply it
//!   (see [`unlisted`]), and a listed file that is missing is an error.
//! - drizzle-kit v1, without a journal: `<timestamp>_<name>/migration.sql` directories
//!   (`snapshot.json` beside it ignored), by timestamp.
//!
//! drizzle splits a file at `--> statement-breakpoint` and sends each chunk as it is: each
//! chunk here is one statement, never split further. drizzle runs the whole chain in one
//! transaction; here each migration runs in its own transaction (so a `CREATE INDEX
//! CONCURRENTLY` fails here as it fails under drizzle).

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Deserialize;

use super::tool::{Marked, Shape, Tool, atlas_sum_for};
use super::utc::millis;
use super::version::cmp_numeric;
use super::write::{Created, NewFile, Planned, WriteError, flat, in_folder, sequence, timestamps};
use super::{
    DirLayout, DiscoverError, Format, entries, in_version_order, read_migration, read_text,
    trimmed, versioned,
};
use crate::location::Location;
use crate::migrate::migration::Migration;

/// What separates drizzle's statements.
pub(super) const BREAKPOINT: &str = "--> statement-breakpoint";

/// The journal, relative to the migrations directory.
pub(super) const JOURNAL: &str = "meta/_journal.json";

const FOLDERS: DirLayout = DirLayout {
    format: Format::Drizzle,
    file: "migration.sql",
    expected: "`<timestamp>_<name>/migration.sql`, or `<tag>.sql` files listed in meta/_journal.json",
    parse: versioned,
};

pub(super) fn discover(dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    let journal = dir.join(JOURNAL);
    let mut migrations = if journal.is_file() {
        from_journal(dir, &journal)?
    } else {
        in_version_order(Format::Drizzle, FOLDERS.read(dir)?, cmp_numeric)?
    };
    for migration in &mut migrations {
        migration.verbatim = chunks(&migration.text);
    }
    Ok(migrations)
}

/// The `.sql` files of a journal layout that the journal does not list: drizzle never applies
/// them, nor do we, and the run says so.
pub(super) fn unlisted(dir: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
    let journal = dir.join(JOURNAL);
    if !journal.is_file() {
        return Ok(Vec::new());
    }
    let tags: Vec<String> = read_journal(&journal)?
        .into_iter()
        .map(|entry| format!("{}.sql", entry.tag))
        .collect();
    Ok(entries(dir)?
        .into_iter()
        .filter(|entry| !entry.is_dir && entry.name.ends_with(".sql"))
        .filter(|entry| !tags.contains(&entry.name))
        .map(|entry| entry.path)
        .collect())
}

/// drizzle-kit's `meta/_journal.json` (other keys ignored).
#[derive(Deserialize)]
struct Journal {
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    idx: Option<u64>,
    tag: String,
}

fn read_journal(path: &Path) -> Result<Vec<Entry>, DiscoverError> {
    let text = read_text(path)?;
    let journal: Journal =
        serde_json::from_str(&text).map_err(|error| DiscoverError::InvalidJournal {
            location: Location {
                path: path.to_path_buf(),
                line: error.line(),
                column: error.column(),
            },
            message: error.to_string(),
        })?;
    let out_of_order = journal
        .entries
        .iter()
        .filter_map(|entry| entry.idx)
        .collect::<Vec<_>>()
        .windows(2)
        .any(|pair| pair[0] >= pair[1]);
    if out_of_order {
        return Err(DiscoverError::InvalidJournal {
            location: Location::at(path, &text, 0),
            message: "the entries' `idx` values do not increase in the order the entries are \
                      listed, so the order drizzle applies them in is unclear; list the entries \
                      in `idx` order"
                .into(),
        });
    }
    Ok(journal.entries)
}

/// The journal of `dir` with an entry for each of `tags` appended (drizzle-kit's fields: the
/// next `idx`, the last entry's `version`, `when` in milliseconds, `breakpoints`), for `fix`.
pub(super) fn journal_with(
    dir: &Path,
    tags: &[String],
    when: u128,
) -> Result<String, DiscoverError> {
    let path = dir.join(JOURNAL);
    let text = read_text(&path)?;
    let invalid = |message: String| DiscoverError::InvalidJournal {
        location: Location::at(&path, &text, 0),
        message,
    };
    let mut journal: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    let entries = journal
        .get_mut("entries")
        .and_then(serde_json::Value::as_array_mut)
        .ok_or_else(|| invalid("no `entries` list".into()))?;
    let last = entries.last().cloned().unwrap_or_default();
    let next_idx = last
        .get("idx")
        .and_then(serde_json::Value::as_u64)
        .map_or(entries.len() as u64, |i| i + 1);
    let version = last.get("version").cloned().unwrap_or_else(|| "7".into());
    for (i, tag) in tags.iter().enumerate() {
        entries.push(serde_json::json!({
            "idx": next_idx + i as u64,
            "version": version,
            "when": when + i as u128,
            "tag": tag,
            "breakpoints": true,
        }));
    }
    let mut out = serde_json::to_string_pretty(&journal).map_err(|e| invalid(e.to_string()))?;
    out.push('\n');
    Ok(out)
}

/// The migrations the journal lists, in its order.
fn from_journal(dir: &Path, journal: &Path) -> Result<Vec<Migration>, DiscoverError> {
    let mut migrations = Vec::new();
    for (position, entry) in read_journal(journal)?.into_iter().enumerate() {
        let path = dir.join(format!("{}.sql", entry.tag));
        if !path.is_file() {
            return Err(DiscoverError::JournalEntryMissing {
                journal: journal.to_path_buf(),
                tag: entry.tag,
                path,
            });
        }
        let version = entry.idx.unwrap_or(position as u64).to_string();
        let description = versioned(&entry.tag).map_or(entry.tag.as_str(), |(_, d)| d);
        migrations.push(read_migration(path.clone(), &version, description)?);
    }
    Ok(migrations)
}

/// The chunks between `--> statement-breakpoint` markers, trimmed, empty ones dropped.
pub(super) fn chunks(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let ends = text
        .match_indices(BREAKPOINT)
        .map(|(at, _)| at)
        .chain([text.len()]);
    for end in ends {
        let chunk = trimmed(text, start..end);
        if !chunk.is_empty() {
            out.push(chunk);
        }
        start = end + BREAKPOINT.len();
    }
    out
}

/// drizzle-kit's history tables, as it creates them before the first migration.
const HISTORY: &str = "CREATE SCHEMA IF NOT EXISTS drizzle;
CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (
    id SERIAL PRIMARY KEY,
    hash text NOT NULL,
    created_at bigint
);
";

/// `format = "drizzle"`.
pub(super) struct Drizzle;

impl Tool for Drizzle {
    fn format(&self) -> Format {
        Format::Drizzle
    }

    fn history(&self) -> Option<(&'static str, &'static str)> {
        Some(("drizzle-kit", HISTORY))
    }

    fn discover(&self, dir: &Path, _: &super::Options) -> Result<Vec<Migration>, DiscoverError> {
        discover(dir)
    }

    fn not_applied(&self, dir: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
        unlisted(dir)
    }

    fn marker_files(&self) -> &'static [&'static str] {
        &[JOURNAL]
    }

    fn marks(&self, text: &str, _: bool) -> bool {
        text.contains(BREAKPOINT)
    }

    /// The journal, or drizzle-kit v1's folders without Prisma's `migration_lock.toml`.
    fn marked(&self, dir: &Path, shape: &Shape) -> Result<Marked, DiscoverError> {
        let fits = dir.join(JOURNAL).is_file() || (shape.folders && !shape.prisma_or_diesel);
        let layout = "meta/_journal.json listing `<tag>.sql` files, or \
                      `<timestamp>_<name>/migration.sql` directories without Prisma's \
                      migration_lock.toml";
        Ok(Marked::when(fits, layout))
    }

    fn in_transaction_only(&self) -> bool {
        true
    }

    /// The journal's `idx` (the version of a journal migration) names the file: `0007_…`;
    /// drizzle-kit v1's folders are timestamps.
    fn next_versions(&self, existing: &[Migration], count: usize, now: SystemTime) -> Vec<String> {
        let last = existing.last();
        let last_version = last.map(|m| m.version.as_str());
        if last.is_some_and(|m| !is_folder(m)) {
            let idx = last_version.unwrap_or_default();
            return sequence(&format!("{idx:0>4}"), count);
        }
        timestamps(last_version, count, now)
    }

    /// `<name>.sql` listed in the journal (the SQL one chunk, without breakpoints), else a
    /// `<name>/migration.sql` folder.
    fn new_file(&self, dir: &Path, _: &[Migration], new: &NewFile<'_>) -> Planned {
        let (name, migration) = (new.name(), new.migration);
        match dir.join(JOURNAL).is_file() {
            true => flat(
                dir,
                &format!("{name}.sql"),
                migration.sql.clone(),
                migration,
            ),
            false => in_folder(dir, &name, &migration.sql, migration.transaction),
        }
    }

    /// The journal gains an entry per new file; without one, only an `atlas.sum` is kept.
    fn bookkeeping(
        &self,
        dir: &Path,
        planned: &[Planned],
        now: SystemTime,
        created: &mut Created,
    ) -> Result<(), WriteError> {
        if !dir.join(JOURNAL).is_file() {
            return atlas_sum_for(Format::Drizzle, dir, created);
        }
        let tags: Vec<String> = (planned.iter())
            .filter_map(|p| p.main.file_stem())
            .map(|stem| stem.to_string_lossy().into_owned())
            .collect();
        let journal = journal_with(dir, &tags, millis(now))?;
        created.rewrite(&dir.join(JOURNAL), &journal)
    }
}

/// A drizzle-kit v1 migration: `<timestamp>_<name>/migration.sql`.
fn is_folder(migration: &Migration) -> bool {
    migration
        .path
        .file_name()
        .is_some_and(|n| n == "migration.sql")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;
    use rstest::rstest;

    const JOURNAL_TEXT: &str = r#"{
  "version": "7",
  "dialect": "postgresql",
  "entries": [
    { "idx": 0, "version": "7", "when": 1700000000000, "tag": "0001_zebra", "breakpoints": true },
    { "idx": 1, "version": "7", "when": 1700000001000, "tag": "0000_apple", "breakpoints": true }
  ]
}"#;

    #[rstest]
    #[case::one("CREATE TABLE a ();", &["CREATE TABLE a ();"])]
    #[case::two(
        "CREATE TABLE a ();\n--> statement-breakpoint\nCREATE TABLE b ()",
        &["CREATE TABLE a ();", "CREATE TABLE b ()"]
    )]
    #[case::inline(
        "CREATE TABLE a ()--> statement-breakpoint\n\nDO $$ BEGIN PERFORM 1; END $$;\n",
        &["CREATE TABLE a ()", "DO $$ BEGIN PERFORM 1; END $$;"]
    )]
    #[case::empty_chunks("--> statement-breakpoint\n\n--> statement-breakpoint", &[])]
    fn breakpoints_separate_statements(#[case] text: &str, #[case] expected: &[&str]) {
        let found: Vec<&str> = chunks(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn journal_order_wins_and_unlisted_files_are_not_applied() {
        let fixture = Fixture::new(&[
            ("meta/_journal.json", JOURNAL_TEXT),
            ("meta/0000_snapshot.json", "{}"),
            ("0000_apple.sql", "SELECT 1;"),
            (
                "0001_zebra.sql",
                "SELECT 2;\n--> statement-breakpoint\nSELECT 3;",
            ),
            ("0002_abandoned.sql", "DROP TABLE a;"),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(
            fixture.order(&migrations),
            ["0001_zebra.sql", "0000_apple.sql"]
        );
        assert_eq!(
            Fixture::summary(&migrations),
            [("0", "zebra", true), ("1", "apple", true)]
        );
        assert_eq!(migrations[0].statements().len(), 2);
        let unlisted = unlisted(fixture.path()).unwrap();
        assert_eq!(unlisted, [fixture.path().join("0002_abandoned.sql")]);
    }

    #[rstest]
    #[case::syntax("{\n  \"entries\": [,]\n}", 2, 15)]
    #[case::no_entries("{\"version\": \"7\"}", 1, 16)]
    #[case::tag_not_a_string("{\"entries\": [{\"idx\": 0, \"tag\": 3}]}", 1, 32)]
    fn bad_journal_is_an_error_naming_it(
        #[case] text: &str,
        #[case] line: usize,
        #[case] column: usize,
    ) {
        let fixture = Fixture::new(&[("meta/_journal.json", text)]);
        let error = discover(fixture.path()).unwrap_err();
        let DiscoverError::InvalidJournal { location, .. } = &error else {
            panic!("{error}");
        };
        assert!(location.path.ends_with("meta/_journal.json"), "{error}");
        assert_eq!((location.line, location.column), (line, column), "{error}");
    }

    #[test]
    fn idx_out_of_journal_order_is_an_error() {
        let text = r#"{"entries": [{"idx": 1, "tag": "a"}, {"idx": 0, "tag": "b"}]}"#;
        let fixture = Fixture::new(&[("meta/_journal.json", text)]);
        let error = discover(fixture.path()).unwrap_err();
        assert!(error.to_string().contains("idx"), "{error}");
    }

    #[test]
    fn missing_listed_file_is_an_error() {
        let fixture = Fixture::new(&[("meta/_journal.json", JOURNAL_TEXT)]);
        let error = discover(fixture.path()).unwrap_err();
        assert!(
            matches!(&error, DiscoverError::JournalEntryMissing { tag, .. } if tag == "0001_zebra"),
            "{error}"
        );
    }

    #[test]
    fn v1_folders_run_by_timestamp() {
        let fixture = Fixture::new(&[
            ("20250102000000_b/migration.sql", "SELECT 2;"),
            ("20250102000000_b/snapshot.json", "{}"),
            ("20250101000000_a/migration.sql", "SELECT 1;"),
        ]);
        let migrations = discover(fixture.path()).unwrap();
        assert_eq!(
            fixture.order(&migrations),
            [
                "20250101000000_a/migration.sql",
                "20250102000000_b/migration.sql"
            ]
        );
    }
}
