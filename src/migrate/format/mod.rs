//! Finding the migrations of a chain: one module per layout, each turning a directory into the
//! `Vec<Migration>` its tool would apply, in the tool's order.
//!
//! Discovery never touches a database: it reads names and files, so that a misnamed file or two
//! migrations with the same version are reported before anything runs. Files that obviously are
//! not migrations (hidden files such as `.gitkeep`, files that are not `.sql` such as
//! `README.md` or `migration_lock.toml`, down migrations, flyway undo/baseline/callback files)
//! are skipped; a `.sql` file whose name does not fit the layout is an error, because a typo must
//! not silently drop a migration from the chain.
//!
//! # Detection (`format = "auto"`)
//!
//! A `path` naming a changelog file (`.xml`, `.yaml`, `.yml`, `.json`, or a formatted SQL `.sql`)
//! is `liquibase`'s master changelog. For a directory, [`detect`] first reads the files' own
//! markers ([`markers`]): `-- +goose` annotations choose `goose`; `--> statement-breakpoint`,
//! `meta/_journal.json` or a `snapshot.json` beside a `migration.sql` choose `drizzle`;
//! `--! Previous:` / `--! Hash:` headers (in `committed/`) choose `graphile-migrate`; `atlas.sum`
//! or an `-- atlas:` header directive choose `atlas`; `-- refinery:noTransaction` chooses
//! `refinery`; `sqitch.plan` chooses `sqitch`; a `--liquibase formatted sql` first line or a
//! master changelog (`db.changelog-master.*`, `changelog.*`) chooses `liquibase`;
//! `-- Up Migration` chooses `node-pg-migrate`. Markers of two formats, or a marker in a
//! directory without that tool's layout (`-- +goose` in a Prisma folder, `--! Previous:` without
//! `committed/`, an atlas directive without `atlas.sum`, `sqitch.plan` without `deploy/`,
//! formatted SQL without a master changelog), are an error naming a file and the format to set.
//! Otherwise it looks at the directory and takes the first rule that matches:
//!
//! 1. a `committed/` subdirectory: `graphile-migrate`;
//! 2. a subdirectory holding `migration.sql`, or a `migration_lock.toml`: `prisma`;
//! 3. a subdirectory holding `up.sql`: `diesel`;
//! 4. the directory is `supabase/migrations` and holds a `<digits>_name.sql` file (the CLI's
//!    pattern, `0001_init.sql` as much as a timestamp): `supabase`;
//! 5. a `U<n>__<name>.sql` file with no `V<n>__` file of the same number: `refinery` (Flyway's
//!    `U<n>__` undoes the versioned migration `n`, which therefore exists; refinery's is a
//!    migration of its own and refinery refuses two with one number);
//! 6. a `V<version>__<desc>.sql` file: `flyway`. refinery names its versioned migrations the
//!    same way; without refinery's marker or a lone `U` file the two readings differ only in
//!    Flyway's dotted versions and repeatable `R__` files, which refinery's names cannot have,
//!    and in the transaction mode of a file PostgreSQL refuses in a transaction (Flyway runs it
//!    outside one, refinery needs its marker): set format = "refinery" to read it as refinery;
//! 7. a `.sql` file with a `-- migrate:up` line: `dbmate`;
//! 8. a `.sql` file whose first line is `-- no-transaction` (sqlx's marker, meaningless to the
//!    other tools), or `*.up.sql` files next to plain `<version>_<desc>.sql` files (which
//!    golang-migrate does not accept): `sqlx`;
//! 9. `*.up.sql` files: `golang-migrate`;
//! 10. a `<digits>_<name>.js` / `.ts` / `.cjs` / `.mjs` migration: `node-pg-migrate`, which
//!     refuses it naming the `command` that applies it (read as `sql-dir`, it would be skipped);
//! 11. anything else, an empty directory included: `sql-dir`. node-pg-migrate files without
//!     `-- Up Migration` hold no down section and read as a numbered `sql-dir` (ordered by
//!     number; node-pg-migrate's 17-digit UTC names need format = "node-pg-migrate" to be
//!     ordered as times among 13-digit ones).
//!
//! The `.up.sql` layouts of sqlx and golang-migrate are identical for our purposes (same names,
//! same numeric order, down files ignored), and so are sqlx's `<version>_<desc>.sql` layout and a
//! numbered `sql-dir`. They differ only in the transaction mode: sqlx runs a file in a
//! transaction unless it starts with `-- no-transaction`; golang-migrate sends every file as one
//! message without a transaction (atomic when it holds several statements, PostgreSQL's implicit
//! transaction); `sql-dir` runs a file outside a transaction when it holds a statement PostgreSQL
//! refuses inside one. A chain that sqlx applies has no such statement in a file without the
//! marker (PostgreSQL would refuse it), so when no file carries the marker the readings apply the
//! same files in the same order with the same outcome; when one does, the chain is sqlx's and is
//! read as such. Set `format` explicitly to override.

