//! Checks: each kind in its own file, each taking the catalog (structural), a connection (data)
//! or the set-up outcome (migrations), and returning a [`Verdict`].
//!
//! Every failure says where the invariant was written, what was expected, what was found, and,
//! where one exists, the idempotent SQL that makes it hold.

// A failure is the product, not an exception: it carries the whole message, and checks return
// one at most. Boxing it would buy nothing measurable.
#![allow(clippy::result_large_err)]

mod batch;
mod behaviour;
mod column_type;
mod coverage;
mod data;
mod deletion;
mod dependents;
mod exists;
mod fk;
mod immutable;
mod indexed;
mod isolated;
mod migrations;
mod no_fk;
mod not_null;
mod on_delete;
mod orphans;
mod primary_key;
mod purge;
mod rejects_invalid;
mod repair;
mod rls;
mod rule;
mod same_tenant;
mod snapshot;
mod tenancy_role;

use std::fmt;

use sqlx::PgPool;

use crate::catalog::{Catalog, Column, Table};
use crate::location::Location;
use crate::names::{TableName, shown};
use crate::plan::{CheckKind, ColumnFact};
use crate::spec::Spec;

/// Behavioural checks that share their cases' work (see `batch`).
pub use batch::{Batches, Member};
/// Verdicts of the two set-up checks, which every other check depends on.
pub use migrations::verdict as setup_verdict;
/// Repairs as values: what `pg-invariants fix` schedules into migrations.
pub use repair::{Fix, Repair, Runs, Step, comment};

/// Why a check failed (sent whole from a run's host to its test processes: see `host`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Failure {
    /// Where the invariant was written; `None` for facts no file states (coverage).
    pub at: Option<Location>,
    /// The promise, in one line.
    pub promise: String,
    pub expected: String,
    pub found: String,
    /// What makes the promise hold: a [`Repair`] (idempotent steps, each with where it may run,
    /// and notes), which `pg-invariants fix` schedules into the chain, or advice for a person.
    /// `None` when nothing does (a missing table file, a `where` that is not valid SQL).
    pub fix: Option<Fix>,
}

/// `Ok` when the promise holds.
pub type Verdict = Result<(), Failure>;

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The promise is one line: a line break in it can only come from a catalog name.
        let promise = crate::output::one_line(&self.promise);
        match &self.at {
            Some(at) => writeln!(f, "{at}: {promise}")?,
            None => writeln!(f, "{promise}")?,
        }
        writeln!(f, "  expected: {}", indent_rest(&self.expected, 12))?;
        write!(f, "  found:    {}", indent_rest(&self.found, 12))?;
        if let Some(fix) = &self.fix {
            write!(f, "\n  fix:\n{}", indent_all(&fix.to_string(), 4))?;
        }
        Ok(())
    }
}

fn indent_rest(text: &str, width: usize) -> String {
    text.replace('\n', &format!("\n{}", " ".repeat(width)))
}

fn indent_all(text: &str, width: usize) -> String {
    let pad = " ".repeat(width);
    text.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What checks may look at: the spec, the catalog read after the migrations, a pool on the
/// migrated database for data checks, what snapshot checks may write, and the batch the check
/// may pass in (`None`: every case runs alone, as `init` and `fix` want).
pub struct Context<'a> {
    pub spec: &'a Spec,
    pub catalog: &'a Catalog,
    pub pool: &'a PgPool,
    pub snapshots: &'a crate::snapshot::Policy,
    pub batch: Option<Member<'a>>,
}

impl Context<'_> {
    pub fn schema(&self) -> &str {
        self.spec.default_schema()
    }

    /// The table as messages show it (escaped: see [`crate::names::shown`]).
    pub fn show(&self, table: &TableName) -> String {
        table.shown(self.schema())
    }

    /// The table, or the failure that says it is missing.
    fn table(&self, name: &TableName, at: &Location, promise: &str) -> Result<&Table, Failure> {
        self.catalog.table(name).ok_or_else(|| Failure {
            at: Some(at.clone()),
            promise: promise.to_string(),
            expected: format!("table {}", self.show(name)),
            found: format!("no table {} after the migrations", self.show(name)),
            fix: None,
        })
    }

    /// The table and its column, or the failure that says which is missing.
    fn column<'t>(
        &'t self,
        name: &TableName,
        column: &str,
        at: &Location,
        promise: &str,
    ) -> Result<(&'t Table, &'t Column), Failure> {
        let table = self.table(name, at, promise)?;
        let col = table.column(column).ok_or_else(|| Failure {
            at: Some(at.clone()),
            promise: promise.to_string(),
            expected: format!("column {}.{}", self.show(name), shown(column)),
            found: format!(
                "{} has no column {column:?} (columns: {})",
                self.show(name),
                table
                    .columns
                    .iter()
                    .map(|c| shown(&c.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            fix: None,
        })?;
        Ok((table, col))
    }
}

/// Runs one check. Set-up checks are decided by [`setup_verdict`]: passed here, they fail
/// rather than pass unchecked.
pub async fn run(kind: &CheckKind, ctx: &Context<'_>) -> Verdict {
    match kind {
        CheckKind::Coverage { table } => coverage::check(ctx, table),
        CheckKind::Rule { name, at } => rule::check(ctx, name, at),
        CheckKind::TableExists { table, at } => exists::table(ctx, table, at),
        CheckKind::PrimaryKey { table, columns } => primary_key::check(ctx, table, columns),
        CheckKind::Column {
            table,
            column,
            fact,
        } => match fact {
            ColumnFact::Exists(at) => exists::column(ctx, table, column, at),
            ColumnFact::Type(expected) => column_type::check(ctx, table, column, expected),
            ColumnFact::Fk {
                references,
                on_delete,
            } => fk::check(ctx, table, column, references, on_delete.as_ref()),
            ColumnFact::Indexed(at) => indexed::check(ctx, table, column, at),
            ColumnFact::NoFk(reason) => no_fk::check(ctx, table, column, reason),
            ColumnFact::Orphans(orphans) => orphans::check(ctx, table, column, orphans).await,
            ColumnFact::NotNull(at) => not_null::check(ctx, table, column, at).await,
            ColumnFact::RejectsInvalid {
                references,
                on_delete,
            } => rejects_invalid::check(ctx, table, column, references, on_delete.as_ref()).await,
            ColumnFact::OnDelete {
                references,
                on_delete,
            } => on_delete::check(ctx, table, column, references, on_delete).await,
            ColumnFact::Immutable(at) => immutable::check(ctx, table, column, at).await,
            ColumnFact::Isolated(at) => isolated::check(ctx, table, column, at).await,
            ColumnFact::SameTenant(at) => same_tenant::check(ctx, table, column, at).await,
        },
        CheckKind::Snapshot { table, at } => snapshot::check(ctx, table, at),
        CheckKind::TenancyRole { at } => tenancy_role::check(ctx, at),
        CheckKind::Rls { table, column, at } => rls::check(ctx, table, column, at),
        CheckKind::Purge { table, at } => purge::check(ctx, table, at).await,
        CheckKind::Apply | CheckKind::Idempotent => Err(unchecked(None)),
    }
}

/// The failure for a check this function cannot decide: never a silent pass.
fn unchecked(at: Option<&Location>) -> Failure {
    Failure {
        at: at.cloned(),
        promise: "this kind of check is not run by checks::run".into(),
        expected: "a verdict".into(),
        found: "no check was run".into(),
        fix: None,
    }
}
