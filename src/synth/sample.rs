//! `[sample]` expressions from a table file: text a user wrote, put inside the INSERTs of a
//! transaction that must stay rolled back.
//!
//! A sample is exactly one SQL expression. Each is checked before its first use in a synthesizer
//! as `SELECT (\n<expr>\n)::text` through the extended protocol, which refuses several commands
//! (`'x'); COMMIT; CREATE ROLE …`): it must parse, run, and give one row of one column (`1), (2`
//! gives two; `1) WHERE (false` none). The newlines end a trailing `--` comment in the check, and
//! the same is done where the sample is written into an INSERT.

use indexmap::IndexMap;

use super::{Sandbox, Synth, SynthError};
use crate::catalog::Table;

impl Synth<'_> {
    /// The table file's `[sample]` expressions for `table`, by column, each checked to be one SQL
    /// expression, ready to be written into an INSERT.
    pub(super) async fn samples(
        &mut self,
        sb: &mut Sandbox,
        table: &Table,
    ) -> Result<IndexMap<String, String>, SynthError> {
        let Some(spec) = self.spec.table(&table.name) else {
            return Ok(IndexMap::new());
        };
        let mut out = IndexMap::new();
        for (name, sample) in &spec.sample {
            let Some(column) = table.column(name) else {
                let reason = format!(
                    "the [sample] at {} names a column {name:?} that {} does not have",
                    sample.at, table.name
                );
                return Err(SynthError::plain(&table.name, Some(name), reason));
            };
            if column.generated {
                let reason = format!(
                    "the [sample] at {} is for {name}, a generated column: no INSERT writes it, so a [sample] for it cannot help; give one for the columns its expression reads instead: GENERATED ALWAYS AS ({})",
                    sample.at,
                    column.default.as_deref().unwrap_or("its expression")
                );
                return Err(SynthError::plain(&table.name, Some(name), reason));
            }
            if !self.checked_samples.contains(&sample.at) {
                one_expression(sb, &sample.value).await.map_err(|why| {
                    let reason = format!(
                        "the [sample] {name} at {} is refused: a sample is exactly one SQL expression, and {why}",
                        sample.at
                    );
                    SynthError::plain(&table.name, Some(name), reason)
                })?;
                self.checked_samples.insert(sample.at.clone());
            }
            out.insert(name.clone(), embeddable(&sample.value));
        }
        Ok(out)
    }
}

/// `Ok` when `expr` is one SQL expression with one value; else what PostgreSQL made of it.
async fn one_expression(sb: &mut Sandbox, expr: &str) -> Result<(), String> {
    let sql = format!("SELECT (\n{expr}\n)::text");
    let out = sb
        .expression(&sql)
        .await
        .map_err(|e| format!("SELECT (<it>) gave {e}"))?;
    match (out.rows.len(), out.rows.first().map(Vec::len)) {
        (1, Some(1)) => Ok(()),
        (1, Some(n)) => Err(format!("SELECT (<it>) gave {n} columns")),
        (n, _) => Err(format!("SELECT (<it>) gave {n} rows")),
    }
}

/// The sample as it is written into an INSERT: a trailing `--` comment is ended by a newline so
/// it cannot hide the rest of the statement.
fn embeddable(expr: &str) -> String {
    if expr.contains("--") {
        format!("{expr}\n")
    } else {
        expr.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comment_cannot_hide_the_rest_of_the_insert() {
        assert_eq!(embeddable("42 -- the answer"), "42 -- the answer\n");
        assert_eq!(embeddable("'a-b'"), "'a-b'");
    }
}