mod atlas;
mod atlas_sum;
mod dbmate;
mod diesel;
mod drizzle;
mod error;
mod exclude;
mod flyway;
mod gmrc;
mod golang_migrate;
mod goose;
mod graphile_migrate;
mod json5;
mod liquibase;
mod liquibase_sql;
mod markers;
mod node_pg_migrate;
mod prisma;
mod refinery;
mod sqitch;
mod sql_dir;
mod sqlx;
mod supabase;
mod utc;
mod version;
mod write;

use std::cmp::Ordering;
use std::fs;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::location::TextError;
use crate::migrate::migration::Migration;
use crate::migrate::placeholders::Placeholders;
use crate::spec::Format;
use crate::sql::statements;

pub use error::DiscoverError;
pub use exclude::excluded;
pub use sqitch::{Layout as SqitchLayout, layout as sqitch_layout};
pub use supabase::skip_warning;
pub use write::{NewMigration, WriteError, append};

/// Recognises the layout of `dir` (see the module documentation). Never returns `Auto` or
/// `Command`.
pub fn detect(dir: &Path) -> Result<Format, DiscoverError> {
    if dir.is_file() && liquibase::is_master_file(dir) {
        return Ok(Format::Liquibase);
    }
    let entries = entries(dir)?;
    if let Some(format) = markers::decide(dir, &entries)? {
        return Ok(format);
    }
    let subdirectory_holds = |file: &str| {
        entries
            .iter()
            .any(|entry| entry.is_dir && entry.path.join(file).is_file())
    };
    let has_file = |name: &str| entries.iter().any(|e| !e.is_dir && e.name == name);
    if dir.join(graphile_migrate::COMMITTED).is_dir() {
        return Ok(Format::GraphileMigrate);
    }
    if subdirectory_holds("migration.sql") || has_file("migration_lock.toml") {
        return Ok(Format::Prisma);
    }
    if subdirectory_holds("up.sql") {
        return Ok(Format::Diesel);
    }
    let sql: Vec<&Entry> = entries
        .iter()
        .filter(|entry| !entry.is_dir && entry.name.ends_with(".sql"))
        .collect();
    if supabase::is_supabase_dir(dir) && sql.iter().any(|e| supabase::matches_cli_pattern(&e.name))
    {
        return Ok(Format::Supabase);
    }
    if refinery::has_lone_unversioned(sql.iter().map(|entry| entry.name.as_str())) {
        return Ok(Format::Refinery);
    }
    if sql.iter().any(|entry| flyway::is_versioned(&entry.name)) {
        return Ok(Format::Flyway);
    }
    let mut texts = Vec::with_capacity(sql.len());
    for entry in &sql {
        texts.push(read_text(&entry.path)?);
    }
    if texts.iter().any(|text| dbmate::has_up_section(text)) {
        return Ok(Format::Dbmate);
    }
    let up_files = sql.iter().any(|entry| entry.name.ends_with(".up.sql"));
    let plain_versioned = sql
        .iter()
        .any(|entry| sqlx::is_plain_versioned(&entry.name));
    if texts.iter().any(|text| sqlx::opts_out_of_transaction(text)) || (up_files && plain_versioned)
    {
        return Ok(Format::Sqlx);
    }
    if up_files {
        return Ok(Format::GolangMigrate);
    }
    if node_pg_migrate::has_scripts(entries.iter().map(|e| e.name.as_str())) {
        return Ok(Format::NodePgMigrate);
    }
    Ok(Format::SqlDir)
}

/// What the project file says about reading a chain, besides its directory and format.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// liquibase: the directories `classpath:` and non-relative includes resolve against, in
    /// order (empty: the nearest `src/main/resources` above the master changelog).
    pub classpath: Vec<PathBuf>,
    /// graphile-migrate: placeholder values over `.gmrc`'s and the built-in ones.
    pub placeholders: Vec<(String, String)>,
}

