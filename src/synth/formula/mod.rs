//! A CHECK constraint read as a formula over the row's columns: the disjuncts of its disjunctive
//! normal form, each a list of what it asks of a column (NULL, a value, a literal, a length, a
//! bound, another column's value).
//!
//! Why: a CHECK that ties columns together by value (openmeter's cost bases: `mode = 'pinned'`
//! and both references set and equal, or `mode = 'manual'` and neither set and a positive rate;
//! a currency code of length 3 without a custom currency, longer with one) has one valid
//! combination among thousands of candidate values. Trying values column by column never finds
//! it; reading the CHECK gives it in one step. Only what is sure is read: an atom this module
//! does not understand counts as opaque (the row's other repairs still apply to it), and a
//! definition it cannot parse gives no formula at all.
//!
//! The text read is `pg_get_constraintdef`'s, which PostgreSQL prints fully parenthesized with
//! casts spelled out: `CHECK ((((mode)::text = 'pinned'::text) AND (x IS NOT NULL)) OR …)`.

mod parse;

use parse::Expr;

/// What one disjunct asks of one column.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Wish {
    Null,
    NotNull,
    /// Equal to this SQL literal (a string with its quotes, or a number).
    Equal(String),
    /// A text whose length lies in `min..=max`.
    Length {
        min: u64,
        max: Option<u64>,
    },
    /// A number within the bounds: `(value, inclusive)`.
    Between {
        low: Option<(f64, bool)>,
        high: Option<(f64, bool)>,
    },
    /// The value another column holds.
    Same(String),
}

/// One way to satisfy the CHECK: every wish together, plus atoms not understood.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Disjunct {
    pub(super) wishes: Vec<(String, Wish)>,
    /// How many atoms are not understood, and the columns they read: a value wished there
    /// (a length) may not be one they accept (a pattern), so such a column only gets a value of
    /// its own, from the candidates.
    pub(super) opaque: usize,
    pub(super) opaque_columns: Vec<String>,
}

/// At most this many disjuncts: a CHECK whose normal form is larger is not read.
const MAX_DISJUNCTS: usize = 64;

/// The disjuncts of `definition` (`CHECK (…)`, as `pg_get_constraintdef` prints it), those
/// that contradict themselves (`a IS NULL AND a IS NOT NULL`) left out; `None` when the text is
/// not understood.
pub(super) fn disjuncts(definition: &str) -> Option<Vec<Disjunct>> {
    let body = definition.trim().strip_prefix("CHECK")?;
    let body = body.trim().trim_end_matches("NOT VALID").trim();
    let expr = parse::parse(body)?;
    let forms = normal_form(&expr, false)?;
    Some(
        forms
            .into_iter()
            .filter_map(|atoms| merge(&atoms))
            .collect(),
    )
}

/// An atom of the normal form: an expression that must be true (or false, `negated`).
type Atom = (Expr, bool);

/// The disjunctive normal form of `e` (negated: of `NOT e`), each disjunct a list of atoms;
/// `None` when it grows past [`MAX_DISJUNCTS`].
fn normal_form(e: &Expr, negated: bool) -> Option<Vec<Vec<Atom>>> {
    match (e, negated) {
        (Expr::Not(inner), _) => normal_form(inner, !negated),
        (Expr::Or(items), false) | (Expr::And(items), true) => {
            let mut out = Vec::new();
            for item in items {
                out.extend(normal_form(item, negated)?);
                if out.len() > MAX_DISJUNCTS {
                    return None;
                }
            }
            Some(out)
        }
        (Expr::And(items), false) | (Expr::Or(items), true) => {
            let mut out: Vec<Vec<Atom>> = vec![Vec::new()];
            for item in items {
                let forms = normal_form(item, negated)?;
                let mut next = Vec::new();
                for left in &out {
                    for right in &forms {
                        next.push(left.iter().chain(right).cloned().collect());
                    }
                }
                if next.len() > MAX_DISJUNCTS {
                    return None;
                }
                out = next;
            }
            Some(out)
        }
        _ => Some(vec![vec![(e.clone(), negated)]]),
    }
}

