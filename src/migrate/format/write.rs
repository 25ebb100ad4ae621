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
//! golang-migrate, Supabase, Prisma and sql-dir run such a file outside a transaction by
//! themselves, and sqitch runs every script outside one (a change that may run in a transaction
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

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::utc::{millis, timestamp};
use super::version::{cmp_numeric, leading_digits};
use super::{
    DiscoverError, Format, atlas, detect, discover, drizzle, graphile_migrate, liquibase, sqitch,
};
use crate::migrate::migration::Migration;

/// A migration to add at the end of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMigration {
    /// The SQL, without the framing a format needs (dbmate's sections, sqlx's marker).
    pub sql: String,
    /// `false`: the migration must run outside a transaction block.
    pub transaction: bool,
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

/// What a down migration holds: the repairs are meant to stay.
const DOWN: &str = "-- Written by `pg-invariants fix`: its repairs are meant to stay, so there is nothing to undo.\n";

/// Writes `migrations` after the last migration of the chain in `dir`, described as
/// `description` (with `_1`, `_2`... when there are several), and returns every file written, in
/// order (the plan or master changelog that lists the chain last). `now` gives the timestamp of
/// timestamped layouts.
pub fn append(
    format: Format,
    dir: &Path,
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
    let in_transaction_only = matches!(resolved, Format::Drizzle | Format::NodePgMigrate);
    if in_transaction_only && migrations.iter().any(|m| !m.transaction) {
        return Err(WriteError::NeedsNoTransaction(resolved));
    }
    let before = discover(resolved, dir)?;
    let versions = next_versions(resolved, &before, migrations.len(), now);
    let mut last_hash = match (resolved, before.last()) {
        (Format::GraphileMigrate, Some(last)) => Some(graphile_migrate::last_hash(last)?),
        _ => None,
    };
    let mut planned = Vec::with_capacity(migrations.len());
    for (i, (migration, version)) in migrations.iter().zip(&versions).enumerate() {
        let description = match migrations.len() {
            1 => description.to_string(),
            _ => format!("{description}_{}", i + 1),
        };
        let new = match resolved {
            Format::GraphileMigrate => {
                graphile(dir, &mut last_hash, version, &description, migration)
            }
            _ => layout(resolved, dir, &before, version, &description, migration),
        };
        planned.push(new);
    }

    let mut created = Created::default();
    let written = planned
        .iter()
        .try_for_each(|p| created.write(p))
        .and_then(|()| bookkeeping(resolved, dir, &planned, now, &mut created));
    if let Err(e) = written {
        created.remove();
        return Err(e);
    }
    if let Err(problem) = ends_with(format, resolved, dir, &before, &planned) {
        created.remove();
        return Err(problem);
    }
    let rewritten = created.rewritten.into_iter().map(|(path, _)| path);
    Ok(created.files.into_iter().chain(rewritten).collect())
}

/// The files a tool keeps beside its migrations, rewritten to list the new ones: drizzle's
/// journal, Atlas's `atlas.sum`, sqitch's plan, Liquibase's master changelog.
fn bookkeeping(
    format: Format,
    dir: &Path,
    planned: &[Planned],
    now: SystemTime,
    created: &mut Created,
) -> Result<(), WriteError> {
    match format {
        Format::Drizzle if dir.join(drizzle::JOURNAL).is_file() => {
            let tags: Vec<String> = planned
                .iter()
                .filter_map(|p| p.main.file_stem())
                .map(|stem| stem.to_string_lossy().into_owned())
                .collect();
            let journal = drizzle::journal_with(dir, &tags, millis(now))?;
            created.rewrite(&dir.join(drizzle::JOURNAL), &journal)
        }
        Format::Atlas => created.rewrite(&dir.join(atlas::SUM), &atlas::current_sum(dir)?),
        Format::Sqitch | Format::Liquibase => {
            let (index, text) = index(format, dir, planned)?;
            created.rewrite(&index, &text)
        }
        _ => Ok(()),
    }
}

/// A graphile-migrate committed migration, linked to the one before it by `last_hash`; it
/// creates `committed/` when graphile-migrate has not yet.
fn graphile(
    dir: &Path,
    last_hash: &mut Option<String>,
    version: &str,
    description: &str,
    migration: &NewMigration,
) -> Planned {
    let committed = dir.join(graphile_migrate::COMMITTED);
    let body = match migration.transaction {
        true => migration.sql.clone(),
        false => format!("--! no-transaction\n{}", migration.sql.trim()),
    };
    let text = graphile_migrate::committed_text(&body, last_hash.as_deref());
    *last_hash = Some(graphile_migrate::hash(&body, last_hash.as_deref()));
    let main = committed.join(format!("{version}-{description}.sql"));
    Planned {
        dirs: (!committed.is_dir())
            .then_some(committed)
            .into_iter()
            .collect(),
        files: vec![(main.clone(), text)],
        main,
        transaction: migration.transaction,
        key: None,
        entry: None,
    }
}

