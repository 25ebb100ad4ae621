//! Row synthesis: a valid row for any table, built from the catalog alone, for the behavioural
//! checks to insert, delete and update.
//!
//! A row starts from what the schema gives: defaults (identity and generated columns are always
//! left to the database), `[sample]` expressions from the table file, a parent row for every
//! foreign key that must not be NULL (recursively; composite keys get one consistent parent), and
//! a candidate value for every other NOT NULL column (see [`values`]). Then it is inserted under a
//! savepoint, and PostgreSQL's answer drives the next attempt: a NOT NULL violation names the
//! column to fill, a UNIQUE violation the columns to renew, a CHECK violation the columns whose
//! next candidates to try, a missing partition the partition key. Triggers fire as they would in
//! production: their behaviour is part of what the checks prove.

// An error here is the product (it ends up in a failure message), not an exception: boxing it
// would buy nothing measurable.
#![allow(clippy::result_large_err)]

mod sandbox;
mod values;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};

use indexmap::IndexMap;

use crate::catalog::{Catalog, Column, ConstraintKind, ForeignKey, Table, TableKind};
use crate::names::{TableName, ident, literal};
use crate::spec::Spec;

pub use sandbox::{DbError, Outcome, STATEMENT_TIMEOUT, Sandbox};

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

/// Why no valid row could be built.
#[derive(Debug, Clone)]
pub struct SynthError {
    pub table: TableName,
    /// The column the last error was about, when it names one.
    pub column: Option<String>,
    pub reason: String,
    /// The last statement tried, and PostgreSQL's answer to it.
    pub last: Option<(String, DbError)>,
}

impl SynthError {
    /// A timeout or lock wait ended it, not the schema.
    pub fn is_timeout(&self) -> bool {
        self.last.as_ref().is_some_and(|(_, e)| e.is_timeout())
    }
}

impl fmt::Display for SynthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not build a valid row for {}", self.table)?;
        if let Some(c) = &self.column {
            write!(f, " (column {c})")?;
        }
        write!(f, ": {}", self.reason)?;
        if let Some((sql, e)) = &self.last {
            write!(f, "\nlast statement: {sql}\nlast error: {e}")?;
        }
        Ok(())
    }
}

/// What a row must be.
struct Want<'s> {
    /// Columns set to these SQL expressions.
    fixed: Vec<(String, String)>,
    /// Keep the row, or undo it once it is proven possible.
    keep: bool,
    /// Columns that get a value of their own even when they have a default.
    explicit: &'s [String],
    /// The candidate `explicit` columns start at.
    start: usize,
}

