//! What a psql script reads besides itself, so that a cache key can cover it: the files its
//! `\i` / `\ir` (`\include`, `\include_relative`) name, followed recursively. A script whose
//! reads cannot be known without running it (an include path holding a variable, a backquoted
//! shell command, `\!`, `\copy ... from`, `\getenv`, `\lo_import`) reads [`Reads::Unknown`]:
//! such a chain is never cached.

use std::path::{Path, PathBuf};

use crate::migrate::migration::Migration;
use crate::sql::statements::{self, StatementKind};

/// The files the scripts of a chain include.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reads {
    /// Each included file and its text, in the order first met.
    Files(Vec<(PathBuf, String)>),
    /// Not knowable without running the scripts: the meta-command that says so.
    Unknown(String),
}

/// Meta-commands that read what no key can cover.
const UNBOUNDED: [&str; 5] = ["\\!", "\\copy", "\\getenv", "\\lo_import", "\\setenv"];

impl Reads {
    /// The reads of `scripts`, `\i` being relative to `dir` (psql's working directory).
    pub fn of(dir: &Path, scripts: &[Migration]) -> Self {
        let mut files = Vec::new();
        let mut queue: Vec<(PathBuf, String)> = scripts
            .iter()
            .map(|m| (m.path.clone(), m.text.clone()))
            .collect();
        while let Some((path, text)) = queue.pop() {
            for command in meta_commands(&text) {
                let include = match include(&command) {
                    Err(()) => return Self::Unknown(command),
                    Ok(None) => continue,
                    Ok(Some((relative_to_file, name))) => (relative_to_file, name),
                };
                let (relative_to_file, name) = include;
                let base = match relative_to_file {
                    true => path.parent().unwrap_or(dir),
                    false => dir,
                };
                let file = base.join(name);
                if files.iter().any(|(p, _)| *p == file) {
                    continue;
                }
                let Ok(included) = std::fs::read_to_string(&file) else {
                    // psql will fail on it, naming it: nothing to cache.
                    return Self::Unknown(command);
                };
                files.push((file.clone(), included.clone()));
                queue.push((file, included));
            }
        }
        Self::Files(files)
    }
}

/// The meta-command lines of `text`.
fn meta_commands(text: &str) -> Vec<String> {
    statements::split(text)
        .into_iter()
        .filter(|s| s.kind == StatementKind::MetaCommand)
        .map(|s| text[s.range].trim().to_string())
        .collect()
}

/// For an include, whether it is relative to the including file and the name; `Ok(None)` for
/// another meta-command; `Err` for one whose reads are unknowable.
fn include(command: &str) -> Result<Option<(bool, &str)>, ()> {
    if command.contains('`') || UNBOUNDED.iter().any(|c| starts_command(command, c)) {
        return Err(());
    }
    let (name, rest) = command
        .split_once(char::is_whitespace)
        .unwrap_or((command, ""));
    let relative = match name {
        "\\i" | "\\include" => false,
        "\\ir" | "\\include_relative" => true,
        _ => return Ok(None),
    };
    let file = rest.trim().trim_matches('\'');
    if file.is_empty() || file.contains(':') {
        return Err(());
    }
    Ok(Some((relative, file)))
}

/// `command` is the meta-command `name` (not a longer one that starts alike).
fn starts_command(command: &str, name: &str) -> bool {
    command
        .strip_prefix(name)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(dir: &Path, name: &str, text: &str) -> Migration {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        Migration {
            description: name.into(),
            transaction: false,
            ..Migration::new(path, text.into())
        }
    }

    #[test]
    fn includes_are_followed_relative_to_the_file_or_the_run_directory() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        std::fs::create_dir_all(dir.join("sql/deploy/lib")).unwrap();
        std::fs::write(
            dir.join("sql/deploy/lib/a.sql"),
            "\\i shared.sql\nSELECT 1;",
        )
        .unwrap();
        std::fs::write(dir.join("shared.sql"), "SELECT 2;").unwrap();
        let main = script(
            dir,
            "sql/deploy/main.sql",
            "\\set x 1\n\\ir lib/a.sql\nSELECT :x;",
        );
        let Reads::Files(files) = Reads::of(dir, &[main]) else {
            panic!("unknown");
        };
        let names: Vec<&Path> = files.iter().map(|(p, _)| p.as_path()).collect();
        assert_eq!(
            names,
            [dir.join("sql/deploy/lib/a.sql"), dir.join("shared.sql")]
        );
    }

    #[test]
    fn shell_commands_and_variable_paths_are_unknowable() {
        let temp = tempfile::tempdir().unwrap();
        for text in [
            "\\set v `date`",
            "\\i :file",
            "\\! ls",
            "\\copy t from 'x.csv'",
        ] {
            let main = script(temp.path(), "main.sql", text);
            assert!(
                matches!(Reads::of(temp.path(), &[main]), Reads::Unknown(_)),
                "{text}"
            );
        }
    }
}
