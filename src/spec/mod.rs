//! What users write: the project file, table files and rules, parsed with spans and validated.
//!
//! Nothing here touches a database: a spec that is invalid stops the run (exit code 2) before
//! any PostgreSQL is started.

mod error;
mod facts;
mod format;
mod glob;
mod known;
mod merge;
mod project;
mod rule;
mod server_settings;
mod source;
mod suggest;
mod table;
mod tenancy;
mod timeout;
mod upgrade;

use std::path::{Path, PathBuf};

pub use error::{SpecError, SpecErrors};
pub use facts::{ColumnFacts, Fact, OrphanTarget, Orphans, Reference};
pub use format::{Format, UnknownFormat, is_bookkeeping};
pub use glob::Glob;
pub use known::{Baseline, Known};
pub use merge::{Contradiction, Merged};
pub use project::{
    Backend, DatabaseConfig, InvariantsConfig, MigrationsConfig, Preset, Project, SnapshotsConfig,
};
pub use rule::Rule;
pub use suggest::{did_you_mean, nearest, nearest_to_glob};
pub use table::{ColumnSpec, TableSpec};
pub use tenancy::{PathEntry, TENANT, Tenancy, USER, squeezed};
pub use timeout::Timeout;
pub use upgrade::{Deployed, QueryFile, Upgrade};

use crate::names::TableName;

/// The name of the project file.
pub const PROJECT_FILE: &str = "pg-invariants.toml";

/// A valid project: its file and every table file, sorted by table.
#[derive(Debug, Clone)]
pub struct Spec {
    pub project: Project,
    pub tables: Vec<TableSpec>,
}

impl Spec {
    /// Loads the project file and every `*.toml` in its invariants directory, reporting every
    /// problem found rather than the first.
    pub fn load(project_file: &Path) -> Result<Self, SpecErrors> {
        let spec = Self::read(project_file)?;
        let errors = spec.contradictions();
        if errors.is_empty() {
            Ok(spec)
        } else {
            Err(SpecErrors(errors))
        }
    }

    /// The project file and every table file, each valid on its own, without checking them
    /// against each other: what `init --force` starts from, as it rewrites the table files
    /// that may contradict a rule.
    pub fn read(project_file: &Path) -> Result<Self, SpecErrors> {
        let project = Project::load(project_file)?;
        let default_schema = project.invariants.default_schema().to_string();
        let mut files = table_files(&project.invariants)?;
        files.sort();

        let mut errors = Vec::new();
        let mut tables: Vec<TableSpec> = Vec::new();
        for file in &files {
            match TableSpec::load(file, &default_schema) {
                Ok(t) => tables.push(t),
                Err(e) => errors.push(e),
            }
        }
        tables.sort_by(|a, b| a.table.cmp(&b.table));
        for pair in tables.windows(2) {
            if pair[0].table == pair[1].table {
                errors.push(SpecError::At {
                    location: pair[1].at.clone(),
                    message: format!(
                        "table {} is already described by {}",
                        pair[1].table,
                        pair[0].at.path.display()
                    ),
                });
            }
        }
        if errors.is_empty() {
            Ok(Self { project, tables })
        } else {
            Err(SpecErrors(errors))
        }
    }

    /// What the table files and rules say against each other: an `except` naming no rule, a key
    /// stated twice with two values, a merged column whose facts make no sense together.
    fn contradictions(&self) -> Vec<SpecError> {
        let mut errors = Vec::new();
        if self.project.tenancy.is_none() {
            let rules = self.project.rules.iter().map(|r| &r.facts);
            let files = self
                .tables
                .iter()
                .flat_map(|t| &t.columns)
                .map(|c| &c.facts);
            errors.extend(rules.chain(files).filter_map(needs_tenancy));
        }
        for table in &self.tables {
            for column in &table.columns {
                errors.extend(self.unknown_excepts(column));
                let mut merged = self.column_facts(table, column);
                merged.contradictions.sort_by(|a, b| a.at().cmp(b.at()));
                errors.extend(merged.contradictions.iter().map(|c| SpecError::At {
                    location: c.at().clone(),
                    message: c.to_string(),
                }));
                if let Err(e) = merged.facts.check_consistency() {
                    errors.push(e);
                }
            }
        }
        errors
    }