/// Where a column's value comes from in the row being built.
#[derive(Debug, Clone)]
enum Source {
    /// Left out: its default, or NULL.
    Omit,
    /// Given: an override, a `[sample]` or a value evaluated up front.
    Fixed(String),
    /// Copied from the parent row of a foreign key.
    Parent(String),
    /// The `k`-th candidate, made with number `n`.
    Candidate { k: usize, n: u64 },
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
        let want = Want {
            fixed: fixed.to_vec(),
            keep,
            explicit: &[],
            start: 0,
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
        let want = Want {
            fixed: Vec::new(),
            keep: false,
            explicit,
            start,
        };
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
            let catalog = self.catalog;
            let table = catalog.table(name).ok_or_else(|| SynthError {
                table: name.clone(),
                column: None,
                reason: "no such table after the migrations".into(),
                last: None,
            })?;
            if depth > DEPTH {
                return Err(SynthError {
                    table: name.clone(),
                    column: None,
                    reason: format!(
                        "parent rows nest deeper than {DEPTH}: a cycle of NOT NULL foreign keys"
                    ),
                    last: None,
                });
            }
            let Want {
                fixed,
                keep,
                explicit,
                start,
            } = want;
            let mut row = Building::new(self, table, &fixed, explicit)?;
            for c in explicit {
                if table.column(c).is_some() && widest_foreign_key(row.table, c).is_none() {
                    let n = self.fresh();
                    row.state
                        .insert(c.clone(), Source::Candidate { k: start, n });
                }
            }
            self.fill_parents(sb, &mut row, depth, explicit).await?;
            let mut last: Option<(String, DbError)> = None;
            for _ in 0..ATTEMPTS {
                self.settle(sb, &mut row).await;
                let sql = row.insert_sql();
                match sb.attempt(&sql, keep).await {
                    Ok(out) => {
                        let texts = out.rows.into_iter().next().unwrap_or_default();
                        let values = table
                            .columns
                            .iter()
                            .map(|c| c.name.clone())
                            .zip(texts)
                            .collect();
                        if keep {
                            sb.record(&sql, None);
                        }
                        return Ok(Row {
                            written: row.written(),
                            values,
                        });
                    }
                    Err(e) => {
                        let timeout = e.is_timeout();
                        let changed = !timeout && self.repair(sb, &mut row, &e, depth).await?;
                        last = Some((sql, e));
                        if !changed {
                            break;
                        }
                    }
                }
            }
            let column = last
                .as_ref()
                .and_then(|(_, e)| e.column.clone())
                .or_else(|| row.last_changed.clone());
            Err(SynthError {
                table: name.clone(),
                column,
                reason: "every attempt was refused (triggers, CHECKs or types this tool cannot satisfy on its own); a [sample] expression in the table file decides the value".into(),
                last,
            })
        })
    }

    /// A parent row for every foreign key that may not be NULL, widest keys first, so that a
    /// column shared by a composite key and a simple one gets one consistent value.
    async fn fill_parents(
        &mut self,
        sb: &mut Sandbox,
        row: &mut Building<'a>,
        depth: usize,
        explicit: &[String],
    ) -> Result<(), SynthError> {
        let mut fks: Vec<&'a ForeignKey> = Vec::new();
        let mut columns_of: Vec<&'a [String]> = Vec::new();
        for (c, fk) in row.table.foreign_keys() {
            let required = c.columns.iter().any(|col| {
                row.table.column(col).is_some_and(|x| x.not_null) || explicit.contains(col)
            });
            if required && !c.columns.iter().all(|col| row.is_set(col)) {
                fks.push(fk);
                columns_of.push(&c.columns);
            }
        }
        let mut order: Vec<usize> = (0..fks.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(columns_of[i].len()));
        for i in order {
            if columns_of[i].iter().all(|col| row.is_set(col)) {
                continue;
            }
            self.parent_for(sb, row, columns_of[i], fks[i], depth, false)
                .await?;
        }
        Ok(())
    }

    /// Sets `columns` from a (new) parent row of `fk`, keeping the values already given.
    async fn parent_for(
        &mut self,
        sb: &mut Sandbox,
        row: &mut Building<'a>,
        columns: &[String],
        fk: &ForeignKey,
        depth: usize,
        renew: bool,
    ) -> Result<(), SynthError> {
        let pairs: Vec<(&String, &String)> = columns.iter().zip(&fk.target_columns).collect();
        if fk.target == row.table.name {
            return self.self_reference(sb, row, &pairs).await;
        }
        let overrides: Vec<(String, String)> = pairs
            .iter()
            .filter_map(|(col, target)| match row.state.get(*col) {
                Some(Source::Fixed(e)) => Some(((*target).clone(), e.clone())),
                Some(Source::Parent(e)) if !renew => Some(((*target).clone(), e.clone())),
                _ => None,
            })
            .collect();
        let want = Want {
            fixed: overrides,
            keep: true,
            explicit: &[],
            start: 0,
        };
        let parent = self.build(sb, &fk.target, want, depth + 1).await?;
        let target_table = self.catalog.table(&fk.target);
        for (col, target) in pairs {
            if matches!(row.state.get(col), Some(Source::Fixed(_))) {
                continue;
            }
            let Some(tc) = target_table.and_then(|t| t.column(target)) else {
                continue;
            };
            let value = parent.literal(tc);
            row.state.insert(col.clone(), Source::Parent(value));
        }
        Ok(())
    }

    /// A NOT NULL foreign key to the same table: the row references itself, so the referenced
    /// columns get explicit values (their default evaluated up front) that the key repeats.
    async fn self_reference(
        &mut self,
        sb: &mut Sandbox,
        row: &mut Building<'a>,
        pairs: &[(&String, &String)],
    ) -> Result<(), SynthError> {
        for (col, target) in pairs {
            let expr = match row.state.get(*target).cloned() {
                Some(Source::Fixed(e) | Source::Parent(e)) => e,
                Some(Source::Candidate { k, n }) => {
                    let e = row.candidate(target, k, n);
                    row.state
                        .insert((*target).clone(), Source::Fixed(e.clone()));
                    e
                }
                _ => {
                    let column = row.table.column(target).ok_or_else(|| SynthError {
                        table: row.table.name.clone(),
                        column: Some((*target).clone()),
                        reason: "the foreign key's column is missing".into(),
                        last: None,
                    })?;
                    let default = match (&column.default, column.identity) {
                        (_, Some(_)) => format!(
                            "nextval(pg_get_serial_sequence({}, {}))",
                            literal(&row.table.name.sql()),
                            literal(&column.name)
                        ),
                        (Some(d), None) => d.clone(),
                        (None, None) => {
                            let n = self.fresh();
                            row.candidate(target, 0, n)
                        }
                    };
                    let sql = format!("SELECT ({default})::text");
                    let value = sb.value(&sql).await.map_err(|e| SynthError {
                        table: row.table.name.clone(),
                        column: Some(column.name.clone()),
                        reason: "its default could not be evaluated for a self-reference".into(),
                        last: Some((sql.clone(), e)),
                    })?;
                    let e = value
                        .map(|v| values::cast(&literal(&v), column))
                        .unwrap_or_else(|| "NULL".into());
                    row.state
                        .insert((*target).clone(), Source::Fixed(e.clone()));
                    e
                }
            };
            row.state.insert((*col).clone(), Source::Fixed(expr));
        }
        Ok(())
    }

    /// Moves every candidate column off values its type does not accept: a constant taken from
    /// a CHECK may belong to another column (`'04:00:00'::interval` beside a timestamp), and the
    /// input syntax of extension types is only known by trying.
    async fn settle(&mut self, sb: &mut Sandbox, row: &mut Building<'a>) {
        let names: Vec<String> = row.state.keys().cloned().collect();
        for name in names {
            let Some(Source::Candidate { k, n }) = row.state.get(&name).cloned() else {
                continue;
            };
            let Some(column) = row.table.column(&name) else {
                continue;
            };
            let total = row.candidates(&name);
            for step in 0..total {
                let k2 = (k + step) % total;
                let trusted =
                    k2 >= row.constants(&name).len() && !values::needs_probe(&column.value);
                let expr = row.candidate(&name, k2, n);
                let valid = match self.accepted.get(&expr) {
                    _ if trusted => true,
                    Some(&v) => v,
                    None => {
                        let v = sb.value(&format!("SELECT ({expr})::text")).await.is_ok();
                        self.accepted.insert(expr, v);
                        v
                    }
                };
                if valid {
                    row.state
                        .insert(name.clone(), Source::Candidate { k: k2, n });
                    break;
                }
            }
        }
    }

    /// Changes the row after PostgreSQL refused it. `Ok(false)` when nothing is left to try.
    async fn repair(
        &mut self,
        sb: &mut Sandbox,
        row: &mut Building<'a>,
        e: &DbError,
        depth: usize,
    ) -> Result<bool, SynthError> {
        row.repairs += 1;
        let table = row.table;
        // An error about another table (a trigger's own INSERT failed): nothing in this row can
        // change that.
        if let Some(other) = &e.table
            && !row.family.iter().any(|t| &t.name.name == other)
        {
            return Ok(false);
        }
        let constraint_columns = e.constraint.as_deref().and_then(|c| row.columns_of(c));
        match e.code.as_str() {
            "23502" => {
                let Some(col) = e.column.clone() else {
                    return Ok(false);
                };
                Ok(self.fill(sb, row, &col, depth).await?)
            }
            "23503" => {
                let Some(name) = &e.constraint else {
                    return Ok(false);
                };
                let Some((columns, fk)) = row.foreign_key(name) else {
                    return Ok(false);
                };
                if !row.renewed.insert(name.clone()) {
                    return Ok(false);
                }
                let nullable = columns
                    .iter()
                    .all(|c| table.column(c).is_some_and(|x| !x.not_null));
                let given = columns
                    .iter()
                    .any(|c| matches!(row.state.get(c), Some(Source::Fixed(_))));
                if nullable && !given {
                    for c in &columns {
                        row.state.insert(c.clone(), Source::Fixed("NULL".into()));
                    }
                    return Ok(true);
                }
                // Every column already has a value (a column shared by two keys): make the row
                // it points at exist, else start from a new parent.
                if columns.iter().all(|c| row.is_set(c))
                    && self
                        .parent_for(sb, row, &columns, fk, depth, false)
                        .await
                        .is_ok()
                {
                    return Ok(true);
                }
                self.parent_for(sb, row, &columns, fk, depth, true).await?;
                Ok(true)
            }
            "23505" | "23P01" => {
                let columns = constraint_columns.unwrap_or_else(|| row.candidate_columns());
                // The values are our own rows' (a one-to-one key): the row in the way was made in
                // this sandbox, by a trigger on a parent we inserted (Supabase's profile for a
                // new auth.users row). Out of the way with it.
                if let Some(name) = &e.constraint
                    && row.ours(&columns)
                    && row.renewed.insert(format!("clear {name}"))
                {
                    let sql = format!(
                        "DELETE FROM {} WHERE {}",
                        table.name.sql(),
                        columns
                            .iter()
                            .map(|c| format!("{} = {}", ident(c), row.expr(c).unwrap_or_default()))
                            .collect::<Vec<_>>()
                            .join(" AND ")
                    );
                    if sb.attempt(&sql, true).await.is_ok() {
                        sb.record(&sql, Some("a trigger had made this row for a parent row"));
                        return Ok(true);
                    }
                }
                let mut changed = false;
                for c in columns {
                    changed |= self.renew(sb, row, &c, depth).await?;
                }
                Ok(changed)
            }
            "23514" => {
                let columns = match constraint_columns {
                    Some(cols) => cols,
                    None if e.constraint.is_none() && table.kind == TableKind::Partitioned => {
                        row.partition_key_columns()
                    }
                    // A domain's CHECK: the columns built on a domain.
                    None => row.domain_columns(),
                };
                // A left-out foreign key column the CHECK wants (`CHECK (org_id IS NOT NULL)`):
                // a parent row, not a made-up value.
                for c in &columns {
                    if matches!(row.state.get(c), Some(Source::Omit))
                        && widest_foreign_key(row.table, c).is_some()
                    {
                        return self.fill(sb, row, c, depth).await;
                    }
                }
                Ok(row.advance(self, &columns))
            }
            code if code.starts_with("22") || code.starts_with("428") || code == "42804" => {
                let columns = row.candidate_columns();
                Ok(row.advance(self, &columns))
            }
            // Raised by a trigger (or anything else): try other values a few times.
            _ if row.repairs <= 4 => {
                let columns = row.candidate_columns();
                let mut changed = false;
                for c in columns {
                    changed |= self.renew(sb, row, &c, depth).await?;
                }
                Ok(changed)
            }
            _ => Ok(false),
        }
    }

    /// Gives a value to a column that was left out.
    async fn fill(
        &mut self,
        sb: &mut Sandbox,
        row: &mut Building<'a>,
        col: &str,
        depth: usize,
    ) -> Result<bool, SynthError> {
        row.last_changed = Some(col.to_string());
        match row.state.get(col) {
            Some(Source::Omit) | None => {}
            Some(Source::Candidate { .. }) => {
                let cols = [col.to_string()];
                return Ok(row.advance(self, &cols));
            }
            Some(_) => return Ok(false),
        }
        if let Some((columns, fk)) = widest_foreign_key(row.table, col) {
            self.parent_for(sb, row, &columns, fk, depth, false).await?;
            return Ok(true);
        }
        let n = self.fresh();
        row.state
            .insert(col.to_string(), Source::Candidate { k: 0, n });
        Ok(true)
    }

    /// A fresh value for a column whose value was taken (UNIQUE, exclusion).
    async fn renew(
        &mut self,
        sb: &mut Sandbox,
        row: &mut Building<'a>,
        col: &str,
        depth: usize,
    ) -> Result<bool, SynthError> {
        row.last_changed = Some(col.to_string());
        match row.state.get(col).cloned() {
            Some(Source::Candidate { k, .. }) => {
                let n = self.fresh();
                let k = if k < row.constants(col).len() {
                    k + 1
                } else {
                    k
                };
                row.state
                    .insert(col.to_string(), Source::Candidate { k, n });
                Ok(true)
            }
            Some(Source::Parent(_)) => {
                let Some((columns, fk)) = widest_foreign_key(row.table, col) else {
                    return Ok(false);
                };
                let name = format!("renew {col}");
                if !row.renewed.insert(name) {
                    return Ok(false);
                }
                self.parent_for(sb, row, &columns, fk, depth, true).await?;
                Ok(true)
            }
            Some(Source::Omit) | None => self.fill(sb, row, col, depth).await,
            Some(Source::Fixed(_)) => Ok(false),
        }
    }
}

