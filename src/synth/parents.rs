//! Parent rows: a row for every foreign key that may not be NULL, built first (recursively), so
//! the row being built points at something that exists.

use super::row::{Building, Source};
use super::{Sandbox, Synth, SynthError, Want, values};
use crate::catalog::{ForeignKey, Table};
use crate::names::literal;

impl<'a> Synth<'a> {
    /// A parent row for every foreign key that may not be NULL, widest keys first, so that a
    /// column shared by a composite key and a simple one gets one consistent value.
    pub(super) async fn fill_parents(
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
    pub(super) async fn parent_for(
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
            tenant: row.tenant.clone(),
            ..Want::row(overrides, true)
        };
        let parent = self.build(sb, &fk.target, want, depth + 1).await?;
        let target_table = self.catalog.table(&fk.target);
        for (col, target) in pairs {
            // A generated column of the key is its expression's, never written.
            let generated = row.table.column(col).is_some_and(|c| c.generated);
            if generated || matches!(row.state.get(col), Some(Source::Fixed(_))) {
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
    pub(super) async fn self_reference(
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
                    let column = row.table.column(target).ok_or_else(|| {
                        SynthError::plain(
                            &row.table.name,
                            Some(target),
                            "the foreign key's column is missing",
                        )
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
                        last: Some((sql.clone(), e)),
                        ..SynthError::plain(
                            &row.table.name,
                            Some(&column.name),
                            "its default could not be evaluated for a self-reference",
                        )
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
}

/// The widest foreign key `col` belongs to: its columns and target.
pub(super) fn widest_foreign_key<'t>(
    table: &'t Table,
    col: &str,
) -> Option<(Vec<String>, &'t ForeignKey)> {
    table
        .foreign_keys()
        .filter(|(c, _)| c.columns.iter().any(|x| x == col))
        .max_by_key(|(c, _)| c.columns.len())
        .map(|(c, fk)| (c.columns.clone(), fk))
}
