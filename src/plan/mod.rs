//! The list of named checks (docs/tests.md), in a stable order. Pure: no database.
//!
//! With the catalog, rules reach every matching column of every table and coverage knows every
//! table. Without it (`--list`, or when the chain failed to apply) the plan holds what the files
//! alone declare: table files' facts, with rules merged into the columns they list.

mod deploys;
mod paths;

pub use deploys::Deploy;
pub use paths::{Acting, function, outside_schemas, reads, unmatched_entries};

use crate::catalog::Catalog;
use crate::location::Location;
use crate::names::{TableName, shown};
use crate::referential::OnDelete;
use crate::spec::{ColumnFacts, Fact, Orphans, Reference, Spec, TableSpec};

/// One test: its libtest name and what it checks.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub kind: CheckKind,
}

/// What a check proves. One variant per kind of check: `checks::run` dispatches on it.
#[derive(Debug, Clone)]
pub enum CheckKind {
    /// `before`, chain and seed applied.
    Apply,
    /// The chain applied a second time.
    Idempotent,
    /// The table has a table file.
    Coverage {
        table: TableName,
    },
    /// The `[[rule]]` called `name` applies to at least one column, and no other rule states
    /// another value for a key of a column it applies to.
    Rule {
        name: String,
        at: Location,
    },
    TableExists {
        table: TableName,
        at: Location,
    },
    PrimaryKey {
        table: TableName,
        columns: Fact<Vec<String>>,
    },
    Column {
        table: TableName,
        column: String,
        fact: ColumnFact,
    },
    Snapshot {
        table: TableName,
        at: Location,
    },
    /// `[tenancy]`: the role requests run as cannot bypass row level security.
    TenancyRole {
        at: Location,
    },
    /// A table with a `tenant` column keeps tenants apart with row level security that applies
    /// to the tenancy role.
    Rls {
        table: TableName,
        /// The (first) tenant column, for the policy the fix suggests.
        column: String,
        at: Location,
    },
    /// `purge = true`: deleting a row is never refused and leaves nothing that depends on it.
    Purge {
        table: TableName,
        at: Location,
    },
    /// `[tenancy] anon`: the anonymous role sees and changes no tenant's rows of a table with a
    /// `tenant` column.
    TableAnon {
        table: TableName,
        /// The (first) tenant column.
        column: String,
    },
    /// A view that reads a tenant's rows: what it shows a principal of A (or `anon`) does not
    /// depend on B's rows (on any tenant's, for `anon`).
    View {
        view: TableName,
        acting: Acting,
    },
    /// A SECURITY DEFINER function `function(args)`: called with another tenant's ids, it
    /// fails or returns what it returns without that tenant's rows, and changes none of them.
    Function {
        function: TableName,
        args: String,
        acting: Acting,
    },
    /// `[upgrade]`: one test of the deploy window (its verdict is the set-up's).
    Deploy(Deploy),
}

/// The per-column facts, in the order their tests are listed.
#[derive(Debug, Clone)]
pub enum ColumnFact {
    Exists(Location),
    Type(Fact<String>),
    NotNull(Location),
    Fk {
        references: Fact<Reference>,
        on_delete: Option<Fact<OnDelete>>,
    },
    /// `on_delete` only shapes the fix: an FK added for this test has the declared action.
    RejectsInvalid {
        references: Fact<Reference>,
        on_delete: Option<Fact<OnDelete>>,
    },
    OnDelete {
        references: Fact<Reference>,
        on_delete: Fact<OnDelete>,
    },
    Indexed(Location),
    Immutable(Location),
    NoFk(Fact<String>),
    Orphans(Fact<Orphans>),
    /// `tenant = true`: a principal of one tenant can neither see nor change another's rows.
    Isolated(Location),
    /// `same_tenant = true`: the referenced row belongs to the row's own tenant.
    SameTenant(Location),
}

impl ColumnFact {
    /// The last segment of the test name.
    pub fn test_name(&self) -> &'static str {
        match self {
            Self::Exists(_) => "exists",
            Self::Type(_) => "type",
            Self::NotNull(_) => "not_null",
            Self::Fk { .. } => "fk",
            Self::RejectsInvalid { .. } => "rejects_invalid",
            Self::OnDelete { .. } => "on_delete",
            Self::Indexed(_) => "indexed",
            Self::Immutable(_) => "immutable",
            Self::NoFk(_) => "no_fk",
            Self::Orphans(_) => "orphans",
            Self::Isolated(_) => "isolated",
            Self::SameTenant(_) => "same_tenant",
        }
    }

    /// Where the fact was written.
    pub fn at(&self) -> &Location {
        match self {
            Self::Exists(at)
            | Self::NotNull(at)
            | Self::Indexed(at)
            | Self::Immutable(at)
            | Self::Isolated(at)
            | Self::SameTenant(at) => at,
            Self::Type(f) => &f.at,
            Self::Fk { references, .. } | Self::RejectsInvalid { references, .. } => &references.at,
            Self::OnDelete { on_delete, .. } => &on_delete.at,
            Self::NoFk(f) => &f.at,
            Self::Orphans(f) => &f.at,
        }
    }
}

