//! Why a chain could not be read: one error per thing a user must fix, each naming the file or
//! directory (and where it can, the line and column) to look at, and what to do about it.

use std::io;
use std::path::PathBuf;

use super::Format;
use crate::location::Location;
use crate::migrate::command_hint;

/// Why the chain could not be read. Each names the file or directory to look at.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error(
        "migrations directory {} does not exist; create it, or point `path` in the \
         [migrations] section of pg-invariants.toml at the directory that holds the chain",
        path.display()
    )]
    Missing { path: PathBuf },

    #[error(
        "{} is not a directory; `path` in the [migrations] section of pg-invariants.toml must \
         name the directory that holds the chain",
        path.display()
    )]
    NotADirectory { path: PathBuf },

    /// A migration that is not UTF-8, at its first invalid byte.
    #[error(transparent)]
    NotUtf8(#[from] crate::location::NotUtf8),

    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error(
        "{}: the name does not fit the {format} layout, which expects {expected}; rename it so \
         that it is not left out of the chain, or move it out of the migrations directory",
        path.display()
    )]
    UnexpectedName {
        path: PathBuf,
        format: Format,
        expected: &'static str,
    },

    #[error(
        "{} and {} both have version {version}, but {format} applies each version once; \
         renumber one of them",
        first.display(),
        second.display()
    )]
    DuplicateVersion {
        format: Format,
        version: String,
        first: PathBuf,
        second: PathBuf,
    },

    #[error(
        "{}: this migration directory has no {file}; add it, or remove the directory",
        path.display()
    )]
    MissingFile { path: PathBuf, file: &'static str },

    #[error(
        "{}: invalid diesel metadata: {message}; the only key diesel reads is \
         `run_in_transaction = false`",
        path.display()
    )]
    InvalidMetadata { path: PathBuf, message: String },

    #[error(
        "{}: no `-- migrate:up` line; dbmate runs only the statements after it, so add \
         `-- migrate:up` on a line of its own above them",
        path.display()
    )]
    MissingUpSection { path: PathBuf },

    #[error(
        "{location}: `-- migrate:down` comes before `-- migrate:up`; dbmate requires the up \
         section first: move this line below the up section"
    )]
    DownBeforeUp { location: Location },

    #[error(
        "{location}: statement before `-- migrate:up`; dbmate refuses statements outside the \
         sections: move it below `-- migrate:up`"
    )]
    StatementBeforeUp { location: Location },

    #[error(
        "{}: no `-- +goose Up` annotation; goose runs only the statements after it, so add \
         `-- +goose Up` on a line of its own above them",
        path.display()
    )]
    GooseMissingUp { path: PathBuf },

    #[error("{location}: `{line}`: {problem}")]
    GooseAnnotation {
        location: Location,
        line: String,
        problem: &'static str,
    },

    #[error(
        "{}: Go migration(s); only goose can run them: set format = \"command\" and {} in the \
         [migrations] section of pg-invariants.toml",
        command_hint::listed(paths),
        command_hint::goose(dir)
    )]
    GoMigration { dir: PathBuf, paths: Vec<PathBuf> },

    #[error("{location}: invalid drizzle journal: {message}")]
    InvalidJournal { location: Location, message: String },

    #[error(
        "{}: the journal lists `{tag}`, but {} does not exist; restore it or remove the entry",
        journal.display(),
        path.display()
    )]
    JournalEntryMissing {
        journal: PathBuf,
        tag: String,
        path: PathBuf,
    },

    #[error(
        "{}: marks a {first_format} migration, but {} marks a {second_format} one; \
         `format = \"auto\"` cannot tell which tool owns the chain: set format = \"{first_format}\" \
         or format = \"{second_format}\" in the [migrations] section of pg-invariants.toml",
        first.display(),
        second.display()
    )]
    MixedMarkers {
        first: PathBuf,
        first_format: Format,
        second: PathBuf,
        second_format: Format,
    },

    #[error(
        "{}: marks a {format} migration, but the directory does not have {format}'s layout \
         ({layout}); fix the layout, or set `format` in the [migrations] section of \
         pg-invariants.toml to the tool that owns this chain (format = \"{format}\" if it is {format})",
        path.display()
    )]
    MarkerWithoutLayout {
        path: PathBuf,
        format: Format,
        layout: &'static str,
    },

    /// A file the tool would refuse, or read differently than its text suggests.
    #[error("{location}: {problem}")]
    Malformed { location: Location, problem: String },

    /// The directory lacks what the tool needs.
    #[error("{}: {problem}", path.display())]
    Layout { path: PathBuf, problem: String },
    #[error("{location}: invalid sqitch plan: {message}")]
    InvalidPlan { location: Location, message: String },

    #[error(
        "{location}: `{entry}` names {}, which does not exist; restore it or remove the entry",
        path.display()
    )]
    ListedFileMissing {
        location: Location,
        entry: String,
        path: PathBuf,
    },

    #[error(transparent)]
    Placeholder(#[from] crate::migrate::placeholders::UnsetVariable),

    #[error(
        "{location}: `{entry}` is in none of the directories Liquibase would look in ({}); if \
         it is on the classpath elsewhere, list that directory in `classpath` of the \
         [migrations] section of pg-invariants.toml, else restore the file or remove the entry",
        searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    NotOnClasspath {
        location: Location,
        entry: String,
        searched: Vec<PathBuf>,
    },

    #[error("{location}: invalid liquibase changelog: {message}")]
    InvalidChangelog { location: Location, message: String },

    #[error(
        "{location}: changeset `{changeset}` is written in Liquibase change types, which only \
         Liquibase can run; write it as formatted SQL (`--changeset author:id` in a \
         `--liquibase formatted sql` file), or set format = \"command\" and command = \
         [\"liquibase\", \"update\", ...] in the [migrations] section of pg-invariants.toml"
    )]
    ChangeTypes {
        location: Location,
        changeset: String,
    },

    #[error(
        "{}: no master changelog (db.changelog-master.xml, changelog.yaml...) here; set `path` \
         in the [migrations] section of pg-invariants.toml to the master changelog file",
        path.display()
    )]
    NoMasterChangelog { path: PathBuf },
}
