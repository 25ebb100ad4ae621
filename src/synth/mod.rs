//! Row synthesis: a valid row for any table, built from the catalog alone, for the behavioural
//! checks to insert, delete and update.
//!
//! A row starts from what the schema gives: defaults (identity and generated columns are always
//! left to the database), `[sample]` expressions from the table file, a parent row for every
//! foreign key that must not be NULL (recursively; composite keys get one consistent parent), and
//! a candidate value for every other NOT NULL column (see [`values`]). Then it is inserted under a
//! savepoint, and PostgreSQL's answer drives the next attempt: a NOT NULL violation names the
//! column to fill, a UNIQUE violation the columns to renew, a CHECK violation the columns whose
//! next candidates to try, a missing partition the partition key (or a partition made for the
//! row). Triggers fire as they would in production: their behaviour is part of what the checks
//! prove.
//!
//! The concerns, one per module: `row` (where each column's value comes from), `parents`,
//! `repair` (PostgreSQL's error to the next attempt), `partition`, `sample` (the table file's
//! expressions), `request` (triggers that read the request), `sql` (statement text), `tenant` (rows of
//! a tenant, inserted with one of its principals' request in force). The rolled-back transaction
//! rows are built in, and the SQLSTATE codes decided on, are [`crate::sandbox`]'s.

// An error here is the product (it ends up in a failure message), not an exception: boxing it
// would buy nothing measurable.
#![allow(clippy::result_large_err)]

mod error;
mod formula;
mod generated;
mod parents;
mod partition;
mod repair;
mod request;
mod row;
mod sample;
mod satisfy;
mod sql;
mod tenant;
mod values;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};

use indexmap::IndexMap;

use crate::catalog::{Catalog, Column, ValueType};
use crate::location::Location;
use crate::names::{TableName, literal};
use crate::sandbox::{DbError, Outcome, Sandbox, Statement};
use crate::spec::Spec;
use crate::tenancy::Principals;
use error::refused;
use parents::widest_foreign_key;
use row::{Building, Source};

pub use error::{Advice, SynthError};
pub use request::Overwrite;
pub(crate) use request::settings_read;
pub use sql::{identify, insert_sql, plain_insert};
pub use tenant::Tenant;

/// Attempts at one row before giving up.
const ATTEMPTS: usize = 40;
/// How deep parent rows may nest: deeper means a cycle of NOT NULL foreign keys.
const DEPTH: usize = 12;

/// A row that was inserted (or tried): what was written, and every column read back as text.
#[derive(Debug, Clone)]
pub struct Row {
    /// Columns given explicitly, as SQL expressions; the others took their default.
    pub written: IndexMap<String, String>,
    /// Every column as PostgreSQL returned it, as text (`None` for NULL).
    pub values: IndexMap<String, Option<String>>,
    /// The tenant (key as text) whose principal's request was in force when it was inserted.
    pub tenant: Option<String>,
}

impl Row {
    /// A column's value as a typed SQL literal (`NULL` when it is NULL).
    pub fn literal(&self, column: &Column) -> String {
        typed(self.text(&column.name), column)
    }

    /// A column's value as text.
    pub fn text(&self, column: &str) -> Option<&str> {
        self.values.get(column).and_then(|v| v.as_deref())
    }
}

/// A value read back as text, written as a literal of `column`'s type (`NULL` for NULL).
pub fn typed(text: Option<&str>, column: &Column) -> String {
    match text {
        Some(text) => values::cast(&literal(text), column),
        None => "NULL".into(),
    }
}

/// A check's statement made from the columns a row was written with (see
/// [`Synth::trial_then`]).
pub type Then<'t> = &'t dyn Fn(&IndexMap<String, String>) -> String;

