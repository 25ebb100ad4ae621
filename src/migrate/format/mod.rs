//! Finding the migrations of a chain: one module per layout, each turning a directory into the
//! `Vec<Migration>` its tool would apply, in the tool's order.
//!
//! # One module per format
//!
//! Each format is a module holding a unit struct that implements [`tool::Tool`]: discovery (the
//! chain, its order, how each file is sent), what it reads or skips besides, its markers and
//! layout rule for `auto`, the files `init` takes as a chain, its history tables, and how
//! `fix --write` names and frames a new migration. [`TOOLS`] lists them all; everything that
//! dispatches over formats goes through it. What the formats share is beside them: reading a
//! directory ([`files`]), ordering ([`order`]), markers ([`markers`]), detection ([`detect`]),
//! writing ([`write`]). Adding a format: a variant of [`Format`] (its name in `Format::name`
//! and `Format::ALL`), its module implementing `Tool`, and one line in [`TOOLS`] (the test
//! `every_format_but_auto_and_command_has_one_module` fails until it is there).
//!
//! Discovery never touches a database: it reads names and files, so that a misnamed file or two
//! migrations with the same version are reported before anything runs. Files that obviously are
//! not migrations (hidden files such as `.gitkeep`, files that are not `.sql` such as
//! `README.md` or `migration_lock.toml`, down migrations, flyway undo/baseline/callback files)
//! are skipped: none runs (a format whose tool keeps a Down part for each migration,
//! [`Format::has_down_parts`], records it in [`Migration::down`], never applied by the chain);
//! a `.sql` file whose name does not fit the layout is an error, because a typo must not
//! silently drop a migration from the chain.
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

// The formats, one module each (see `TOOLS`).
mod atlas;
mod dbmate;
mod diesel;
mod drizzle;
mod flyway;
mod golang_migrate;
mod goose;
mod graphile_migrate;
mod liquibase;
mod node_pg_migrate;
mod prisma;
mod refinery;
mod sqitch;
mod sql_dir;
mod sqlx;
mod supabase;

// What the formats share.
mod atlas_sum;
mod detect;
mod error;
mod exclude;
mod files;
mod gmrc;
mod json5;
mod markers;
mod order;
mod tool;
mod utc;
mod version;
mod write;

use std::path::{Path, PathBuf};

use crate::migrate::migration::Migration;
use crate::migrate::placeholders::Placeholders;
use crate::spec::Format;
use files::{
    DirLayout, Entry, FileLayout, Name, down_file, entries, io_error, lines, pair_down_files,
    read_migration, read_text, trimmed, versioned, versioned_name, with_down,
};
use order::{as_one_message, in_version_order, mark_non_transactional, numbered};
use tool::Tool;

pub use detect::detect;
pub use error::DiscoverError;
pub use exclude::excluded;
pub use sqitch::{Layout as SqitchLayout, layout as sqitch_layout};
pub use supabase::skip_warning;
pub use write::{NewMigration, WriteError, append};

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

/// Every migration format, one module each. The order is the one markers are looked for in
/// (see [`markers`]): of two tools whose markers one directory mixes, the error names the
/// earlier one first. Adding a format: its module implementing [`Tool`], and one line here.
const TOOLS: [&dyn Tool; 16] = [
    &goose::Goose,
    &drizzle::Drizzle,
    &graphile_migrate::GraphileMigrate,
    &atlas::Atlas,
    &sqitch::Sqitch,
    &node_pg_migrate::NodePgMigrate,
    &refinery::Refinery,
    &liquibase::Liquibase,
    &dbmate::Dbmate,
    &sqlx::Sqlx,
    &prisma::Prisma,
    &diesel::Diesel,
    &supabase::Supabase,
    &flyway::Flyway,
    &golang_migrate::GolangMigrate,
    &sql_dir::SqlDir,
];

/// The module of `format`; `None` for `auto` (detect first) and `command` (no files).
fn tool(format: Format) -> Option<&'static dyn Tool> {
    TOOLS.into_iter().find(|tool| tool.format() == format)
}

