//! Candidate values for a column: SQL expressions of its type, best first.
//!
//! First the constants the schema itself names for the column (enum labels, literals in CHECKs
//! on it and in its domains, partition bounds), then values made from the type, numbered by a
//! counter so that each row gets fresh ones (UNIQUE). Every candidate is cast to the column's own
//! type, so `varchar(n)` and `char(n)` truncate instead of failing.

use crate::catalog::{Column, ValueType};
use crate::names::literal;

/// How many type-made candidates each type has (see [`made`]).
pub const MADE: usize = 6;

/// The constants a CHECK (or domain CHECK, or partition bound) definition mentions: its string
/// literals (with their `::type` cast dropped) and its numbers, each once, in order.
pub fn constants(definition: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let chars: Vec<char> = definition.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            let mut text = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        text.push('\'');
                        i += 2;
                        continue;
                    }
                    break;
                }
                text.push(chars[i]);
                i += 1;
            }
            push_unique(&mut found, literal(&text));
        } else if c.is_ascii_digit()
            && !chars
                .get(i.wrapping_sub(1))
                .is_some_and(|p| p.is_alphanumeric() || *p == '_' || *p == '"')
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let number: String = chars[start..i].iter().collect();
            let negative = start > 0 && chars[start - 1] == '-';
            let number = if negative {
                format!("-{number}")
            } else {
                number
            };
            if let Ok(n) = number.trim_end_matches('.').parse::<f64>() {
                // Boundaries: the constant and its neighbours (`> 0`, `<= 100`, `BETWEEN 1 AND 5`).
                for v in [n, n + 1.0, n - 1.0] {
                    push_unique(&mut found, trim_number(v));
                }
            }
            continue;
        }
        i += 1;
    }
    found
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn trim_number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The `k`-th type-made value (`k < MADE`) for number `n`, as an SQL expression, not yet cast.
pub fn made(value: &ValueType, k: usize, n: u64) -> String {
    let name = value.base_name.as_str();
    match value.category {
        'E' => value
            .labels
            .get(k % value.labels.len().max(1))
            .map(|l| literal(l))
            .unwrap_or_else(|| "NULL".into()),
        'A' => array(value, k, n),
        'B' => ["true", "false"][k % 2].into(),
        'N' => number(value, k, n),
        'D' => datetime(name, k, n),
        'S' => text(k, n),
        'T' => [
            "'1 day'",
            "'1 hour'",
            "'0'",
            "'1 minute'",
            "'7 days'",
            "'1 second'",
        ][k]
            .into(),
        'I' => [
            format!("'10.{}.{}.{}'", (n >> 16) % 256, (n >> 8) % 256, n % 256),
            "'127.0.0.1'".into(),
            "'10.0.0.0/8'".into(),
            "'::1'".into(),
            "'192.168.0.1'".into(),
            "'10.1.0.0/16'".into(),
        ][k]
            .clone(),
        'R' => range(name, k, n),
        'C' => composite(k, n),
        'G' => [
            "'(0,0)'",
            "'((0,0),(1,1))'",
            "'<(0,0),1>'",
            "'{1,1,0}'",
            "'[(0,0),(1,1)]'",
            "'(0,0)'",
        ][k]
            .into(),
        _ => other(name, k, n),
    }
}

fn text(k: usize, n: u64) -> String {
    // Short columns (`varchar(3)`, `char(2)`) keep the first characters: the ones that vary come
    // first, so consecutive numbers stay distinct after truncation.
    let short = base36_reversed(n);
    [
        format!("'{short}'"),
        format!("'value {n}'"),
        format!("'user{n}@example.com'"),
        format!("'https://example.com/{n}'"),
        format!("'V{n}'"),
        format!("'value-{n}-of-a-synthesized-row'"),
    ][k]
        .clone()
}

/// `n` in base 36, least significant digit first.
fn base36_reversed(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = String::new();
    loop {
        out.push(DIGITS[(n % 36) as usize] as char);
        n /= 36;
        if n == 0 {
            return out;
        }
    }
}

fn number(value: &ValueType, k: usize, n: u64) -> String {
    let name = value.base_name.as_str();
    let limit: u64 = match name {
        "smallint" => 30_000,
        "integer" | "oid" => 2_000_000_000,
        "numeric" => numeric_limit(&value.base),
        _ => u64::MAX,
    };
    let n = if limit == 0 { 0 } else { n % limit };
    match (k, name) {
        (0, "money") => format!("'{n}.00'"),
        (0, _) => n.to_string(),
        (1, _) => "1".into(),
        (2, _) => "0".into(),
        (3, "numeric" | "real" | "double precision") => "0.5".into(),
        (3, _) => "2".into(),
        (4, _) => (n % 100).to_string(),
        _ => "100".into(),
    }
}

/// The largest integer a `numeric(p,s)` holds, plus one; `u64::MAX` without a modifier.
fn numeric_limit(base: &str) -> u64 {
    let Some(args) = base
        .strip_prefix("numeric(")
        .and_then(|r| r.strip_suffix(')'))
    else {
        return u64::MAX;
    };
    let mut parts = args
        .split(',')
        .map(|p| p.trim().parse::<i64>().unwrap_or(0));
    let (p, s) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    let digits = (p - s).clamp(0, 18) as u32;
    10u64.pow(digits)
}