/// What a row must be: everything a build is asked for, in one place, so that what a request
/// principal adds later (a session preamble: its role and settings) is one more field.
#[derive(Debug, Clone)]
struct Want<'s> {
    /// Columns set to these SQL expressions.
    fixed: Vec<(String, String)>,
    /// Keep the row, or undo it once it is proven possible.
    keep: bool,
    /// Columns that get a value of their own even when they have a default.
    explicit: &'s [String],
    /// The candidate `explicit` columns start at.
    start: usize,
    /// The tenant (its key as text) the row, and its tenant-scoped parents, belong to; `None`
    /// lets a tenant-scoped row take its fixed tenant or a new one.
    tenant: Option<String>,
}

impl<'s> Want<'s> {
    /// A row with the `fixed` columns set, kept or tried.
    fn row(fixed: Vec<(String, String)>, keep: bool) -> Self {
        Self {
            fixed,
            keep,
            explicit: &[],
            start: 0,
            tenant: None,
        }
    }

    /// A trial row whose `explicit` columns get a value of their own, from their `start`-th
    /// candidate.
    fn trial_with_values(explicit: &'s [String], start: usize) -> Self {
        Self {
            explicit,
            start,
            ..Self::row(Vec::new(), false)
        }
    }
}

/// One row of [`Synth::rows`]: its table, and what [`Synth::row`] (or
/// [`Synth::trial_with_values`]) is asked for.
#[derive(Debug, Clone)]
pub struct Wanted<'w> {
    table: &'w TableName,
    want: Want<'w>,
}

impl<'w> Wanted<'w> {
    /// A row as [`Synth::row`] builds it.
    pub fn row(table: &'w TableName, fixed: Vec<(String, String)>, keep: bool) -> Self {
        let want = Want::row(fixed, keep);
        Self { table, want }
    }

    /// A trial row as [`Synth::trial_with_values`] builds it.
    pub fn trial_with_values(table: &'w TableName, explicit: &'w [String], start: usize) -> Self {
        let want = Want::trial_with_values(explicit, start);
        Self { table, want }
    }
}

/// Builds rows in one sandbox. Every synthesizer takes a block of numbers of its own, so checks
/// running in parallel never build the same UNIQUE value and never wait on each other.
pub struct Synth<'a> {
    catalog: &'a Catalog,
    spec: &'a Spec,
    next: u64,
    end: u64,
    /// Candidate values already tried on their own: whether their type accepted them.
    accepted: HashMap<String, bool>,
    /// `[sample]` expressions (by where they are written) proven to be one SQL expression.
    checked_samples: HashSet<Location>,
    /// The principals of the sandbox, with `[tenancy]`.
    principals: Option<Principals<'a>>,
    /// The `tenant` columns of each table built so far.
    tenant_columns: HashMap<TableName, Vec<String>>,
    /// What each row kept so far was written with, by table: a row in the way of a new one is
    /// not a trigger's when it is one of these.
    kept: HashMap<TableName, Vec<IndexMap<String, String>>>,
}

static BLOCKS: AtomicU64 = AtomicU64::new(1);
const BLOCK: u64 = 10_000;

impl<'a> Synth<'a> {
    /// A synthesizer whose values vary with `seed`.
    pub fn new(catalog: &'a Catalog, spec: &'a Spec, seed: u64) -> Self {
        let next = BLOCKS.fetch_add(1, Ordering::Relaxed) * BLOCK + seed % (BLOCK / 2);
        Self {
            catalog,
            spec,
            next,
            end: next + BLOCK / 2,
            accepted: HashMap::new(),
            checked_samples: HashSet::new(),
            principals: spec.project.tenancy.as_ref().map(Principals::new),
            tenant_columns: HashMap::new(),
            kept: HashMap::new(),
        }
    }

    fn fresh(&mut self) -> u64 {
        if self.next >= self.end {
            self.next = BLOCKS.fetch_add(1, Ordering::Relaxed) * BLOCK;
            self.end = self.next + BLOCK;
        }
        self.next += 1;
        self.next
    }

