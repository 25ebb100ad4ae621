//! The names of graphile-migrate's placeholders (`:DATABASE_OWNER`), checked where the project
//! file declares one and where a migration's `.gmrc` does.

/// `name` is a placeholder name graphile-migrate accepts: `:` then a capital letter, then
/// capitals, digits or `_` (at least one).
pub fn is_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(':') else {
        return false;
    };
    let mut chars = rest.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && rest.len() > 1
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(":DATABASE_VISITOR", true)]
    #[case(":A1", true)]
    #[case(":A", false)]
    #[case("DATABASE", false)]
    #[case(":lower", false)]
    #[case(":1ABC", false)]
    fn names(#[case] name: &str, #[case] valid: bool) {
        assert_eq!(is_name(name), valid);
    }
}