/// The name of the idempotency test, which a run asks for before any database (its pass is
/// part of the set-up).
pub const IDEMPOTENT: &str = "migrations::idempotent";

/// Every check, in order: migrations, coverage, rules, then table by table, the paths around
/// the policies, and the deploy window's tests (`upgrade`: what the set-up found names them).
pub fn build(
    spec: &Spec,
    catalog: Option<&Catalog>,
    upgrade: Option<&crate::upgrade::Outcome>,
) -> Vec<Check> {
    let schema = spec.default_schema();
    let mut checks = vec![Check {
        name: "migrations::apply".into(),
        kind: CheckKind::Apply,
    }];
    if spec.project.migrations.idempotent {
        checks.push(Check {
            name: IDEMPOTENT.into(),
            kind: CheckKind::Idempotent,
        });
    }
    let covered = covered_tables(spec, catalog);
    if spec.project.invariants.coverage {
        for table in &covered {
            checks.push(Check {
                name: format!("coverage::{}", table.shown(schema)),
                kind: CheckKind::Coverage {
                    table: table.clone(),
                },
            });
        }
    }

    for rule in &spec.project.rules {
        checks.push(Check {
            name: format!("rules::{}", rule.name),
            kind: CheckKind::Rule {
                name: rule.name.clone(),
                at: rule.at.clone(),
            },
        });
    }
    if let Some(tenancy) = &spec.project.tenancy {
        checks.push(Check {
            name: "tenancy::role".into(),
            kind: CheckKind::TenancyRole {
                at: tenancy.at.clone(),
            },
        });
    }

    // Tables with a file, and (with a catalog) tables that rules reach without one.
    let mut tables: Vec<&TableName> = spec.tables.iter().map(|t| &t.table).collect();
    tables.extend(covered.iter().filter(|t| spec.table(t).is_none()));
    tables.sort();
    for table in tables {
        match spec.table(table) {
            Some(file) => table_checks(spec, file, catalog, &mut checks),
            None => undeclared_rule_checks(spec, table, catalog, &mut checks),
        }
    }
    paths::checks(spec, catalog, &mut checks);
    if let Some(upgrade) = upgrade {
        deploys::checks(upgrade, &mut checks);
    }
    checks
}

/// Tables in `schemas` that coverage and rules apply to: not partitions, not ignored (a
/// migration tool's bookkeeping is, see `Spec::is_ignored`).
pub fn covered_tables(spec: &Spec, catalog: Option<&Catalog>) -> Vec<TableName> {
    let Some(catalog) = catalog else {
        return Vec::new();
    };
    let schemas = &spec.project.invariants.schemas;
    catalog
        .tables
        .iter()
        .filter(|t| {
            t.parent.is_none() && schemas.contains(&t.name.schema) && !spec.is_ignored(&t.name)
        })
        .map(|t| t.name.clone())
        .collect()
}

fn table_checks(spec: &Spec, file: &TableSpec, catalog: Option<&Catalog>, out: &mut Vec<Check>) {
    let shown = file.table.shown(spec.default_schema());
    out.push(Check {
        name: format!("{shown}::exists"),
        kind: CheckKind::TableExists {
            table: file.table.clone(),
            at: file.at.clone(),
        },
    });
    if let Some(pk) = &file.primary_key {
        out.push(Check {
            name: format!("{shown}::primary_key"),
            kind: CheckKind::PrimaryKey {
                table: file.table.clone(),
                columns: pk.clone(),
            },
        });
    }
    let mut tenant = None;
    for column in &file.columns {
        let facts = spec.column_facts(file, column).facts;
        tenant = tenant.or_else(|| tenant_column(&column.name, &facts));
        column_checks(
            &shown,
            &file.table,
            &column.name,
            Some(&column.at),
            &facts,
            out,
        );
    }
    // Columns the file does not list but a rule matches.
    for name in catalog_columns(catalog, &file.table) {
        if file.column(&name).is_none() {
            let facts = spec.rule_facts(&file.table, &name).facts;
            tenant = tenant.or_else(|| tenant_column(&name, &facts));
            column_checks(&shown, &file.table, &name, None, &facts, out);
        }
    }
    tenancy_checks(spec, catalog, &shown, &file.table, tenant, out);
    if let Some(purge) = file.purge.as_ref().filter(|p| p.value) {
        out.push(Check {
            name: format!("{shown}::purge"),
            kind: CheckKind::Purge {
                table: file.table.clone(),
                at: purge.at.clone(),
            },
        });
    }
    if spec.project.snapshots.enabled {
        out.push(Check {
            name: format!("{shown}::snapshot"),
            kind: CheckKind::Snapshot {
                table: file.table.clone(),
                at: file.at.clone(),
            },
        });
    }
}

