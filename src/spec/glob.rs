//! Glob patterns on table and column names: `*` (any run of characters) and `?` (one character).
//!
//! Names are matched exactly otherwise (case-sensitive), as catalog names are.

/// A glob pattern as written in a rule or in `ignore`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob(String);

impl Glob {
    pub fn new(pattern: impl Into<String>) -> Self {
        Self(pattern.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn matches(&self, name: &str) -> bool {
        let pattern: Vec<char> = self.0.chars().collect();
        let name: Vec<char> = name.chars().collect();
        matches_from(&pattern, &name)
    }
}

/// Iterative matching with backtracking to the last `*`: linear in practice, never exponential.
fn matches_from(pattern: &[char], name: &[char]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == '?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => {
                let Some((sp, sn)) = star else { return false };
                p = sp + 1;
                n = sn + 1;
                star = Some((sp, sn + 1));
            }
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// True when any of `globs` matches `name`.
pub fn any_matches(globs: &[Glob], name: &str) -> bool {
    globs.iter().any(|g| g.matches(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case("org_id", "org_id", true)]
    #[case("*_org_id", "billing_org_id", true)]
    #[case("*_org_id", "org_id", false)]
    #[case("*", "", true)]
    #[case("?_id", "a_id", true)]
    #[case("?_id", "ab_id", false)]
    #[case("*_backup", "users_backup", true)]
    #[case("tenantId", "tenantid", false)]
    #[case("a*b*c", "axxbyyc", true)]
    #[case("a*b*c", "axxbyy", false)]
    fn matches(#[case] pattern: &str, #[case] name: &str, #[case] expected: bool) {
        assert_eq!(Glob::new(pattern).matches(name), expected);
    }

    proptest! {
        #[test]
        fn a_name_matches_itself_and_star(name in "[a-zA-Z_]{0,12}") {
            prop_assert!(Glob::new(name.clone()).matches(&name));
            prop_assert!(Glob::new("*").matches(&name));
            let starred = format!("*{}", name.chars().skip(1).collect::<String>());
            prop_assert!(Glob::new(starred).matches(&name));
        }
    }
}