/// The migrations of `dir` in the order `format` applies them, read with no option of the
/// project file (see [`discover_with`]).
pub fn discover(format: Format, dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
    discover_with(format, dir, &Options::default())
}

/// The migrations of `dir` in the order `format` applies them. `Auto` detects the format
/// first; `Command` has no files to read (the command applies its own chain).
pub fn discover_with(
    format: Format,
    dir: &Path,
    options: &Options,
) -> Result<Vec<Migration>, DiscoverError> {
    let migrations = match format {
        Format::Auto => return discover_with(detect(dir)?, dir, options),
        Format::Command => Ok(Vec::new()),
        Format::SqlDir => sql_dir::discover(dir),
        Format::Supabase => supabase::discover(dir),
        Format::Sqlx => sqlx::discover(dir),
        Format::Prisma => prisma::discover(dir),
        Format::Diesel => diesel::discover(dir),
        Format::GolangMigrate => golang_migrate::discover(dir),
        Format::Flyway => flyway::discover(dir),
        Format::Dbmate => dbmate::discover(dir),
        Format::Goose => goose::discover(dir),
        Format::Drizzle => drizzle::discover(dir),
        Format::GraphileMigrate => graphile_migrate::discover(dir, options),
        Format::Atlas => atlas::discover(dir),
        Format::Refinery => refinery::discover(dir),
        Format::Sqitch => sqitch::discover(dir),
        Format::Liquibase => liquibase::discover(dir, &options.classpath),
        Format::NodePgMigrate => node_pg_migrate::discover(dir),
    }?;
    // Atlas's own chain was checked as it was read; another tool's chain that Atlas wrote has
    // an atlas.sum too, checked as Atlas computes it for that tool's layout.
    if format != Format::Atlas && dir.is_dir() {
        atlas_sum::verify(format, dir)?;
    }
    Ok(migrations)
}

/// [`discover`] without the migrations `exclude` leaves out. The migration folders it matches
/// are not read at all, so one without its SQL file (a Prisma data migration holding only
/// `migration.ts`) can be left out too.
pub fn discover_excluding(
    format: Format,
    dir: &Path,
    exclude: &[crate::spec::Glob],
    options: &Options,
) -> Result<Vec<Migration>, DiscoverError> {
    let skip = |folder: &Path| excluded(dir, folder, exclude);
    let mut migrations = match format {
        Format::Auto => return discover_excluding(detect(dir)?, dir, exclude, options),
        Format::Prisma => prisma::discover_skipping(dir, &skip)?,
        Format::Diesel => diesel::discover_skipping(dir, &skip)?,
        _ => discover_with(format, dir, options)?,
    };
    migrations.retain(|m| !skip(&m.path));
    Ok(migrations)
}

/// Files of `dir` that look like migrations but that `format` does not apply, for the run to
/// name: the `.sql` files a drizzle journal does not list, the files the Supabase CLI skips.
pub fn not_applied(format: Format, dir: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
    match format {
        Format::Auto => not_applied(detect(dir)?, dir),
        Format::Drizzle => drizzle::unlisted(dir),
        Format::GraphileMigrate => Ok(graphile_migrate::uncommitted(dir)),
        Format::Supabase => supabase::skipped(dir),
        _ => Ok(Vec::new()),
    }
}

/// The placeholders replaced in the migrations of a chain of `format` before they are sent
/// (graphile-migrate's), `None` for a format that has none.
pub fn placeholders(
    format: Format,
    dir: &Path,
    options: &Options,
) -> Result<Option<Placeholders>, DiscoverError> {
    match format {
        Format::Auto => placeholders(detect(dir)?, dir, options),
        Format::GraphileMigrate => graphile_migrate::placeholders(dir, options).map(Some),
        _ => Ok(None),
    }
}

/// Settings the tool of a chain of `format` sets in its session before the migrations
/// (graphile-migrate's `pgSettings`), as `(name, value)`.
pub fn session_settings(
    format: Format,
    dir: &Path,
) -> Result<Vec<(String, String)>, DiscoverError> {
    match format {
        Format::Auto => session_settings(detect(dir)?, dir),
        Format::GraphileMigrate => gmrc::pg_settings(dir),
        _ => Ok(Vec::new()),
    }
}