/// The row being built: where each column's value comes from.
struct Building<'a> {
    table: &'a Table,
    /// Every partition below the table, whose constraint and index names errors may carry.
    family: Vec<&'a Table>,
    state: IndexMap<String, Source>,
    /// Constants worth trying per column (CHECK literals, partition bounds).
    constants: HashMap<String, Vec<String>>,
    /// FKs whose parent was renewed once already.
    renewed: std::collections::HashSet<String>,
    /// Columns given by the table file's `[sample]`.
    sampled: Vec<String>,
    repairs: usize,
    last_changed: Option<String>,
}

impl<'a> Building<'a> {
    fn new(
        synth: &mut Synth<'a>,
        table: &'a Table,
        fixed: &[(String, String)],
        explicit: &[String],
    ) -> Result<Self, SynthError> {
        let sample = synth
            .spec
            .table(&table.name)
            .map(|t| t.sample.clone())
            .unwrap_or_default();
        for name in sample.keys() {
            if table.column(name).is_none() {
                return Err(SynthError {
                    table: table.name.clone(),
                    column: Some(name.clone()),
                    reason: format!(
                        "[sample] names a column {name:?} that {} does not have",
                        table.name
                    ),
                    last: None,
                });
            }
        }
        let family = synth.catalog.with_partitions(table);
        let mut state = IndexMap::new();
        let mut sampled = Vec::new();
        let mut constants: HashMap<String, Vec<String>> = HashMap::new();
        for column in &table.columns {
            let name = &column.name;
            let mut list = Vec::new();
            for part in &family {
                for c in &part.constraints {
                    if matches!(c.kind, ConstraintKind::Check) && c.columns.contains(name) {
                        list.extend(values::constants(&c.definition));
                    }
                }
            }
            for check in &column.value.domain_checks {
                list.extend(values::constants(check));
            }
            list.extend(partition_constants(synth.catalog, table, name));
            if column.value.category != 'N' {
                list.retain(|c| c.starts_with('\''));
            }
            let mut unique = Vec::new();
            for c in list {
                if !unique.contains(&c) {
                    unique.push(c);
                }
            }
            constants.insert(name.clone(), unique);

            if column.generated {
                continue;
            }
            let source = if let Some((_, e)) = fixed.iter().find(|(c, _)| c == name) {
                Source::Fixed(e.clone())
            } else if let Some(e) = sample.get(name) {
                sampled.push(name.clone());
                Source::Fixed(values::cast(e, column))
            } else if column.not_null
                && column.default.is_none()
                && column.identity.is_none()
                && !explicit.contains(name)
                && widest_foreign_key(table, name).is_none()
            {
                let n = synth.fresh();
                Source::Candidate { k: 0, n }
            } else {
                Source::Omit
            };
            state.insert(name.clone(), source);
        }
        Ok(Self {
            table,
            family,
            state,
            constants,
            renewed: Default::default(),
            sampled,
            repairs: 0,
            last_changed: None,
        })
    }