/// One migration's files: `main` is the file discovery reads.
struct Planned {
    /// Directories to create first unless they exist (Prisma's and diesel's migration
    /// directories, sqitch's `revert/` and `verify/`).
    dirs: Vec<PathBuf>,
    main: PathBuf,
    files: Vec<(PathBuf, String)>,
    transaction: bool,
    /// The version discovery reads, when `main` alone does not name the migration (several
    /// Liquibase changesets share a file).
    key: Option<String>,
    /// What the file listing the chain gains for it: a sqitch plan line, a Liquibase changeset
    /// (a `.sql` master) or the file a master's new `include` names.
    entry: Option<String>,
}

/// The file names and contents of one migration in `format`.
fn layout(
    format: Format,
    dir: &Path,
    existing: &[Migration],
    version: &str,
    description: &str,
    migration: &NewMigration,
) -> Planned {
    let sql = migration.sql.as_str();
    let outside = !migration.transaction;
    let flat = |name: String, text: String| Planned {
        dirs: Vec::new(),
        main: dir.join(&name),
        files: vec![(dir.join(name), text)],
        transaction: migration.transaction,
        key: None,
        entry: None,
    };
    let name = format!("{version}_{description}");
    match format {
        Format::Diesel => {
            let folder = dir.join(&name);
            let mut files = vec![
                (folder.join("up.sql"), sql.to_string()),
                (folder.join("down.sql"), DOWN.to_string()),
            ];
            if outside {
                files.push((
                    folder.join("metadata.toml"),
                    "run_in_transaction = false\n".to_string(),
                ));
            }
            Planned {
                main: folder.join("up.sql"),
                files,
                dirs: vec![folder],
                transaction: migration.transaction,
                key: None,
                entry: None,
            }
        }
        Format::Sqlx => {
            let text = if outside {
                format!("-- no-transaction\n{sql}")
            } else {
                sql.to_string()
            };
            let reversible = existing
                .iter()
                .any(|m| m.path.to_string_lossy().ends_with(".up.sql"));
            if !reversible {
                return flat(format!("{name}.sql"), text);
            }
            Planned {
                files: vec![
                    (dir.join(format!("{name}.up.sql")), text),
                    (dir.join(format!("{name}.down.sql")), DOWN.to_string()),
                ],
                ..flat(format!("{name}.up.sql"), String::new())
            }
        }
        Format::GolangMigrate => Planned {
            files: vec![
                (dir.join(format!("{name}.up.sql")), sql.to_string()),
                (dir.join(format!("{name}.down.sql")), DOWN.to_string()),
            ],
            ..flat(format!("{name}.up.sql"), String::new())
        },
        Format::Sqitch => sqitch_change(dir, version, &name, migration),
        Format::Liquibase => liquibase_changeset(dir, &name, migration),
        Format::Dbmate => {
            let options = if outside { " transaction:false" } else { "" };
            flat(
                format!("{name}.sql"),
                format!("-- migrate:up{options}\n{sql}\n-- migrate:down\n{DOWN}"),
            )
        }
        Format::Flyway => flat(format!("V{version}__{description}.sql"), sql.to_string()),
        // sql-dir: the version is the whole prefix, separator included (see `next_versions`).
        Format::SqlDir => flat(format!("{version}{description}.sql"), sql.to_string()),
        Format::Goose => {
            let mode = if outside {
                "-- +goose NO TRANSACTION\n"
            } else {
                ""
            };
            flat(
                format!("{name}.sql"),
                format!(
                    "{mode}-- +goose Up\n-- +goose StatementBegin\n{}\n-- +goose StatementEnd\n\n-- +goose Down\n{DOWN}",
                    sql.trim_end()
                ),
            )
        }
        Format::Drizzle if dir.join(drizzle::JOURNAL).is_file() => {
            flat(format!("{name}.sql"), sql.to_string())
        }
        Format::Drizzle | Format::Prisma => {
            let folder = dir.join(&name);
            Planned {
                main: folder.join("migration.sql"),
                files: vec![(folder.join("migration.sql"), sql.to_string())],
                dirs: vec![folder],
                transaction: migration.transaction,
                key: None,
                entry: None,
            }
        }
        Format::Atlas => {
            let mode = if outside {
                "-- atlas:txmode none\n\n"
            } else {
                ""
            };
            flat(format!("{name}.sql"), format!("{mode}{sql}"))
        }
        Format::Refinery => {
            let mode = if outside {
                "-- refinery:noTransaction\n"
            } else {
                ""
            };
            flat(
                format!("V{version}__{description}.sql"),
                format!("{mode}{sql}"),
            )
        }
        Format::NodePgMigrate => flat(
            format!("{name}.sql"),
            format!("-- Up Migration\n{sql}\n-- Down Migration\n{DOWN}"),
        ),
        // graphile-migrate is written by `graphile`; auto and command never get here.
        Format::Supabase | Format::Auto | Format::Command | Format::GraphileMigrate => {
            flat(format!("{name}.sql"), sql.to_string())
        }
    }
}