/// A disjunct's atoms as wishes per column, merged; `None` when two contradict each other.
fn merge(atoms: &[Atom]) -> Option<Disjunct> {
    let mut d = Disjunct {
        wishes: Vec::new(),
        opaque: 0,
        opaque_columns: Vec::new(),
    };
    for (e, negated) in atoms {
        let Some((column, wish)) = wish(e, *negated) else {
            d.opaque += 1;
            columns_of(e, &mut d.opaque_columns);
            continue;
        };
        match d.wishes.iter_mut().find(|(c, _)| *c == column) {
            Some((_, held)) => *held = both(held, &wish)?,
            None => d.wishes.push((column, wish)),
        }
    }
    Some(d)
}

/// The columns `e` reads, added to `out`.
fn columns_of(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Column(c) if !out.contains(c) => out.push(c.clone()),
        Expr::Or(items) | Expr::And(items) | Expr::Call(_, items) | Expr::Opaque(items) => {
            items.iter().for_each(|i| columns_of(i, out))
        }
        Expr::Not(inner) | Expr::IsNull(inner, _) => columns_of(inner, out),
        Expr::Compare(_, a, b) => {
            columns_of(a, out);
            columns_of(b, out);
        }
        Expr::Any(_, a, items) => {
            columns_of(a, out);
            items.iter().for_each(|i| columns_of(i, out));
        }
        _ => {}
    }
}

/// One atom as a wish on one column, when it is one this module reads.
fn wish(e: &Expr, negated: bool) -> Option<(String, Wish)> {
    match e {
        Expr::IsNull(inner, not) => {
            let Expr::Column(c) = inner.as_ref() else {
                return None;
            };
            let null = *not == negated;
            Some((c.clone(), if null { Wish::Null } else { Wish::NotNull }))
        }
        Expr::Column(c) => Some((c.clone(), Wish::Equal((!negated).to_string()))),
        Expr::Compare(op, left, right) => {
            let op = if negated { opposite(op)? } else { op.as_str() };
            compare(op, left, right).or_else(|| compare(mirrored(op), right, left))
        }
        Expr::Any(op, left, items) if op == "=" && !negated => {
            let Expr::Column(c) = left.as_ref() else {
                return None;
            };
            let first = items.iter().find_map(|i| match i {
                Expr::Literal(s) | Expr::Number(_, s) => Some(s.clone()),
                _ => None,
            })?;
            Some((c.clone(), Wish::Equal(first)))
        }
        _ => None,
    }
}

/// `left op right` with a column (or a length of one) on the left.
fn compare(op: &str, left: &Expr, right: &Expr) -> Option<(String, Wish)> {
    match (left, right) {
        (Expr::Column(c), Expr::Literal(s)) => match op {
            "=" => Some((c.clone(), Wish::Equal(s.clone()))),
            "<>" | "!=" => Some((c.clone(), Wish::NotNull)),
            // A negative number prints as a string: `(a >= '-1'::integer)`.
            _ => {
                let v: f64 = s.trim_matches('\'').parse().ok()?;
                Some((c.clone(), bounds(op, v)))
            }
        },
        (Expr::Column(c), Expr::Number(v, text)) => Some((
            c.clone(),
            match op {
                "=" => Wish::Equal(text.clone()),
                "<>" | "!=" => Wish::NotNull,
                _ => bounds(op, *v),
            },
        )),
        (Expr::Column(a), Expr::Column(b)) if op == "=" => Some((a.clone(), Wish::Same(b.clone()))),
        (Expr::Call(f, args), Expr::Number(v, _)) => {
            let [Expr::Column(c)] = args.as_slice() else {
                return None;
            };
            let lengths = ["char_length", "character_length", "length", "octet_length"];
            if !lengths.contains(&f.as_str()) || *v < 0.0 || v.fract() != 0.0 {
                return None;
            }
            let n = *v as u64;
            let (min, max) = match op {
                "=" => (n, Some(n)),
                ">" => (n + 1, None),
                ">=" => (n, None),
                "<" => (0, Some(n.checked_sub(1)?)),
                "<=" => (0, Some(n)),
                _ => return None,
            };
            Some((c.clone(), Wish::Length { min, max }))
        }
        _ => None,
    }
}

