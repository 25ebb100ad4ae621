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

    /// Deserializes the whole file; a syntax or type error points at the offending place.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, SpecError> {
        toml::from_str(&self.text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            self.error(offset, e.message().trim_end().to_string())
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