    fn unknown_excepts<'a>(
        &'a self,
        column: &'a ColumnSpec,
    ) -> impl Iterator<Item = SpecError> + 'a {
        let rules = &self.project.rules;
        column
            .except
            .iter()
            .filter(|e| rules.iter().all(|r| r.name != e.value))
            .map(move |e| SpecError::At {
                location: e.at.clone(),
                message: format!(
                    "`except` names no rule {:?}{}; the rules are: {}",
                    e.value,
                    suggest::did_you_mean(&e.value, rules.iter().map(|r| r.name.as_str())),
                    if rules.is_empty() {
                        "none".to_string()
                    } else {
                        rules
                            .iter()
                            .map(|r| format!("{:?}", r.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ),
            })
    }

    pub fn default_schema(&self) -> &str {
        self.project.invariants.default_schema()
    }

    /// The rules that apply to `column` of `table`, in file order: none for tables outside
    /// `schemas` or ignored; never a rule `exclude` leaves out, nor a rule on the column it
    /// references itself. A column's `except` is its table file's business ([`Self::column_facts`]).
    pub fn rules_for<'a>(
        &'a self,
        table: &'a TableName,
        column: &'a str,
    ) -> impl Iterator<Item = &'a Rule> + 'a {
        let shown = table.display(self.default_schema());
        let in_scope =
            self.project.invariants.schemas.contains(&table.schema) && !self.is_ignored(table);
        self.project
            .rules
            .iter()
            .filter(move |r| in_scope && r.applies_to(table, &shown, column))
    }

    /// A declared column's facts with the rules that apply to it merged in, less the rules it
    /// lists in `except`.
    pub fn column_facts(&self, table: &TableSpec, column: &ColumnSpec) -> Merged {
        let rules = self
            .rules_for(&table.table, &column.name)
            .filter(|r| !column.excepts(&r.name));
        self.merged(&column.facts, rules, &table.table, &column.name)
    }

    /// Facts for a column no table file declares: the rules alone.
    pub fn rule_facts(&self, table: &TableName, column: &str) -> Merged {
        let rules = self.rules_for(table, column);
        self.merged(&ColumnFacts::default(), rules, table, column)
    }

    /// The facts of any column: declared in its table file or not.
    pub fn facts_of(&self, table: &TableName, column: &str) -> Merged {
        match self.table(table).and_then(|t| Some((t, t.column(column)?))) {
            Some((file, declared)) => self.column_facts(file, declared),
            None => self.rule_facts(table, column),
        }
    }

    fn merged<'a>(
        &self,
        own: &ColumnFacts,
        rules: impl Iterator<Item = &'a Rule>,
        table: &TableName,
        column: &str,
    ) -> Merged {
        let schema = self.default_schema();
        let shown = format!("{}.{column}", table.display(schema));
        let mut merged = merge::merge(own, rules, &shown, schema);
        self.tenant_reference(table, &mut merged.facts);
        merged
    }

    /// A `tenant` column of a table other than the tenant table references the tenant key
    /// (docs/tenancy.md) unless it says otherwise (`references` or `no_fk`): the `fk` and
    /// `rejects_invalid` tests then prove the column can only hold a real tenant.
    fn tenant_reference(&self, table: &TableName, facts: &mut ColumnFacts) {
        let Some(tenancy) = &self.project.tenancy else {
            return;
        };
        let Some(tenant) = facts.tenant.as_ref().filter(|t| t.value) else {
            return;
        };
        if facts.references.is_none() && facts.no_fk.is_none() && !tenancy.is_tenant_table(table) {
            facts.references = Some(Fact {
                value: tenancy.tenants.value.clone(),
                at: tenant.at.clone(),
            });
        }
    }

    /// True when `table` is left out of coverage and rules by `ignore`.
    /// `table` is left out of coverage and rules: `ignore` names it, or it is a migration
    /// tool's own bookkeeping.
    pub fn is_ignored(&self, table: &TableName) -> bool {
        let shown = table.display(self.default_schema());
        glob::any_matches(&self.project.invariants.ignore, &shown) || is_bookkeeping(table)
    }

    pub fn table(&self, name: &TableName) -> Option<&TableSpec> {
        self.tables
            .binary_search_by(|t| t.table.cmp(name))
            .ok()
            .map(|i| &self.tables[i])
    }
}

/// The error for a `tenant` or `same_tenant` key in a project without `[tenancy]`.
fn needs_tenancy(facts: &ColumnFacts) -> Option<SpecError> {
    let (key, fact) = [
        ("tenant", &facts.tenant),
        ("same_tenant", &facts.same_tenant),
    ]
    .into_iter()
    .find_map(|(key, f)| Some((key, f.as_ref().filter(|f| f.value)?)))?;
    Some(SpecError::At {
        location: fact.at.clone(),
        message: format!(
            "`{key} = true` needs a [tenancy] section in pg-invariants.toml naming the tenant table, the role requests run as and their settings (docs/tenancy.md)"
        ),
    })
}

/// The table files in the invariants directory. A project with only rules and coverage = false
/// needs no directory; with coverage = true its absence is an error that says what to do.
fn table_files(invariants: &InvariantsConfig) -> Result<Vec<PathBuf>, SpecError> {
    let dir = &invariants.path;
    if !dir.exists() {
        if !invariants.coverage {
            return Ok(Vec::new());
        }
        return Err(SpecError::At {
            location: invariants.path_at.clone(),
            message: format!(
                "the invariants directory {} does not exist: with coverage = true every table needs a table file there; `pg-invariants init` writes them, or set coverage = false in [invariants] for a project with rules only",
                dir.display()
            ),
        });
    }
    if !dir.is_dir() {
        return Err(SpecError::At {
            location: invariants.path_at.clone(),
            message: format!(
                "{} is not a directory: `path` in [invariants] names the directory of table files (<table>.toml)",
                dir.display()
            ),
        });
    }
    read_table_files(dir)
}

fn read_table_files(dir: &Path) -> Result<Vec<PathBuf>, SpecError> {
    let read_error = |source| SpecError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let entries = std::fs::read_dir(dir).map_err(read_error)?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(read_error)?.path();
        if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
            if path.file_name().and_then(|n| n.to_str()).is_none() {
                return Err(SpecError::NameNotUtf8 { path });
            }
            files.push(path);
        }
    }
    Ok(files)
}

/// The project file: `explicit` if given, else the first `pg-invariants.toml` found walking up
/// from `start`. The result is relative to the current directory when it lies below it, so
/// messages show short paths.
pub fn find_project_file(explicit: Option<&Path>, start: &Path) -> Result<PathBuf, SpecError> {
    if let Some(file) = explicit {
        if !file.is_file() {
            return Err(SpecError::Read {
                path: file.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "project file not found"),
            });
        }
        return Ok(file.to_path_buf());
    }
    let found = start
        .ancestors()
        .map(|dir| dir.join(PROJECT_FILE))
        .find(|f| f.is_file())
        .ok_or_else(|| SpecError::NotFound {
            start: start.to_path_buf(),
        })?;
    Ok(crate::location::relative(&found))
}
