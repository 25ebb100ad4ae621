//! The project file, `pg-invariants.toml` (FORMAT.md section 1).

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use serde_spanned::Spanned;

use super::error::SpecError;
use super::facts::{ColumnFacts, RawKeys};
use super::glob::Glob;
use super::source::Source;
use super::timeout::Timeout;
use crate::location::Location;
use crate::migrate::Format;

/// Where PostgreSQL comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
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

/// `[database]`.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub backend: Backend,
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
    /// For `format = "command"`: the program and its arguments.
    pub command: Vec<String>,
    /// How long one statement may run: `before`, the chain, the seed, the idempotency pass.
    pub statement_timeout: Timeout,
    /// How long one statement may wait on a lock; defaults to `statement_timeout`.
    pub lock_timeout: Timeout,
}

/// `[invariants]`.
#[derive(Debug, Clone)]
pub struct InvariantsConfig {
    pub path: PathBuf,
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

/// A schema-wide `[[rule]]`: facts applied to every matching column.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub at: Location,
    pub columns: Vec<Glob>,
    /// Empty: every table in `schemas`.
    pub tables: Vec<Glob>,
    pub facts: ColumnFacts,
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawDatabase {
    backend: Backend,
    image: String,
    settings: IndexMap<String, Spanned<toml::Value>>,
}

impl Default for RawDatabase {
    fn default() -> Self {
        Self {
            backend: Backend::Auto,
            image: "postgres:17-alpine".into(),
            settings: IndexMap::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawMigrations {
    path: String,
    format: Spanned<Format>,
    before: Vec<String>,
    seed: Vec<String>,
    idempotent: bool,
    command: Option<Spanned<Vec<String>>>,
    statement_timeout: Option<Spanned<String>>,
    lock_timeout: Option<Spanned<String>>,
}

impl Default for RawMigrations {
    fn default() -> Self {
        Self {
            path: "migrations".into(),
            format: Spanned::new(0..0, Format::Auto),
            before: Vec::new(),
            seed: Vec::new(),
            idempotent: false,
            command: None,
            statement_timeout: None,
            lock_timeout: None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawInvariants {
    path: String,
    schemas: Spanned<Vec<String>>,
    coverage: bool,
    ignore: Vec<String>,
}

impl Default for RawInvariants {
    fn default() -> Self {
        Self {
            path: "invariants".into(),
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
        let raw: RawProject = src.parse(&[])?;
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let resolve = |p: &str| dir.join(p);

        if raw.invariants.schemas.get_ref().is_empty() {
            return Err(src.error_at(
                &raw.invariants.schemas,
                "`schemas` needs at least one schema",
            ));
        }
        let default_schema = raw.invariants.schemas.get_ref()[0].clone();

        let format = *raw.migrations.format.get_ref();
        let command = raw
            .migrations
            .command
            .as_ref()
            .map(|c| c.get_ref().clone())
            .unwrap_or_default();
        match (&raw.migrations.command, format) {
            (Some(c), Format::Command) if c.get_ref().is_empty() => {
                return Err(src.error_at(
                    c,
                    "`command` is empty; e.g. command = [\"alembic\", \"upgrade\", \"head\"]",
                ));
            }
            (None, Format::Command) => {
                return Err(src.error_at(
                    &raw.migrations.format,
                    "format = \"command\" needs `command`, e.g. command = [\"alembic\", \"upgrade\", \"head\"]",
                ));
            }
            (Some(c), f) if f != Format::Command => {
                return Err(src.error_at(c, "`command` is only used with format = \"command\""));
            }
            _ => {}
        }

        let statement_timeout = timeout(&src, raw.migrations.statement_timeout.as_ref())?
            .unwrap_or_else(Timeout::default_statement);
        let lock_timeout = timeout(&src, raw.migrations.lock_timeout.as_ref())?
            .unwrap_or_else(|| statement_timeout.clone());

        let settings = raw
            .database
            .settings
            .iter()
            .map(|(name, value)| setting(&src, name, value))
            .collect::<Result<_, _>>()?;
        let rules = raw
            .rule
            .iter()
            .map(|r| rule(&src, r, &default_schema))
            .collect::<Result<_, _>>()?;

        Ok(Self {
            file: file.to_path_buf(),
            database: DatabaseConfig {
                backend: raw.database.backend,
                image: raw.database.image,
                settings,
            },
            migrations: MigrationsConfig {
                path: resolve(&raw.migrations.path),
                format,
                before: raw.migrations.before.iter().map(|p| resolve(p)).collect(),
                seed: raw.migrations.seed.iter().map(|p| resolve(p)).collect(),
                idempotent: raw.migrations.idempotent,
                command,
                statement_timeout,
                lock_timeout,
            },
            invariants: InvariantsConfig {
                path: resolve(&raw.invariants.path),
                schemas: raw.invariants.schemas.into_inner(),
                coverage: raw.invariants.coverage,
                ignore: raw.invariants.ignore.into_iter().map(Glob::new).collect(),
            },
            snapshots: SnapshotsConfig {
                enabled: raw.snapshots.enabled,
                path: resolve(&raw.snapshots.path),
            },
            rules,
            dir,
        })
    }
}

/// A `[migrations]` time limit, checked here so a typo stops the run at the value (exit 2).
fn timeout(src: &Source, value: Option<&Spanned<String>>) -> Result<Option<Timeout>, SpecError> {
    value
        .map(|v| Timeout::parse(v.get_ref()).map_err(|message| src.error_at(v, message)))
        .transpose()
}

/// A server setting as PostgreSQL's `-c name=value` wants it.
fn setting(
    src: &Source,
    name: &str,
    value: &Spanned<toml::Value>,
) -> Result<(String, String), SpecError> {
    let text = match value.get_ref() {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => if *b { "on" } else { "off" }.to_string(),
        _ => {
            return Err(src.error_at(
                value,
                format!("setting `{name}` must be a string, number or boolean"),
            ));
        }
    };
    Ok((name.to_string(), text))
}

fn rule(src: &Source, raw: &Spanned<RawKeys>, default_schema: &str) -> Result<Rule, SpecError> {
    let keys = raw.get_ref();
    let name = keys
        .name
        .as_ref()
        .ok_or_else(|| src.error_at(raw, "a [[rule]] needs `name`"))?;
    let columns = keys.columns.as_ref().ok_or_else(|| {
        src.error_at(
            raw,
            "a [[rule]] needs `columns`: glob patterns on column names",
        )
    })?;
    if columns.get_ref().is_empty() {
        return Err(src.error_at(columns, "`columns` is empty: the rule would match nothing"));
    }
    let facts = keys.facts(src, default_schema)?;
    if facts == ColumnFacts::default() {
        return Err(src.error_at(
            name,
            format!(
                "rule {:?} asserts nothing: add a column key (references, not_null, indexed, ...)",
                name.get_ref()
            ),
        ));
    }
    facts.check_consistency()?;
    let globs = |v: &Option<Spanned<Vec<String>>>| {
        v.as_ref()
            .map(|v| v.get_ref().iter().map(Glob::new).collect())
            .unwrap_or_default()
    };
    Ok(Rule {
        name: name.get_ref().clone(),
        at: src.at(raw),
        columns: globs(&keys.columns),
        tables: globs(&keys.tables),
        facts,
    })
}
