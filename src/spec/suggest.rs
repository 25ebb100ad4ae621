//! "Did you mean": the names closest to one a user wrote, for a misspelt key, a table file
//! named `team.toml` when the table is `"Team"`, or a rule whose glob matches no column.

/// Levenshtein distance, in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    distance(a, b, false)
}

/// The fewest edits that make `pattern` match `name`, where `*` (any run) and `?` (any one
/// character) match for free when `wildcards` is set: `*_org_ids` is one edit from
/// `billing_org_id`. Without wildcards, the Levenshtein distance.
fn distance(pattern: &str, name: &str, wildcards: bool) -> usize {
    let name: Vec<char> = name.chars().collect();
    let mut row: Vec<usize> = (0..=name.len()).collect();
    for p in pattern.chars() {
        let star = wildcards && p == '*';
        let mut diagonal = row[0];
        row[0] += usize::from(!star);
        for (j, &n) in name.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if star {
                above.min(row[j])
            } else {
                let same = p == n || (wildcards && p == '?');
                (above + 1)
                    .min(row[j] + 1)
                    .min(diagonal + usize::from(!same))
            };
            diagonal = above;
        }
    }
    row[name.len()]
}

/// How many edits still make a near name: a third of the name, at least one, at most three.
fn tolerance(name: &str) -> usize {
    (name.chars().count() / 3).clamp(1, 3)
}

/// How many suggestions a message lists.
const SHOWN: usize = 5;

/// The candidates nearest to `name`: those equal to it but for case first, then those within a
/// small edit distance, closest first (ties in the candidates' order). At most five.
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    ranked(name, candidates, false)
}

/// The candidates nearest to matching the glob `pattern` (`*` and `?` free), as [`nearest`].
pub fn nearest_to_glob<'a>(
    pattern: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    ranked(pattern, candidates, true)
}

fn ranked<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    wildcards: bool,
) -> Vec<&'a str> {
    let lower = name.to_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter(|c| *c != name)
        .filter_map(|c| {
            if c.to_lowercase() == lower {
                return Some((0, c));
            }
            let d = distance(&lower, &c.to_lowercase(), wildcards);
            (d <= tolerance(name)).then_some((d, c))
        })
        .collect();
    scored.sort_by_key(|(d, _)| *d);
    scored.dedup_by_key(|(_, c)| *c);
    scored.into_iter().take(SHOWN).map(|(_, c)| c).collect()
}

/// ` (did you mean "Team"?)`, or nothing when no candidate is near.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let near = nearest(name, candidates);
    if near.is_empty() {
        return String::new();
    }
    let listed: Vec<String> = near.iter().map(|n| format!("{n:?}")).collect();
    format!(" (did you mean {}?)", listed.join(" or "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_first_then_small_edits() {
        let tables = ["teams", "Team", "users", "team_members"];
        assert_eq!(nearest("team", tables), ["Team", "teams"]);
        assert_eq!(
            did_you_mean("team", tables),
            " (did you mean \"Team\" or \"teams\"?)"
        );
        assert_eq!(did_you_mean("invoices", tables), "");
    }

    #[test]
    fn globs_are_near_the_names_they_almost_match() {
        let columns = ["org_id", "billing_org_id", "name"];
        assert_eq!(
            nearest_to_glob("*_org_ids", columns),
            ["billing_org_id", "org_id"]
        );
        assert_eq!(nearest_to_glob("orgid", columns), ["org_id"]);
        assert_eq!(nearest_to_glob("Org_?d", columns), ["org_id"]);
    }

    #[test]
    fn short_names_tolerate_one_edit() {
        assert_eq!(nearest("id", ["ib", "uid", "name"]), ["ib", "uid"]);
        assert_eq!(edit_distance("refrences", "references"), 1);
    }
}