/// The tool's files besides the migrations that reading a chain of `format` in `dir` reads:
/// `atlas.sum`, graphile-migrate's `.gmrc`.
pub fn read_from(format: Format, dir: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
    let mut files: Vec<PathBuf> = Some(dir.join(atlas::SUM))
        .filter(|sum| sum.is_file())
        .into_iter()
        .collect();
    match format {
        Format::Auto => return read_from(detect(dir)?, dir),
        Format::GraphileMigrate => files.extend(gmrc::find(dir)?.map(|s| s.path)),
        _ => {}
    }
    Ok(files)
}

/// What the tool of a chain of `format` runs besides its files and this run does not, each a
/// sentence for the run's header (graphile-migrate's `afterReset` commands).
pub fn not_run(format: Format, dir: &Path) -> Result<Vec<String>, DiscoverError> {
    match format {
        Format::Auto => not_run(detect(dir)?, dir),
        Format::GraphileMigrate => gmrc::commands_not_run(dir),
        _ => Ok(Vec::new()),
    }
}

/// An entry of a migrations directory.
struct Entry {
    name: String,
    path: PathBuf,
    is_dir: bool,
}

/// The visible entries of `dir`, by name; hidden ones (`.gitkeep`, editor files) are left out.
fn entries(dir: &Path) -> Result<Vec<Entry>, DiscoverError> {
    let metadata = fs::metadata(dir).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => DiscoverError::Missing {
            path: dir.to_path_buf(),
        },
        _ => io_error(dir)(source),
    })?;
    if !metadata.is_dir() {
        return Err(DiscoverError::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    let mut entries = Vec::new();
    super::file::note(dir);
    for entry in fs::read_dir(dir).map_err(io_error(dir))? {
        let entry = entry.map_err(io_error(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let is_dir = fs::metadata(&path).is_ok_and(|m| m.is_dir());
        entries.push(Entry { name, path, is_dir });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

fn io_error(path: &Path) -> impl Fn(io::Error) -> DiscoverError + '_ {
    move |source| DiscoverError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A file of the chain (see [`crate::migrate::file`]: regular, bounded, noted).
fn read_text(path: &Path) -> Result<String, DiscoverError> {
    super::file::read(path).map_err(|e| match e {
        TextError::Io(source) => io_error(path)(source),
        TextError::NotUtf8(e) => e.into(),
    })
}

/// Reads a migration file: the whole file runs, in a transaction until the layout says otherwise.
fn read_migration(
    path: PathBuf,
    version: &str,
    description: &str,
) -> Result<Migration, DiscoverError> {
    let text = read_text(&path)?;
    Ok(Migration {
        version: version.to_string(),
        description: description.to_string(),
        body: 0..text.len(),
        path,
        text,
        transaction: true,
        verbatim: Vec::new(),
    })
}

/// The lines of `text` with their byte offsets, each with its line break.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n').scan(0, |offset, line| {
        let start = *offset;
        *offset += line.len();
        Some((start, line))
    })
}

/// `range` of `text` without surrounding whitespace, nor the blank and `--` comment lines that
/// lead it (so a location names the statement's first token).
fn trimmed(text: &str, range: Range<usize>) -> Range<usize> {
    let mut start = range.start;
    for (offset, line) in lines(&text[range.clone()]) {
        let content = line.trim();
        if !content.is_empty() && !content.starts_with("--") {
            start = range.start + offset + (line.len() - line.trim_start().len());
            break;
        }
        start = range.start + offset + line.len();
    }
    let end = range.start + text[range.clone()].trim_end().len();
    start.min(end)..end
}

/// What a layout makes of a file name.
enum Name<'a> {
    Migration {
        version: String,
        description: &'a str,
    },
    /// Not a migration that runs (a down migration, an undo file...).
    Ignored,
    /// A `.sql` file that does not fit the layout.
    Unexpected,
}

/// A layout with one `.sql` file per migration.
struct FileLayout {
    format: Format,
    /// The pattern in error messages.
    expected: &'static str,
    parse: fn(&str) -> Name<'_>,
    /// Also look into subdirectories (Flyway scans its locations recursively).
    recursive: bool,
}

impl FileLayout {
    /// The migration files of `dir`, read, in directory order. Files that are not `.sql` are
    /// skipped; a `.sql` file whose name does not fit is an error.
    fn read(&self, dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
        let mut migrations = Vec::new();
        for entry in entries(dir)? {
            if entry.is_dir {
                if self.recursive {
                    migrations.extend(self.read(&entry.path)?);
                }
                continue;
            }
            if !entry.name.ends_with(".sql") {
                continue;
            }
            match (self.parse)(&entry.name) {
                Name::Migration {
                    version,
                    description,
                } => migrations.push(read_migration(entry.path, &version, description)?),
                Name::Ignored => {}
                Name::Unexpected => {
                    return Err(unexpected(self.format, self.expected, entry.path));
                }
            }
        }
        Ok(migrations)
    }
}

/// A layout with one directory per migration, holding the SQL in `file`.
struct DirLayout {
    format: Format,
    /// The SQL file inside each migration directory.
    file: &'static str,
    /// The pattern in error messages.
    expected: &'static str,
    /// The version and description of a migration directory's name, `None` if the name does not
    /// look like a migration.
    parse: fn(&str) -> Option<(String, &str)>,
}

impl DirLayout {
    /// The migrations of `dir`, read, in directory order. A migration-looking directory without
    /// the SQL file, a directory with the SQL file but another name, and a `.sql` file next to
    /// the directories are errors; other entries are skipped.
    fn read(&self, dir: &Path) -> Result<Vec<Migration>, DiscoverError> {
        self.read_skipping(dir, &|_| false)
    }

    /// [`DirLayout::read`], the directories `skip` matches left unread.
    fn read_skipping(
        &self,
        dir: &Path,
        skip: &dyn Fn(&Path) -> bool,
    ) -> Result<Vec<Migration>, DiscoverError> {
        let mut migrations = Vec::new();
        for entry in entries(dir)? {
            if entry.is_dir && skip(&entry.path) {
                continue;
            }
            if !entry.is_dir {
                if entry.name.ends_with(".sql") {
                    return Err(unexpected(self.format, self.expected, entry.path));
                }
                continue;
            }
            let file = entry.path.join(self.file);
            let has_file = file.is_file();
            match ((self.parse)(&entry.name), has_file) {
                (Some((version, description)), true) => {
                    migrations.push(read_migration(file, &version, description)?);
                }
                (Some(_), false) => {
                    return Err(DiscoverError::MissingFile {
                        path: entry.path,
                        file: self.file,
                    });
                }
                (None, true) => return Err(unexpected(self.format, self.expected, entry.path)),
                (None, false) => {}
            }
        }
        Ok(migrations)
    }
}

fn unexpected(format: Format, expected: &'static str, path: PathBuf) -> DiscoverError {
    DiscoverError::UnexpectedName {
        path,
        format,
        expected,
    }
}

/// `<digits>_<description>` (the separator required), as most tools name a migration.
fn versioned(stem: &str) -> Option<(String, &str)> {
    let (digits, rest) = version::leading_digits(stem);
    let description = rest.strip_prefix('_')?;
    if digits.is_empty() {
        return None;
    }
    Some((digits.to_string(), description))
}

/// What `<digits>_<description><suffix>` makes of `name`: a migration, or unexpected.
fn versioned_name<'a>(name: &'a str, suffix: &str) -> Name<'a> {
    let parsed = name.strip_suffix(suffix).and_then(versioned);
    let Some((version, description)) = parsed else {
        return Name::Unexpected;
    };
    Name::Migration {
        version,
        description,
    }
}

