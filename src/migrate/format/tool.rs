//! What every migration format answers, as one trait: a format is a module with a unit struct
//! implementing [`Tool`], listed once in [`super::TOOLS`].
//!
//! Everything that differs between the tools that own a chain (goose, Flyway, Prisma...) is a
//! method here, so that adding a format touches its own file and that list, and nothing that
//! dispatches over formats keeps a `match` of its own. The methods with a default are the ones
//! most formats do not need (placeholders, journals, files a tool skips).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::write::{Created, NewFile, NewMigration, Planned, WriteError, continuing, flat};
use super::{DiscoverError, Entry, Format, Options, atlas, atlas_sum, read_text};
use crate::migrate::migration::Migration;
use crate::migrate::placeholders::Placeholders;

/// What a tool's markers say about the directory they were found in (see [`Tool::marked`]).
pub(crate) enum Marked {
    /// The directory has the tool's layout: the chain is the tool's.
    Fits,
    /// The marker is there but the layout is not; the text says what the layout would be.
    Lacks(&'static str),
    /// The marker alone does not decide: the layout rules do (dbmate's and sqlx's markers).
    ToRules,
}

impl Marked {
    /// [`Marked::Fits`] when `fits`, else [`Marked::Lacks`] the `layout`.
    pub(crate) fn when(fits: bool, layout: &'static str) -> Self {
        match fits {
            true => Marked::Fits,
            false => Marked::Lacks(layout),
        }
    }
}

/// The layout a marker of goose or node-pg-migrate needs: their files lie in one directory.
pub(crate) const FLAT_LAYOUT: &str =
    "`<version>_<name>.sql` files, not one directory per migration";

/// The shape of a directory, as markers need it to check a tool's layout.
pub(crate) struct Shape {
    /// A subdirectory holds `migration.sql` (Prisma's or drizzle-kit v1's layout).
    pub(crate) folders: bool,
    /// A subdirectory holds `up.sql`, or `migration_lock.toml` is there (diesel, Prisma).
    pub(crate) prisma_or_diesel: bool,
}

impl Shape {
    /// One `.sql` file per migration, no migration directories.
    pub(crate) fn flat(&self) -> bool {
        !self.folders && !self.prisma_or_diesel
    }
}

/// A migrations directory as the layout rules of `format = "auto"` look at it: its visible
/// entries, and the texts of its `.sql` files, read once, when a rule first needs them.
pub(crate) struct Listing<'a> {
    pub(crate) dir: &'a Path,
    pub(crate) entries: &'a [Entry],
    texts: std::cell::OnceCell<Vec<String>>,
}

impl<'a> Listing<'a> {
    pub(crate) fn new(dir: &'a Path, entries: &'a [Entry]) -> Self {
        Self {
            dir,
            entries,
            texts: std::cell::OnceCell::new(),
        }
    }

    /// The names of the `.sql` files (not directories).
    pub(crate) fn sql_names(&self) -> impl Iterator<Item = &'a str> + Clone {
        self.entries
            .iter()
            .filter(|entry| !entry.is_dir && entry.name.ends_with(".sql"))
            .map(|entry| entry.name.as_str())
    }

    /// A subdirectory holds a file called `file`.
    pub(crate) fn subdirectory_holds(&self, file: &str) -> bool {
        (self.entries.iter()).any(|entry| entry.is_dir && entry.path.join(file).is_file())
    }

    /// A file (not a directory) called `name` is there.
    pub(crate) fn has_file(&self, name: &str) -> bool {
        (self.entries.iter()).any(|entry| !entry.is_dir && entry.name == name)
    }

    /// The texts of the `.sql` files, read on the first call.
    pub(crate) fn texts(&self) -> Result<&[String], DiscoverError> {
        if let Some(texts) = self.texts.get() {
            return Ok(texts);
        }
        let sql = self
            .entries
            .iter()
            .filter(|e| !e.is_dir && e.name.ends_with(".sql"));
        let texts = sql
            .map(|entry| read_text(&entry.path))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.texts.get_or_init(|| texts))
    }
}

/// One migration format: how its tool lays out, reads, orders and sends a chain, and how it
/// names a new migration. Every method takes the chain's directory (or master file) as `dir`.
pub(crate) trait Tool: Sync {
    /// The `format = "…"` value this module reads: ties the module to the project file.
    fn format(&self) -> Format;