fn bounds(op: &str, v: f64) -> Wish {
    let (low, high) = match op {
        ">" => (Some((v, false)), None),
        ">=" => (Some((v, true)), None),
        "<" => (None, Some((v, false))),
        _ => (None, Some((v, true))),
    };
    Wish::Between { low, high }
}

fn opposite(op: &str) -> Option<&'static str> {
    Some(match op {
        "=" => "<>",
        "<>" | "!=" => "=",
        "<" => ">=",
        ">=" => "<",
        ">" => "<=",
        "<=" => ">",
        _ => return None,
    })
}

fn mirrored(op: &str) -> &str {
    match op {
        "<" => ">",
        ">" => "<",
        "<=" => ">=",
        ">=" => "<=",
        other => other,
    }
}

/// Two wishes on one column together; `None` when they contradict each other. A wish that
/// adds nothing to the other gives way to it.
fn both(a: &Wish, b: &Wish) -> Option<Wish> {
    use Wish::*;
    match (a, b) {
        (Null, Null) => Some(Null),
        (Null, _) | (_, Null) => None,
        (NotNull, other) | (other, NotNull) => Some(other.clone()),
        (Equal(x), Equal(y)) => (x == y).then(|| a.clone()),
        (
            Length {
                min: a_min,
                max: a_max,
            },
            Length {
                min: b_min,
                max: b_max,
            },
        ) => {
            let min = *a_min.max(b_min);
            let max = match (a_max, b_max) {
                (Some(x), Some(y)) => Some(*x.min(y)),
                (x, y) => x.or(*y),
            };
            max.is_none_or(|m| m >= min).then_some(Length { min, max })
        }
        (
            Between {
                low: a_low,
                high: a_high,
            },
            Between {
                low: b_low,
                high: b_high,
            },
        ) => Some(Between {
            low: tighter(*a_low, *b_low, |x, y| x > y),
            high: tighter(*a_high, *b_high, |x, y| x < y),
        }),
        // An equality with something else: the equality decides; PostgreSQL says whether the
        // two agree.
        (Equal(_), _) | (Same(_), _) => Some(a.clone()),
        (_, Equal(_)) | (_, Same(_)) => Some(b.clone()),
        _ => Some(a.clone()),
    }
}

fn tighter(
    a: Option<(f64, bool)>,
    b: Option<(f64, bool)>,
    beyond: fn(f64, f64) -> bool,
) -> Option<(f64, bool)> {
    match (a, b) {
        (Some(x), Some(y)) if beyond(y.0, x.0) || (y.0 == x.0 && !y.1) => Some(y),
        (Some(x), _) => Some(x),
        (None, y) => y,
    }
}

