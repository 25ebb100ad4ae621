//! A TOML file being read: its path and text, so spans become `path:line:column`.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::SpecError;
use super::facts::Fact;
use super::suggest::edit_distance;
use crate::location::{self, Location, TextError};

/// A file's path and contents, kept together to turn byte spans into locations.
pub struct Source {
    pub path: PathBuf,
    pub text: String,
    /// Byte offset where each line starts: a location is a binary search, not a scan from the
    /// start of the file (a table file with 100k columns has 100k spans to place).
    line_starts: Vec<usize>,
}

impl Source {
    pub fn new(path: &Path, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            path: path.to_path_buf(),
            text,
            line_starts,
        }
    }

    pub fn read(path: &Path) -> Result<Self, SpecError> {
        let text = location::read_text(path).map_err(|e| match e {
            TextError::Io(source) => SpecError::Read {
                path: path.to_path_buf(),
                source,
            },
            TextError::NotUtf8(e) => SpecError::NotUtf8(e),
        })?;
        Ok(Self::new(path, text))
    }

    /// Deserializes the whole file; a syntax or type error points at the offending place, and
    /// a misspelt key gets a suggestion. Keys in `hidden` are not offered (a table file's
    /// columns share their struct with rules, whose own keys make no sense there).
    pub fn parse<T: DeserializeOwned>(&self, hidden: &[&str]) -> Result<T, SpecError> {
        let parsed = toml::from_str(&self.text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            self.error(offset, explain_unknown_key(e.message().trim_end(), hidden))
        })?;
        self.refuse_nul()?;
        Ok(parsed)
    }

    /// A key or string holding NUL (written `\u0000`): no name, path or value PostgreSQL or
    /// the file system takes can hold one, so it is refused where it is written. TOML has no
    /// other way to write NUL, so a file without that escape is not walked.
    fn refuse_nul(&self) -> Result<(), SpecError> {
        if !(self.text.contains("\\u0000") || self.text.contains("\\U00000000")) {
            return Ok(());
        }
        let Ok(document) = DeTable::parse(&self.text) else {
            return Ok(());
        };
        match first_nul(document.get_ref()) {
            Some(span) => Err(self.error(
                span.start,
                "NUL (\\u0000) in a key or value: no table, column, path or setting can hold it",
            )),
            None => Ok(()),
        }
    }

    /// The location of byte `offset`: its line found among the line starts, its column counted
    /// on that line only, as [`Location::at`] counts it.
    pub fn location(&self, offset: usize) -> Location {
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line.max(1) - 1];
        let text = self.text.get(start..).unwrap_or_default();
        let mut location = Location::at(&self.path, text, offset.saturating_sub(start));
        location.line += line.max(1) - 1;
        location
    }

    /// Where a spanned value starts.
    pub fn at<T>(&self, value: &Spanned<T>) -> Location {
        self.location(value.span().start)
    }

    /// A spanned value as a fact: its value and where it is written.
    pub fn fact<T: Clone>(&self, value: &Spanned<T>) -> Fact<T> {
        Fact {
            value: value.get_ref().clone(),
            at: self.at(value),
        }
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

/// Where the first key or string holding NUL is, in file order.
fn first_nul(table: &DeTable<'_>) -> Option<std::ops::Range<usize>> {
    table.iter().find_map(|(key, value)| {
        if key.get_ref().contains('\0') {
            return Some(key.span());
        }
        nul_in_value(value)
    })
}

fn nul_in_value(value: &toml::Spanned<DeValue<'_>>) -> Option<std::ops::Range<usize>> {
    match value.get_ref() {
        DeValue::String(s) if s.contains('\0') => Some(value.span()),
        DeValue::Array(items) => items.iter().find_map(nul_in_value),
        DeValue::Table(table) => first_nul(table),
        _ => None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn locations_from_line_starts_equal_a_scan_from_the_start(
            text in "[a-zé\n]{0,40}",
            offset in 0usize..50,
        ) {
            let src = Source::new(Path::new("x.toml"), text.clone());
            prop_assert_eq!(src.location(offset), Location::at(Path::new("x.toml"), &text, offset));
        }
    }

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
