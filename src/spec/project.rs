//! The project file, `pg-invariants.toml` (docs/configuration.md).

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use serde_spanned::Spanned;

use super::error::SpecError;
use super::facts::{COLUMN_ONLY_KEYS, RawKeys};
use super::format::Format;
use super::glob::Glob;
use super::known::{self, Baseline, RawKnown};
use super::rule::{self, Rule};
use super::server_settings;
use super::source::Source;
use super::tenancy::{RawTenancy, Tenancy};
use super::timeout::Timeout;
use super::upgrade::{RawUpgrade, Upgrade};
use crate::location::Location;

/// Where PostgreSQL comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// `url` if `PG_INVARIANTS_URL` is set, else `local` if server binaries are found, else `docker`.
    #[default]
    Auto,
    Local,
    Docker,
    Url,
}

impl Backend {
    /// The name as written in the project file.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Local => "local",
            Self::Docker => "docker",
            Self::Url => "url",
        }
    }
}

impl std::str::FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Self::Auto),
            "local" => Ok(Self::Local),
            "docker" => Ok(Self::Docker),
            "url" => Ok(Self::Url),
            _ => Err(format!(
                "unknown backend {s:?}; expected one of \"auto\", \"local\", \"docker\", \"url\""
            )),
        }
    }
}

/// What the database has before `before` and the chain run (docs/configuration.md and docs/tenancy.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// An empty database, as `initdb` or the image leaves it.
    #[default]
    None,
    /// What a Supabase project's database has: its roles, the `auth`, `storage` and
    /// `extensions` schemas, and the privileges the platform grants.
    Supabase,
}

/// `[database]`.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub backend: Backend,
    pub preset: Preset,
    pub image: String,
    /// Server settings passed as `-c name=value`, in file order.
    pub settings: Vec<(String, String)>,
}

/// `[migrations]`, paths resolved against the project file's directory.
#[derive(Debug, Clone)]
pub struct MigrationsConfig {
    pub path: PathBuf,
    pub format: Format,
    pub before: Vec<PathBuf>,
    pub seed: Vec<PathBuf>,
    pub idempotent: bool,
    /// Glob patterns on paths relative to `path`: migrations never applied.
    pub exclude: Vec<Glob>,
    /// For `format = "command"`: the program and its arguments.
    pub command: Vec<String>,
    /// How long one statement may run: `before`, the chain, the seed, the idempotency pass.
    pub statement_timeout: Timeout,
    /// How long one statement may wait on a lock; defaults to `statement_timeout`.
    pub lock_timeout: Timeout,
    /// liquibase: the directories `classpath:` and non-relative includes resolve against, in
    /// order (empty: the nearest `src/main/resources` above the master changelog).
    pub classpath: Vec<PathBuf>,
    /// graphile-migrate: placeholder values (`:NAME` → text), over `.gmrc`'s and the built-in
    /// `:DATABASE_NAME` / `:DATABASE_OWNER`.
    pub placeholders: Vec<(String, String)>,
}

/// `[invariants]`.
#[derive(Debug, Clone)]
pub struct InvariantsConfig {
    pub path: PathBuf,
    /// Where `path` is written (the start of the project file when it is not): what an error
    /// about a missing directory points at.
    pub path_at: Location,
    /// Where `schemas` is written (the start of the project file when it is not).
    pub schemas_at: Location,
    /// Never empty; the first one is the default schema of table names.
    pub schemas: Vec<String>,
    pub coverage: bool,
    pub ignore: Vec<Glob>,
}

impl InvariantsConfig {
    pub fn default_schema(&self) -> &str {
        &self.schemas[0]
    }
}

/// `[snapshots]`.
#[derive(Debug, Clone)]
pub struct SnapshotsConfig {
    pub enabled: bool,
    pub path: PathBuf,
}