    /// The `k`-th value made from `column`'s type with a number no other row got: for a value
    /// that must not exist yet.
    pub fn fresh_value(&mut self, column: &Column, k: usize) -> String {
        let n = self.fresh();
        values::cast(&values::made(&column.value, k % values::MADE, n), column)
    }

    /// The `k`-th value of a function argument's type, made as a column's would be, cast to
    /// `type_`: `None` for a pseudo-type (`anyelement`, `internal`), which no value is made for.
    pub fn argument_value(&mut self, value: &ValueType, type_: &str, k: usize) -> Option<String> {
        if value.category == 'P' {
            return None;
        }
        let n = self.fresh();
        Some(format!(
            "({})::{type_}",
            values::made(value, k % values::MADE, n)
        ))
    }

    /// Inserts a valid row into `table`, with `fixed` columns set to the given SQL expressions,
    /// keeping it (and its parents) when `keep`, or undoing the row itself (parents stay) when
    /// not: a trial that proves a row could be written.
    pub async fn row(
        &mut self,
        sb: &mut Sandbox,
        table: &TableName,
        fixed: &[(String, String)],
        keep: bool,
    ) -> Result<Row, SynthError> {
        self.row_of(sb, table, fixed, keep, None).await
    }

    /// [`Self::row`] of a tenant (its key as text), or of the tenant the row comes to have.
    async fn row_of(
        &mut self,
        sb: &mut Sandbox,
        table: &TableName,
        fixed: &[(String, String)],
        keep: bool,
        tenant: Option<String>,
    ) -> Result<Row, SynthError> {
        let want = Want {
            tenant,
            ..Want::row(fixed.to_vec(), keep)
        };
        self.build(sb, table, want, 0).await
    }

    /// A trial row whose `explicit` columns get a value of their own even when they have a
    /// default, starting at their `start`-th candidate (a fresh parent row for a foreign key):
    /// a value another row's column could be updated to.
    pub async fn trial_with_values(
        &mut self,
        sb: &mut Sandbox,
        table: &TableName,
        explicit: &[String],
        start: usize,
    ) -> Result<Row, SynthError> {
        let want = Want::trial_with_values(explicit, start);
        self.build(sb, table, want, 0).await
    }

