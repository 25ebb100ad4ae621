//! Satisfying a CHECK that refused the row by reading it ([`super::formula`]): one of its
//! disjuncts, the first that the row's given values allow, is written into the row whole (NULLs,
//! literals, lengths, bounds, parents, one column copied into another). Each disjunct is tried
//! once per row; when none is left, the blind repairs (NULL in one column, the next candidate)
//! go on as before.

use super::formula::{self, Disjunct, Wish};
use super::parents::widest_foreign_key;
use super::row::{Building, Source};
use super::values;
use super::{Sandbox, Synth, SynthError};
use crate::catalog::ConstraintKind;

impl<'a> Synth<'a> {
    /// Writes a disjunct of CHECK `constraint` into the row. `Ok(false)` when the CHECK is not
    /// read here or every disjunct that fits was tried.
    pub(super) async fn satisfy(
        &mut self,
        sb: &mut Sandbox,
        row: &mut Building<'a>,
        constraint: &str,
        depth: usize,
    ) -> Result<bool, SynthError> {
        let Some(disjuncts) = definition(row, constraint).and_then(formula::disjuncts) else {
            return Ok(false);
        };
        let mut order: Vec<(usize, &Disjunct)> = (disjuncts.iter().enumerate())
            .filter(|(_, d)| fits(row, d))
            .collect();
        order.sort_by_key(|(_, d)| (against_earlier(row, d), d.opaque));
        for (i, d) in order {
            if !row.renewed.insert(format!("disjunct {constraint} {i}")) {
                continue;
            }
            if self.write(sb, row, d, depth).await? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Writes what `d` wishes into the row's columns that are not given; whether anything
    /// changed.
    async fn write(
        &mut self,
        sb: &mut Sandbox,
        row: &mut Building<'a>,
        d: &Disjunct,
        depth: usize,
    ) -> Result<bool, SynthError> {
        let mut changed = false;
        let (copies, values): (Vec<_>, Vec<_>) = (d.wishes.iter())
            .filter(|(c, _)| writable(row, c))
            .partition(|(_, w)| matches!(w, Wish::Same(_)));
        for (c, wish) in values.into_iter().chain(copies) {
            let before = row.expr(c);
            match wish {
                Wish::Null => {
                    row.state.insert(c.clone(), Source::Fixed("NULL".into()));
                }
                Wish::NotNull => self.give_value(sb, row, c, depth).await?,
                // An atom not understood reads the column too (a pattern beside a length):
                // a value of its own, the candidates' to find.
                _ if d.opaque_columns.contains(c) => self.give_value(sb, row, c, depth).await?,
                Wish::Same(other) => {
                    if let Some(source) = row.state.get(other).cloned() {
                        row.state.insert(c.clone(), source);
                    }
                }
                other => {
                    let value = self.literal(other);
                    let column = row.table.column(c).expect("a writable column exists");
                    row.state
                        .insert(c.clone(), Source::Fixed(values::cast(&value, column)));
                }
            }
            row.wished.insert(c.clone(), wish.clone());
            if row.expr(c) != before {
                row.last_changed = Some(c.clone());
                changed = true;
            }
        }
        Ok(changed)
    }

    /// A value for a column that holds none (left out without a default, or NULL): what a
    /// left-out column gets ([`Self::fill`]: a parent's for a foreign key column, else a
    /// candidate).
    async fn give_value(
        &mut self,
        sb: &mut Sandbox,
        row: &mut Building<'a>,
        c: &str,
        depth: usize,
    ) -> Result<(), SynthError> {
        let has_default = row.table.column(c).is_some_and(|x| x.default.is_some());
        let holds = match row.state.get(c) {
            Some(Source::Omit) | None => has_default,
            Some(Source::Fixed(e)) => e != "NULL",
            Some(_) => true,
        };
        if !holds {
            row.state.insert(c.to_string(), Source::Omit);
            self.fill(sb, row, c, depth).await?;
        }
        Ok(())
    }

    /// The SQL literal of a literal, length or bound wish.
    fn literal(&mut self, wish: &Wish) -> String {
        match wish {
            Wish::Equal(v) => v.clone(),
            Wish::Length { min, max } => {
                let length = (*min).max(1).min(max.unwrap_or(u64::MAX)) as usize;
                let made = format!("{}", self.fresh());
                let text: String = made
                    .chars()
                    .rev()
                    .chain(std::iter::repeat('x'))
                    .take(length)
                    .collect();
                format!("'{text}'")
            }
            Wish::Between { low, high } => formula::number_between(*low, *high),
            Wish::Null | Wish::NotNull | Wish::Same(_) => unreachable!("written elsewhere"),
        }
    }
}

/// The definition of CHECK `constraint` on the table or a partition.
fn definition<'r>(row: &'r Building<'_>, constraint: &str) -> Option<&'r str> {
    row.family.iter().find_map(|t| {
        (t.constraints.iter())
            .find(|c| c.name == constraint && matches!(c.kind, ConstraintKind::Check))
            .map(|c| c.definition.as_str())
    })
}

/// Whether a column may be written by a disjunct: a column of the table, not generated, and
/// not given (an override, a `[sample]`).
fn writable(row: &Building<'_>, c: &str) -> bool {
    row.table.column(c).is_some_and(|x| !x.generated) && !row.given.iter().any(|g| g == c)
}

/// Whether the row's given values allow `d`: NULL is never wished on a NOT NULL column, a
/// column asked for a value of its own or a given value; a value is never wished on a given
/// NULL; and a foreign key column the caller asked for (its parent is the point) keeps it.
fn fits(row: &Building<'_>, d: &Disjunct) -> bool {
    d.wishes.iter().all(|(c, wish)| {
        let Some(column) = row.table.column(c) else {
            return false;
        };
        let given = row.given.iter().any(|g| g == c);
        let explicit = row.explicit.iter().any(|e| e == c);
        let null_given = given && row.expr(c).as_deref() == Some("NULL");
        match wish {
            Wish::Null => !column.not_null && !explicit && (!given || null_given),
            Wish::NotNull => !null_given,
            // A value wished on a foreign key column the caller asked for: its parent stays.
            _ => {
                let asked_parent = explicit && widest_foreign_key(row.table, c).is_some();
                !null_given && !asked_parent
            }
        }
    })
}

/// How many of `d`'s wishes go against what an earlier disjunct (of another CHECK) wrote:
/// fewer first, so two CHECKs on one column do not undo each other.
fn against_earlier(row: &Building<'_>, d: &Disjunct) -> usize {
    (d.wishes.iter())
        .filter(|(c, wish)| {
            row.wished.get(c).is_some_and(|earlier| {
                matches!(
                    (earlier, wish),
                    (Wish::Null, w) | (w, Wish::Null) if !matches!(w, Wish::Null)
                )
            })
        })
        .count()
}