/// The module of `format`, `auto` resolved by [`detect`]; `None` for `command`.
fn resolved(format: Format, dir: &Path) -> Result<Option<&'static dyn Tool>, DiscoverError> {
    match format {
        Format::Auto => Ok(tool(detect(dir)?)),
        _ => Ok(tool(format)),
    }
}

/// The chain of the project in `project` that a file names by itself (the first of the tools'
/// [`Tool::chain_files`] that exists), relative to the project: sqitch's directory, or a
/// Liquibase master changelog.
pub fn named_chain(project: &Path) -> Option<PathBuf> {
    let mut files = TOOLS
        .into_iter()
        .flat_map(|tool| (tool.chain_files().iter()).map(move |file| (tool, Path::new(file))));
    let (tool, file) = files.find(|(_, file)| project.join(file).is_file())?;
    Some(tool.chain_at(file))
}

/// The name of `format`'s tool and the DDL of the history tables it creates before the first
/// migration (see [`crate::migrate::bookkeeping`]); `None` for a format without, `auto` and
/// `command`.
pub fn history(format: Format) -> Option<(&'static str, &'static str)> {
    tool(format)?.history()
}

impl Format {
    /// True when the tool of this format keeps a Down part for its migrations, which discovery
    /// then records in [`Migration::down`] (sqlx, golang-migrate, dbmate, goose, diesel,
    /// node-pg-migrate, sqitch, liquibase); a migration of such a format without one has `down`
    /// `None`, for the caller to report. False for the others, for `command` (no files) and for
    /// `auto` (resolve it with [`detect`] first).
    pub fn has_down_parts(self) -> bool {
        tool(self).is_some_and(|tool| tool.has_down_parts())
    }
}

/// The migrations of `dir` in the order `format` applies them. `Auto` detects the format
/// first; `Command` has no files to read (the command applies its own chain).
pub fn discover_with(
    format: Format,
    dir: &Path,
    options: &Options,
) -> Result<Vec<Migration>, DiscoverError> {
    match resolved(format, dir)? {
        Some(tool) => checked(tool, dir, options),
        None => Ok(Vec::new()),
    }
}