    /// The tool's name as messages say it, and the DDL of the history tables it creates before
    /// the first migration: they exist in production, and a migration may touch them
    /// (`ALTER TABLE schema_migrations ...`), so the chain runs after them. `None`: the tool
    /// keeps none in the database the chain builds (sql-dir, sqitch's registry is not made).
    fn history(&self) -> Option<(&'static str, &'static str)> {
        None
    }

    // --- discovery: the chain as the tool would apply it -----------------------------------

    /// The migrations of `dir`, read and in the tool's order, each sent as the tool sends it
    /// (`transaction`, `verbatim`). The one thing every format must say: what runs, in which
    /// order. A file that looks like a migration but does not fit is an error, never skipped.
    fn discover(&self, dir: &Path, options: &Options) -> Result<Vec<Migration>, DiscoverError>;

    /// True when the tool keeps a Down part for its migrations (a `.down.sql` file, a
    /// `-- migrate:down` section, a revert script): [`Tool::discover`] then records each one
    /// it finds in [`Migration::down`], which stays `None` for a migration without one. False:
    /// the tool has no way to undo a migration, and `down` is always `None`.
    fn has_down_parts(&self) -> bool {
        false
    }

    /// [`Tool::discover`] without reading the migration folders `skip` matches, for `exclude`:
    /// only the one-directory-per-migration layouts (Prisma, diesel) can leave a folder unread
    /// (a data migration holding only `migration.ts`). Others read everything and let the
    /// caller drop what `exclude` matches.
    fn discover_skipping(
        &self,
        dir: &Path,
        options: &Options,
        _skip: &dyn Fn(&Path) -> bool,
    ) -> Result<Vec<Migration>, DiscoverError> {
        super::checked(self, dir, options)
    }

    /// Files that look like migrations but that the tool does not apply (the `.sql` files a
    /// drizzle journal does not list, what the Supabase CLI skips): the run names them, so that
    /// nobody believes they were checked.
    fn not_applied(&self, _dir: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
        Ok(Vec::new())
    }

    /// The placeholders the tool replaces in its migrations before sending them
    /// (graphile-migrate's); `None` for a tool that sends the text as it is.
    fn placeholders(
        &self,
        _dir: &Path,
        _options: &Options,
    ) -> Result<Option<Placeholders>, DiscoverError> {
        Ok(None)
    }

    /// Settings the tool sets in its session before the migrations (graphile-migrate's
    /// `pgSettings`), as `(name, value)`: they change what the migrations do.
    fn session_settings(&self, _dir: &Path) -> Result<Vec<(String, String)>, DiscoverError> {
        Ok(Vec::new())
    }

    /// The tool's own files besides the migrations that reading the chain reads (`.gmrc`), so
    /// that the cache key covers them; `atlas.sum` is added for every format.
    fn reads(&self, _dir: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
        Ok(Vec::new())
    }

    /// What the tool runs besides its files and this run does not (graphile-migrate's
    /// `afterReset` commands), each a sentence for the run's header.
    fn not_run(&self, _dir: &Path) -> Result<Vec<String>, DiscoverError> {
        Ok(Vec::new())
    }

    // --- detection: which tool owns a directory (`format = "auto"`, `init`) ----------------

