//! The row being built: where each column's value comes from (left out, given, a parent's, or
//! the k-th candidate of its type), and how candidates turn when PostgreSQL refuses a row.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;

use super::formula::Wish;
use super::parents::widest_foreign_key;
use super::partition::{key_columns, partition_constants};
use super::sql::insert_sql;
use super::{Sandbox, Synth, generated, values};
use crate::catalog::{Column, ConstraintKind, ForeignKey, Table};

impl<'a> Synth<'a> {
    /// Moves every candidate column off values its type does not accept: a constant taken from
    /// a CHECK may belong to another column (`'04:00:00'::interval` beside a timestamp), and the
    /// input syntax of extension types is only known by trying.
    pub(super) async fn settle(&mut self, sb: &mut Sandbox, row: &mut Building<'a>) {
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
}

/// Where a column's value comes from in the row being built.
#[derive(Debug, Clone)]
pub(super) enum Source {
    /// Left out: its default, or NULL.
    Omit,
    /// Given: an override, a `[sample]` or a value evaluated up front.
    Fixed(String),
    /// Copied from the parent row of a foreign key.
    Parent(String),
    /// The `k`-th candidate, made with number `n`.
    Candidate { k: usize, n: u64 },
}

/// The row being built: where each column's value comes from.
pub(super) struct Building<'a> {
    pub(super) table: &'a Table,
    /// Every partition below the table, whose constraint and index names errors may carry.
    pub(super) family: Vec<&'a Table>,
    pub(super) state: IndexMap<String, Source>,
    /// Constants worth trying per column (CHECK literals, partition bounds).
    pub(super) constants: HashMap<String, Vec<String>>,
    /// FKs whose parent was renewed once already.
    pub(super) renewed: HashSet<String>,
    /// Columns given by the table file's `[sample]`.
    pub(super) sampled: Vec<String>,
    /// Columns asked to hold a value of their own: a repair never writes NULL there.
    pub(super) explicit: Vec<String>,
    /// Columns given a value by the caller or a `[sample]`: no repair writes there.
    pub(super) given: Vec<String>,
    /// What a CHECK's disjunct wrote into a column ([`super::satisfy`]): a later CHECK prefers a
    /// disjunct that agrees.
    pub(super) wished: HashMap<String, Wish>,
    /// Columns a CHECK's repair wrote NULL into: the CHECK, the column, and where its value
    /// came from before.
    pub(super) nulled: Vec<(String, String, Source)>,
    pub(super) repairs: usize,
    pub(super) last_changed: Option<String>,
    /// The tenant (key as text) the row belongs to: it is inserted with the request of one of
    /// the tenant's principals in force.
    pub(super) tenant: Option<String>,
}