    fn constants(&self, col: &str) -> &[String] {
        self.constants.get(col).map(Vec::as_slice).unwrap_or(&[])
    }

    fn candidates(&self, col: &str) -> usize {
        self.constants(col).len() + values::MADE
    }

    fn candidate(&self, col: &str, k: usize, n: u64) -> String {
        let Some(column) = self.table.column(col) else {
            return "NULL".into();
        };
        let constants = self.constants(col);
        let k = k % self.candidates(col);
        let expr = match constants.get(k) {
            Some(c) => c.clone(),
            None => values::made(&column.value, k - constants.len(), n),
        };
        values::cast(&expr, column)
    }

    fn is_set(&self, col: &str) -> bool {
        matches!(
            self.state.get(col),
            Some(Source::Fixed(_) | Source::Parent(_))
        )
    }

    /// A foreign key by constraint name, on the table or (as errors name them) a partition.
    fn foreign_key(&self, name: &str) -> Option<(Vec<String>, &'a ForeignKey)> {
        self.family.iter().find_map(|t| {
            t.foreign_keys()
                .find(|(c, _)| c.name == name)
                .map(|(c, fk)| (c.columns.clone(), fk))
        })
    }

    /// The columns of a constraint or index named in an error, on the table or a partition;
    /// `None` when unknown here (a domain's CHECK) or made of expressions.
    fn columns_of(&self, name: &str) -> Option<Vec<String>> {
        for t in &self.family {
            if let Some(c) = t.constraints.iter().find(|c| c.name == name) {
                return Some(c.columns.clone());
            }
            if let Some(i) = t.indexes.iter().find(|i| i.name == name) {
                return i.key_columns.iter().cloned().collect();
            }
        }
        None
    }

