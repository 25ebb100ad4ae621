//! What every check kind speaks: the [`Context`] it is decided against, the [`Check`] shape it
//! has, and the [`Verdict`] it returns, a [`Failure`] saying where the invariant was written,
//! what was expected, what was found and, where one exists, the repair that makes it hold.

use std::fmt;

use sqlx::PgPool;

use crate::catalog::{Catalog, Column, Table};
use crate::location::Location;
use crate::names::{TableName, shown};
use crate::spec::{Spec, Tenancy};

use super::machinery::batch::Member;
use super::machinery::repair::Fix;

/// Why a check failed (sent whole from a run's host to its test processes: see `host`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Failure {
    /// Where the invariant was written; `None` for facts no file states (coverage).
    pub at: Option<Location>,
    /// The promise, in one line.
    pub promise: String,
    pub expected: String,
    pub found: String,
    /// What makes the promise hold: a [`Repair`](super::Repair) (idempotent steps, each with where it may run,
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

/// The one shape of every check kind decided against a [`Context`]: a value holding the
/// arguments its promise is stated with (borrowed from the plan's `CheckKind`; for a column
/// kind, [`On`] and what the column's file states), and how it is decided.
///
/// Why a trait over each kind's arguments rather than one free function per kind: the kinds need
/// different arguments (a table; a column and its reference; a rule's name), so no one parameter
/// list fits them all, yet each is decided the same way, from the same context, into the same
/// verdict. Each kind's file names its arguments once (`<kind>::Promise`) and the dispatcher only
/// builds them. `async` because behavioural kinds run statements; a structural kind never
/// awaits. The two set-up kinds (`migrations`) are the exception: they are decided from the
/// set-up's outcome before any context exists.
pub(crate) trait Check {
    async fn check(&self, ctx: &Context<'_>) -> Verdict;
}

/// The column a per-column check is about, as the plan names it: the first argument of every
/// column kind's `Promise`.
#[derive(Debug, Clone, Copy)]
pub struct On<'a> {
    pub table: &'a TableName,
    pub column: &'a str,
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

    /// `[tenancy]`, which the tenancy kinds are planned from: without it, the failure of a
    /// check that cannot be decided (never a pass).
    pub(super) fn tenancy(&self, at: &Location) -> Result<&Tenancy, Failure> {
        (self.spec.project.tenancy.as_ref()).ok_or_else(|| unchecked(Some(at)))
    }

    /// The table, or the failure that says it is missing.
    pub(super) fn table(
        &self,
        name: &TableName,
        at: &Location,
        promise: &str,
    ) -> Result<&Table, Failure> {
        self.catalog.table(name).ok_or_else(|| Failure {
            at: Some(at.clone()),
            promise: promise.to_string(),
            expected: format!("table {}", self.show(name)),
            found: format!("no table {} after the migrations", self.show(name)),
            fix: None,
        })
    }

    /// The table and its column, or the failure that says which is missing.
    pub(super) fn column<'t>(
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

/// The failure for a check that cannot be decided here: never a silent pass.
pub(super) fn unchecked(at: Option<&Location>) -> Failure {
    Failure {
        at: at.cloned(),
        promise: "this kind of check is not run by checks::run".into(),
        expected: "a verdict".into(),
        found: "no check was run".into(),
        fix: None,
    }
}
