//! Adding migrations at the end of a chain, named and laid out the way the tool that owns the
//! chain names its own: the inverse of discovery, and checked by it.
//!
//! Versions continue the chain: a timestamp (`YYYYMMDDHHMMSS`, UTC) where the tool uses them
//! (Supabase, Prisma, diesel as `YYYY-MM-DD-HHMMSS`, and sqlx, golang-migrate and dbmate when the
//! last version is a timestamp), otherwise the last number plus one with its zero padding kept
//! (`0007` → `0008`; flyway `1.2` → `1.3`). A migration that must run outside a transaction is
//! marked as its tool expects: sqlx's `-- no-transaction` first line, dbmate's
//! `-- migrate:up transaction:false`, diesel's `metadata.toml`, goose's `-- +goose NO
//! TRANSACTION`, graphile-migrate's `--! no-transaction`, atlas's `-- atlas:txmode none`,
//! refinery's `-- refinery:noTransaction`, Liquibase's `runInTransaction:false`; Flyway,
//! Supabase and sql-dir run such a file outside a transaction by themselves, golang-migrate and
//! Prisma never wrap a file (it is one message: atomic, or a lone statement outside a
//! transaction block), and sqitch runs every script outside one (a change that may run in a transaction
//! is wrapped in `BEGIN;` / `COMMIT;` as sqitch's template does). drizzle and node-pg-migrate run
//! every SQL migration in a transaction: a migration that must run outside one is refused.
//!
//! Each tool's own bookkeeping is kept: goose's `-- +goose Up` (the SQL in one
//! `StatementBegin`/`StatementEnd` block, as goose cannot split a `DO $$ … $$` body),
//! node-pg-migrate's `-- Up Migration` / `-- Down Migration`, a drizzle journal entry (the SQL one
//! chunk, without breakpoints), graphile-migrate's `--! Previous:` / `--! Hash:` headers computed
//! as its `commit` computes them, and Atlas's `atlas.sum` rewritten as `atlas migrate hash` would.
//! Two tools list their chain in a file, which gains an entry at its end: sqitch's `sqitch.plan`
//! (a change named `<timestamp>_<description>`, with a timestamp and a planner as `sqitch add`
//! writes them, its `deploy/`, `revert/` and `verify/` scripts beside it), and Liquibase's master
//! changelog (a `.sql` master gains a `--changeset pg-invariants:<name>`; an XML or YAML master
//! an `include` of a new formatted SQL file beside it holding one).
//!
//! Nothing is overwritten but those bookkeeping files (the journal, `atlas.sum`, the plan, the
//! master changelog): every other file and directory is created new. After writing, the chain is
//! discovered again; unless it ends with the new migrations, in order and in the transaction mode
//! asked for (flyway's repeatable migrations still run after them, as Flyway orders them), the
//! new files are removed, the rewritten ones restored, and the error says why.

mod bookkeeping;
mod layout;
mod versions;

use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{DiscoverError, Format, Options, detect, discover_with, tool};
use crate::migrate::migration::Migration;

pub(crate) use bookkeeping::{Created, appended, index};
pub(crate) use layout::{DOWN, NEVER_WRAPPED, Planned, flat, in_folder, is_sql};
pub(crate) use versions::{continuing, iso_timestamp, sequence, timestamps};

/// A migration to add at the end of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMigration {
    /// The SQL, without the framing a format needs (dbmate's sections, sqlx's marker).
    pub sql: String,
    /// `false`: the migration must run outside a transaction block.
    pub transaction: bool,
}

/// One migration to write, with the version and description its name is made of.
pub(crate) struct NewFile<'a> {
    pub(crate) version: &'a str,
    pub(crate) description: String,
    pub(crate) migration: &'a NewMigration,
}

impl NewFile<'_> {
    /// `<version>_<description>`, as most tools name a migration.
    pub(crate) fn name(&self) -> String {
        format!("{}_{}", self.version, self.description)
    }
}

/// Why the migrations could not be added.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(
        "format = \"command\": the chain belongs to the tool in `command`, so pg-invariants \
         cannot add a migration to it; put the SQL into a new migration of that tool"
    )]
    Command,
    #[error(
        "format = \"{0}\": {0} runs every SQL migration inside a transaction, and this repair \
         must run outside one (CREATE INDEX CONCURRENTLY); run it by hand, or write it as a \
         migration of that tool that opts out of the transaction"
    )]
    NeedsNoTransaction(Format),
    #[error(
        "{}: pg-invariants cannot add an `include` to this master changelog (a JSON master, or \
         one without a list of entries to extend); add the changeset to a formatted SQL \
         changelog it includes by hand",
        path.display()
    )]
    MasterNotExtended { path: PathBuf },
    #[error(transparent)]
    Discover(#[from] DiscoverError),
    #[error("{}: already exists, and pg-invariants never overwrites a file", path.display())]
    Exists { path: PathBuf },
    #[error("cannot write {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error(
        "{}: read back as {format}, the chain does not end with the migration(s) just written \
         ({problem}), so they were removed again; add the SQL as a migration by hand",
        dir.display()
    )]
    NotLast {
        dir: PathBuf,
        format: Format,
        problem: String,
    },
}

