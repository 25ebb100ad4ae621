//! The project file, `pg-invariants.toml` (docs/configuration.md).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use serde_spanned::Spanned;

use super::error::SpecError;
use super::facts::{COLUMN_ONLY_KEYS, ColumnFacts, RawKeys, Reference};
use super::format::Format;
use super::glob::{self, Glob};
use super::known::{self, Baseline, RawKnown};
use super::source::Source;
use super::tenancy::{RawTenancy, Tenancy};
use super::timeout::Timeout;
use crate::location::Location;
use crate::names::TableName;

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

/// A schema-wide `[[rule]]`: facts applied to every matching column.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub at: Location,
    pub columns: Vec<Glob>,
    /// Empty: every table in `schemas`.
    pub tables: Vec<Glob>,
    /// `table` or `table.column` globs the rule never applies to.
    pub exclude: Vec<Glob>,
    pub facts: ColumnFacts,
}

impl Rule {
    /// True when the rule applies to `column` of `table` (`shown` as test names show it): its
    /// `columns` and `tables` match, `exclude` does not, and the column is not the one the rule
    /// itself references (`references = "users.id"` never applies to `users.id`).
    pub fn applies_to(&self, table: &TableName, shown: &str, column: &str) -> bool {
        glob::any_matches(&self.columns, column)
            && (self.tables.is_empty() || glob::any_matches(&self.tables, shown))
            && !self.excludes(shown, column)
            && !self.references_column(table, column)
    }

    /// `exclude` patterns match the table (`audit_*`) or the table and column (`users.user_id`).
    fn excludes(&self, shown: &str, column: &str) -> bool {
        let qualified = format!("{shown}.{column}");
        self.exclude
            .iter()
            .any(|g| g.matches(shown) || g.matches(&qualified))
    }

    fn references_column(&self, table: &TableName, column: &str) -> bool {
        let is_it = |r: &Reference| &r.table == table && r.column == column;
        let referenced = self
            .facts
            .references
            .as_ref()
            .is_some_and(|r| is_it(&r.value));
        let orphan_target = self
            .facts
            .orphans
            .as_ref()
            .is_some_and(|o| o.value.targets.iter().any(|t| is_it(&t.references)));
        referenced || orphan_target
    }
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
        let raw: RawProject = src.parse(&COLUMN_ONLY_KEYS)?;
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

        let migrations_path = directory(&src, &dir, &raw.migrations.path, "[migrations]")?;
        let invariants_path = directory(&src, &dir, &raw.invariants.path, "[invariants]")?;
        let placeholders = raw
            .migrations
            .placeholders
            .iter()
            .map(|(name, value)| placeholder(&src, name, value))
            .collect::<Result<_, _>>()?;
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
            .collect::<Result<Vec<_>, _>>()?;
        unique_names(&src, &raw.rule)?;
        let tenancy = raw
            .tenancy
            .as_ref()
            .map(|t| {
                t.get_ref()
                    .resolve(&src, &src.at(t), &default_schema, raw.database.preset)
            })
            .transpose()?;

        Ok(Self {
            file: file.to_path_buf(),
            database: DatabaseConfig {
                backend: raw.database.backend,
                preset: raw.database.preset,
                image: raw.database.image,
                settings,
            },
            migrations: MigrationsConfig {
                path: migrations_path,
                format,
                before: raw.migrations.before.iter().map(|p| resolve(p)).collect(),
                seed: raw.migrations.seed.iter().map(|p| resolve(p)).collect(),
                idempotent: raw.migrations.idempotent,
                exclude: raw.migrations.exclude.into_iter().map(Glob::new).collect(),
                command,
                statement_timeout,
                lock_timeout,
                classpath: raw
                    .migrations
                    .classpath
                    .iter()
                    .map(|p| resolve(p))
                    .collect(),
                placeholders,
            },
            invariants: InvariantsConfig {
                path: invariants_path,
                path_at: src.at(&raw.invariants.path),
                schemas_at: src.at(&raw.invariants.schemas),
                schemas: raw.invariants.schemas.into_inner(),
                coverage: raw.invariants.coverage,
                ignore: raw.invariants.ignore.into_iter().map(Glob::new).collect(),
            },
            snapshots: SnapshotsConfig {
                enabled: raw.snapshots.enabled,
                path: resolve(&raw.snapshots.path),
            },
            rules,
            tenancy,
            known: Baseline(known::resolve(&src, &raw.known)?),
            dir,
        })
    }
}