fn datetime(name: &str, k: usize, n: u64) -> String {
    let days = n % 3650;
    match name {
        "date" => [
            format!("DATE '2024-01-01' + {days}"),
            "CURRENT_DATE".into(),
            "DATE '2000-01-01'".into(),
            "DATE '2024-01-01'".into(),
            "CURRENT_DATE - 1".into(),
            "CURRENT_DATE + 1".into(),
        ][k]
            .clone(),
        "time without time zone" | "time with time zone" => [
            "'12:00:00'",
            "'00:00:00'",
            "'23:59:59'",
            "'08:30:00'",
            "'12:00:00'",
            "'06:00:00'",
        ][k]
            .into(),
        // Near now() first: windows such as `expires_at > started_at` (a default of now()).
        _ => [
            "now()".to_string(),
            "now() + interval '1 hour'".into(),
            "now() - interval '1 hour'".into(),
            "now() + interval '1 day'".into(),
            format!("TIMESTAMPTZ '2024-01-01 00:00:00+00' + interval '{n} seconds'"),
            "TIMESTAMPTZ '2000-01-01 00:00:00+00'".into(),
        ][k]
            .clone(),
    }
}

fn array(value: &ValueType, k: usize, n: u64) -> String {
    let Some((element, category)) = &value.element else {
        return "'{}'".into();
    };
    if k == 0 {
        return "'{}'".into();
    }
    let inner = ValueType {
        base: element.clone(),
        base_name: element.clone(),
        category: *category,
        labels: value.labels.clone(),
        domain_checks: Vec::new(),
        element: None,
    };
    format!("ARRAY[({})::{element}]", made(&inner, k - 1, n))
}

/// Ranges: input syntax of the usual kinds first, then one made from `n` so that rows differ
/// (an exclusion constraint on overlapping ranges).
fn range(name: &str, k: usize, n: u64) -> String {
    // `'(,)'` overlaps every range: last, so that an exclusion constraint tries the others.
    match k {
        0 => return "'empty'".into(),
        1 => return "'[1,2)'".into(),
        2 => return "'[2024-01-01,2024-01-02)'".into(),
        3 => return "'[0,1]'".into(),
        5 => return "'(,)'".into(),
        _ => {}
    }
    let next = n + 1;
    match name {
        "tstzrange" => format!(
            "tstzrange(TIMESTAMPTZ '2024-01-01 00:00:00+00' + interval '{n} hours', TIMESTAMPTZ '2024-01-01 00:00:00+00' + interval '{next} hours')"
        ),
        "tsrange" => format!(
            "tsrange(TIMESTAMP '2024-01-01' + interval '{n} hours', TIMESTAMP '2024-01-01' + interval '{next} hours')"
        ),
        "daterange" => format!("daterange(DATE '2024-01-01' + {n}, DATE '2024-01-01' + {next})"),
        _ => format!("'[{n},{next})'"),
    }
}

/// Composite values of 1 to 6 fields, each the number `n` (text and numeric fields take it):
/// the arity is found by trying, and rows differ.
fn composite(k: usize, n: u64) -> String {
    let arity = [2, 1, 3, 4, 5, 6][k];
    format!("'({})'", vec![n.to_string(); arity].join(","))
}

/// Types of extensions and the rest (`uuid`, `json`, `ltree`, `hstore`, `bytea`…): their input
/// syntax, tried in turn.
fn other(name: &str, k: usize, n: u64) -> String {
    match name {
        "uuid" => format!(
            "'{:08x}-0000-4000-8000-{:012x}'",
            (n >> 48) as u32,
            n & 0xffff_ffff_ffff
        ),
        "json" | "jsonb" => [
            "'{}'".to_string(),
            format!("'{{\"v\": {n}}}'"),
            "'[]'".into(),
            "'\"v\"'".into(),
            "'1'".into(),
            "'null'".into(),
        ][k]
            .clone(),
        "bytea" => format!("'\\x{:02x}'", n % 256),
        "macaddr" | "macaddr8" => format!(
            "'08:00:2b:{:02x}:{:02x}:{:02x}'",
            (n >> 16) % 256,
            (n >> 8) % 256,
            n % 256
        ),
        "ltree" | "lquery" => [
            format!("'v{n}'"),
            "'a.b'".into(),
            "'a'".into(),
            "'v'".into(),
            "'top'".into(),
            "'a.b.c'".into(),
        ][k]
            .clone(),
        _ => [
            format!("'v{n}'"),
            "''".into(),
            "'1'".into(),
            "'{}'".into(),
            "'a.b'".into(),
            "'(0,0)'".into(),
        ][k]
            .clone(),
    }
}

/// Casts an expression to the column's type: `('v1')::character varying(2)`.
pub fn cast(expr: &str, column: &Column) -> String {
    format!("({expr})::{}", column.type_)
}

/// Whether values of this type are worth testing with `SELECT <value>::type` before use: types
/// whose input syntax is not known here, and domains (their CHECKs can refuse anything).
pub fn needs_probe(value: &ValueType) -> bool {
    !value.domain_checks.is_empty()
        || matches!(value.category, 'U' | 'X' | 'G' | 'R' | 'A' | 'P' | 'C')
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(
        "CHECK ((status = ANY (ARRAY['active'::text, 'it''s'::text])))",
        &["'active'", "'it''s'"]
    )]
    #[case("CHECK (((price >= (0)::numeric) AND (price <= (100)::numeric)))", &["0", "1", "-1", "100", "101", "99"])]
    #[case("CHECK ((char_length(name) > 2))", &["2", "3", "1"])]
    #[case("CHECK ((col1 > -5))", &["-5", "-4", "-6"])]
    fn constants_are_literals_and_boundaries(#[case] def: &str, #[case] expected: &[&str]) {
        assert_eq!(constants(def), expected);
    }

    #[test]
    fn numeric_precision_bounds_the_integer_part() {
        assert_eq!(numeric_limit("numeric(5,2)"), 1000);
        assert_eq!(numeric_limit("numeric(3,3)"), 1);
        assert_eq!(numeric_limit("numeric"), u64::MAX);
    }
}