    fn build<'s>(
        &'s mut self,
        sb: &'s mut Sandbox,
        name: &'s TableName,
        want: Want<'s>,
        depth: usize,
    ) -> Pin<Box<dyn Future<Output = Result<Row, SynthError>> + 's>> {
        Box::pin(async move {
            let keep = want.keep;
            let mut row = self.prepare(sb, name, want, depth).await?;
            self.insert(sb, &mut row, keep, depth, None)
                .await
                .map(|(row, _)| row)
        })
    }

    /// The row made ready to insert: its tenant, samples, explicit values and parents (which
    /// are inserted and kept).
    async fn prepare(
        &mut self,
        sb: &mut Sandbox,
        name: &TableName,
        want: Want<'_>,
        depth: usize,
    ) -> Result<Building<'a>, SynthError> {
        let catalog = self.catalog;
        let table = catalog
            .table(name)
            .ok_or_else(|| SynthError::plain(name, None, "no such table after the migrations"))?;
        if depth > DEPTH {
            return Err(SynthError::plain(
                name,
                None,
                format!("parent rows nest deeper than {DEPTH}: a cycle of NOT NULL foreign keys"),
            ));
        }
        let Want {
            mut fixed,
            keep: _,
            explicit,
            start,
            tenant,
        } = want;
        let tenant = self.tenant_of(sb, table, &mut fixed, tenant, depth).await?;
        let sample = self.samples(sb, table).await?;
        let mut row = Building::new(self, table, &fixed, &sample, explicit);
        row.tenant = tenant;
        for c in explicit {
            // A generated column's value is its expression's: the columns it reads are new.
            let writable = table.column(c).is_some_and(|x| !x.generated);
            if writable && widest_foreign_key(row.table, c).is_none() {
                let n = self.fresh();
                row.state
                    .insert(c.clone(), Source::Candidate { k: start, n });
            }
        }
        self.fill_parents(sb, &mut row, depth, explicit).await?;
        Ok(row)
    }

    /// Notes a row kept: see [`Self::made_here`].
    fn keep(&mut self, row: &Building<'_>) {
        let written = row.written();
        self.kept
            .entry(row.table.name.clone())
            .or_default()
            .push(written);
    }

    /// Whether a row this synthesizer kept in `row`'s table was written with `row`'s values in
    /// `columns`: the row in the way of `row` on a key of those columns is its own (a second
    /// row under one parent of a one-to-one key), not one a trigger made.
    fn made_here(&self, row: &Building<'_>, columns: &[String]) -> bool {
        let kept = self
            .kept
            .get(&row.table.name)
            .map(Vec::as_slice)
            .unwrap_or_default();
        kept.iter().any(|k| {
            columns
                .iter()
                .all(|c| k.get(c).is_some_and(|v| Some(v) == row.expr(c).as_ref()))
        })
    }

    /// [`Self::row`] for several rows, their INSERTs together: each made ready as alone
    /// (parents, samples, candidates), then the INSERTs of all in one message. A row
    /// PostgreSQL refuses goes on alone (repaired from the refusal, a round trip per attempt),
    /// then the rows after it, which did not run, are sent together again. The same rows as one
    /// by one, built in order; a case that builds a row in each of 500 tables makes one round
    /// trip instead of 500. A row inserted under a tenant's request goes alone.
    pub async fn rows(
        &mut self,
        sb: &mut Sandbox,
        wanted: &[Wanted<'_>],
    ) -> Vec<Result<Row, SynthError>> {
        let mut results: Vec<Option<Result<Row, SynthError>>> =
            wanted.iter().map(|_| None).collect();
        let mut ready = Vec::new();
        for (i, w) in wanted.iter().enumerate() {
            match self.prepare(sb, w.table, w.want.clone(), 0).await {
                Ok(row) => ready.push((i, row)),
                Err(e) => results[i] = Some(Err(e)),
            }
        }
        let mut next = 0;
        while next < ready.len() {
            let mut sqls = Vec::new();
            for (_, row) in ready[next..].iter_mut() {
                if row.tenant.is_some() || self.in_force().is_some() {
                    break;
                }
                self.settle(sb, row).await;
                sqls.push(row.insert_sql());
            }
            let statements: Vec<Statement<'_>> = (sqls.iter().zip(&ready[next..]))
                .map(|(sql, (i, _))| Statement {
                    sql,
                    keep: wanted[*i].want.keep,
                    synthesizing: true,
                })
                .collect();
            let contended = sb.contended();
            let ran = sb.attempt_all(&statements).await;
            let failed = ran.failed.is_some() || statements.is_empty();
            for (out, sql) in ran.done.into_iter().zip(&sqls) {
                let (i, row) = &ready[next];
                if wanted[*i].want.keep {
                    sb.record(sql, None);
                    self.keep(row);
                }
                results[*i] = Some(Ok(inserted(row, out)));
                next += 1;
            }
            if failed {
                // Alone from here: the refusal is met again and repaired.
                sb.set_contended(contended);
                let (i, row) = &mut ready[next];
                let result = self.insert(sb, row, wanted[*i].want.keep, 0, None).await;
                results[*i] = Some(result.map(|(row, _)| row));
                next += 1;
            }
        }
        (results.into_iter().zip(wanted))
            .map(|(r, w)| r.unwrap_or_else(|| Err(SynthError::plain(w.table, None, "not built"))))
            .collect()
    }

    /// A trial row of `table` (undone, its parents kept), then `then` (a check's statement,
    /// made from the columns the row was written with) in the same round trip once the row is
    /// valid: the row, and `then`'s outcome when it ran (not for a row of a tenant, whose
    /// request the check sets itself).
    pub async fn trial_then(
        &mut self,
        sb: &mut Sandbox,
        table: &TableName,
        then: Then<'_>,
    ) -> Result<(Row, Option<Result<Outcome, DbError>>), SynthError> {
        let want = Want::row(Vec::new(), false);
        let mut row = self.prepare(sb, table, want, 0).await?;
        self.insert(sb, &mut row, false, 0, Some(then)).await
    }

    /// Inserts the row, repairing it from each refusal, until PostgreSQL takes it or nothing is
    /// left to try; with `then`, also `then`'s statement right after the row, in the same
    /// message, while no request is in force (see [`Self::trial_then`]).
    async fn insert(
        &mut self,
        sb: &mut Sandbox,
        row: &mut Building<'a>,
        keep: bool,
        depth: usize,
        then: Option<Then<'_>>,
    ) -> Result<(Row, Option<Result<Outcome, DbError>>), SynthError> {
        let mut last: Option<(String, DbError)> = None;
        let contended = sb.contended();
        for _ in 0..ATTEMPTS {
            self.settle(sb, row).await;
            let sql = row.insert_sql();
            // Repairs may build parents under other requests: this row's is set each time
            // (one round trip only when it changed).
            self.request(sb, row).await?;
            let then = then
                .filter(|_| row.tenant.is_none())
                .map(|f| f(&row.written()));
            let (result, followed) = match &then {
                None => (sb.attempt_row(&sql, keep).await, None),
                Some(then) => followed(sb, &sql, keep, then).await,
            };
            match result {
                Ok(out) => {
                    if keep {
                        sb.record(&sql, None);
                        self.keep(row);
                    }
                    // Losing to another check's uncommitted row (the same UNIQUE or EXCLUDE
                    // value) was repaired with other values: no reason to doubt the verdict.
                    sb.set_contended(
                        contended
                            || followed
                                .as_ref()
                                .is_some_and(|f| f.as_ref().is_err_and(DbError::is_contention)),
                    );
                    self.no_request(sb, &row.table.name).await?;
                    return Ok((inserted(row, out), followed));
                }
                Err(e) => {
                    // A deadlock or lock wait while inserting is most often another check's
                    // uncommitted row with the same key: other values, like any refusal.
                    let stuck = e.is_timeout() && !e.is_contention();
                    let changed = !stuck && self.repair(sb, row, &e, depth).await?;
                    last = Some((sql, e));
                    if !changed {
                        break;
                    }
                }
            }
        }
        self.no_request(sb, &row.table.name).await?;
        Err(refused(sb, row, last).await)
    }
}