    /// Where projects keep a file that names a chain of this tool by itself, relative to the
    /// project, in the order `init` tries them (sqitch's configuration or plan, Liquibase's
    /// master changelogs): `init` looks for them before the conventional chain directories.
    fn chain_files(&self) -> &'static [&'static str] {
        &[]
    }

    /// The chain's `path` when `file`, one of [`Tool::chain_files`], exists: the file itself
    /// (a master changelog), or the directory the tool runs in.
    fn chain_at(&self, file: &Path) -> PathBuf {
        file.to_path_buf()
    }

    /// True when `path`, a file rather than a directory, is a chain of this tool by itself
    /// (a Liquibase master changelog).
    fn names_chain_file(&self, _path: &Path) -> bool {
        false
    }

    /// Files, relative to the directory, whose presence names this tool (drizzle's journal,
    /// `atlas.sum`, `sqitch.plan`): layouts overlap, the tools' own files do not.
    fn marker_files(&self) -> &'static [&'static str] {
        &[]
    }

    /// True when `text`, a SQL file of the chain, carries this tool's marker (`-- +goose Up`,
    /// `--> statement-breakpoint`...). `flat`: the file lies directly in the directory, not in
    /// a migration folder; some markers count only there.
    fn marks(&self, _text: &str, _flat: bool) -> bool {
        false
    }

    /// When only this tool's markers were found: whether `dir` also has its layout. A marker
    /// without the layout is an error, since guessing would apply the chain the way neither
    /// tool does.
    fn marked(&self, _dir: &Path, _shape: &Shape) -> Result<Marked, DiscoverError> {
        Ok(Marked::ToRules)
    }

    /// Where this tool's layout rule stands among the others' when no marker decides (the
    /// numbered list of the module documentation, first match wins); `None`: markers alone
    /// recognise the tool.
    fn layout_rule(&self) -> Option<u8> {
        None
    }

    /// True when the directory has this tool's layout (asked in [`Tool::layout_rule`] order).
    fn has_layout(&self, _listing: &Listing<'_>) -> Result<bool, DiscoverError> {
        Ok(false)
    }

    // --- writing: `fix --write` adds migrations named and framed as the tool would ---------

    /// True when the tool runs every SQL migration in a transaction: a migration that must run
    /// outside one (`CREATE INDEX CONCURRENTLY`) cannot be written for it.
    fn in_transaction_only(&self) -> bool {
        false
    }

    /// The versions of `count` migrations after `existing`, as they are written into names:
    /// timestamps or numbers continuing the chain, so the new ones run last. By default
    /// timestamps after a timestamp (or an empty chain), else the next numbers (sqlx,
    /// golang-migrate, dbmate, goose, atlas).
    fn next_versions(&self, existing: &[Migration], count: usize, now: SystemTime) -> Vec<String> {
        continuing(existing, count, now)
    }

    /// The files of the new migrations, in order; by default [`Tool::new_file`] of each. A
    /// tool that links each migration to the one before (graphile-migrate's hashes) makes them
    /// all at once.
    fn new_files(
        &self,
        dir: &Path,
        existing: &[Migration],
        new: &[NewFile<'_>],
    ) -> Result<Vec<Planned>, WriteError> {
        Ok(new
            .iter()
            .map(|n| self.new_file(dir, existing, n))
            .collect())
    }

    /// The files of one new migration, named and laid out as the tool would (its directory,
    /// its down script, its plan or changelog entry); by default one `<version>_<name>.sql`
    /// holding [`Tool::framed`].
    fn new_file(&self, dir: &Path, _existing: &[Migration], new: &NewFile<'_>) -> Planned {
        let name = format!("{}.sql", new.name());
        flat(dir, &name, self.framed(new.migration), new.migration)
    }

    /// The SQL of a new migration framed as the tool expects in its file: its sections (`--
    /// migrate:up`, `-- +goose Up`), its marker for a migration outside a transaction. By
    /// default the SQL as it is.
    fn framed(&self, migration: &NewMigration) -> String {
        migration.sql.clone()
    }

    /// Rewrites the files the tool keeps beside its migrations to list the new ones (drizzle's
    /// journal, sqitch's plan, Liquibase's master changelog); by default the `atlas.sum` that
    /// Atlas keeps for another tool's chain, when there is one.
    fn bookkeeping(
        &self,
        dir: &Path,
        _planned: &[Planned],
        _now: SystemTime,
        created: &mut Created,
    ) -> Result<(), WriteError> {
        atlas_sum_for(self.format(), dir, created)
    }
}

/// Rewrites the `atlas.sum` of a chain of `format` that Atlas wrote (`--dir-format`), when
/// there is one and Atlas reads that format.
pub(crate) fn atlas_sum_for(
    format: Format,
    dir: &Path,
    created: &mut Created,
) -> Result<(), WriteError> {
    let sum = dir.join(atlas::SUM);
    if !sum.is_file() {
        return Ok(());
    }
    match atlas_sum::current(format, dir)? {
        Some(text) => created.rewrite(&sum, &text),
        None => Ok(()),
    }
}
