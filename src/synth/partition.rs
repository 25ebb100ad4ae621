//! Partitioned tables: the columns of a partition key, and the values its bounds name.

use super::values;
use crate::catalog::{Catalog, Table};

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