/// Settings that would change where the throwaway superuser server listens or what it trusts:
/// a careless or hostile value would open it on TCP. `unix_socket_*` is a prefix.
const FORBIDDEN_SETTINGS: [&str; 5] = [
    "listen_addresses",
    "port",
    "unix_socket_",
    "hba_file",
    "data_directory",
];
/// The longest setting name taken: PostgreSQL's own are under 40 bytes; a longer one is a
/// mistake (a 2 MB name made the server's command line too long to start).
const MAX_SETTING_NAME: usize = 127;
/// The longest setting value taken: one `-c name=value` argument must fit the command line.
const MAX_SETTING_VALUE: usize = 8192;

/// A name PostgreSQL takes for a setting: `work_mem`, `app.tenant_id`.
fn is_setting_name(name: &str) -> bool {
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '$');
    starts_well && name.len() <= MAX_SETTING_NAME && name.chars().all(valid)
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

/// A server setting as PostgreSQL's `-c name=value` wants it.
fn setting(
    src: &Source,
    key: &Spanned<String>,
    value: &Spanned<toml::Value>,
) -> Result<(String, String), SpecError> {
    let name = key.get_ref();
    if !is_setting_name(name) {
        let shown: String = name.chars().take(40).collect();
        return Err(src.error_at(
            key,
            format!(
                "`{shown}{}` is not a setting name: letters, digits, `_` and `.` ({MAX_SETTING_NAME} bytes at most), as `work_mem` or `app.tenant_id`",
                if shown.len() < name.len() { "…" } else { "" }
            ),
        ));
    }
    let lower = name.to_lowercase();
    let forbidden = |f: &&str| match f.strip_suffix('_') {
        Some(_) => lower.starts_with(f),
        None => lower == *f,
    };
    if FORBIDDEN_SETTINGS.iter().any(forbidden) {
        return Err(src.error_at(
            key,
            format!(
                "setting `{name}` may not be set: pg-invariants decides where its throwaway server listens and whom it trusts (never {})",
                "listen_addresses, port, unix_socket_*, hba_file, data_directory"
            ),
        ));
    }
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
    if text.len() > MAX_SETTING_VALUE {
        return Err(src.error_at(
            value,
            format!(
                "the value of setting `{name}` is {} bytes long; at most {MAX_SETTING_VALUE}",
                text.len()
            ),
        ));
    }
    Ok((name.to_string(), text))
}

fn rule(src: &Source, raw: &Spanned<RawKeys>, default_schema: &str) -> Result<Rule, SpecError> {
    let keys = raw.get_ref();
    let name = keys
        .name
        .as_ref()
        .ok_or_else(|| {
            src.error_at(
                raw,
                "a [[rule]] needs `name`: it names the rule's test (`rules::<name>`), its messages, and what a column's `except` lists",
            )
        })?;
    if name.get_ref().trim().is_empty() {
        return Err(src.error_at(name, "a rule's `name` may not be empty"));
    }
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
    if let Some(except) = &keys.except {
        return Err(src.error_at(
            except,
            "`except` belongs to a column of a table file ([columns.X] except = [\"rule\"]); a rule leaves tables or columns out with `exclude`",
        ));
    }
    Ok(Rule {
        name: name.get_ref().clone(),
        at: src.at(raw),
        columns: globs(&keys.columns),
        tables: globs(&keys.tables),
        exclude: globs(&keys.exclude),
        facts,
    })
}

/// Rule names name tests (`rules::<name>`) and `except` entries: two rules may not share one.
fn unique_names(src: &Source, rules: &[Spanned<RawKeys>]) -> Result<(), SpecError> {
    let mut seen: HashMap<&str, &Spanned<String>> = HashMap::new();
    for name in rules.iter().filter_map(|r| r.get_ref().name.as_ref()) {
        if let Some(first) = seen.insert(name.get_ref(), name) {
            return Err(src.error_at(
                name,
                format!(
                    "a rule named {:?} already exists at {}: rule names must be unique",
                    name.get_ref(),
                    src.at(first)
                ),
            ));
        }
    }
    Ok(())
}
