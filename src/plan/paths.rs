//! The tests of the paths to a tenant's rows besides its tables (docs/tenancy.md): every view
//! that reads a tenant's rows and every SECURITY DEFINER function the tenancy role may use gets
//! `<path>::isolated`, and with `[tenancy] anon` every such path and tenant-scoped table the
//! anonymous role may use gets `<path>::anon`; `shared` entries are left out. Discovered from
//! the catalog alone: these tests come from `[tenancy]`, not from table files.

use super::{Check, CheckKind};
use crate::catalog::{Catalog, Function, Table, View, mentions};
use crate::names::TableName;
use crate::spec::{Spec, Tenancy, did_you_mean, squeezed};
use crate::tenancy::Scoped;

/// Who uses a path in its test: a principal of tenant A, or a request with no user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acting {
    Principal,
    Anonymous,
}

impl Acting {
    /// The last segment of the test name.
    pub fn test_name(self) -> &'static str {
        match self {
            Self::Principal => "isolated",
            Self::Anonymous => "anon",
        }
    }
}

/// Whether `view` reads a tenant's rows: a tenant-scoped table, directly, through other views,
/// or through a function it calls whose body names one.
fn reads_tenant_rows(view: &View, scoped: &[Scoped<'_>]) -> bool {
    scoped.iter().any(|s| reads(view, s.table))
}

/// Whether `view` reads `table`, directly, through other views or through a function it calls
/// whose body names it.
pub fn reads(view: &View, table: &Table) -> bool {
    view.reads.contains(&table.name) || view.bodies.iter().any(|b| mentions(b, &table.name))
}

/// The view and function tests, views first, each in name order.
pub(super) fn checks(spec: &Spec, catalog: Option<&Catalog>, out: &mut Vec<Check>) {
    let (Some(tenancy), Some(catalog)) = (&spec.project.tenancy, catalog) else {
        return;
    };
    let schema = spec.default_schema();
    let in_schemas = |name: &TableName| spec.project.invariants.schemas.contains(&name.schema);
    let scoped = crate::tenancy::scoped(spec, catalog);
    for view in &catalog.views {
        if !in_schemas(&view.name) || !reads_tenant_rows(view, &scoped) {
            continue;
        }
        let shown = view.name.shown(schema);
        for acting in users(tenancy, &view.readers, &shown) {
            out.push(Check {
                name: format!("{shown}::{}", acting.test_name()),
                kind: CheckKind::View {
                    view: view.name.clone(),
                    acting,
                },
            });
        }
    }
    for function in &catalog.functions {
        if !function.security_definer || !in_schemas(&function.name) {
            continue;
        }
        let shown = function.signature(schema);
        for acting in users(tenancy, &function.callers, &shown) {
            out.push(Check {
                name: format!("{shown}::{}", acting.test_name()),
                kind: CheckKind::Function {
                    function: function.name.clone(),
                    args: function.args.clone(),
                    acting,
                },
            });
        }
    }
}

/// `<table>::anon`, for a table with a `tenant` column the anonymous role may use.
pub(super) fn table_anon(
    spec: &Spec,
    catalog: Option<&Catalog>,
    shown: &str,
    table: &TableName,
    column: &str,
    out: &mut Vec<Check>,
) {
    let Some(t) = catalog.and_then(|c| c.table(table)) else {
        return;
    };
    let Some(tenancy) = &spec.project.tenancy else {
        return;
    };
    if users(tenancy, &t.users, shown).contains(&Acting::Anonymous) {
        out.push(Check {
            name: format!("{shown}::anon"),
            kind: CheckKind::TableAnon {
                table: table.clone(),
                column: column.to_string(),
            },
        });
    }
}

/// Who of the tenancy role and `anon` is among `roles` (those that may use the path), unless
/// `shared` lists the path.
fn users(tenancy: &Tenancy, roles: &[String], shown: &str) -> Vec<Acting> {
    if tenancy.shared.iter().any(|s| s.names(shown)) {
        return Vec::new();
    }
    let may = |role: &str| roles.iter().any(|r| r == role);
    let mut acting = Vec::new();
    if may(&tenancy.role.value) {
        acting.push(Acting::Principal);
    }
    if tenancy.anon.as_ref().is_some_and(|a| may(&a.value)) {
        acting.push(Acting::Anonymous);
    }
    acting
}

/// The paths outside `schemas` that the tenancy role or `anon` may use (a preset's schemas
/// aside): schema, then the paths as tests would name them. No test covers them until the
/// schema is listed: `init` says so, since a project's RPCs often live in a schema without
/// tables (`public` beside the tables' own schema).
pub fn outside_schemas(spec: &Spec, catalog: &Catalog) -> Vec<(String, Vec<String>)> {
    let Some(tenancy) = &spec.project.tenancy else {
        return Vec::new();
    };
    let schemas = &spec.project.invariants.schemas;
    let preset = crate::migrate::preset_schemas(spec.project.database.preset);
    let outside = |name: &TableName| {
        !schemas.contains(&name.schema) && !preset.contains(&name.schema.as_str())
    };
    let scoped = crate::tenancy::scoped(spec, catalog);
    let views = (catalog.views.iter())
        .filter(|v| outside(&v.name) && reads_tenant_rows(v, &scoped))
        .filter(|v| !users(tenancy, &v.readers, &v.name.shown("")).is_empty())
        .map(|v| (v.name.schema.clone(), v.name.shown("")));
    let functions = (catalog.functions.iter())
        .filter(|f| f.security_definer && outside(&f.name))
        .filter(|f| !users(tenancy, &f.callers, &f.signature("")).is_empty())
        .map(|f| (f.name.schema.clone(), f.signature("")));
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (schema, path) in views.chain(functions) {
        match out.iter_mut().find(|(s, _)| *s == schema) {
            Some((_, paths)) => paths.push(path),
            None => out.push((schema, vec![path])),
        }
    }
    out
}

/// The SECURITY DEFINER function `name(args)` of the catalog.
pub fn function<'c>(catalog: &'c Catalog, name: &TableName, args: &str) -> Option<&'c Function> {
    (catalog.functions.iter()).find(|f| f.security_definer && &f.name == name && f.args == args)
}