fn undeclared_rule_checks(
    spec: &Spec,
    table: &TableName,
    catalog: Option<&Catalog>,
    out: &mut Vec<Check>,
) {
    let shown = table.shown(spec.default_schema());
    let mut tenant = None;
    for name in catalog_columns(catalog, table) {
        let facts = spec.rule_facts(table, &name).facts;
        tenant = tenant.or_else(|| tenant_column(&name, &facts));
        column_checks(&shown, table, &name, None, &facts, out);
    }
    tenancy_checks(spec, catalog, &shown, table, tenant, out);
}

/// The column and where `tenant = true` is stated, when it is.
fn tenant_column(column: &str, facts: &ColumnFacts) -> Option<(String, Location)> {
    let tenant = facts.tenant.as_ref().filter(|t| t.value)?;
    Some((column.to_string(), tenant.at.clone()))
}

/// `<table>::rls` and `<table>::anon`, for a table with a `tenant` column.
fn tenancy_checks(
    spec: &Spec,
    catalog: Option<&Catalog>,
    shown: &str,
    table: &TableName,
    tenant: Option<(String, Location)>,
    out: &mut Vec<Check>,
) {
    if let Some((column, at)) = tenant {
        out.push(Check {
            name: format!("{shown}::rls"),
            kind: CheckKind::Rls {
                table: table.clone(),
                column: column.clone(),
                at,
            },
        });
        paths::table_anon(spec, catalog, shown, table, &column, out);
    }
}

fn catalog_columns(catalog: Option<&Catalog>, table: &TableName) -> Vec<String> {
    catalog
        .and_then(|c| c.table(table))
        .map(|t| t.columns.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default()
}

/// The checks of one column, named `<shown table>::<column>::<fact>` with the column escaped as
/// [`shown`] escapes it. `declared_at` is the `[columns.X]` header when a table file lists the
/// column: only then is `exists` a promise of its own.
fn column_checks(
    table_shown: &str,
    table: &TableName,
    column: &str,
    declared_at: Option<&Location>,
    facts: &ColumnFacts,
    out: &mut Vec<Check>,
) {
    let mut facts_in_order = Vec::new();
    if let Some(at) = declared_at {
        facts_in_order.push(ColumnFact::Exists(at.clone()));
    }
    if let Some(t) = &facts.type_ {
        facts_in_order.push(ColumnFact::Type(t.clone()));
    }
    if let Some(f) = facts.not_null.as_ref().filter(|f| f.value) {
        facts_in_order.push(ColumnFact::NotNull(f.at.clone()));
    }
    if let Some(r) = &facts.references {
        facts_in_order.push(ColumnFact::Fk {
            references: r.clone(),
            on_delete: facts.on_delete.clone(),
        });
        facts_in_order.push(ColumnFact::RejectsInvalid {
            references: r.clone(),
            on_delete: facts.on_delete.clone(),
        });
        if let Some(d) = &facts.on_delete {
            facts_in_order.push(ColumnFact::OnDelete {
                references: r.clone(),
                on_delete: d.clone(),
            });
        }
    }
    if let Some(f) = facts.indexed.as_ref().filter(|f| f.value) {
        facts_in_order.push(ColumnFact::Indexed(f.at.clone()));
    }
    if let Some(f) = facts.immutable.as_ref().filter(|f| f.value) {
        facts_in_order.push(ColumnFact::Immutable(f.at.clone()));
    }
    if let Some(f) = &facts.no_fk {
        facts_in_order.push(ColumnFact::NoFk(f.clone()));
    }
    if let Some(f) = &facts.orphans {
        facts_in_order.push(ColumnFact::Orphans(f.clone()));
    }
    if let Some(f) = facts.tenant.as_ref().filter(|f| f.value) {
        facts_in_order.push(ColumnFact::Isolated(f.at.clone()));
    }
    if let Some(f) = facts.same_tenant.as_ref().filter(|f| f.value) {
        facts_in_order.push(ColumnFact::SameTenant(f.at.clone()));
    }
    for fact in facts_in_order {
        out.push(Check {
            name: format!("{table_shown}::{}::{}", shown(column), fact.test_name()),
            kind: CheckKind::Column {
                table: table.clone(),
                column: column.to_string(),
                fact,
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Without a catalog (`--list`), the plan still holds one `rules::<name>` per rule, right
    /// after the set-up (and coverage) checks, in file order; a column that excepts a rule gets
    /// only its table file's keys.
    #[test]
    fn rule_tests_follow_coverage_in_file_order() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/cases/rule-org-id-without-fk/pg-invariants.toml");
        let spec = Spec::load(&file).expect("a valid case");
        let names: Vec<String> = build(&spec, None, None)
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(
            names[..3],
            ["migrations::apply", "rules::tenant-fk", "rules::timestamps"]
        );
        let on_delete = build(&spec, None, None)
            .into_iter()
            .find_map(|c| match c.kind {
                CheckKind::Column {
                    fact: ColumnFact::OnDelete { on_delete, .. },
                    ..
                } => Some(on_delete),
                _ => None,
            });
        let on_delete = on_delete.expect("projects.org_id states on_delete");
        assert_eq!(on_delete.value, OnDelete::Restrict);
        assert!(on_delete.at.path.ends_with("invariants/projects.toml"));
    }
}