/// For the layouts whose tools order by number and run a file outside a transaction when
/// PostgreSQL requires it: marks the migrations and puts them in order.
fn numbered(
    format: Format,
    mut migrations: Vec<Migration>,
) -> Result<Vec<Migration>, DiscoverError> {
    mark_non_transactional(&mut migrations);
    in_version_order(format, migrations, version::cmp_numeric)
}

/// Sorts by version, compared with `cmp`, then by path; two migrations with the same version are
/// an error naming both, since every tool but `sql-dir` applies a version once.
fn in_version_order(
    format: Format,
    mut migrations: Vec<Migration>,
    cmp: fn(&str, &str) -> Ordering,
) -> Result<Vec<Migration>, DiscoverError> {
    migrations.sort_by(|a, b| cmp(&a.version, &b.version).then_with(|| a.path.cmp(&b.path)));
    let duplicate = migrations
        .windows(2)
        .find(|pair| cmp(&pair[0].version, &pair[1].version).is_eq());
    if let Some([first, second]) = duplicate {
        return Err(DiscoverError::DuplicateVersion {
            format,
            version: second.version.clone(),
            first: first.path.clone(),
            second: second.path.clone(),
        });
    }
    Ok(migrations)
}

/// Sends `migration` as its tool sends a file it does not wrap in a transaction: the body as ONE
/// simple-query message, no `BEGIN` of ours (golang-migrate, Prisma, sqlx's `-- no-transaction`,
/// diesel's `run_in_transaction = false`, dbmate's `transaction:false`, refinery's
/// `noTransaction`, graphile-migrate's `--! no-transaction`: each hands the file's text to its
/// driver in one call, see docs/formats.md). PostgreSQL runs the statements of such a message in
/// one implicit transaction (a failure undoes the whole file, `CREATE INDEX CONCURRENTLY` works
/// only alone), and a single statement outside any (a procedure that COMMITs can be CALLed).
fn as_one_message(migration: &mut Migration) {
    migration.transaction = false;
    let message = trimmed(&migration.text, migration.body.clone());
    migration.verbatim = Some(message)
        .into_iter()
        .filter(|r| !r.is_empty())
        .collect();
}