/// The author of the changesets `fix --write` adds to a Liquibase chain.
const FIX_AUTHOR: &str = "pg-invariants";

/// A sqitch change as `sqitch add` lays it out: deploy, revert and verify scripts (their
/// directories created when missing) and a plan line. Every sqitch script runs outside a
/// transaction of pg-invariants' own; one that may run in a transaction opens its own, as
/// sqitch's template does.
fn sqitch_change(dir: &Path, version: &str, name: &str, migration: &NewMigration) -> Planned {
    let sql = migration.sql.trim_end();
    let deploy = match migration.transaction {
        true => format!("-- Deploy {name} to pg\n\nBEGIN;\n\n{sql}\n\nCOMMIT;\n"),
        false => format!(
            "-- Deploy {name} to pg\n-- No BEGIN/COMMIT: PostgreSQL runs this outside a transaction block only.\n\n{sql}\n"
        ),
    };
    let folders = [sqitch::DEPLOY, "revert", "verify"].map(|folder| dir.join(folder));
    let script = |folder: &Path| folder.join(format!("{name}.sql"));
    Planned {
        dirs: folders.iter().filter(|f| !f.is_dir()).cloned().collect(),
        main: script(&folders[0]),
        files: vec![
            (script(&folders[0]), deploy),
            (
                script(&folders[1]),
                format!("-- Revert {name} from pg\n{DOWN}"),
            ),
            (script(&folders[2]), format!("-- Verify {name} on pg\n")),
        ],
        transaction: false,
        key: None,
        entry: Some(format!(
            "{name} {} pg-invariants <pg-invariants@localhost> # Written by pg-invariants fix\n",
            iso_timestamp(version)
        )),
    }
}

/// A Liquibase changeset: appended to a `.sql` master, else in a new formatted SQL file beside
/// the master, which gains an `include` of it.
fn liquibase_changeset(dir: &Path, name: &str, migration: &NewMigration) -> Planned {
    let options = match migration.transaction {
        true => "",
        false => " runInTransaction:false",
    };
    let changeset = format!(
        "--changeset {FIX_AUTHOR}:{name}{options}\n{}\n",
        migration.sql.trim_end()
    );
    let key = Some(format!("{FIX_AUTHOR}:{name}"));
    let master = liquibase::master(dir).unwrap_or_else(|_| dir.to_path_buf());
    if is_sql(&master) {
        return Planned {
            dirs: Vec::new(),
            main: master,
            files: Vec::new(),
            transaction: migration.transaction,
            key,
            entry: Some(format!("\n{changeset}")),
        };
    }
    let file = format!("{name}.sql");
    let path = master.parent().unwrap_or(dir).join(&file);
    Planned {
        dirs: Vec::new(),
        main: path.clone(),
        files: vec![(path, format!("--liquibase formatted sql\n\n{changeset}"))],
        transaction: migration.transaction,
        key,
        entry: Some(file),
    }
}

fn is_sql(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("sql"))
}

/// The file listing the chain (sqitch's plan, Liquibase's master changelog) and its text with
/// the entries of `planned` added.
fn index(format: Format, dir: &Path, planned: &[Planned]) -> Result<(PathBuf, String), WriteError> {
    let entries: Vec<&str> = planned.iter().filter_map(|p| p.entry.as_deref()).collect();
    let path = match format {
        Format::Sqitch => dir.join(sqitch::PLAN),
        _ => liquibase::master(dir)?,
    };
    let old = fs::read_to_string(&path).map_err(|source| WriteError::Io {
        path: path.clone(),
        source,
    })?;
    let new = if format == Format::Liquibase && !is_sql(&path) {
        liquibase::with_includes(&path, &old, &entries)
            .ok_or_else(|| WriteError::MasterNotExtended { path: path.clone() })?
    } else {
        let mut new = old;
        if !new.is_empty() && !new.ends_with('\n') {
            new.push('\n');
        }
        new.extend(entries);
        new
    };
    Ok((path, new))
}