/// Writes `migrations` after the last migration of the chain in `dir`, described as
/// `description` (with `_1`, `_2`... when there are several), and returns every file written, in
/// order (the plan or master changelog that lists the chain last). `now` gives the timestamp of
/// timestamped layouts.
pub fn append(
    format: Format,
    dir: &Path,
    options: &Options,
    description: &str,
    migrations: &[NewMigration],
    now: SystemTime,
) -> Result<Vec<PathBuf>, WriteError> {
    if migrations.is_empty() {
        return Ok(Vec::new());
    }
    let resolved = match format {
        Format::Command => return Err(WriteError::Command),
        Format::Auto => detect(dir)?,
        f => f,
    };
    let Some(tool) = tool(resolved) else {
        return Err(WriteError::Command);
    };
    if tool.in_transaction_only() && migrations.iter().any(|m| !m.transaction) {
        return Err(WriteError::NeedsNoTransaction(resolved));
    }
    let before = discover_with(resolved, dir, options)?;
    let versions = tool.next_versions(&before, migrations.len(), now);
    let new: Vec<NewFile<'_>> = (migrations.iter().zip(&versions).enumerate())
        .map(|(i, (migration, version))| NewFile {
            version,
            description: match migrations.len() {
                1 => description.to_string(),
                _ => format!("{description}_{}", i + 1),
            },
            migration,
        })
        .collect();
    let planned = tool.new_files(dir, &before, &new)?;

    let mut created = Created::default();
    let written = planned
        .iter()
        .try_for_each(|p| created.write(p))
        .and_then(|()| tool.bookkeeping(dir, &planned, now, &mut created));
    if let Err(e) = written {
        created.remove();
        return Err(e);
    }
    if let Err(problem) = ends_with(format, resolved, dir, options, &before, &planned) {
        created.remove();
        return Err(problem);
    }
    Ok(created.into_written())
}
/// Discovers the chain again: it must be `before` with `planned` after it, in order and in the
/// transaction mode asked for (only flyway's repeatable migrations may follow them), and `auto`
/// must still recognise the same layout.
fn ends_with(
    configured: Format,
    resolved: Format,
    dir: &Path,
    options: &Options,
    before: &[Migration],
    planned: &[Planned],
) -> Result<(), WriteError> {
    let not_last = |problem: String| WriteError::NotLast {
        dir: dir.to_path_buf(),
        format: resolved,
        problem,
    };
    if configured == Format::Auto {
        let now = detect(dir)?;
        if now != resolved {
            return Err(not_last(format!(
                "`format = \"auto\"` would now read it as {now}; set format = \"{resolved}\""
            )));
        }
    }
    let after = discover_with(resolved, dir, options)?;
    let is = |m: &Migration, p: &Planned| {
        m.path == p.main && p.key.as_ref().is_none_or(|key| *key == m.version)
    };
    let Some(start) = after.iter().position(|m| is(m, &planned[0])) else {
        return Err(not_last(format!(
            "{} is not part of the chain",
            planned[0].main.display()
        )));
    };
    let end = start + planned.len();
    let block = after.get(start..end).unwrap_or_default();
    let in_order = block.len() == planned.len()
        && block
            .iter()
            .zip(planned)
            .all(|(m, p)| is(m, p) && m.transaction == p.transaction);
    let old: Vec<&PathBuf> = after[..start]
        .iter()
        .chain(after.get(end..).unwrap_or_default())
        .map(|m| &m.path)
        .collect();
    let unchanged = old == before.iter().map(|m| &m.path).collect::<Vec<_>>();
    let only_repeatables_after = after
        .get(end..)
        .unwrap_or_default()
        .iter()
        .all(|m| resolved == Format::Flyway && m.version.is_empty());
    if in_order && unchanged && only_repeatables_after {
        return Ok(());
    }
    let first_after = after
        .get(end..)
        .and_then(|rest| rest.first())
        .map(|m| format!("; {} comes after them", m.path.display()))
        .unwrap_or_default();
    Err(not_last(format!(
        "they are at position {} of {}{first_after}",
        start + 1,
        after.len()
    )))
}

/// What the tests of every part of writing share: a fixed clock, the two kinds of migration, and
/// `append` with the paths it wrote.
#[cfg(test)]
mod testing {
    use super::{Format, NewMigration, Options, append};
    use crate::migrate::format::fixture::Fixture;
    use std::time::{Duration, SystemTime};

