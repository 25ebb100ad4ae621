//! What users write: the project file, table files and rules, parsed with spans and validated.
//!
//! Nothing here touches a database: a spec that is invalid stops the run (exit code 2) before
//! any PostgreSQL is started.

mod error;
mod facts;
mod glob;
mod project;
mod source;
mod table;
mod timeout;

use std::path::{Path, PathBuf};

pub use error::{SpecError, SpecErrors};
pub use facts::{ColumnFacts, Fact, OnDelete, Orphans, Reference};
pub use glob::Glob;
pub use project::{
    Backend, DatabaseConfig, InvariantsConfig, MigrationsConfig, Project, Rule, SnapshotsConfig,
};
pub use table::{ColumnSpec, TableSpec};
pub use timeout::Timeout;

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
        let project = Project::load(project_file)?;
        let default_schema = project.invariants.default_schema().to_string();
        let dir = &project.invariants.path;
        let mut files = table_files(dir)?;
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
        let spec = Self { project, tables };
        for table in &spec.tables {
            for column in &table.columns {
                if let Err(e) = spec.column_facts(table, column).check_consistency() {
                    errors.push(e);
                }
            }
        }
        if errors.is_empty() {
            Ok(spec)
        } else {
            Err(SpecErrors(errors))
        }
    }

    pub fn default_schema(&self) -> &str {
        self.project.invariants.default_schema()
    }

    /// The rules that apply to `column` of `table`, in file order: none for tables outside
    /// `schemas` or ignored.
    pub fn rules_for<'a>(
        &'a self,
        table: &TableName,
        column: &str,
    ) -> impl Iterator<Item = &'a Rule> {
        let shown = table.display(self.default_schema());
        let in_scope =
            self.project.invariants.schemas.contains(&table.schema) && !self.is_ignored(table);
        self.project.rules.iter().filter(move |r| {
            in_scope
                && glob::any_matches(&r.columns, column)
                && (r.tables.is_empty() || glob::any_matches(&r.tables, &shown))
        })
    }

    /// A declared column's facts with the matching rules merged in (the table file wins per key;
    /// among rules, the first in the file wins).
    pub fn column_facts(&self, table: &TableSpec, column: &ColumnSpec) -> ColumnFacts {
        self.with_rules(column.facts.clone(), &table.table, &column.name)
    }

    /// Facts for a column no table file declares: the rules alone.
    pub fn rule_facts(&self, table: &TableName, column: &str) -> ColumnFacts {
        self.with_rules(ColumnFacts::default(), table, column)
    }

    fn with_rules(&self, mut facts: ColumnFacts, table: &TableName, column: &str) -> ColumnFacts {
        for rule in self.rules_for(table, column) {
            facts.merge_rule(&rule.facts);
        }
        facts
    }

    /// True when `table` is left out of coverage and rules by `ignore`.
    pub fn is_ignored(&self, table: &TableName) -> bool {
        let shown = table.display(self.default_schema());
        glob::any_matches(&self.project.invariants.ignore, &shown)
    }

    pub fn table(&self, name: &TableName) -> Option<&TableSpec> {
        self.tables.iter().find(|t| &t.table == name)
    }
}

fn table_files(dir: &Path) -> Result<Vec<PathBuf>, SpecError> {
    let read_error = |source| SpecError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let entries = std::fs::read_dir(dir).map_err(read_error)?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(read_error)?.path();
        if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
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