    fn candidate_columns(&self) -> Vec<String> {
        self.state
            .iter()
            .filter(|(_, s)| matches!(s, Source::Candidate { .. }))
            .map(|(c, _)| c.clone())
            .collect()
    }

    fn domain_columns(&self) -> Vec<String> {
        self.table
            .columns
            .iter()
            .filter(|c| !c.value.domain_checks.is_empty())
            .map(|c| c.name.clone())
            .collect()
    }

    /// The plain columns of the table's (and sub-partitions') partition keys.
    fn partition_key_columns(&self) -> Vec<String> {
        let mut out = Vec::new();
        for t in &self.family {
            if let Some(key) = &t.partition_key {
                for c in key_columns(key) {
                    if self.table.column(&c).is_some() && !out.contains(&c) {
                        out.push(c);
                    }
                }
            }
        }
        out
    }

    /// Tries the next combination of candidates for `columns` (an odometer): left-out columns
    /// get their first candidate, then the first column turns fastest. `false` when every
    /// combination was tried.
    fn advance(&mut self, synth: &mut Synth<'_>, columns: &[String]) -> bool {
        let mut changed = false;
        for c in columns {
            if matches!(self.state.get(c), Some(Source::Omit)) && self.table.column(c).is_some() {
                let n = synth.fresh();
                self.state.insert(c.clone(), Source::Candidate { k: 0, n });
                self.last_changed = Some(c.clone());
                changed = true;
            }
        }
        if changed {
            return true;
        }
        for c in columns {
            let total = self.candidates(c);
            let Some(Source::Candidate { k, n }) = self.state.get(c).cloned() else {
                continue;
            };
            self.last_changed = Some(c.clone());
            let turned = (k + 1) % total;
            self.state
                .insert(c.clone(), Source::Candidate { k: turned, n });
            if turned != 0 {
                return true;
            }
        }
        false
    }