    /// 2024-03-05 06:07:08 UTC.
    pub(super) fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_709_618_828)
    }

    pub(super) fn tx(sql: &str) -> NewMigration {
        NewMigration {
            sql: sql.into(),
            transaction: true,
        }
    }

    pub(super) fn outside(sql: &str) -> NewMigration {
        NewMigration {
            sql: sql.into(),
            transaction: false,
        }
    }

    /// The paths written, relative to the migrations directory.
    pub(super) fn written(fixture: &Fixture, format: Format, new: &[NewMigration]) -> Vec<String> {
        let files = append(
            format,
            fixture.path(),
            &Options::default(),
            "fix",
            new,
            now(),
        )
        .expect("written");
        files
            .iter()
            .map(|f| {
                f.strip_prefix(fixture.path())
                    .expect("inside")
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{now, outside, tx, written};
    use super::*;
    use crate::migrate::format::discover;
    use crate::migrate::format::fixture::Fixture;
    use rstest::rstest;
    use std::fs;

    fn planned(main: PathBuf, transaction: bool) -> Planned {
        Planned {
            dirs: Vec::new(),
            main,
            files: Vec::new(),
            transaction,
            key: None,
            entry: None,
        }
    }

    #[test]
    fn the_chain_must_end_with_the_new_migrations() {
        let fixture = Fixture::new(&[("1_a.sql", "SELECT 1;"), ("2_b.sql", "SELECT 1;")]);
        let before = discover(Format::SqlDir, fixture.path()).unwrap();
        let first = planned(fixture.path().join("1_a.sql"), true);
        let error = ends_with(
            Format::SqlDir,
            Format::SqlDir,
            fixture.path(),
            &Options::default(),
            &before[1..],
            &[first],
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("2_b.sql comes after them"),
            "{error}"
        );
        let last = planned(fixture.path().join("2_b.sql"), false);
        let error = ends_with(
            Format::SqlDir,
            Format::SqlDir,
            fixture.path(),
            &Options::default(),
            &before[..1],
            &[last],
        )
        .unwrap_err();
        assert!(error.to_string().contains("position 2 of 2"), "{error}");
    }

    #[test]
    fn auto_must_still_read_the_same_layout() {
        let fixture = Fixture::new(&[("1_a.sql", "SELECT 1;")]);
        let before = discover(Format::SqlDir, fixture.path()).unwrap();
        let marked = fixture.path().join("2_b.sql");
        fs::write(&marked, "-- no-transaction\nSELECT 1;\n").unwrap();
        let error = ends_with(
            Format::Auto,
            Format::SqlDir,
            fixture.path(),
            &Options::default(),
            &before,
            &[planned(marked, true)],
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("would now read it as sqlx"),
            "{error}"
        );
    }

    #[test]
    fn command_chains_cannot_be_written() {
        let fixture = Fixture::new(&[]);
        let error = append(
            Format::Command,
            fixture.path(),
            &Options::default(),
            "fix",
            &[tx("SELECT 1;")],
            now(),
        )
        .unwrap_err();
        assert!(matches!(error, WriteError::Command), "{error}");
    }

    #[rstest]
    #[case::node_pg_migrate(Format::NodePgMigrate, &[("1700000000000_a.sql", "-- Up Migration\nSELECT 1;\n")], &["1709618828000_fix_1.sql", "1709618828001_fix_2.sql"])]
    #[case::node_pg_migrate_utc(Format::NodePgMigrate, &[("20231114221320000_a.sql", "SELECT 1;\n")], &["20240305060708000_fix_1.sql", "20240305060708001_fix_2.sql"])]
    #[case::node_pg_migrate_index(Format::NodePgMigrate, &[("0003_a.sql", "SELECT 1;\n")], &["0004_fix_1.sql", "0005_fix_2.sql"])]
    #[case::drizzle_journal(
        Format::Drizzle,
        &[("meta/_journal.json", r#"{"version": "7", "dialect": "postgresql", "entries": [{"idx": 0, "version": "7", "when": 1, "tag": "0000_a", "breakpoints": true}]}"#), ("0000_a.sql", "SELECT 1;")],
        &["0001_fix_1.sql", "0002_fix_2.sql", "meta/_journal.json"]
    )]
    #[case::drizzle_v1(Format::Drizzle, &[("20240101000000_a/migration.sql", "SELECT 1;\n--> statement-breakpoint\nSELECT 2;")], &["20240305060708_fix_1/migration.sql", "20240305060709_fix_2/migration.sql"])]
    fn layouts_that_run_every_migration_in_a_transaction(
        #[case] format: Format,
        #[case] files: &[(&str, &str)],
        #[case] expected: &[&str],
    ) {
        let fixture = Fixture::new(files);
        let new = [tx("SELECT 1;\n"), tx("SELECT 2;\n")];
        assert_eq!(written(&fixture, format, &new), expected);
        let chain = discover(format, fixture.path()).expect("rediscovered");
        assert_eq!(chain.len(), 3);
        let error = append(
            format,
            fixture.path(),
            &Options::default(),
            "fix",
            &[outside("VACUUM;")],
            now(),
        )
        .unwrap_err();
        assert!(
            matches!(error, WriteError::NeedsNoTransaction(f) if f == format),
            "{error}"
        );
        assert_eq!(
            discover(format, fixture.path()).unwrap().len(),
            3,
            "nothing written"
        );
    }
}
