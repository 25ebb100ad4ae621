//! Why a project could not be loaded, always with the file and place to fix.

use std::path::PathBuf;

use crate::location::Location;

/// One problem in the user's configuration.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// A problem at a known place in a TOML file.
    #[error("{location}: {message}")]
    At { location: Location, message: String },
    /// A file or directory that could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file that is not UTF-8, at its first invalid byte.
    #[error(transparent)]
    NotUtf8(#[from] crate::location::NotUtf8),
    /// A table file whose name is not UTF-8: it names a table, which no such name can.
    #[error(
        "{}: the file name is not UTF-8; a table file is named after its table (<table>.toml): rename it",
        path.display()
    )]
    NameNotUtf8 { path: PathBuf },
    /// No project file was given and none was found walking up.
    #[error(
        "no pg-invariants.toml in {} or any parent directory; create one (see docs/configuration.md \
         of pg-invariants) or pass --config FILE",
        start.display()
    )]
    NotFound { start: PathBuf },
}

/// Every problem found, so a user fixes them all in one go.
#[derive(Debug)]
pub struct SpecErrors(pub Vec<SpecError>);

impl std::fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

impl From<SpecError> for SpecErrors {
    fn from(e: SpecError) -> Self {
        Self(vec![e])
    }
}