impl<'a> Building<'a> {
    pub(super) fn new(
        synth: &mut Synth<'a>,
        table: &'a Table,
        fixed: &[(String, String)],
        sample: &IndexMap<String, String>,
        explicit: &[String],
    ) -> Self {
        let family = synth.catalog.with_partitions(table);
        let mut state = IndexMap::new();
        let mut sampled = Vec::new();
        let mut constants: HashMap<String, Vec<String>> = HashMap::new();
        for column in &table.columns {
            let name = &column.name;
            constants.insert(name.clone(), constants_of(synth, table, &family, column));

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
        let given = (fixed.iter().map(|(c, _)| c.clone()))
            .chain(sampled.iter().cloned())
            .collect();
        let mut row = Self {
            table,
            family,
            state,
            constants,
            renewed: Default::default(),
            sampled,
            explicit: explicit.to_vec(),
            given,
            wished: HashMap::new(),
            nulled: Vec::new(),
            repairs: 0,
            last_changed: None,
            tenant: None,
        };
        row.start_keys_apart();
        row
    }

    /// Columns of a UNIQUE, primary or exclusion key start at their first candidate that varies
    /// with the number (unless CHECKs name constants: the values may be only those): one that
    /// does not (`'{}'`, `'empty'`) would be the same in every check
    /// running in parallel, and an INSERT waits for another transaction's uncommitted row with
    /// the same key (deadlocks, lock timeouts) instead of failing at once.
    fn start_keys_apart(&mut self) {
        let mut keyed: Vec<&String> = Vec::new();
        for c in &self.table.constraints {
            let key = matches!(
                c.kind,
                ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion
            );
            if key {
                keyed.extend(&c.columns);
            }
        }
        for i in self.table.indexes.iter().filter(|i| i.unique) {
            keyed.extend(i.key_columns.iter().flatten());
        }
        let starts: Vec<(String, usize, u64)> = (self.state.iter())
            .filter(|(c, _)| keyed.contains(c))
            .filter_map(|(c, s)| match s {
                Source::Candidate { k: 0, n } if self.constants(c).is_empty() => {
                    Some((c.clone(), self.varying(c, *n), *n))
                }
                _ => None,
            })
            .collect();
        for (c, k, n) in starts {
            self.state.insert(c, Source::Candidate { k, n });
        }
    }

    /// The first candidate of `col` whose value depends on the number.
    fn varying(&self, col: &str, n: u64) -> usize {
        (0..self.candidates(col))
            .find(|&k| self.candidate(col, k, n) != self.candidate(col, k, n + 1))
            .unwrap_or(0)
    }

    pub(super) fn constants(&self, col: &str) -> &[String] {
        self.constants.get(col).map(Vec::as_slice).unwrap_or(&[])
    }

    pub(super) fn candidates(&self, col: &str) -> usize {
        self.constants(col).len() + values::MADE
    }

    pub(super) fn candidate(&self, col: &str, k: usize, n: u64) -> String {
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

    pub(super) fn is_set(&self, col: &str) -> bool {
        matches!(
            self.state.get(col),
            Some(Source::Fixed(_) | Source::Parent(_))
        )
    }

    /// A foreign key by constraint name, on the table or (as errors name them) a partition.
    pub(super) fn foreign_key(&self, name: &str) -> Option<(Vec<String>, &'a ForeignKey)> {
        self.family.iter().find_map(|t| {
            t.foreign_keys()
                .find(|(c, _)| c.name == name)
                .map(|(c, fk)| (c.columns.clone(), fk))
        })
    }

    /// The columns of a constraint or index named in an error, on the table or a partition;
    /// `None` when unknown here (a domain's CHECK) or made of expressions.
    pub(super) fn columns_of(&self, name: &str) -> Option<Vec<String>> {
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

    pub(super) fn candidate_columns(&self) -> Vec<String> {
        self.state
            .iter()
            .filter(|(_, s)| matches!(s, Source::Candidate { .. }))
            .map(|(c, _)| c.clone())
            .collect()
    }

    pub(super) fn domain_columns(&self) -> Vec<String> {
        self.table
            .columns
            .iter()
            .filter(|c| !c.value.domain_checks.is_empty())
            .map(|c| c.name.clone())
            .collect()
    }

    /// The plain columns of the table's (and sub-partitions') partition keys.
    pub(super) fn partition_key_columns(&self) -> Vec<String> {
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
    pub(super) fn advance(&mut self, synth: &mut Synth<'_>, columns: &[String]) -> bool {
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

    /// The columns of `columns` a repair may write NULL into: nullable, holding a value (a
    /// parent's, a candidate, or a default), and neither given nor asked to hold a value of
    /// their own. A CHECK across columns (`(a IS NULL) <> (b IS NULL)`, exactly one of two
    /// references set) may want one of them NULL, which no candidate is.
    fn may_be_null(&self, columns: &[String]) -> Vec<String> {
        columns
            .iter()
            .filter(|c| !self.explicit.contains(c))
            .filter(|c| {
                let Some(column) = self.table.column(c) else {
                    return false;
                };
                !column.not_null
                    && match self.state.get(*c) {
                        Some(Source::Parent(_) | Source::Candidate { .. }) => true,
                        Some(Source::Omit) => column.default.is_some(),
                        _ => false,
                    }
            })
            .cloned()
            .collect()
    }

    /// A CHECK across columns that may want one of them NULL (an exclusive arc: the other
    /// reference is set): NULL in the next such column, each tried alone, the one tried before
    /// given its value back. `false` when each was tried (candidates come next).
    pub(super) fn null_one(&mut self, constraint: &str, columns: &[String]) -> bool {
        let (again, others) = std::mem::take(&mut self.nulled)
            .into_iter()
            .partition(|(name, _, _)| name == constraint);
        self.nulled = others;
        for (_, c, before) in again {
            self.state.insert(c, before);
        }
        for c in self.may_be_null(columns) {
            if self.renewed.insert(format!("null {constraint} {c}")) {
                let before = self.state.insert(c.clone(), Source::Fixed("NULL".into()));
                let before = before.unwrap_or(Source::Omit);
                self.nulled
                    .push((constraint.to_string(), c.clone(), before));
                self.last_changed = Some(c);
                return true;
            }
        }
        false
    }

    /// The columns a generated column's expression reads (as the catalog prints it, where a
    /// column is a word or a quoted name): their values decide it, never a value of its own.
    pub(super) fn read_by(&self, generated: &str) -> Vec<String> {
        let Some(expr) = self
            .table
            .column(generated)
            .filter(|c| c.generated)
            .and_then(|c| c.default.as_deref())
        else {
            return Vec::new();
        };
        (self.table.columns.iter())
            .filter(|c| !c.generated && crate::names::mentions(expr, &c.name))
            .map(|c| c.name.clone())
            .collect()
    }

    /// Whether every one of `columns` holds a value taken from rows this sandbox made (a parent,
    /// or a value the check passed in), never a `[sample]` that may match seed data.
    pub(super) fn ours(&self, columns: &[String]) -> bool {
        !columns.is_empty()
            && columns.iter().all(|c| match self.state.get(c) {
                Some(Source::Parent(_)) => true,
                Some(Source::Fixed(e)) => e != "NULL" && !self.sampled.contains(c),
                _ => false,
            })
    }

    pub(super) fn written(&self) -> IndexMap<String, String> {
        self.state
            .iter()
            .filter_map(|(c, s)| self.source_expr(c, s).map(|e| (c.clone(), e)))
            .collect()
    }

    /// The SQL expression a column is written with, `None` when left out.
    pub(super) fn expr(&self, col: &str) -> Option<String> {
        self.state.get(col).and_then(|s| self.source_expr(col, s))
    }

    pub(super) fn source_expr(&self, col: &str, source: &Source) -> Option<String> {
        match source {
            Source::Omit => None,
            Source::Fixed(e) | Source::Parent(e) => Some(e.clone()),
            Source::Candidate { k, n } => Some(self.candidate(col, *k, *n)),
        }
    }

    pub(super) fn insert_sql(&self) -> String {
        insert_sql(self.table, &self.written())
    }
}

/// Constants worth trying in `column`: the literals of the CHECKs on it (on the table or a
/// partition) and of its domains, and the partition bounds; only strings for a column that is
/// not numeric. A document with the keys generated columns read from it comes first.
fn constants_of(
    synth: &mut Synth<'_>,
    table: &Table,
    family: &[&Table],
    column: &Column,
) -> Vec<String> {
    let name = &column.name;
    let mut list = Vec::new();
    for part in family {
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
    // A document with the keys generated columns read from it comes first.
    if let Some(document) = generated::document(table, column, synth.fresh()) {
        unique.insert(0, document);
    }
    unique
}