/// For the layouts whose tools run a file outside a transaction when PostgreSQL requires it
/// (Flyway, Supabase, sql-dir: their users rely on `CREATE INDEX CONCURRENTLY` working).
fn mark_non_transactional(migrations: &mut [Migration]) {
    for migration in migrations {
        migration.transaction = statements::runs_in_transaction(migration.sql());
    }
}

/// Temporary migration directories for the tests of every layout.
#[cfg(test)]
mod fixture {
    use std::fs;
    use std::path::{Path, PathBuf};

    use super::DiscoverError;
    use crate::migrate::migration::Migration;

    /// A migrations directory in a temporary directory, removed when dropped.
    pub(crate) struct Fixture {
        _temp: tempfile::TempDir,
        dir: PathBuf,
    }

    impl Fixture {
        /// `files`: paths relative to the migrations directory (`/` makes subdirectories; a path
        /// ending in `/` is an empty directory) and their contents.
        pub(crate) fn new(files: &[(&str, &str)]) -> Self {
            Self::at("migrations", files)
        }

        /// Like `new`, the migrations directory being `sub` (e.g. `supabase/migrations`) in the
        /// temporary directory.
        pub(crate) fn at(sub: &str, files: &[(&str, &str)]) -> Self {
            let temp = tempfile::tempdir().expect("temporary directory");
            let dir = temp.path().join(sub);
            fs::create_dir_all(&dir).expect("migrations directory");
            for (name, text) in files {
                let path = dir.join(name);
                if name.ends_with('/') {
                    fs::create_dir_all(&path).expect("subdirectory");
                    continue;
                }
                fs::create_dir_all(path.parent().expect("parent")).expect("parent directory");
                fs::write(&path, text).expect("file");
            }
            Self { _temp: temp, dir }
        }

        /// Files holding `SELECT 1;`.
        pub(crate) fn with_names(names: &[&str]) -> Self {
            let files: Vec<(&str, &str)> = names.iter().map(|name| (*name, "SELECT 1;")).collect();
            Self::new(&files)
        }

        pub(crate) fn path(&self) -> &Path {
            &self.dir
        }

        /// The error of a layout's `discover` on files named `names`, holding `SELECT 1;`.
        pub(crate) fn discover_error(
            names: &[&str],
            discover: fn(&Path) -> Result<Vec<Migration>, DiscoverError>,
        ) -> DiscoverError {
            let fixture = Self::with_names(names);
            match discover(fixture.path()) {
                Ok(migrations) => panic!("no error, found {migrations:?}"),
                Err(error) => error,
            }
        }

        /// `error` says that the file called `name` does not fit the layout.
        pub(crate) fn assert_unexpected(error: &DiscoverError, name: &str) {
            assert!(
                matches!(error, DiscoverError::UnexpectedName { path, .. } if path.ends_with(name)),
                "{error}"
            );
        }

        /// Version, description and transaction mode of each migration.
        pub(crate) fn summary(migrations: &[Migration]) -> Vec<(&str, &str, bool)> {
            migrations
                .iter()
                .map(|m| (m.version.as_str(), m.description.as_str(), m.transaction))
                .collect()
        }

