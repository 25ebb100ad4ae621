//! Partitioned tables: the columns of a partition key, the values its bounds name, and a row
//! that no partition takes.
//!
//! Applications often create partitions at run time (next month's, a new tenant's list), so the
//! migrated schema may have none for the row being built, or only past ones while the key
//! defaults to `now()`. Synthesis first tries other values of the key (the bounds of existing
//! partitions are candidates); when the relation has no partition at all, or none takes any
//! value tried, it creates the partition the row needs inside the rolled-back transaction, and
//! the transcript says so.

use super::row::Building;
use super::{DbError, Sandbox, Synth, SynthError, values};
use crate::catalog::{Catalog, Table};
use crate::names::TableName;

/// Why a partition appears in a transcript.
const CREATED: &str = "no partition took the row: created for it inside this rolled-back transaction (the application creates partitions at run time)";

impl<'a> Synth<'a> {
    /// Repairs a row refused with `no partition of relation "x" found for row`; `Ok(false)` when
    /// nothing is left to try.
    pub(super) async fn route(
        &mut self,
        sb: &mut Sandbox,
        row: &mut Building<'a>,
        e: &DbError,
    ) -> Result<bool, SynthError> {
        let relation = (e.table.as_deref())
            .and_then(|t| row.family.iter().copied().find(|x| x.name.name == t));
        let Some(relation) = relation else {
            return Ok(false);
        };
        let partitioned = self.catalog.partitions(relation);
        let keys = row.partition_key_columns();
        if !partitioned.is_empty() && row.advance(self, &keys) {
            return Ok(true);
        }
        let Some(sql) = partition_for(relation, partitioned.is_empty()) else {
            return Ok(false);
        };
        if !row.renewed.insert(sql.clone()) {
            return Ok(false);
        }
        if sb.attempt(&sql, true).await.is_err() {
            return Ok(false);
        }
        sb.record(&sql, Some(CREATED));
        Ok(true)
    }
}

/// The partition that takes every row `relation` has none for: its DEFAULT partition, or, for
/// HASH without any partition, the one of modulus 1. `None` for HASH with partitions (another
/// value of the key may fit, a new partition cannot).
fn partition_for(relation: &Table, empty: bool) -> Option<String> {
    let hash = (relation.partition_key.as_deref()).is_some_and(|k| k.starts_with("HASH"));
    let bound = match (hash, empty) {
        (false, _) => "DEFAULT",
        (true, true) => "FOR VALUES WITH (MODULUS 1, REMAINDER 0)",
        (true, false) => return None,
    };
    let name: String = format!("{}_pg_invariants", relation.name.name)
        .chars()
        .rev()
        .take(63)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let partition = TableName::new(&relation.name.schema, name);
    Some(format!(
        "CREATE TABLE {} PARTITION OF {} {bound}",
        partition.sql(),
        relation.name.sql()
    ))
}

/// Literals from the bounds of the partitions of `table` (at any depth) whose parent is
/// partitioned on `column` by RANGE or LIST: values that route somewhere.
pub(super) fn partition_constants(catalog: &Catalog, table: &Table, column: &str) -> Vec<String> {
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
pub(super) fn key_columns(key: &str) -> Vec<String> {
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
