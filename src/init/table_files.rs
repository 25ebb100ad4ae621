//! The table files `init` writes: for each covered table, keep its file, (re)write it with what
//! the catalog shows, or skip it saying why; then what the project will check once they are
//! written, and what init tells the user it did.

use std::fs;
use std::path::PathBuf;

use super::InitError;
use super::describe::Description;
use super::tenancy;
use crate::catalog::{Catalog, Table};
use crate::location::relative;
use crate::names::TableName;
use crate::plan::{self, CheckKind};
use crate::spec::{Reference, Spec, SpecError, TableSpec};

/// What happens to the file of one table.
pub(super) enum Planned {
    Write {
        description: Description,
        exists: bool,
    },
    Keep(PathBuf),
    /// The file name is taken by another table's file, or the name cannot be written.
    Skip {
        table: TableName,
        why: String,
    },
}

/// What to do with each covered table's file: every fact the catalog shows, and with
/// `--tenants`, the tenancy promises. Nothing is taken back because a check fails: a failing
/// promise is listed in `[known]` instead ([`baseline`](super::baseline)).
pub(super) fn describe_tables(
    spec: &Spec,
    catalog: &Catalog,
    force: bool,
    tenants: Option<&Reference>,
) -> Vec<Planned> {
    let mut planned: Vec<Planned> = plan::covered_tables(spec, Some(catalog))
        .into_iter()
        .filter_map(|name| catalog.table(&name))
        .map(|table| plan_file(spec, table, force))
        .collect();
    let mut descriptions: Vec<&mut Description> = planned
        .iter_mut()
        .filter_map(|p| match p {
            Planned::Write { description, .. } => Some(description),
            _ => None,
        })
        .collect();
    if let Some(tenants) = tenants {
        tenancy::propose(spec, catalog, tenants, &mut descriptions);
    }
    planned
}

/// The project as `test` will read it once the descriptions are written: rendered and read back
/// with the table-file parser, so what is checked is exactly what is written. An error is a
/// table file init rendered and could not read back: a bug, reported with the file.
pub(super) fn proposed(spec: &Spec, planned: &[Planned]) -> Result<Spec, SpecError> {
    let schema = spec.default_schema();
    let ours: Vec<&Description> = written(planned).collect();
    let mut tables: Vec<TableSpec> = (spec.tables.iter())
        .filter(|t| !ours.iter().any(|d| d.path == t.at.path))
        .cloned()
        .collect();
    for d in ours {
        tables.push(TableSpec::parse(&d.path, d.render(schema), schema)?);
    }
    tables.sort_by(|a, b| a.table.cmp(&b.table));
    Ok(Spec {
        project: spec.project.clone(),
        tables,
    })
}

/// Keeps the table's file, or describes the table for a file to (re)write.
fn plan_file(spec: &Spec, table: &Table, force: bool) -> Planned {
    let schema = spec.default_schema();
    let (path, exists) = match spec.table(&table.name) {
        Some(file) if !force => return Planned::Keep(file.at.path.clone()),
        Some(file) => (file.at.path.clone(), true),
        None => (file_for(spec, &table.name), false),
    };
    let stem_names_it =
        table.name.schema == schema && path.file_stem().is_some_and(|s| *s == *table.name.name);
    let skip = |why: String| Planned::Skip {
        table: table.name.clone(),
        why,
    };
    if !stem_names_it && TableName::parse(&table.name.to_string(), schema) != table.name {
        return skip(
            "a schema or table name with a dot cannot be written in `table = \"schema.name\"`"
                .into(),
        );
    }
    if !exists && path.exists() {
        let shown = relative(&path);
        return skip(format!(
            "{} exists and describes another table",
            shown.display()
        ));
    }
    let mut description = Description::infer(table, path, !stem_names_it, schema);
    for column in &mut description.columns {
        let rules = spec.rule_facts(&table.name, &column.name).facts;
        column.leave_to_rules(&rules, schema);
    }
    Planned::Write {
        description,
        exists,
    }
}

/// The default file of a table: `<table>.toml`, or `<schema>.<table>.toml` outside the default
/// schema (a `/` in a name becomes `_`).
fn file_for(spec: &Spec, table: &TableName) -> PathBuf {
    let safe = |s: &str| s.replace('/', "_");
    let stem = if table.schema == spec.default_schema() {
        safe(&table.name)
    } else {
        format!("{}.{}", safe(&table.schema), safe(&table.name))
    };
    spec.project.invariants.path.join(format!("{stem}.toml"))
}

pub(super) fn write_tables(spec: &Spec, tables: &[Planned]) -> Result<(), InitError> {
    for planned in tables {
        match planned {
            Planned::Write {
                description,
                exists,
            } => write_table(spec, description, *exists)?,
            Planned::Keep(path) => {
                println!(
                    "kept {} (it exists; --force rewrites it)",
                    relative(path).display()
                );
            }
            Planned::Skip { table, why } => {
                eprintln!("pg-invariants init: no table file for {table}: {why}; write it by hand");
            }
        }
    }
    Ok(())
}

/// Writes one table's file: over the existing one (`exists`, with `--force`), or as a new file.
fn write_table(spec: &Spec, description: &Description, exists: bool) -> Result<(), InitError> {
    let text = description.render(spec.default_schema());
    let path = &description.path;
    if exists {
        fs::write(path, text).map_err(|source| InitError::Write {
            path: path.clone(),
            source,
        })?;
        println!("rewrote {}", relative(path).display());
    } else {
        super::create_new(path, &text)?;
        println!("wrote {}", relative(path).display());
    }
    Ok(())
}

pub(super) fn summary(spec: &Spec, tables: &[Planned]) {
    let written = tables
        .iter()
        .filter(|t| matches!(t, Planned::Write { .. }))
        .count();
    eprintln!(
        "pg-invariants init: {written} table file(s) written in {}, {} kept.\n\
         Not inferred (write them where they matter): immutable columns, no_fk with orphans for \
         columns without a foreign key on purpose, [sample] values, schema-wide [[rule]]s{}.\n\
         Next: pg-invariants test",
        relative(&spec.project.invariants.path).display(),
        tables
            .iter()
            .filter(|t| matches!(t, Planned::Keep(_)))
            .count(),
        if spec.project.migrations.before.is_empty() {
            ", and `before` scripts (roles, extensions, platform stubs)"
        } else {
            ""
        }
    );
}

/// The descriptions init is about to write (not the files it keeps or skips).
fn written(planned: &[Planned]) -> impl Iterator<Item = &Description> {
    planned.iter().filter_map(|p| match p {
        Planned::Write { description, .. } => Some(description),
        _ => None,
    })
}

/// Whether a check comes from a promise init proposes in this run (a table file it writes, or
/// `[tenancy]` with `--tenants`), rather than one a person wrote: what [`baseline`] may list.
///
/// [`baseline`]: super::baseline
pub(super) fn proposed_by_init(
    planned: &[Planned],
    tenants_given: bool,
) -> impl Fn(&CheckKind) -> bool {
    let ours: Vec<PathBuf> = written(planned).map(|d| d.path.clone()).collect();
    move |kind: &CheckKind| match kind {
        CheckKind::Column { fact, .. } => ours.contains(&fact.at().path),
        CheckKind::PrimaryKey { columns, .. } => ours.contains(&columns.at.path),
        CheckKind::Rls { at, .. } | CheckKind::Purge { at, .. } => ours.contains(&at.path),
        CheckKind::TenancyRole { .. }
        | CheckKind::TableAnon { .. }
        | CheckKind::View { .. }
        | CheckKind::Function { .. } => tenants_given,
        _ => false,
    }
}