/// The chain `tool` reads in `dir`, its `atlas.sum` checked when Atlas wrote it. Atlas's own
/// chain was checked as it was read; another tool's chain that Atlas wrote has an atlas.sum
/// too, checked as Atlas computes it for that tool's layout.
fn checked<T: Tool + ?Sized>(
    tool: &T,
    dir: &Path,
    options: &Options,
) -> Result<Vec<Migration>, DiscoverError> {
    let migrations = tool.discover(dir, options)?;
    if tool.format() != Format::Atlas && dir.is_dir() {
        atlas_sum::verify(tool.format(), dir)?;
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
    let Some(tool) = resolved(format, dir)? else {
        return Ok(Vec::new());
    };
    let mut migrations = tool.discover_skipping(dir, options, &skip)?;
    migrations.retain(|m| !skip(&m.path));
    Ok(migrations)
}

/// Files of `dir` that look like migrations but that `format` does not apply, for the run to
/// name: the `.sql` files a drizzle journal does not list, the files the Supabase CLI skips.
pub fn not_applied(format: Format, dir: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
    resolved(format, dir)?.map_or(Ok(Vec::new()), |tool| tool.not_applied(dir))
}

/// The placeholders replaced in the migrations of a chain of `format` before they are sent
/// (graphile-migrate's), `None` for a format that has none.
pub fn placeholders(
    format: Format,
    dir: &Path,
    options: &Options,
) -> Result<Option<Placeholders>, DiscoverError> {
    resolved(format, dir)?.map_or(Ok(None), |tool| tool.placeholders(dir, options))
}

/// Settings the tool of a chain of `format` sets in its session before the migrations
/// (graphile-migrate's `pgSettings`), as `(name, value)`.
pub fn session_settings(
    format: Format,
    dir: &Path,
) -> Result<Vec<(String, String)>, DiscoverError> {
    resolved(format, dir)?.map_or(Ok(Vec::new()), |tool| tool.session_settings(dir))
}

/// The tool's files besides the migrations that reading a chain of `format` in `dir` reads:
/// `atlas.sum`, graphile-migrate's `.gmrc`.
pub fn read_from(format: Format, dir: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
    let mut files: Vec<PathBuf> = Some(dir.join(atlas::SUM))
        .filter(|sum| sum.is_file())
        .into_iter()
        .collect();
    if let Some(tool) = resolved(format, dir)? {
        files.extend(tool.reads(dir)?);
    }
    Ok(files)
}

/// What the tool of a chain of `format` runs besides its files and this run does not, each a
/// sentence for the run's header (graphile-migrate's `afterReset` commands).
pub fn not_run(format: Format, dir: &Path) -> Result<Vec<String>, DiscoverError> {
    resolved(format, dir)?.map_or(Ok(Vec::new()), |tool| tool.not_run(dir))
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

        /// Each migration's Down part: the SQL it runs and its transaction mode (`None`: no
        /// Down part).
        pub(crate) fn downs(migrations: &[Migration]) -> Vec<Option<(&str, bool)>> {
            migrations
                .iter()
                .map(|m| m.down.as_deref().map(|d| (d.sql(), d.transaction)))
                .collect()
        }

        /// The statements `migration` sends, as text.
        pub(crate) fn sent(migration: &Migration) -> Vec<&str> {
            let sql = migration.sql();
            (migration.statements().into_iter())
                .map(|s| &sql[s.range])
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
    fn every_format_but_auto_and_command_has_one_module() {
        for format in Format::ALL {
            let modules = TOOLS.iter().filter(|t| t.format() == format).count();
            let expected = usize::from(!matches!(format, Format::Auto | Format::Command));
            assert_eq!(modules, expected, "{format}");
        }
    }

    #[test]
    fn the_formats_with_down_parts_say_so() {
        let with: Vec<Format> = (Format::ALL.into_iter())
            .filter(|f| f.has_down_parts())
            .collect();
        assert_eq!(
            with,
            [
                Format::Sqlx,
                Format::Diesel,
                Format::GolangMigrate,
                Format::Dbmate,
                Format::Goose,
                Format::Sqitch,
                Format::Liquibase,
                Format::NodePgMigrate
            ]
        );
    }

    /// A format without Down parts records none, whatever files lie beside its migrations.
    #[rstest]
    #[case::sql_dir(Format::SqlDir, &[("1_a.sql", "SELECT 1;"), ("1_a.down.sql", "SELECT 2;")])]
    #[case::refinery(Format::Refinery, &[("V1__a.sql", "SELECT 1;"), ("U2__b.sql", "SELECT 2;")])]
    #[case::flyway(Format::Flyway, &[("V1__a.sql", "SELECT 1;"), ("U1__a.sql", "SELECT 2;")])]
    #[case::prisma(Format::Prisma, &[("1_a/migration.sql", "SELECT 1;"), ("1_a/down.sql", "SELECT 2;")])]
    #[case::atlas(Format::Atlas, &[("1_a.sql", "SELECT 1;")])]
    fn formats_without_down_parts_record_none(
        #[case] format: Format,
        #[case] files: &[(&str, &str)],
    ) {
        let fixture = Fixture::new(files);
        if format == Format::Atlas {
            let sum = atlas_sum::current(format, fixture.path()).unwrap().unwrap();
            std::fs::write(fixture.path().join(atlas::SUM), sum).unwrap();
        }
        let migrations = discover(format, fixture.path()).unwrap();
        assert!(!migrations.is_empty());
        assert!(
            migrations.iter().all(|m| m.down.is_none()),
            "{migrations:?}"
        );
    }

    #[test]
    fn layout_rules_are_numbered_once_each() {
        let mut rules: Vec<u8> = TOOLS.iter().filter_map(|t| t.layout_rule()).collect();
        rules.sort_unstable();
        let expected: Vec<u8> = (1..=rules.len() as u8).collect();
        assert_eq!(rules, expected);
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