/// The versions of `count` migrations after `existing`, as they are written into names.
fn next_versions(
    format: Format,
    existing: &[Migration],
    count: usize,
    now: SystemTime,
) -> Vec<String> {
    let last = existing.last();
    let last_version = last.map(|m| m.version.as_str());
    match format {
        Format::Supabase | Format::Prisma => timestamps(last_version, count, now),
        Format::Diesel => {
            let dashed = last.is_none_or(|m| {
                m.path.parent().and_then(Path::file_name).is_some_and(|n| {
                    n.to_string_lossy()
                        .split('_')
                        .next()
                        .unwrap_or("")
                        .contains('-')
                })
            });
            timestamps(last_version, count, now)
                .into_iter()
                .map(|v| if dashed { dashed_timestamp(&v) } else { v })
                .collect()
        }
        Format::Sqlx | Format::GolangMigrate | Format::Dbmate | Format::Goose | Format::Atlas => {
            match last_version {
                Some(v) if v.len() != 14 => sequence(v, count),
                _ => timestamps(last_version, count, now),
            }
        }
        // The journal's `idx` (the version of a journal migration) names the file: `0007_…`.
        Format::Drizzle if last.is_some_and(|m| !is_folder(m)) => {
            let idx = last_version.unwrap_or_default();
            sequence(&format!("{idx:0>4}"), count)
        }
        Format::Drizzle => timestamps(last_version, count, now),
        Format::GraphileMigrate => sequence(&format!("{:0>6}", last_version.unwrap_or("0")), count),
        Format::Refinery => sequence(last_version.unwrap_or("0"), count),
        Format::NodePgMigrate => node_pg_migrate_prefixes(last_version, count, now),
        Format::Flyway => flyway_versions(existing, count),
        Format::SqlDir => sql_dir_prefixes(last, count),
        // Names only: the plan or the changelog orders the chain.
        Format::Sqitch | Format::Liquibase => timestamps(None, count, now),
        Format::Auto | Format::Command => Vec::new(),
    }
}

/// A drizzle-kit v1 migration: `<timestamp>_<name>/migration.sql`.
fn is_folder(migration: &Migration) -> bool {
    migration
        .path
        .file_name()
        .is_some_and(|n| n == "migration.sql")
}