        /// The migrations' paths relative to the migrations directory, `/`-separated.
        pub(crate) fn order(&self, migrations: &[Migration]) -> Vec<String> {
            migrations
                .iter()
                .map(|migration| {
                    let relative = migration
                        .path
                        .strip_prefix(&self.dir)
                        .expect("inside the fixture");
                    relative
                        .iter()
                        .map(|part| part.to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::Fixture;
    use super::*;
    use rstest::rstest;

    /// The files these tools send whole, outside a transaction of theirs, are one statement each:
    /// the file's text from its first statement to its end (dbmate: to `-- migrate:down`).
    #[rstest]
    #[case::golang_migrate(Format::GolangMigrate, &[("1_a.up.sql", "-- c\nSELECT 1;\nSELECT 2;\n")])]
    #[case::prisma(Format::Prisma, &[("1_a/migration.sql", "-- c\nSELECT 1;\nSELECT 2;\n")])]
    #[case::dbmate(
        Format::Dbmate,
        &[("1_a.sql", "-- migrate:up transaction:false\nSELECT 1;\nSELECT 2;\n-- migrate:down\nSELECT 3;\n")]
    )]
    #[case::diesel(
        Format::Diesel,
        &[("1_a/up.sql", "SELECT 1;\nSELECT 2;\n"), ("1_a/metadata.toml", "run_in_transaction = false\n")]
    )]
    #[case::refinery(Format::Refinery, &[("V1__a.sql", "-- refinery:noTransaction\nSELECT 1;\nSELECT 2;\n")])]
    fn a_file_its_tool_sends_whole_is_one_message(
        #[case] format: Format,
        #[case] files: &[(&str, &str)],
    ) {
        let fixture = Fixture::new(files);
        let migrations = discover_with(format, fixture.path(), &Options::default()).unwrap();
        let m = &migrations[0];
        let sent: Vec<&str> = m
            .statements()
            .iter()
            .map(|s| &m.sql()[s.range.clone()])
            .collect();
        assert_eq!((m.transaction, sent), (false, vec!["SELECT 1;\nSELECT 2;"]));
    }

    #[rstest]
    #[case::prisma(&[("20240101000000_init/migration.sql", "")], Format::Prisma)]
    #[case::prisma_lock_only(&[("migration_lock.toml", "")], Format::Prisma)]
    #[case::diesel(&[("00000000000000_diesel_initial_setup/up.sql", ""), ("2024-01-01-000000_a/up.sql", "")], Format::Diesel)]
    #[case::flyway(&[("V1__init.sql", ""), ("R__views.sql", "")], Format::Flyway)]
    #[case::flyway_undo(&[("V1__init.sql", ""), ("U1__init.sql", "")], Format::Flyway)]
    #[case::refinery_unversioned(&[("V1__init.sql", ""), ("U2__seed.sql", "")], Format::Refinery)]
    #[case::refinery_unversioned_only(&[("U1__init.sql", "")], Format::Refinery)]
    #[case::graphile_empty_committed(&[("committed/", ""), ("current.sql", "")], Format::GraphileMigrate)]
    #[case::dbmate(&[("20240101000000_a.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\n")], Format::Dbmate)]
    #[case::sqlx_marker(&[("1_a.sql", "SELECT 1;"), ("2_b.sql", "-- no-transaction\nVACUUM;")], Format::Sqlx)]
    #[case::sqlx_reversible_marker(&[("1_a.up.sql", "-- no-transaction\n"), ("1_a.down.sql", "")], Format::Sqlx)]
    #[case::sqlx_mixed(&[("1_a.sql", ""), ("2_b.up.sql", ""), ("2_b.down.sql", "")], Format::Sqlx)]
    #[case::golang_migrate(&[("000001_a.up.sql", ""), ("000001_a.down.sql", "")], Format::GolangMigrate)]
    #[case::numbered_sql(&[("1_a.sql", ""), ("2_b.sql", "")], Format::SqlDir)]
    #[case::any_sql(&[("schema.sql", ""), ("seed.sql", "")], Format::SqlDir)]
    #[case::empty(&[], Format::SqlDir)]
    #[case::only_readme(&[("README.md", ""), (".gitkeep", "")], Format::SqlDir)]
    #[case::plain_changelog_sql(&[("changelog.sql", "SELECT 1;"), ("schema.sql", "")], Format::SqlDir)]
    #[case::sqitch(&[("sqitch.plan", "%project=p\n\na 2024-01-01T00:00:00Z M <m@x>\n"), ("deploy/a.sql", ""), ("revert/a.sql", "")], Format::Sqitch)]
    #[case::liquibase_master(&[("db.changelog-master.yaml", "databaseChangeLog:\n  - include:\n      file: a.sql\n"), ("a.sql", "SELECT 1;")], Format::Liquibase)]
    #[case::liquibase_formatted(&[("changelog.sql", "--liquibase formatted sql\n--changeset a:1\nSELECT 1;\n")], Format::Liquibase)]
    fn detects_the_layout(#[case] files: &[(&str, &str)], #[case] expected: Format) {
        let fixture = Fixture::new(files);
        assert_eq!(detect(fixture.path()).unwrap(), expected);
        assert!(discover(Format::Auto, fixture.path()).is_ok());
    }