/// The row `out` says PostgreSQL inserted: what was written, every column read back.
fn inserted(row: &Building<'_>, out: Outcome) -> Row {
    let texts = out.rows.into_iter().next().unwrap_or_default();
    let names = row.table.columns.iter().map(|c| c.name.clone());
    Row {
        written: row.written(),
        values: names.zip(texts).collect(),
        tenant: row.tenant.clone(),
    }
}

/// A synthesized row's INSERT (`sql`), then a check's statement (`then`) in the same message:
/// the row's outcome, and `then`'s when the row was taken (it did not run otherwise).
async fn followed(
    sb: &mut Sandbox,
    sql: &str,
    keep: bool,
    then: &str,
) -> (Result<Outcome, DbError>, Option<Result<Outcome, DbError>>) {
    let statements = [
        Statement {
            sql,
            keep,
            synthesizing: true,
        },
        Statement {
            sql: then,
            keep: false,
            synthesizing: false,
        },
    ];
    let ran = sb.attempt_all(&statements).await;
    let mut failed = ran.failed;
    let mut done = ran.done.into_iter();
    let mut next = || {
        done.next()
            .ok_or_else(|| failed.take().unwrap_or_else(DbError::unanswered))
    };
    match next() {
        Ok(row) => (Ok(row), Some(next())),
        Err(e) => (Err(e), None),
    }
}
