//! `[known]`: the baseline of a project, the tests that fail today on purpose, each with its
//! reason (README "The baseline").
//!
//! A baseline only shrinks: a known test that fails is reported as ignored with its reason, and
//! one that passes fails, so the entry is removed as soon as the finding is fixed. A key that
//! names no test is a configuration error (a typo would otherwise hide nothing and say so
//! nowhere).

use indexmap::IndexMap;
use serde_spanned::Spanned;

use super::error::SpecError;
use super::glob::Glob;
use super::source::Source;
use super::suggest::{nearest, nearest_to_glob};
use crate::location::Location;

/// One `[known]` entry: a test name or glob, and why it fails today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub pattern: Glob,
    pub reason: String,
    /// Where the key is written.
    pub at: Location,
}

/// The `[known]` table as written.
pub(super) type RawKnown = IndexMap<Spanned<String>, Spanned<toml::Value>>;

/// Validates the entries: every reason a non-empty string on one line.
pub(super) fn resolve(src: &Source, raw: &RawKnown) -> Result<Vec<Known>, SpecError> {
    raw.iter()
        .map(|(key, value)| {
            let name = key.get_ref().trim();
            if name.is_empty() {
                return Err(src.error_at(key, "a [known] key names a test; this one is empty"));
            }
            let reason = match value.get_ref() {
                toml::Value::String(s) if !s.trim().is_empty() => s.trim().to_string(),
                _ => {
                    return Err(src.error_at(
                        value,
                        format!("[known] \"{name}\" needs its reason as a non-empty string, e.g. \"fix tracked in #412\""),
                    ));
                }
            };
            if reason.contains('\n') {
                return Err(src.error_at(value, "a [known] reason is one line"));
            }
            Ok(Known {
                pattern: Glob::new(name),
                reason,
                at: src.at(key),
            })
        })
        .collect()
}

/// The baseline of a project: which entry, if any, covers a test.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline(pub Vec<Known>);

impl Baseline {
    /// The first entry whose key matches `test`.
    pub fn entry(&self, test: &str) -> Option<&Known> {
        self.0.iter().find(|k| k.pattern.matches(test))
    }

    /// Every key that matches none of `tests` (the whole project's, filters aside), as an error
    /// naming it with the nearest test names on the same line.
    pub fn unmatched(&self, tests: &[&str]) -> Result<(), SpecError> {
        let Some(known) = (self.0.iter()).find(|k| !tests.iter().any(|t| k.pattern.matches(t)))
        else {
            return Ok(());
        };
        let key = known.pattern.as_str();
        let near = if key.contains(['*', '?']) {
            nearest_to_glob(key, tests.iter().copied())
        } else {
            nearest(key, tests.iter().copied())
        };
        let hint = match near.as_slice() {
            [] => String::new(),
            [one] => format!("; did you mean \"{one}\"?"),
            many => format!(
                "; did you mean one of {}?",
                many.iter()
                    .map(|n| format!("\"{n}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        Err(SpecError::At {
            location: known.at.clone(),
            message: format!(
                "[known] \"{key}\" matches no test of this project (a test name or a glob on test names; `pg-invariants test --list` lists them){hint}"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn baseline(keys: &[&str]) -> Baseline {
        Baseline(
            keys.iter()
                .map(|k| Known {
                    pattern: Glob::new(*k),
                    reason: "r".into(),
                    at: Location::at(Path::new("pg-invariants.toml"), "", 0),
                })
                .collect(),
        )
    }

    #[test]
    fn an_entry_covers_its_test_or_the_tests_its_glob_matches() {
        let b = baseline(&["docs::org_id::isolated", "notes::*::indexed"]);
        assert!(b.entry("docs::org_id::isolated").is_some());
        assert!(b.entry("notes::org_id::indexed").is_some());
        assert!(b.entry("notes::org_id::fk").is_none());
        assert!(b.entry("docs::org_id::isolated_x").is_none());
    }

    #[test]
    fn a_key_that_matches_nothing_is_named_with_the_nearest_test() {
        let b = baseline(&["docs::org_id::isolatd"]);
        let err = b
            .unmatched(&["docs::org_id::isolated", "docs::org_id::fk"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("matches no test"), "{err}");
        assert!(
            err.contains("did you mean \"docs::org_id::isolated\""),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(b.unmatched(&["docs::org_id::isolatd"]).is_ok());
    }
}
