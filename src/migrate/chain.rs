//! The chain: everything that runs before the checks (the preset's script, `before`, the
//! migrations, the seed), found and read without touching a database. Apart from applying
//! ([`super::apply`]) as sqlx keeps its `source` apart from its `migrator`: what a chain is can
//! be printed, compared and hashed (the cache key, the keeper's watch list) before any server
//! starts, and a misnamed file stops the run there.

use std::path::{Path, PathBuf};

use super::bookkeeping;
use super::format::{self, DiscoverError};
use super::limits::Limits;
use super::migration::Migration;
use super::placeholders::Placeholders;
use super::preset;
use super::psql::{NoPsql, Psql};
use crate::location::TextError;
use crate::spec::{Format, Project};
use crate::sql::statements;

/// Everything that runs before the checks, in order, found without touching a database.
#[derive(Debug, Clone)]
pub struct Chain {
    /// The preset's script (`[database] preset`), then the project's `before` files.
    pub before: Vec<Migration>,
    pub migrations: Vec<Migration>,
    pub seed: Vec<Migration>,
    /// `format = "command"`: the tool that applies the chain, run in `dir`.
    pub command: Option<(Vec<String>, PathBuf)>,
    pub format: Format,
    /// Files of the chain's directory that look like migrations but that the format does not
    /// apply (`.sql` files a drizzle journal does not list): the run names them.
    pub not_applied: Vec<PathBuf>,
    /// The time limits of every statement, and of a `command` chain as a whole.
    pub limits: Limits,
    /// Every file and directory the chain was read from (migrations, `before`, seed, the
    /// layout's bookkeeping such as `.gmrc` and `atlas.sum`, the directories listed): a run's
    /// keeper watches them.
    pub read: Vec<PathBuf>,
    /// graphile-migrate's placeholders, replaced in the migrations (not in `before` nor the
    /// seed) as they are sent.
    pub placeholders: Option<Placeholders>,
    /// What the chain's tool runs besides its files and this run does not (graphile-migrate's
    /// `afterReset` commands), each a sentence for the run's header.
    pub not_run: Vec<String>,
    /// Settings the chain's tool sets in its session before the migrations (graphile-migrate's
    /// `pgSettings`), in force for the migrations only.
    pub session_settings: Vec<(String, String)>,
    /// A sqitch chain: the psql that runs each migration in a session of its own.
    pub psql: Option<Psql>,
}

/// The chain could not be found or read: a configuration problem (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error(transparent)]
    Discover(#[from] DiscoverError),
    #[error("{}: cannot read this SQL file listed in pg-invariants.toml: {source}", path.display())]
    Script {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A run over zero migrations would check nothing and pass (README "Never vacuous").
    #[error("{0}")]
    Empty(#[from] super::vacuous::NoMigration),
    #[error(transparent)]
    NoPsql(#[from] NoPsql),
}

impl Chain {
    pub fn discover(project: &Project) -> Result<Self, ChainError> {
        let (chain, mut read) = super::file::recording(|| Self::read(project));
        let chain = chain?;
        // What the layout names as its own files (`.gmrc`, `atlas.sum`), read or not.
        for path in &chain.read {
            if !read.contains(path) {
                read.push(path.clone());
            }
        }
        Ok(Self { read, ..chain })
    }

    /// Plain SQL files (`[upgrade] data`), each in a transaction unless a statement refuses
    /// one, as `before` and seed files run.
    pub fn scripts(paths: &[PathBuf]) -> Result<Vec<Migration>, ChainError> {
        paths.iter().map(|p| script(p)).collect()
    }

    /// [`Chain::discover`], but for what it read.
    fn read(project: &Project) -> Result<Self, ChainError> {
        let config = &project.migrations;
        let project_dir = &project.dir;
        let scripts = |paths: &[PathBuf]| {
            paths
                .iter()
                .map(|p| script(p))
                .collect::<Result<Vec<_>, _>>()
        };
        let options = format::Options {
            classpath: config.classpath.clone(),
            placeholders: config.placeholders.clone(),
        };
        let (migrations, command) = if config.format == Format::Command {
            (
                Vec::new(),
                Some((config.command.clone(), project_dir.to_path_buf())),
            )
        } else {
            let migrations =
                format::discover_excluding(config.format, &config.path, &config.exclude, &options)?;
            if migrations.is_empty() {
                let found = format::discover_with(config.format, &config.path, &options)
                    .map_or(0, |all| all.len());
                return Err(super::vacuous::NoMigration::in_dir(config, found).into());
            }
            (migrations, None)
        };
        let format = match config.format {
            Format::Auto => format::detect(&config.path)?,
            f => f,
        };
        let (placeholders, not_run, session_settings, read_from) = match command {
            Some(_) => (None, Vec::new(), Vec::new(), Vec::new()),
            None => (
                format::placeholders(format, &config.path, &options)?,
                format::not_run(format, &config.path)?,
                format::session_settings(format, &config.path)?,
                format::read_from(format, &config.path)?,
            ),
        };
        let not_applied = match command {
            Some(_) => Vec::new(),
            None => format::not_applied(format, &config.path)?
                .into_iter()
                .filter(|path| !format::excluded(&config.path, path, &config.exclude))
                .collect(),
        };
        let psql = match format {
            Format::Sqitch => {
                let layout = format::sqitch_layout(&config.path)?;
                Some(Psql::for_sqitch(&layout, &migrations)?)
            }
            _ => None,
        };
        Ok(Self {
            psql,
            // The tool's own tables come last: the tool creates them as it starts to migrate.
            before: preset::script(project.database.preset)
                .into_iter()
                .chain(scripts(&config.before)?)
                .chain(
                    command
                        .is_none()
                        .then(|| bookkeeping::script(format))
                        .flatten(),
                )
                .collect(),
            migrations,
            seed: scripts(&config.seed)?,
            command,
            format,
            not_applied,
            limits: Limits::new(config),
            read: read_from,
            placeholders,
            not_run,
            session_settings,
        })
    }
}

/// A plain SQL file (`before`, `seed`): in a transaction unless a statement refuses one.
fn script(path: &Path) -> Result<Migration, ChainError> {
    let text = super::file::read(path).map_err(|e| match e {
        TextError::Io(source) => ChainError::Script {
            path: path.to_path_buf(),
            source,
        },
        TextError::NotUtf8(e) => ChainError::Discover(e.into()),
    })?;
    let transaction = statements::runs_in_transaction(&text);
    Ok(Migration {
        description: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        transaction,
        ..Migration::new(path.to_path_buf(), text)
    })
}