    /// Whether every one of `columns` holds a value taken from rows this sandbox made (a parent,
    /// or a value the check passed in), never a `[sample]` that may match seed data.
    fn ours(&self, columns: &[String]) -> bool {
        !columns.is_empty()
            && columns.iter().all(|c| match self.state.get(c) {
                Some(Source::Parent(_)) => true,
                Some(Source::Fixed(e)) => e != "NULL" && !self.sampled.contains(c),
                _ => false,
            })
    }

    fn written(&self) -> IndexMap<String, String> {
        self.state
            .iter()
            .filter_map(|(c, s)| self.source_expr(c, s).map(|e| (c.clone(), e)))
            .collect()
    }

    /// The SQL expression a column is written with, `None` when left out.
    fn expr(&self, col: &str) -> Option<String> {
        self.state.get(col).and_then(|s| self.source_expr(col, s))
    }

    fn source_expr(&self, col: &str, source: &Source) -> Option<String> {
        match source {
            Source::Omit => None,
            Source::Fixed(e) | Source::Parent(e) => Some(e.clone()),
            Source::Candidate { k, n } => Some(self.candidate(col, *k, *n)),
        }
    }

    fn insert_sql(&self) -> String {
        insert_sql(self.table, &self.written())
    }
}

/// The widest foreign key `col` belongs to: its columns and target.
fn widest_foreign_key<'t>(table: &'t Table, col: &str) -> Option<(Vec<String>, &'t ForeignKey)> {
    table
        .foreign_keys()
        .filter(|(c, _)| c.columns.iter().any(|x| x == col))
        .max_by_key(|(c, _)| c.columns.len())
        .map(|(c, fk)| (c.columns.clone(), fk))
}

