//! Stored generated columns (`GENERATED ALWAYS AS (expr) STORED`): never written, so a NOT NULL
//! or a key on one is met through the columns its expression reads. The common shape reads keys
//! of a JSON document (kestra's `key varchar GENERATED ALWAYS AS (value ->> 'id')`, `deleted
//! bool ... ((value ->> 'deleted')::boolean)`): the document gets every key those expressions
//! read, each a value its cast accepts.

use crate::catalog::{Column, Table};
use crate::names::{ident, literal};

/// A JSON document for `column` holding every key the table's generated columns read from it
/// (`None` when they read none), with number `n` in its strings and numbers, so two rows differ.
pub(super) fn document(table: &Table, column: &Column, n: u64) -> Option<String> {
    if !matches!(column.value.base_name.as_str(), "json" | "jsonb") {
        return None;
    }
    let mut keys: Vec<(String, String)> = Vec::new();
    for g in table.columns.iter().filter(|c| c.generated) {
        let Some(expr) = &g.default else { continue };
        for (key, cast) in read_keys(expr, &column.name) {
            if !keys.iter().any(|(k, _)| *k == key) {
                keys.push((key, json_value(cast.as_deref(), n)));
            }
        }
    }
    if keys.is_empty() {
        return None;
    }
    let fields: Vec<String> = keys
        .iter()
        .map(|(k, v)| format!("{}: {v}", json_string(k)))
        .collect();
    Some(literal(&format!("{{{}}}", fields.join(", "))))
}

/// The keys `expr` (as `pg_get_expr` prints it) reads from `column` with `->>` or `->`, each
/// with the type its value is cast to right after (`((value ->> 'deleted'::text))::boolean`).
fn read_keys(expr: &str, column: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for name in [ident(column), column.to_string()] {
        for op in ["->>", "->"] {
            let needle = format!("{name} {op} '");
            let mut rest = expr;
            while let Some(i) = rest.find(&needle) {
                rest = &rest[i + needle.len()..];
                let Some(end) = rest.find('\'') else { break };
                let key = rest[..end].to_string();
                let after = rest[end + 1..].trim_start_matches("::text");
                let after = after.trim_start_matches(')');
                let cast = after.strip_prefix("::").map(|t| {
                    t.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == ' ' || *c == '_')
                        .collect::<String>()
                        .trim()
                        .to_string()
                });
                out.push((key, cast));
            }
        }
    }
    out
}

/// A JSON value whose text the cast accepts: `false` for a boolean, `n` for a number, a date
/// for a date or time, else a string with `n` in it.
fn json_value(cast: Option<&str>, n: u64) -> String {
    match cast.unwrap_or("text") {
        "boolean" | "bool" => "false".into(),
        "integer" | "bigint" | "smallint" | "numeric" | "real" | "double precision" => {
            n.to_string()
        }
        t if t.starts_with("timestamp") || t == "date" => "\"2026-01-01T00:00:00Z\"".into(),
        _ => json_string(&format!("g{n}")),
    }
}

/// `s` as a JSON string.
fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_with_the_type_they_are_cast_to() {
        let keys = read_keys("((value ->> 'deleted'::text))::boolean", "value");
        assert_eq!(keys, vec![("deleted".into(), Some("boolean".into()))]);
        let keys = read_keys("(value ->> 'id'::text)", "value");
        assert_eq!(keys, vec![("id".into(), None)]);
        let keys = read_keys("((\"Doc\" -> 'n'::text))::integer", "Doc");
        assert_eq!(keys, vec![("n".into(), Some("integer".into()))]);
    }

    #[test]
    fn each_value_is_one_its_cast_accepts() {
        assert_eq!(json_value(Some("boolean"), 7), "false");
        assert_eq!(json_value(Some("integer"), 7), "7");
        assert_eq!(json_value(None, 7), "\"g7\"");
    }
}
