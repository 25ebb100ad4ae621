//! A TOML file being read: its path and text, so spans become `path:line:column`.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_spanned::Spanned;

use super::error::SpecError;
use crate::location::Location;

/// A file's path and contents, kept together to turn byte spans into locations.
pub struct Source {
    pub path: PathBuf,
    pub text: String,
}

impl Source {
    pub fn read(path: &Path) -> Result<Self, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            text,
        })
    }

    /// Deserializes the whole file; a syntax or type error points at the offending place, and
    /// a misspelt key gets a suggestion. Keys in `hidden` are not offered (a table file's
    /// columns share their struct with rules, whose own keys make no sense there).
    pub fn parse<T: DeserializeOwned>(&self, hidden: &[&str]) -> Result<T, SpecError> {
        toml::from_str(&self.text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            self.error(offset, explain_unknown_key(e.message().trim_end(), hidden))
        })
    }

    pub fn location(&self, offset: usize) -> Location {
        Location::at(&self.path, &self.text, offset)
    }

    /// Where a spanned value starts.
    pub fn at<T>(&self, value: &Spanned<T>) -> Location {
        self.location(value.span().start)
    }

    pub fn error(&self, offset: usize, message: impl Into<String>) -> SpecError {
        SpecError::At {
            location: self.location(offset),
            message: message.into(),
        }
    }

    pub fn error_at<T>(&self, value: &Spanned<T>, message: impl Into<String>) -> SpecError {
        self.error(value.span().start, message)
    }
}

/// serde's "unknown field `refrences`, expected one of `a`, `b`" with the hidden keys left out
/// and the closest valid key suggested.
fn explain_unknown_key(message: &str, hidden: &[&str]) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_string();
    };
    let Some((unknown, expected)) = rest.split_once("`, expected one of ") else {
        return message.to_string();
    };
    let valid: Vec<&str> = expected
        .split(", ")
        .map(|k| k.trim_matches('`'))
        .filter(|k| !hidden.contains(k))
        .collect();
    let listed = valid
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let closest = valid
        .iter()
        .map(|k| (edit_distance(unknown, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min();
    match closest {
        Some((_, key)) => {
            format!("unknown key `{unknown}`; did you mean `{key}`? (valid keys: {listed})")
        }
        None => format!("unknown key `{unknown}` (valid keys: {listed})"),
    }
}

/// Levenshtein distance, for suggestions between short key names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_gets_the_closest_key_and_hidden_keys_are_not_offered() {
        let m = explain_unknown_key(
            "unknown field `refrences`, expected one of `name`, `references`, `indexed`",
            &["name"],
        );
        assert_eq!(
            m,
            "unknown key `refrences`; did you mean `references`? (valid keys: `references`, `indexed`)"
        );
    }

    #[test]
    fn no_suggestion_when_nothing_is_close() {
        let m = explain_unknown_key(
            "unknown field `colour`, expected one of `path`, `format`",
            &[],
        );
        assert_eq!(m, "unknown key `colour` (valid keys: `path`, `format`)");
    }

    #[test]
    fn other_messages_pass_through() {
        assert_eq!(
            explain_unknown_key("invalid type: string", &[]),
            "invalid type: string"
        );
    }
}