/// Exit 2's message when a `shared` or `calls` entry names no view or function in `schemas`,
/// with the closest names: a typo must not widen or narrow what is tested. An entry naming a
/// function that is no longer SECURITY DEFINER (it was fixed) still names one, and is no error.
pub fn unmatched_entries(spec: &Spec, catalog: &Catalog) -> Result<(), String> {
    let Some(tenancy) = &spec.project.tenancy else {
        return Ok(());
    };
    let schema = spec.default_schema();
    let in_schemas = |name: &TableName| spec.project.invariants.schemas.contains(&name.schema);
    let views: Vec<String> = (catalog.views.iter())
        .filter(|v| in_schemas(&v.name))
        .map(|v| v.name.shown(schema))
        .collect();
    let functions: Vec<String> = (catalog.functions.iter())
        .filter(|f| in_schemas(&f.name))
        .map(|f| f.signature(schema))
        .collect();
    let mut paths = views.clone();
    paths.extend(functions.iter().cloned());
    let entries = (tenancy
        .shared
        .iter()
        .map(|e| (&e.key, &e.at, "shared", &paths)))
    .chain((tenancy.calls.iter()).map(|e| (&e.key, &e.at, "calls", &functions)));
    for (key, at, section, names) in entries {
        if names.iter().any(|n| squeezed(n) == squeezed(key)) {
            continue;
        }
        let what = if section == "calls" {
            "function"
        } else {
            "view or function"
        };
        let hint = did_you_mean(key, names.iter().map(String::as_str));
        return Err(format!(
            "error: {at}: `{section}` entry {key:?} names no {what} in `schemas`{hint}"
        ));
    }
    Ok(())
}