    #[rstest]
    #[case::supabase("supabase/migrations", Format::Supabase)]
    #[case::other_parent("db/migrations", Format::SqlDir)]
    #[case::other_name("supabase/schema", Format::SqlDir)]
    fn detects_supabase_by_its_directory(#[case] sub: &str, #[case] expected: Format) {
        for name in ["20240101000000_init.sql", "0000_init.sql"] {
            let fixture = Fixture::at(sub, &[(name, "SELECT 1;"), ("0001_x.sql", "SELECT 1;")]);
            assert_eq!(detect(fixture.path()).unwrap(), expected, "{name}");
        }
    }

    #[test]
    fn auto_discovers_with_the_detected_layout() {
        let fixture = Fixture::new(&[
            ("2_b.up.sql", ""),
            ("10_c.up.sql", ""),
            ("2_b.down.sql", ""),
        ]);
        let migrations = discover(Format::Auto, fixture.path()).unwrap();
        assert_eq!(fixture.order(&migrations), ["2_b.up.sql", "10_c.up.sql"]);
    }

    #[test]
    fn empty_directory_has_no_migrations() {
        let fixture = Fixture::new(&[]);
        for format in Format::ALL {
            match format {
                // Their chain is listed in a file (sqitch.plan, the master changelog): without
                // it, the directory is no chain of theirs.
                Format::Sqitch | Format::Liquibase => {
                    assert!(discover(format, fixture.path()).is_err(), "{format}");
                }
                _ => assert_eq!(discover(format, fixture.path()).unwrap(), [], "{format}"),
            }
        }
    }

    #[test]
    fn command_reads_nothing() {
        let missing = Path::new("/nonexistent/pg-invariants/migrations");
        assert_eq!(discover(Format::Command, missing).unwrap(), []);
    }

    #[rstest]
    #[case::detect(None)]
    #[case::sql_dir(Some(Format::SqlDir))]
    #[case::prisma(Some(Format::Prisma))]
    #[case::flyway(Some(Format::Flyway))]
    fn missing_directory_is_an_error_naming_it(#[case] format: Option<Format>) {
        let fixture = Fixture::new(&[]);
        let missing = fixture.path().join("nope");
        let error = match format {
            None => detect(&missing).unwrap_err(),
            Some(format) => discover(format, &missing).unwrap_err(),
        };
        assert!(
            matches!(&error, DiscoverError::Missing { path } if *path == missing),
            "{error}"
        );
        assert!(
            error.to_string().contains(&missing.display().to_string()),
            "{error}"
        );
    }

    #[test]
    fn file_instead_of_directory_is_an_error() {
        let fixture = Fixture::new(&[("schema.sql", "")]);
        let file = fixture.path().join("schema.sql");
        let error = discover(Format::Auto, &file).unwrap_err();
        assert!(
            matches!(&error, DiscoverError::NotADirectory { path } if *path == file),
            "{error}"
        );
    }

    #[test]
    fn names_round_trip() {
        for format in Format::ALL {
            assert_eq!(format.name().parse::<Format>(), Ok(format));
            let toml = format!("format = \"{format}\"");
            let parsed: std::collections::BTreeMap<String, Format> = toml::from_str(&toml).unwrap();
            assert_eq!(parsed["format"], format);
        }
    }

    #[test]
    fn unknown_name_lists_the_valid_ones() {
        let error = "golang".parse::<Format>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown migration format `golang`; valid formats: auto, sql-dir, supabase, sqlx, \
             prisma, diesel, golang-migrate, flyway, dbmate, goose, drizzle, graphile-migrate, \
             atlas, refinery, sqitch, liquibase, node-pg-migrate, command"
        );
    }
}