/// node-pg-migrate: milliseconds since 1970 (`Date.now()`), or a 17-digit UTC time when the last
/// migration is named so, or the next index after an index (`0004`); always after the last.
fn node_pg_migrate_prefixes(last: Option<&str>, count: usize, now: SystemTime) -> Vec<String> {
    let ms = millis(now);
    let utc = |ms: u128| {
        let secs = u64::try_from(ms / 1000).unwrap_or_default();
        format!("{}{:03}", timestamp(secs), ms % 1000)
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

/// `count` timestamps from now, or numbers after `last` when now does not sort after it.
fn timestamps(last: Option<&str>, count: usize, now: SystemTime) -> Vec<String> {
    let secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let first = timestamp(secs);
    match last {
        Some(last) if cmp_numeric(&first, last).is_le() => sequence(last, count),
        _ => (0..count as u64).map(|i| timestamp(secs + i)).collect(),
    }
}

/// `count` numbers after `last`, zero padding kept: `0009` → `0010`, `0011`.
fn sequence(last: &str, count: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(count);
    let mut current = last.to_string();
    for _ in 0..count {
        current = increment(&current);
        out.push(current.clone());
    }
    out
}

/// A string of digits plus one, as wide as before unless it overflows: `0099` → `0100`,
/// `99` → `100`, `` → `1`.
fn increment(digits: &str) -> String {
    let mut bytes = digits.as_bytes().to_vec();
    for b in bytes.iter_mut().rev() {
        if *b == b'9' {
            *b = b'0';
        } else {
            *b += 1;
            return String::from_utf8(bytes).unwrap_or_default();
        }
    }
    format!("1{}", String::from_utf8(bytes).unwrap_or_default())
}

/// Flyway: the last versioned migration's version, as written in its name (`1_2` or `1.2`), with
/// its last part incremented.
fn flyway_versions(existing: &[Migration], count: usize) -> Vec<String> {
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

/// sql-dir: the prefix of each new file name, separator included. After a numbered file, the
/// next number with the same padding and separator (`002-x.sql` → `003-`); after unnumbered files
/// (which run last, by name), the last one's name (`schema.sql` → `schema_`), which sorts after it.
fn sql_dir_prefixes(last: Option<&Migration>, count: usize) -> Vec<String> {
    let name = last
        .and_then(|m| m.path.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".sql").unwrap_or(&name);
    let (digits, rest) = leading_digits(stem);
    if last.is_some() && digits.is_empty() {
        return vec![format!("{stem}_"); count];
    }
    let separator = rest
        .chars()
        .next()
        .filter(|c| ['_', '-', '.'].contains(c))
        .unwrap_or('_');
    sequence(digits, count)
        .into_iter()
        .map(|n| format!("{n}{separator}"))
        .collect()
}

/// sqitch's `YYYY-MM-DDTHH:MM:SSZ` from `YYYYMMDDHHMMSS`.
fn iso_timestamp(t: &str) -> String {
    if t.len() != 14 {
        return t.to_string();
    }
    format!(
        "{}-{}-{}T{}:{}:{}Z",
        &t[..4],
        &t[4..6],
        &t[6..8],
        &t[8..10],
        &t[10..12],
        &t[12..]
    )
}
/// Diesel's `YYYY-MM-DD-HHMMSS` from `YYYYMMDDHHMMSS`.
fn dashed_timestamp(t: &str) -> String {
    if t.len() != 14 {
        return t.to_string();
    }
    format!("{}-{}-{}-{}", &t[..4], &t[4..6], &t[6..8], &t[8..])
}

/// What was created so far, to be removed again if anything goes wrong, and the files rewritten
/// with their contents before, to be restored.
#[derive(Default)]
struct Created {
    dirs: Vec<PathBuf>,
    files: Vec<PathBuf>,
    rewritten: Vec<(PathBuf, Option<Vec<u8>>)>,
}

impl Created {
    fn write(&mut self, planned: &Planned) -> Result<(), WriteError> {
        for dir in &planned.dirs {
            if self.dirs.contains(dir) {
                continue;
            }
            fs::create_dir(dir).map_err(|e| new_path_error(dir, e))?;
            self.dirs.push(dir.clone());
        }
        for (path, text) in &planned.files {
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .map_err(|e| new_path_error(path, e))?;
            self.files.push(path.clone());
            file.write_all(text.as_bytes())
                .map_err(|source| WriteError::Io {
                    path: path.clone(),
                    source,
                })?;
        }
        Ok(())
    }

    /// Replaces the contents of `path` (a tool's bookkeeping file), keeping the old ones.
    fn rewrite(&mut self, path: &Path, text: &str) -> Result<(), WriteError> {
        let io = |source| WriteError::Io {
            path: path.to_path_buf(),
            source,
        };
        let old = match fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(e)),
        };
        self.rewritten.push((path.to_path_buf(), old));
        fs::write(path, text).map_err(io)
    }

    fn remove(&self) {
        for (path, old) in self.rewritten.iter().rev() {
            let _ = match old {
                Some(bytes) => fs::write(path, bytes),
                None => fs::remove_file(path),
            };
        }
        for file in self.files.iter().rev() {
            let _ = fs::remove_file(file);
        }
        for dir in self.dirs.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

fn new_path_error(path: &Path, source: io::Error) -> WriteError {
    if source.kind() == io::ErrorKind::AlreadyExists {
        WriteError::Exists {
            path: path.to_path_buf(),
        }
    } else {
        WriteError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Discovers the chain again: it must be `before` with `planned` after it, in order and in the
/// transaction mode asked for (only flyway's repeatable migrations may follow them), and `auto`
/// must still recognise the same layout.
fn ends_with(
    configured: Format,
    resolved: Format,
    dir: &Path,
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
    let after = discover(resolved, dir)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::format::fixture::Fixture;
    use rstest::rstest;
    use std::time::Duration;

    /// 2024-03-05 06:07:08 UTC.
    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_709_618_828)
    }

    fn tx(sql: &str) -> NewMigration {
        NewMigration {
            sql: sql.into(),
            transaction: true,
        }
    }

    fn outside(sql: &str) -> NewMigration {
        NewMigration {
            sql: sql.into(),
            transaction: false,
        }
    }

    /// The paths written, relative to the migrations directory.
    fn written(fixture: &Fixture, format: Format, new: &[NewMigration]) -> Vec<String> {
        let files = append(format, fixture.path(), "fix", new, now()).expect("written");
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

    #[rstest]
    #[case("0009", "0010")]
    #[case("99", "100")]
    #[case("", "1")]
    #[case("20240101000000", "20240101000001")]
    fn increments_keep_the_padding(#[case] digits: &str, #[case] expected: &str) {
        assert_eq!(increment(digits), expected);
    }

    #[rstest]
    #[case::supabase(
        Format::Supabase,
        &[("20240101000000_init.sql", "SELECT 1;")],
        &["20240305060708_fix_1.sql", "20240305060709_fix_2.sql"]
    )]
    #[case::supabase_future_timestamp(
        Format::Supabase,
        &[("20990101000000_init.sql", "SELECT 1;")],
        &["20990101000001_fix_1.sql", "20990101000002_fix_2.sql"]
    )]
    #[case::prisma(
        Format::Prisma,
        &[("20240101000000_init/migration.sql", "SELECT 1;"), ("migration_lock.toml", "")],
        &["20240305060708_fix_1/migration.sql", "20240305060709_fix_2/migration.sql"]
    )]
    #[case::diesel(
        Format::Diesel,
        &[("00000000000000_diesel_initial_setup/up.sql", "SELECT 1;"), ("2024-01-01-000000_init/up.sql", "SELECT 1;")],
        &["2024-03-05-060708_fix_1/up.sql", "2024-03-05-060708_fix_1/down.sql",
          "2024-03-05-060709_fix_2/up.sql", "2024-03-05-060709_fix_2/down.sql", "2024-03-05-060709_fix_2/metadata.toml"]
    )]
    #[case::sqlx_sequential(
        Format::Sqlx,
        &[("0001_init.sql", "SELECT 1;"), ("0002_more.sql", "SELECT 1;")],
        &["0003_fix_1.sql", "0004_fix_2.sql"]
    )]
    #[case::sqlx_reversible(
        Format::Sqlx,
        &[("20240101000000_init.up.sql", "SELECT 1;"), ("20240101000000_init.down.sql", "")],
        &["20240305060708_fix_1.up.sql", "20240305060708_fix_1.down.sql",
          "20240305060709_fix_2.up.sql", "20240305060709_fix_2.down.sql"]
    )]
    #[case::golang_migrate(
        Format::GolangMigrate,
        &[("000001_init.up.sql", "SELECT 1;"), ("000001_init.down.sql", "")],
        &["000002_fix_1.up.sql", "000002_fix_1.down.sql", "000003_fix_2.up.sql", "000003_fix_2.down.sql"]
    )]
    #[case::dbmate(
        Format::Dbmate,
        &[("20240101000000_init.sql", "-- migrate:up\nSELECT 1;\n")],
        &["20240305060708_fix_1.sql", "20240305060709_fix_2.sql"]
    )]
    #[case::flyway_dots_then_repeatables(
        Format::Flyway,
        &[("V1.9__a.sql", "SELECT 1;"), ("V1.10__b.sql", "SELECT 1;"), ("R__views.sql", "SELECT 1;")],
        &["V1.11__fix_1.sql", "V1.12__fix_2.sql"]
    )]
    #[case::flyway_underscores(
        Format::Flyway,
        &[("V001_009__a.sql", "SELECT 1;")],
        &["V001_010__fix_1.sql", "V001_011__fix_2.sql"]
    )]
    #[case::sql_dir_numbered(
        Format::SqlDir,
        &[("009-a.sql", "SELECT 1;"), ("010-b.sql", "SELECT 1;")],
        &["011-fix_1.sql", "012-fix_2.sql"]
    )]
    #[case::sql_dir_unnumbered_last(
        Format::SqlDir,
        &[("1_a.sql", "SELECT 1;"), ("schema.sql", "SELECT 1;")],
        &["schema_fix_1.sql", "schema_fix_2.sql"]
    )]
    #[case::auto_on_an_empty_directory(Format::Auto, &[], &["1_fix_1.sql", "2_fix_2.sql"])]
    fn new_migrations_are_named_after_the_last(
        #[case] format: Format,
        #[case] files: &[(&str, &str)],
        #[case] expected: &[&str],
    ) {
        let fixture = Fixture::new(files);
        let new = [
            tx("SELECT 1;\n"),
            outside("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\n"),
        ];
        assert_eq!(written(&fixture, format, &new), expected);
        let chain = discover(format, fixture.path()).expect("rediscovered");
        let modes: Vec<bool> = chain
            .iter()
            .filter(|m| m.path.to_string_lossy().contains("fix_"))
            .map(|m| m.transaction)
            .collect();
        assert_eq!(modes, [true, false]);
    }

    #[test]
    fn sqitch_gains_scripts_and_plan_lines_as_sqitch_add_writes_them() {
        let plan = "%project=p\n\na 2024-01-01T00:00:00Z M <m@x>";
        let fixture = Fixture::new(&[("sqitch.plan", plan), ("deploy/a.sql", "SELECT 1;")]);
        let new = [
            tx("SELECT 1;\n"),
            outside("CREATE INDEX CONCURRENTLY i ON t (a);\n"),
        ];
        assert_eq!(
            written(&fixture, Format::Auto, &new),
            [
                "deploy/20240305060708_fix_1.sql",
                "revert/20240305060708_fix_1.sql",
                "verify/20240305060708_fix_1.sql",
                "deploy/20240305060709_fix_2.sql",
                "revert/20240305060709_fix_2.sql",
                "verify/20240305060709_fix_2.sql",
                "sqitch.plan"
            ]
        );
        let read = |name: &str| fs::read_to_string(fixture.path().join(name)).unwrap();
        assert_eq!(
            read("sqitch.plan"),
            format!(
                "{plan}\n20240305060708_fix_1 2024-03-05T06:07:08Z pg-invariants <pg-invariants@localhost> # Written by pg-invariants fix\n\
                 20240305060709_fix_2 2024-03-05T06:07:09Z pg-invariants <pg-invariants@localhost> # Written by pg-invariants fix\n"
            )
        );
        assert_eq!(
            read("deploy/20240305060708_fix_1.sql"),
            "-- Deploy 20240305060708_fix_1 to pg\n\nBEGIN;\n\nSELECT 1;\n\nCOMMIT;\n"
        );
        assert!(!read("deploy/20240305060709_fix_2.sql").contains("BEGIN;"));
    }

    #[rstest]
    #[case::sql_master(
        "changelog.sql",
        "--liquibase formatted sql\n--changeset a:1\nSELECT 1;",
        &["changelog.sql"]
    )]
    #[case::xml_master(
        "changelog.xml",
        "<databaseChangeLog>\n  <include file=\"a.sql\" relativeToChangelogFile=\"true\"/>\n</databaseChangeLog>\n",
        &["20240305060708_fix_1.sql", "20240305060709_fix_2.sql", "changelog.xml"]
    )]
    fn liquibase_gains_changesets_marked_for_their_transaction_mode(
        #[case] master: &str,
        #[case] text: &str,
        #[case] expected: &[&str],
    ) {
        let fixture = Fixture::new(&[
            (master, text),
            (
                "a.sql",
                "--liquibase formatted sql\n--changeset a:1\nSELECT 1;",
            ),
        ]);
        let new = [
            tx("SELECT 1;\n"),
            outside("CREATE INDEX CONCURRENTLY i ON t (a);\n"),
        ];
        assert_eq!(written(&fixture, Format::Auto, &new), expected);
        let chain = discover(Format::Liquibase, fixture.path()).unwrap();
        let added: Vec<(&str, bool)> = chain
            .iter()
            .filter(|m| m.version.starts_with("pg-invariants:"))
            .map(|m| (m.version.as_str(), m.transaction))
            .collect();
        assert_eq!(
            added,
            [
                ("pg-invariants:20240305060708_fix_1", true),
                ("pg-invariants:20240305060709_fix_2", false)
            ]
        );
    }

    #[test]
    fn a_master_that_cannot_be_extended_is_left_as_it_was() {
        // The changelog list is not the last key: the include appended at the end is not in it.
        let master = "databaseChangeLog:\n  - include:\n      file: a.sql\nother: 1\n";
        let fixture = Fixture::new(&[
            ("changelog.yaml", master),
            (
                "a.sql",
                "--liquibase formatted sql\n--changeset a:1\nSELECT 1;",
            ),
        ]);
        let error = append(
            Format::Liquibase,
            fixture.path(),
            "fix",
            &[tx("SELECT 2;")],
            now(),
        );
        assert!(error.is_err());
        let read = fs::read_to_string(fixture.path().join("changelog.yaml")).unwrap();
        assert_eq!(read, master);
        assert!(!fixture.path().join("20240305060708_fix.sql").exists());
    }

    #[test]
    fn each_format_marks_a_migration_outside_a_transaction_its_own_way() {
        let sql = "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\n";
        let sqlx = Fixture::new(&[("1_a.sql", "SELECT 1;")]);
        written(&sqlx, Format::Sqlx, &[outside(sql)]);
        let text = fs::read_to_string(sqlx.path().join("2_fix.sql")).unwrap();
        assert_eq!(text, format!("-- no-transaction\n{sql}"));

        let dbmate = Fixture::new(&[("1_a.sql", "-- migrate:up\nSELECT 1;\n")]);
        written(&dbmate, Format::Dbmate, &[outside(sql)]);
        let text = fs::read_to_string(dbmate.path().join("2_fix.sql")).unwrap();
        assert!(
            text.starts_with(&format!(
                "-- migrate:up transaction:false\n{sql}\n-- migrate:down\n"
            )),
            "{text}"
        );

        let diesel = Fixture::new(&[("2024-01-01-000000_a/up.sql", "SELECT 1;")]);
        written(&diesel, Format::Diesel, &[outside(sql)]);
        let metadata = diesel.path().join("2024-03-05-060708_fix/metadata.toml");
        assert_eq!(
            fs::read_to_string(metadata).unwrap(),
            "run_in_transaction = false\n"
        );
    }

    #[test]
    fn an_existing_file_is_never_overwritten_and_nothing_is_left_behind() {
        // golang-migrate ignores a stray down file, whose name the new migration needs.
        let fixture = Fixture::new(&[
            ("000001_init.up.sql", "SELECT 1;"),
            ("000002_fix.down.sql", "-- mine"),
        ]);
        let error = append(
            Format::GolangMigrate,
            fixture.path(),
            "fix",
            &[tx("SELECT 2;")],
            now(),
        )
        .unwrap_err();
        let stray = fixture.path().join("000002_fix.down.sql");
        assert!(
            matches!(&error, WriteError::Exists { path } if *path == stray),
            "{error}"
        );
        assert_eq!(fs::read_to_string(&stray).unwrap(), "-- mine");
        assert!(!fixture.path().join("000002_fix.up.sql").exists());
    }

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
            "fix",
            &[tx("SELECT 1;")],
            now(),
        )
        .unwrap_err();
        assert!(matches!(error, WriteError::Command), "{error}");
    }

    /// A graphile-migrate chain of one committed migration.
    fn graphile_chain() -> Vec<(String, String)> {
        let text = graphile_migrate::committed_text("SELECT 1;", None);
        vec![
            ("committed/000001.sql".into(), text),
            ("current.sql".into(), "-- wip\n".into()),
        ]
    }

    #[rstest]
    #[case::goose(Format::Goose, vec![("00001_a.sql".into(), "-- +goose Up\nSELECT 1;\n".into())], &["00002_fix_1.sql", "00003_fix_2.sql"])]
    #[case::refinery(Format::Refinery, vec![("V1__a.sql".into(), "SELECT 1;".into()), ("sub/U7__b.sql".into(), "SELECT 1;".into())], &["V8__fix_1.sql", "V9__fix_2.sql"])]
    #[case::atlas(Format::Atlas, vec![("20240101000000_a.sql".into(), "SELECT 1;\n".into())], &["20240305060708_fix_1.sql", "20240305060709_fix_2.sql", "atlas.sum"])]
    #[case::graphile(Format::GraphileMigrate, graphile_chain(), &["committed/000002-fix_1.sql", "committed/000003-fix_2.sql"])]
    #[case::graphile_first(Format::GraphileMigrate, vec![("current.sql".into(), String::new())], &["committed/000001-fix_1.sql", "committed/000002-fix_2.sql"])]
    fn layouts_with_their_own_no_transaction_marker(
        #[case] format: Format,
        #[case] files: Vec<(String, String)>,
        #[case] expected: &[&str],
    ) {
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let fixture = Fixture::new(&refs);
        if format == Format::Atlas {
            fs::write(
                fixture.path().join(atlas::SUM),
                atlas::current_sum(fixture.path()).unwrap(),
            )
            .unwrap();
        }
        let new = [
            tx("DO $$ BEGIN PERFORM 1; END $$;\nSELECT 1;\n"),
            outside("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\n"),
        ];
        assert_eq!(written(&fixture, format, &new), expected);
        assert_eq!(
            detect(fixture.path()).unwrap(),
            format,
            "auto still reads it"
        );
        let chain = discover(format, fixture.path()).expect("rediscovered");
        let modes: Vec<bool> = chain.iter().rev().take(2).map(|m| m.transaction).collect();
        assert_eq!(modes, [false, true]);
        let last = chain.last().unwrap();
        assert_eq!(last.statements().len(), 1, "{}", last.sql());
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
        let error =
            append(format, fixture.path(), "fix", &[outside("VACUUM;")], now()).unwrap_err();
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

    #[test]
    fn goose_and_node_pg_migrate_write_their_sections() {
        let goose = Fixture::new(&[("1_a.sql", "-- +goose Up\nSELECT 1;\n")]);
        written(
            &goose,
            Format::Goose,
            &[outside("CREATE INDEX CONCURRENTLY i ON t (a);\n")],
        );
        let text = fs::read_to_string(goose.path().join("2_fix.sql")).unwrap();
        assert!(
            text.starts_with("-- +goose NO TRANSACTION\n-- +goose Up\n-- +goose StatementBegin\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- +goose StatementEnd\n"),
            "{text}"
        );
        assert!(text.contains("-- +goose Down\n"), "{text}");

        let node = Fixture::new(&[("1700000000000_a.sql", "SELECT 1;\n")]);
        written(&node, Format::NodePgMigrate, &[tx("SELECT 2;")]);
        let text = fs::read_to_string(node.path().join("1709618828000_fix.sql")).unwrap();
        assert!(
            text.starts_with("-- Up Migration\nSELECT 2;\n-- Down Migration\n"),
            "{text}"
        );
    }

    #[test]
    fn a_failed_write_restores_the_rewritten_files() {
        // atlas: `9_a.sql` sorts after any timestamp, so the new file is not last.
        let fixture = Fixture::new(&[("9_a.sql", "SELECT 1;\n")]);
        let sum = fixture.path().join(atlas::SUM);
        let before = atlas::current_sum(fixture.path()).unwrap();
        fs::write(&sum, &before).unwrap();
        let error = append(
            Format::Atlas,
            fixture.path(),
            "fix",
            &[tx("SELECT 2;")],
            now(),
        )
        .unwrap_err();
        assert!(matches!(error, WriteError::NotLast { .. }), "{error}");
        assert_eq!(fs::read_to_string(&sum).unwrap(), before);
        assert_eq!(discover(Format::Atlas, fixture.path()).unwrap().len(), 1);
    }
}
