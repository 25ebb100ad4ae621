//! Versions compared the way the tools compare them.
//!
//! Every tool orders its chain by a version taken from the file name. Comparing those as text
//! goes wrong as soon as the numbers have different lengths (`10_b` before `2_a`), and parsing
//! them into an integer overflows on long timestamps; comparing digit strings by length, after
//! leading zeros, does neither.

use std::cmp::Ordering;

/// Splits `name` after its leading ASCII digits: `("0042", "_create_orgs.sql")`.
pub(super) fn leading_digits(name: &str) -> (&str, &str) {
    let end = name
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(name.len());
    name.split_at(end)
}

/// Compares two strings of ASCII digits by their value: `2 < 10`, `007 == 7`.
pub(super) fn cmp_numeric(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Compares flyway versions (`1.2.3`, parts already separated by dots) part by part, a missing
/// part counting as zero, as Flyway does: `1.10 > 1.9`, `1.0 == 1`.
pub(super) fn cmp_flyway(a: &str, b: &str) -> Ordering {
    let mut a = a.split('.');
    let mut b = b.split('.');
    loop {
        let (x, y) = match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (x, y) => (x.unwrap_or("0"), y.unwrap_or("0")),
        };
        let ordering = cmp_numeric(x, y);
        if ordering.is_ne() {
            return ordering;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case("2", "10", Ordering::Less)]
    #[case("007", "7", Ordering::Equal)]
    #[case("0", "", Ordering::Equal)]
    #[case("20240101000000", "20240102000000", Ordering::Less)]
    #[case("99999999999999999999999", "100000000000000000000000", Ordering::Less)]
    fn numeric(#[case] a: &str, #[case] b: &str, #[case] expected: Ordering) {
        assert_eq!(cmp_numeric(a, b), expected);
        assert_eq!(cmp_numeric(b, a), expected.reverse());
    }

    #[rstest]
    #[case("1.10", "1.9", Ordering::Greater)]
    #[case("1.0", "1", Ordering::Equal)]
    #[case("1.0.1", "1", Ordering::Greater)]
    #[case("2", "1.999", Ordering::Greater)]
    #[case("01.2", "1.02", Ordering::Equal)]
    fn flyway(#[case] a: &str, #[case] b: &str, #[case] expected: Ordering) {
        assert_eq!(cmp_flyway(a, b), expected);
        assert_eq!(cmp_flyway(b, a), expected.reverse());
    }

    #[rstest]
    #[case("0042_x.sql", ("0042", "_x.sql"))]
    #[case("x.sql", ("", "x.sql"))]
    #[case("123", ("123", ""))]
    fn digits(#[case] name: &str, #[case] expected: (&str, &str)) {
        assert_eq!(leading_digits(name), expected);
    }

    proptest! {
        #[test]
        fn numeric_order_is_integer_order(a in any::<u64>(), b in any::<u64>(), za in 0usize..3, zb in 0usize..3) {
            let a_text = format!("{}{a}", "0".repeat(za));
            let b_text = format!("{}{b}", "0".repeat(zb));
            prop_assert_eq!(cmp_numeric(&a_text, &b_text), a.cmp(&b));
        }

        #[test]
        fn flyway_order_is_lexicographic_on_parts(
            a in prop::collection::vec(0u32..20, 1..4),
            b in prop::collection::vec(0u32..20, 1..4),
        ) {
            let text = |parts: &[u32]| parts.iter().map(u32::to_string).collect::<Vec<_>>().join(".");
            let trim = |parts: &[u32]| {
                let mut parts = parts.to_vec();
                while parts.len() > 1 && parts.last() == Some(&0) {
                    parts.pop();
                }
                parts
            };
            prop_assert_eq!(cmp_flyway(&text(&a), &text(&b)), trim(&a).cmp(&trim(&b)));
        }
    }
}