/// The loaded project file.
#[derive(Debug, Clone)]
pub struct Project {
    pub file: PathBuf,
    pub dir: PathBuf,
    pub database: DatabaseConfig,
    pub migrations: MigrationsConfig,
    pub invariants: InvariantsConfig,
    pub snapshots: SnapshotsConfig,
    pub rules: Vec<Rule>,
    /// `[tenancy]`, when the schema is multi-tenant and isolation is to be proven.
    pub tenancy: Option<Tenancy>,
    /// `[known]`: the tests that fail today on purpose.
    pub known: Baseline,
    /// `[upgrade]`: deploy windows are tested.
    pub upgrade: Option<Upgrade>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProject {
    #[serde(default)]
    database: RawDatabase,
    #[serde(default)]
    migrations: RawMigrations,
    #[serde(default)]
    invariants: RawInvariants,
    #[serde(default)]
    snapshots: RawSnapshots,
    #[serde(default)]
    rule: Vec<Spanned<RawKeys>>,
    tenancy: Option<Spanned<RawTenancy>>,
    #[serde(default)]
    known: RawKnown,
    upgrade: Option<Spanned<RawUpgrade>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawDatabase {
    backend: Backend,
    preset: Preset,
    image: String,
    settings: IndexMap<Spanned<String>, Spanned<toml::Value>>,
}

impl Default for RawDatabase {
    fn default() -> Self {
        Self {
            backend: Backend::Auto,
            preset: Preset::None,
            image: "postgres:17-alpine".into(),
            settings: IndexMap::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawMigrations {
    path: Spanned<String>,
    format: Spanned<Format>,
    before: Vec<String>,
    seed: Vec<String>,
    idempotent: bool,
    exclude: Vec<String>,
    command: Option<Spanned<Vec<String>>>,
    statement_timeout: Option<Spanned<String>>,
    lock_timeout: Option<Spanned<String>>,
    classpath: Vec<String>,
    placeholders: IndexMap<Spanned<String>, String>,
}

impl Default for RawMigrations {
    fn default() -> Self {
        Self {
            path: Spanned::new(0..0, "migrations".into()),
            format: Spanned::new(0..0, Format::Auto),
            before: Vec::new(),
            seed: Vec::new(),
            idempotent: false,
            exclude: Vec::new(),
            command: None,
            statement_timeout: None,
            lock_timeout: None,
            classpath: Vec::new(),
            placeholders: IndexMap::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawInvariants {
    path: Spanned<String>,
    schemas: Spanned<Vec<String>>,
    coverage: bool,
    ignore: Vec<String>,
}

impl Default for RawInvariants {
    fn default() -> Self {
        Self {
            path: Spanned::new(0..0, "invariants".into()),
            schemas: Spanned::new(0..0, vec!["public".into()]),
            coverage: true,
            ignore: Vec::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawSnapshots {
    enabled: bool,
    path: String,
}

impl Default for RawSnapshots {
    fn default() -> Self {
        Self {
            enabled: true,
            path: "snapshots".into(),
        }
    }
}

impl Project {
    /// Reads and validates the project file at `file`.
    pub fn load(file: &Path) -> Result<Self, SpecError> {
        let src = Source::read(file)?;
        let mut raw: RawProject = src.parse(&COLUMN_ONLY_KEYS)?;
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();

        if raw.invariants.schemas.get_ref().is_empty() {
            return Err(src.error_at(
                &raw.invariants.schemas,
                "`schemas` needs at least one schema",
            ));
        }
        let default_schema = raw.invariants.schemas.get_ref()[0].clone();
        // Errors come in the order of the file's keys as a reader checks them: `[migrations]`,
        // both paths, then the placeholders.
        let placeholders = std::mem::take(&mut raw.migrations.placeholders);
        let mut migrations = raw.migrations.resolve(&src, &dir)?;
        let invariants = raw.invariants.resolve(&src, &dir)?;
        migrations.placeholders = (placeholders.iter())
            .map(|(name, value)| placeholder(&src, name, value))
            .collect::<Result<_, _>>()?;
        let database = raw.database.resolve(&src)?;
        let rules = rule::rules(&src, &raw.rule, &default_schema)?;
        let tenancy = raw
            .tenancy
            .as_ref()
            .map(|t| {
                t.get_ref()
                    .resolve(&src, &src.at(t), &default_schema, database.preset)
            })
            .transpose()?;
        let known = Baseline(known::resolve(&src, &raw.known)?);
        let upgrade = (raw.upgrade.as_ref())
            .map(|u| u.get_ref().resolve(&src, src.at(u), &dir))
            .transpose()?;

        Ok(Self {
            file: file.to_path_buf(),
            database,
            migrations,
            invariants,
            snapshots: SnapshotsConfig {
                enabled: raw.snapshots.enabled,
                path: dir.join(&raw.snapshots.path),
            },
            rules,
            tenancy,
            known,
            upgrade,
            dir,
        })
    }
}

impl RawDatabase {
    fn resolve(self, src: &Source) -> Result<DatabaseConfig, SpecError> {
        let settings = self
            .settings
            .iter()
            .map(|(name, value)| server_settings::setting(src, name, value))
            .collect::<Result<_, _>>()?;
        Ok(DatabaseConfig {
            backend: self.backend,
            preset: self.preset,
            image: self.image,
            settings,
        })
    }
}

impl RawMigrations {
    /// `[migrations]` with its paths resolved against the project's directory `dir`.
    fn resolve(self, src: &Source, dir: &Path) -> Result<MigrationsConfig, SpecError> {
        let resolve = |paths: &[String]| paths.iter().map(|p| dir.join(p)).collect();
        let command = self.command(src)?;
        let statement_timeout = timeout(src, self.statement_timeout.as_ref())?
            .unwrap_or_else(Timeout::default_statement);
        let lock_timeout =
            timeout(src, self.lock_timeout.as_ref())?.unwrap_or_else(|| statement_timeout.clone());
        let path = directory(src, dir, &self.path, "[migrations]")?;
        Ok(MigrationsConfig {
            path,
            format: *self.format.get_ref(),
            before: resolve(&self.before),
            seed: resolve(&self.seed),
            idempotent: self.idempotent,
            exclude: self.exclude.into_iter().map(Glob::new).collect(),
            command,
            statement_timeout,
            lock_timeout,
            classpath: resolve(&self.classpath),
            // Resolved by `Project::load` once the paths are.
            placeholders: Default::default(),
        })
    }

    /// `command`, which `format = "command"` needs and no other format takes.
    fn command(&self, src: &Source) -> Result<Vec<String>, SpecError> {
        let format = *self.format.get_ref();
        match (&self.command, format) {
            (Some(c), Format::Command) if c.get_ref().is_empty() => Err(src.error_at(
                c,
                "`command` is empty; e.g. command = [\"alembic\", \"upgrade\", \"head\"]",
            )),
            (None, Format::Command) => Err(src.error_at(
                &self.format,
                "format = \"command\" needs `command`, e.g. command = [\"alembic\", \"upgrade\", \"head\"]",
            )),
            (Some(c), f) if f != Format::Command => {
                Err(src.error_at(c, "`command` is only used with format = \"command\""))
            }
            (command, _) => Ok(command.as_ref().map(|c| c.get_ref().clone()).unwrap_or_default()),
        }
    }
}

impl RawInvariants {
    /// `[invariants]` with its path resolved against the project's directory `dir`.
    fn resolve(self, src: &Source, dir: &Path) -> Result<InvariantsConfig, SpecError> {
        Ok(InvariantsConfig {
            path: directory(src, dir, &self.path, "[invariants]")?,
            path_at: src.at(&self.path),
            schemas_at: src.at(&self.schemas),
            schemas: self.schemas.into_inner(),
            coverage: self.coverage,
            ignore: self.ignore.into_iter().map(Glob::new).collect(),
        })
    }
}

/// A `[migrations]` or `[invariants]` `path`, resolved against the project's directory; an
/// empty one would name the project's directory itself, never what the user meant.
fn directory(
    src: &Source,
    dir: &Path,
    path: &Spanned<String>,
    section: &str,
) -> Result<PathBuf, SpecError> {
    if path.get_ref().trim().is_empty() {
        return Err(src.error_at(
            path,
            format!(
                "`path` in {section} is empty: name the directory, relative to pg-invariants.toml"
            ),
        ));
    }
    Ok(dir.join(path.get_ref()))
}

/// A `[migrations]` time limit, checked here so a typo stops the run at the value (exit 2).
fn timeout(src: &Source, value: Option<&Spanned<String>>) -> Result<Option<Timeout>, SpecError> {
    value
        .map(|v| Timeout::parse(v.get_ref()).map_err(|message| src.error_at(v, message)))
        .transpose()
}

/// A `[migrations] placeholders` entry, its name as graphile-migrate requires it
/// (`:` then capitals, digits and `_`).
fn placeholder(
    src: &Source,
    name: &Spanned<String>,
    value: &str,
) -> Result<(String, String), SpecError> {
    if !crate::sql::placeholder::is_name(name.get_ref()) {
        return Err(src.error_at(
            name,
            format!(
                "placeholder `{}` is not one graphile-migrate accepts: a name is `:` then a \
                 capital letter and capitals, digits or `_` (`:DATABASE_VISITOR`)",
                name.get_ref()
            ),
        ));
    }
    Ok((name.get_ref().clone(), value.to_string()))
}
