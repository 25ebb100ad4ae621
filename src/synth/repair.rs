//! Repairing a row from PostgreSQL's answer: the SQLSTATE of the error, and the constraint or
//! column it names, say what to change before the next attempt.

use super::parents::widest_foreign_key;
use super::row::{Building, Source};
use super::{DbError, Sandbox, Synth, SynthError};
use crate::catalog::TableKind;
use crate::names::ident;
use crate::sandbox::sqlstate::{
    CHECK_VIOLATION, DATA_EXCEPTION_CLASS, EXCLUSION_VIOLATION, NOT_NULL_VIOLATION,
    UNIQUE_VIOLATION, WRONG_OBJECT_TYPE_CLASS, is_foreign_key_refusal,
};

/// How PostgreSQL starts the message of a row no partition takes (SQLSTATE 23514, no
/// constraint).
const NO_PARTITION: &str = "no partition of relation";

impl<'a> Synth<'a> {
    /// Changes the row after PostgreSQL refused it. `Ok(false)` when nothing is left to try.
    pub(super) async fn repair(
        &mut self,
        sb: &mut Sandbox,
        row: &mut Building<'a>,
        e: &DbError,
        depth: usize,
    ) -> Result<bool, SynthError> {
        row.repairs += 1;
        // An error about another table (a trigger's own INSERT failed): nothing in this row can
        // change that.
        if let Some(other) = &e.table
            && !row.family.iter().any(|t| &t.name.name == other)
        {
            return Ok(false);
        }
        match e.code.as_str() {
            NOT_NULL_VIOLATION => {
                let Some(col) = e.column.clone() else {
                    return Ok(false);
                };
                Ok(self.fill(sb, row, &col, depth).await?)
            }
            code if is_foreign_key_refusal(code) => {
                self.foreign_key_refused(sb, row, e, depth).await
            }
            UNIQUE_VIOLATION | EXCLUSION_VIOLATION => self.value_taken(sb, row, e, depth).await,
            CHECK_VIOLATION if e.constraint.is_none() && e.message.starts_with(NO_PARTITION) => {
                self.route(sb, row, e).await
            }
            CHECK_VIOLATION => self.check_refused(sb, row, e, depth).await,
            code if code.starts_with(DATA_EXCEPTION_CLASS)
                || code.starts_with(WRONG_OBJECT_TYPE_CLASS) =>
            {
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

    /// A foreign key refused the row: NULL in its columns when they may be NULL and were not
    /// given, else the row it points at made to exist, else a new parent.
    async fn foreign_key_refused(
        &mut self,
        sb: &mut Sandbox,
        row: &mut Building<'a>,
        e: &DbError,
        depth: usize,
    ) -> Result<bool, SynthError> {
        let table = row.table;
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

    /// A UNIQUE key or an exclusion constraint refused the row: a row a trigger made out of the
    /// way, else fresh values.
    async fn value_taken(
        &mut self,
        sb: &mut Sandbox,
        row: &mut Building<'a>,
        e: &DbError,
        depth: usize,
    ) -> Result<bool, SynthError> {
        let table = row.table;
        let columns = (e.constraint.as_deref())
            .and_then(|c| row.columns_of(c))
            .unwrap_or_else(|| row.candidate_columns());
        // The values are our own rows' (a one-to-one key): the row in the way was made in
        // this sandbox, by a trigger on a parent we inserted (Supabase's profile for a
        // new auth.users row), unless it is a row we kept ourselves (a second row under
        // the same parent). Out of the way with a trigger's row.
        if let Some(name) = &e.constraint
            && row.ours(&columns)
            && !self.made_here(row, &columns)
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

    /// A CHECK refused the row: one of its disjuncts written whole when it is read here, else a
    /// parent for a left-out foreign key column it wants, NULL in one of its columns, or the next
    /// candidate.
    async fn check_refused(
        &mut self,
        sb: &mut Sandbox,
        row: &mut Building<'a>,
        e: &DbError,
        depth: usize,
    ) -> Result<bool, SynthError> {
        let columns = match e.constraint.as_deref().and_then(|c| row.columns_of(c)) {
            Some(cols) => cols,
            None if e.constraint.is_none() && row.table.kind == TableKind::Partitioned => {
                row.partition_key_columns()
            }
            // A domain's CHECK: the columns built on a domain.
            None => row.domain_columns(),
        };
        // The CHECK read as a formula: one of its disjuncts written whole.
        if let Some(name) = &e.constraint
            && self.satisfy(sb, row, name, depth).await?
        {
            return Ok(true);
        }
        // A left-out foreign key column the CHECK wants (`CHECK (org_id IS NOT NULL)`):
        // a parent row, not a made-up value.
        for c in &columns {
            if matches!(row.state.get(c), Some(Source::Omit))
                && widest_foreign_key(row.table, c).is_some()
            {
                return self.fill(sb, row, c, depth).await;
            }
        }
        if let Some(name) = &e.constraint
            && row.null_one(name, &columns)
        {
            return Ok(true);
        }
        Ok(row.advance(self, &columns))
    }

    /// Gives a value to a column that was left out.
    pub(super) async fn fill(
        &mut self,
        sb: &mut Sandbox,
        row: &mut Building<'a>,
        col: &str,
        depth: usize,
    ) -> Result<bool, SynthError> {
        row.last_changed = Some(col.to_string());
        // A generated column is never written: the columns its expression reads decide it.
        if row.table.column(col).is_some_and(|c| c.generated) {
            let read = row.read_by(col);
            return Ok(row.advance(self, &read));
        }
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
            Some(Source::Candidate { k, n: old }) => {
                let n = self.fresh();
                let taken = row.candidate(col, k, old);
                // The first candidate from `k` on whose value is not the one taken: a constant is
                // tried once, and so is a value that does not vary with the number (`'{}'`,
                // `'empty'`), whatever its type (arrays, ranges, composites).
                let total = row.candidates(col);
                let k = (k..k + total)
                    .map(|j| j % total)
                    .find(|&j| row.candidate(col, j, n) != taken)
                    .unwrap_or(k);
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
