//! `[upgrade]` (docs/deploys.md): which migrations production already runs, what rows it holds,
//! and what the application that keeps serving during a deploy sends.
//!
//! Validated here, before any database: exactly one of `from` and `new`, `new` at least 1, and
//! every `data` file and `queries` glob naming something. Which migrations are new is decided
//! with the chain (`upgrade::deployed`), since it needs the chain and, for `from`, git.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_spanned::Spanned;

use super::error::SpecError;
use super::glob::Glob;
use super::source::Source;
use crate::location::Location;

/// `[upgrade]`, resolved.
#[derive(Debug, Clone)]
pub struct Upgrade {
    /// The `[upgrade]` header: where `upgrade::apply` points.
    pub at: Location,
    /// What production runs today.
    pub deployed: Deployed,
    /// SQL files run after the deployed chain; empty: synthesized rows.
    pub data: Vec<PathBuf>,
    /// The deployed application's SQL files, found by the globs, in path order.
    pub queries: Vec<QueryFile>,
    /// `reversible = true`: each new migration's Down part must restore the schema.
    pub reversible: Option<Location>,
}

/// Which migrations production runs: the chain at a git revision, or all but the last `n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deployed {
    From { revision: String, at: Location },
    New { count: usize, at: Location },
}

/// A file of the application's queries: its path, and its name in test names (relative to the
/// project file's directory, with `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryFile {
    pub path: PathBuf,
    pub name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUpgrade {
    from: Option<Spanned<String>>,
    new: Option<Spanned<i64>>,
    #[serde(default)]
    data: Vec<Spanned<String>>,
    #[serde(default)]
    queries: Vec<Spanned<String>>,
    reversible: Option<Spanned<bool>>,
}

impl RawUpgrade {
    /// `[upgrade]` with its files resolved against the project's directory `dir`; `at` is
    /// where the table is written.
    pub(super) fn resolve(
        &self,
        src: &Source,
        at: Location,
        dir: &Path,
    ) -> Result<Upgrade, SpecError> {
        let deployed = match (&self.from, &self.new) {
            (Some(_), Some(new)) => {
                return Err(src.error_at(
                    new,
                    "[upgrade] takes `from` (a git revision) or `new` (a number of migrations), not both",
                ));
            }
            (None, None) => {
                return Err(SpecError::At {
                    location: at,
                    message: "[upgrade] needs `from` (the git revision production runs, e.g. \
                              from = \"origin/main\") or `new` (how many of the chain's last \
                              migrations are not deployed yet, e.g. new = 1)"
                        .into(),
                });
            }
            (Some(from), None) if from.get_ref().trim().is_empty() => {
                return Err(src.error_at(from, "`from` is empty: name a git revision"));
            }
            (Some(from), None) => Deployed::From {
                revision: from.get_ref().trim().to_string(),
                at: src.at(from),
            },
            (None, Some(new)) => match usize::try_from(*new.get_ref()) {
                Ok(count) if count >= 1 => Deployed::New {
                    count,
                    at: src.at(new),
                },
                _ => {
                    return Err(src.error_at(
                        new,
                        "`new` is how many of the chain's last migrations are new: at least 1",
                    ));
                }
            },
        };
        let data = (self.data.iter())
            .map(|file| {
                let path = dir.join(file.get_ref());
                if path.is_file() {
                    Ok(path)
                } else {
                    Err(src.error_at(file, format!("no file {}", path.display())))
                }
            })
            .collect::<Result<_, _>>()?;
        let mut queries = Vec::new();
        for pattern in &self.queries {
            let found = query_files(dir, pattern.get_ref());
            if found.is_empty() {
                return Err(src.error_at(
                    pattern,
                    format!(
                        "`{}` matches no file (globs are relative to pg-invariants.toml's directory)",
                        pattern.get_ref()
                    ),
                ));
            }
            for file in found {
                if !queries.contains(&file) {
                    queries.push(file);
                }
            }
        }
        Ok(Upgrade {
            at,
            deployed,
            data,
            queries,
            reversible: (self.reversible.as_ref())
                .filter(|r| *r.get_ref())
                .map(|r| src.at(r)),
        })
    }
}

/// The files under `dir` whose path relative to it matches `pattern` (`*` and `?`, which may
/// cross `/`), in path order; hidden directories, `target` and `node_modules` are not searched.
fn query_files(dir: &Path, pattern: &str) -> Vec<QueryFile> {
    let glob = Glob::new(pattern.trim_start_matches("./"));
    let mut found = Vec::new();
    // The project file's directory is "" when it was named relative to the current one.
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&at) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if !name.starts_with('.') && name != "target" && name != "node_modules" {
                    stack.push(path);
                }
                continue;
            }
            let relative = path.strip_prefix(dir).unwrap_or(&path);
            let shown = relative.to_string_lossy().replace('\\', "/");
            if kind.is_file() && glob.matches(&shown) {
                found.push(QueryFile { path, name: shown });
            }
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_globs_match_relative_paths_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("queries/sub")).unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        for f in [
            "queries/b.sql",
            "queries/a.sql",
            "queries/sub/c.sql",
            ".git/x.sql",
        ] {
            std::fs::write(dir.path().join(f), "SELECT 1;").unwrap();
        }
        let names = |p| -> Vec<String> {
            query_files(dir.path(), p)
                .into_iter()
                .map(|f| f.name)
                .collect()
        };
        assert_eq!(
            names("queries/*.sql"),
            ["queries/a.sql", "queries/b.sql", "queries/sub/c.sql"]
        );
        assert_eq!(names("./queries/a.sql"), ["queries/a.sql"]);
        assert!(names("*.sql").iter().all(|n| !n.starts_with(".git")));
    }
}