/// A number within `low`/`high`, as SQL: the lowest integer the bounds allow, or a midpoint.
pub(super) fn number_between(low: Option<(f64, bool)>, high: Option<(f64, bool)>) -> String {
    let start = match low {
        Some((v, true)) => v.ceil(),
        Some((v, false)) => v.floor() + 1.0,
        None => match high {
            Some((v, true)) => v.floor().min(1.0),
            Some((v, false)) => (v.ceil() - 1.0).min(1.0),
            None => 1.0,
        },
    };
    let fits = |x: f64| match high {
        Some((v, true)) => x <= v,
        Some((v, false)) => x < v,
        None => true,
    };
    let value = if fits(start) {
        start
    } else {
        let low = low.map_or(start - 1.0, |(v, _)| v);
        let high = high.map_or(start + 1.0, |(v, _)| v);
        (low + high) / 2.0
    };
    let text = format!("{value}");
    if value < 0.0 {
        format!("({text})")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wishes(d: &Disjunct) -> Vec<(&str, Wish)> {
        d.wishes
            .iter()
            .map(|(c, w)| (c.as_str(), w.clone()))
            .collect()
    }

    #[test]
    fn reads_openmeters_currency_reference() {
        let ds = disjuncts(
            "CHECK ((((currency IS NULL) AND (custom_currency_id IS NULL)) OR ((currency IS NOT NULL) AND (char_length((currency)::text) = 3) AND (custom_currency_id IS NULL)) OR ((currency IS NOT NULL) AND (char_length((currency)::text) > 3) AND (custom_currency_id IS NOT NULL))))",
        )
        .unwrap();
        assert_eq!(ds.len(), 3);
        assert_eq!(
            wishes(&ds[2]),
            vec![
                ("currency", Wish::Length { min: 4, max: None }),
                ("custom_currency_id", Wish::NotNull)
            ]
        );
        assert!(ds.iter().all(|d| d.opaque == 0));
    }

    #[test]
    fn distributes_a_nested_or_and_reads_literals_and_bounds() {
        let ds = disjuncts(
            "CHECK (((((mode)::text = 'dynamic'::text) AND (a IS NULL) AND (((r IS NULL) AND (v IS NULL)) OR ((r IS NOT NULL) AND (v IS NOT NULL)))) OR (((mode)::text = 'pinned'::text) AND (a IS NOT NULL) AND (r = a) AND (v > (0)::numeric))))",
        )
        .unwrap();
        assert_eq!(ds.len(), 3);
        assert_eq!(
            wishes(&ds[2]),
            vec![
                ("mode", Wish::Equal("'pinned'".into())),
                ("a", Wish::NotNull),
                ("r", Wish::Same("a".into())),
                (
                    "v",
                    Wish::Between {
                        low: Some((0.0, false)),
                        high: None
                    }
                ),
            ]
        );
    }

    #[test]
    fn negation_and_in_lists() {
        let ds = disjuncts(
            "CHECK ((NOT ((a IS NULL) OR (b IS NOT NULL))) OR ((status)::text = ANY ((ARRAY['open'::character varying, 'shut'::character varying])::text[])))",
        )
        .unwrap();
        assert_eq!(
            wishes(&ds[0]),
            vec![("a", Wish::NotNull), ("b", Wish::Null)]
        );
        assert_eq!(
            wishes(&ds[1]),
            vec![("status", Wish::Equal("'open'".into()))]
        );
    }

    #[test]
    fn contradictions_drop_and_unknown_atoms_count() {
        let ds =
            disjuncts("CHECK (((a IS NULL) AND (a > 0)) OR ((b ~~ 'x%'::text) AND (a IS NULL)))")
                .unwrap();
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].opaque, 1);
        assert_eq!(ds[0].opaque_columns, ["b"]);
        assert!(disjuncts("CHECK ((CASE WHEN a THEN b ELSE c END))").is_none());
    }

    #[test]
    fn a_pattern_beside_a_length_marks_the_column() {
        let ds = disjuncts(
            "CHECK (((length((username)::text) >= 2) AND (length((username)::text) <= 24) AND ((username)::text ~ '^[a-zA-Z]([_]?[a-zA-Z0-9])+$'::text)))",
        )
        .unwrap();
        assert_eq!(
            wishes(&ds[0]),
            vec![(
                "username",
                Wish::Length {
                    min: 2,
                    max: Some(24)
                }
            )]
        );
        assert_eq!(ds[0].opaque_columns, ["username"]);
    }

    #[test]
    fn numbers_within_bounds() {
        assert_eq!(number_between(Some((0.0, false)), None), "1");
        assert_eq!(number_between(Some((5.0, true)), Some((10.0, true))), "5");
        assert_eq!(number_between(None, Some((0.0, false))), "(-1)");
        assert_eq!(
            number_between(Some((0.0, false)), Some((1.0, false))),
            "0.5"
        );
    }
}