/// `INSERT INTO t (…) VALUES (…) RETURNING every column as text`, with `OVERRIDING SYSTEM
/// VALUE` when an identity column is written.
pub fn insert_sql(table: &Table, written: &IndexMap<String, String>) -> String {
    let returning = table
        .columns
        .iter()
        .map(|c| format!("{}::text", ident(&c.name)))
        .collect::<Vec<_>>()
        .join(", ");
    if written.is_empty() {
        return format!(
            "INSERT INTO {} DEFAULT VALUES RETURNING {returning}",
            table.name.sql()
        );
    }
    let overriding = written
        .keys()
        .any(|c| table.column(c).is_some_and(|x| x.identity == Some('a')));
    format!(
        "INSERT INTO {} ({}){} VALUES ({}) RETURNING {returning}",
        table.name.sql(),
        written
            .keys()
            .map(|c| ident(c))
            .collect::<Vec<_>>()
            .join(", "),
        if overriding {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        },
        written.values().cloned().collect::<Vec<_>>().join(", "),
    )
}

/// Literals from the bounds of the partitions of `table` (at any depth) whose parent is
/// partitioned on `column` by RANGE or LIST: values that route somewhere.
fn partition_constants(catalog: &Catalog, table: &Table, column: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in catalog.partitions(table) {
        let Some(parent) = part.parent.as_ref().and_then(|p| catalog.table(p)) else {
            continue;
        };
        let Some(key) = &parent.partition_key else {
            continue;
        };
        if key.starts_with("HASH") || !key_columns(key).iter().any(|c| c == column) {
            continue;
        }
        if let Some(bound) = &part.partition_bound {
            out.extend(values::constants(bound));
        }
    }
    out
}

/// The plain column names of a partition key: `RANGE (created_at, "orgId")`.
fn key_columns(key: &str) -> Vec<String> {
    let Some(inner) = key
        .split_once('(')
        .and_then(|(_, rest)| rest.rsplit_once(')'))
        .map(|(inner, _)| inner)
    else {
        return Vec::new();
    };
    inner
        .split(',')
        .map(str::trim)
        .filter_map(|part| {
            if let Some(quoted) = part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                Some(quoted.replace("\"\"", "\""))
            } else if part.chars().all(|c| c.is_alphanumeric() || c == '_') {
                Some(part.to_string())
            } else {
                None
            }
        })
        .collect()
}

/// The condition that finds `row` again: its primary key, or, without one, every column but
/// `except` compared as text.
pub fn identify(table: &Table, row: &Row, except: Option<&str>) -> String {
    if let Some(pk) = table.primary_key()
        && !pk.columns.iter().any(|c| Some(c.as_str()) == except)
    {
        return pk
            .columns
            .iter()
            .filter_map(|c| table.column(c))
            .map(|c| format!("{} = {}", ident(&c.name), row.literal(c)))
            .collect::<Vec<_>>()
            .join(" AND ");
    }
    table
        .columns
        .iter()
        .filter(|c| Some(c.name.as_str()) != except)
        .map(|c| match row.values.get(&c.name).cloned().flatten() {
            Some(v) => format!("{}::text = {}", ident(&c.name), literal(&v)),
            None => format!("{} IS NULL", ident(&c.name)),
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_key_columns_are_plain_names() {
        assert_eq!(key_columns("RANGE (created_at)"), vec!["created_at"]);
        assert_eq!(
            key_columns("LIST (\"orgId\", region)"),
            vec!["orgId", "region"]
        );
        assert!(key_columns("RANGE (date_trunc('day'::text, ts))").is_empty());
    }
}
