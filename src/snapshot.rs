//! Snapshot files: `<snapshots.path>/<table>.snap`, the accepted rendering of a table's schema
//! ([`crate::catalog::render`]), in insta's file format so that `cargo insta review` shows and
//! accepts changes like any other insta snapshot.
//!
//! insta's own assertion runtime is not used: it prints its diff to stdout (which would break
//! libtest's `--format json` and terse output), fails by panicking, and takes its settings only
//! from the environment, so `pg-invariants test --accept` could not be expressed. Instead insta
//! reads the files (`insta::Snapshot::from_file`) and normalizes their contents for comparison,
//! exactly as its assertions do; this module writes files byte for byte as insta would, and
//! follows insta's switches (`INSTA_UPDATE`, `INSTA_FORCE_PASS`, `CI`), with one difference
//! that is a promise: in CI nothing is ever written, whatever else is set.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use insta::TextSnapshotKind;
use insta::internals::TextSnapshotContents;

use crate::catalog::{self, Catalog, Table};
use crate::env;
use crate::spec::Spec;

/// Why a snapshot could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{}: cannot read the snapshot: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{name}={value:?} is not valid; expected one of {expected}")]
    Env {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
}

/// What a snapshot test may write, and whether a mismatch fails it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub update: Update,
    /// `INSTA_FORCE_PASS=1` outside CI: a mismatch is written as the update says, but passes.
    pub force_pass: bool,
    /// `INSTA_SNAPSHOT_REFERENCES_FILE`: every snapshot file checked is appended to it.
    pub references: Option<PathBuf>,
}

/// When a snapshot file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    /// Never (`CI`, `INSTA_UPDATE=no`): a mismatch fails and nothing is written.
    No,
    /// A mismatch is written beside the snapshot as `<table>.snap.new`, for `cargo insta
    /// review`, and fails (the default outside CI; `INSTA_UPDATE=new` or `auto`).
    New,
    /// A missing snapshot is written in place and passes; a changed one is handled as `New`
    /// (`INSTA_UPDATE=unseen`).
    Unseen,
    /// A mismatch is written in place and passes (`--accept`, `INSTA_UPDATE=always`).
    Always,
    /// Every snapshot is written in place, even one that matches (`INSTA_UPDATE=force`).
    Force,
}

impl Policy {
    /// The policy of this run: `accept` is `pg-invariants test --accept`. In CI (see
    /// [`env::ci`]) nothing is written and a mismatch fails, whatever `--accept` or insta's
    /// variables say.
    /// Compares and never writes: for commands that only read verdicts (`init`, `fix`).
    pub fn read_only() -> Self {
        Self {
            update: Update::No,
            force_pass: false,
            references: None,
        }
    }

    pub fn from_env(accept: bool) -> Result<Self, SnapshotError> {
        let references = env::insta_snapshot_references_file();
        if env::ci() {
            return Ok(Self {
                update: Update::No,
                force_pass: false,
                references,
            });
        }
        let update = match (accept, env::insta_update().as_deref()) {
            (true, _) | (false, Some("always" | "1")) => Update::Always,
            (false, None | Some("auto" | "new")) => Update::New,
            (false, Some("unseen")) => Update::Unseen,
            (false, Some("no")) => Update::No,
            (false, Some("force")) => Update::Force,
            (false, Some(other)) => {
                return Err(SnapshotError::Env {
                    name: "INSTA_UPDATE",
                    value: other.to_string(),
                    expected: "auto, always, new, unseen, no, force",
                });
            }
        };
        let force_pass = match env::insta_force_pass().as_deref() {
            None | Some("0") => false,
            Some("1") => true,
            Some(other) => {
                return Err(SnapshotError::Env {
                    name: "INSTA_FORCE_PASS",
                    value: other.to_string(),
                    expected: "0, 1",
                });
            }
        };
        Ok(Self {
            update,
            force_pass,
            references,
        })
    }
}

/// What the snapshot file held before the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Previous {
    Missing,
    /// The accepted rendering, normalized as insta compares it.
    Text(String),
    /// The file exists but is not a text insta snapshot: why.
    Corrupt(String),
}

/// The result of comparing a table with its snapshot file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The file holds this rendering.
    Matches,
    /// The file was written in place (`--accept`, or the update policy said so).
    Written { previous: Previous },
    /// The file differs (or is missing) and was left as it was.
    Differs {
        previous: Previous,
        /// The `.snap.new` written for review, if the policy wrote one.
        pending: Option<PathBuf>,
    },
}

/// One table's snapshot: the file and what it should hold.
#[derive(Debug, Clone)]
pub struct TableSnapshot {
    /// `<snapshots.path>/<table>.snap`.
    pub file: PathBuf,
    /// insta's `source:` header: the table file, relative to the project file's directory.
    pub source: String,
    /// insta's `expression:` header: what was snapshotted.
    pub expression: String,
    /// The rendering, normalized as insta stores it.
    pub contents: String,
}

impl TableSnapshot {
    /// The snapshot of `table` (a table of `catalog`) in the project `spec`.
    pub fn new(spec: &Spec, catalog: &Catalog, table: &Table) -> Self {
        let shown = table.name.display(spec.default_schema());
        // As insta does with snapshot names: a `/` in a name must not become a directory.
        let file_name = format!("{}.snap", shown.replace(['/', '\\'], "__"));
        let source = match spec.table(&table.name) {
            Some(file) => relative(&file.at.path, &spec.project.dir),
            None => relative(&spec.project.file, &spec.project.dir),
        };
        Self {
            file: spec.project.snapshots.path.join(file_name),
            source,
            expression: format!("schema of {} after the migrations and seed", table.name),
            contents: normalize(&catalog::render(catalog, table)),
        }
    }

    /// `<table>.snap.new`: where a changed snapshot waits for `cargo insta review`.
    pub fn pending_file(&self) -> PathBuf {
        let mut name = self.file.clone().into_os_string();
        name.push(".new");
        PathBuf::from(name)
    }

    /// Compares with the file and writes what `policy` says.
    pub fn check(&self, policy: &Policy) -> Result<Outcome, SnapshotError> {
        if let Some(references) = &policy.references {
            self.record_reference(references)?;
        }
        let previous = read(&self.file)?;
        if previous == Previous::Text(self.contents.clone()) {
            if policy.update == Update::Force {
                self.write()?;
                return Ok(Outcome::Written { previous });
            }
            if policy.update != Update::No {
                // A review file left by an earlier mismatch is stale now.
                remove_if_exists(&self.pending_file())?;
            }
            return Ok(Outcome::Matches);
        }
        let in_place = match policy.update {
            Update::Always | Update::Force => true,
            Update::Unseen => previous == Previous::Missing,
            Update::New | Update::No => false,
        };
        if in_place {
            self.write()?;
            return Ok(Outcome::Written { previous });
        }
        let pending = match policy.update {
            Update::No => None,
            _ => {
                let pending = self.pending_file();
                write_atomically(&pending, &self.serialize())?;
                Some(pending)
            }
        };
        Ok(Outcome::Differs { previous, pending })
    }

    /// Writes the `.snap` in place (creating its directory) and removes a pending `.snap.new`.
    pub fn write(&self) -> Result<(), SnapshotError> {
        write_atomically(&self.file, &self.serialize())?;
        remove_if_exists(&self.pending_file())
    }

    /// The file as insta writes it: a YAML header between `---` lines, then the contents.
    fn serialize(&self) -> String {
        format!(
            "---\nsource: {}\nexpression: {}\n---\n{}\n",
            yaml_scalar(&self.source),
            yaml_scalar(&self.expression),
            self.contents
        )
    }

    /// Appends the snapshot's absolute path to `cargo insta test`'s list of referenced files.
    fn record_reference(&self, references: &Path) -> Result<(), SnapshotError> {
        let write_error = |source| SnapshotError::Write {
            path: references.to_path_buf(),
            source,
        };
        let absolute = std::path::absolute(&self.file).map_err(write_error)?;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(references)
            .map_err(write_error)?;
        writeln!(f, "{}", absolute.display()).map_err(write_error)
    }
}

/// insta's normalization of file snapshot contents (trailing whitespace, CRLF).
fn normalize(text: &str) -> String {
    TextSnapshotContents::new(text.to_string(), TextSnapshotKind::File).to_string()
}

fn read(path: &Path) -> Result<Previous, SnapshotError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Previous::Missing),
        Err(source) => {
            return Err(SnapshotError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    // insta reads a file without this header as a legacy snapshot, and warns on stderr.
    if !(bytes.starts_with(b"---\n") || bytes.starts_with(b"---\r\n")) {
        return Ok(Previous::Corrupt(
            "it does not start with insta's `---` header line".into(),
        ));
    }
    if std::str::from_utf8(&bytes).is_err() {
        return Ok(Previous::Corrupt("it is not UTF-8 text".into()));
    }
    let snapshot = match insta::Snapshot::from_file(path) {
        Ok(s) => s,
        Err(e) => return Ok(Previous::Corrupt(format!("insta cannot parse it: {e}"))),
    };
    Ok(match snapshot.contents().as_text() {
        Some(text) => Previous::Text(text.to_string()),
        None => Previous::Corrupt("it is a binary insta snapshot".into()),
    })
}

/// Replaces `path` in one step (a temporary file renamed over it), so an interrupted run never
/// leaves a truncated snapshot.
fn write_atomically(path: &Path, text: &str) -> Result<(), SnapshotError> {
    let write_error = |source| SnapshotError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(write_error)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".pg-invariants-")
        .tempfile_in(dir)
        .map_err(write_error)?;
    tmp.write_all(text.as_bytes()).map_err(write_error)?;
    tmp.persist(path).map_err(|e| write_error(e.error))?;
    Ok(())
}

/// Removes `path` when it is there. Looks first: on a read-only file system (a project mounted
/// `:ro` into the container image) unlinking a file that does not exist fails with EROFS, and a
/// matching snapshot must not fail for want of a stale file it had nothing to remove.
fn remove_if_exists(path: &Path) -> Result<(), SnapshotError> {
    if std::fs::symlink_metadata(path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
        return Ok(());
    }
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(SnapshotError::Write {
            path: path.to_path_buf(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// `path` relative to `dir`, with `/` separators; the file name alone when it is not below it
/// (never an absolute path: snapshots are shared between machines).
fn relative(path: &Path, dir: &Path) -> String {
    let below = path
        .strip_prefix(dir)
        .ok()
        .map(Path::to_path_buf)
        .or_else(|| {
            let path = path.canonicalize().ok()?;
            let dir = dir.canonicalize().ok()?;
            path.strip_prefix(dir).ok().map(Path::to_path_buf)
        });
    let shown = below.unwrap_or_else(|| path.file_name().map(PathBuf::from).unwrap_or_default());
    shown
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A YAML string scalar exactly as insta's emitter writes it: plain when it can be, else
/// double-quoted with JSON-style escapes.
fn yaml_scalar(text: &str) -> String {
    if !needs_quotes(text) {
        return text.to_string();
    }
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// insta's (yaml-rust's) rule for quoting a string scalar.
fn needs_quotes(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "yes", "Yes", "YES", "no", "No", "NO", "True", "TRUE", "true", "False", "FALSE", "false",
        "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
    ];
    s.is_empty()
        || s.starts_with(' ')
        || s.ends_with(' ')
        || s.starts_with(['&', '*', '?', '|', '-', '<', '>', '=', '!', '%', '@'])
        || s.contains(|c: char| {
            matches!(
                c,
                ':' | '{' | '}' | '[' | ']' | ',' | '#' | '`' | '"' | '\'' | '\\'
            ) || matches!(c, '\0'..='\x06' | '\t' | '\n' | '\r' | '\x0e'..='\x1a' | '\x1c'..='\x1f')
        })
        || WORDS.contains(&s)
        || s.starts_with('.')
        || s.starts_with("0x")
        || s.parse::<i64>().is_ok()
        || s.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(dir: &Path, contents: &str) -> TableSnapshot {
        TableSnapshot {
            file: dir.join("snapshots").join("messages.snap"),
            source: "invariants/messages.toml".into(),
            expression: "schema of public.messages after the migrations and seed".into(),
            contents: normalize(contents),
        }
    }

    fn policy(update: Update) -> Policy {
        Policy {
            update,
            force_pass: false,
            references: None,
        }
    }

    /// The files in `dir`/snapshots, with their contents.
    fn files(dir: &Path) -> Vec<(String, String)> {
        let Ok(entries) = std::fs::read_dir(dir.join("snapshots")) else {
            return Vec::new();
        };
        let mut out: Vec<_> = entries
            .map(|e| {
                let path = e.expect("entry").path();
                (
                    path.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read_to_string(&path).expect("read"),
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn files_are_byte_for_byte_what_insta_writes() {
        let dir = tempfile::tempdir().unwrap();
        for (source, expression) in [
            ("invariants/messages.toml", "schema of public.messages"),
            (
                "invariants/Tenant-Id: x.toml",
                "schema of \"Tenant\".\"a\\b\"",
            ),
            ("invariants/true", "123"),
            ("-dash", " spaced "),
            ("tab\there", "ctrl\u{1}char"),
        ] {
            let ours = TableSnapshot {
                file: dir.path().join("ours.snap"),
                source: source.into(),
                expression: expression.into(),
                contents: normalize("table public.messages\ncolumns:\n  id uuid\n\n"),
            };
            ours.write().unwrap();
            let parsed = insta::Snapshot::from_file(&ours.file).unwrap();
            assert_eq!(parsed.metadata().source(), Some(source));
            assert_eq!(parsed.metadata().expression(), Some(expression));
            let theirs = dir.path().join("theirs.snap");
            // What `cargo insta accept` does with a `.snap.new`: parse it and save it.
            parsed.save(&theirs).unwrap();
            assert_eq!(
                std::fs::read_to_string(&ours.file).unwrap(),
                std::fs::read_to_string(&theirs).unwrap(),
                "{source:?} {expression:?}"
            );
        }
    }

    #[test]
    fn a_missing_snapshot_fails_and_is_left_for_review() {
        let dir = tempfile::tempdir().unwrap();
        let s = snapshot(dir.path(), "table t\n");
        let outcome = s.check(&policy(Update::New)).unwrap();
        assert_eq!(
            outcome,
            Outcome::Differs {
                previous: Previous::Missing,
                pending: Some(s.pending_file())
            }
        );
        let written = files(dir.path());
        assert_eq!(written.len(), 1);
        assert_eq!(written[0].0, "messages.snap.new");
        assert!(written[0].1.ends_with("---\ntable t\n"), "{}", written[0].1);
    }

    #[test]
    fn accept_writes_in_place_and_removes_the_review_file() {
        let dir = tempfile::tempdir().unwrap();
        let old = snapshot(dir.path(), "table t\ncolumns:\n  a int\n");
        old.write().unwrap();
        let new = snapshot(dir.path(), "table t\ncolumns:\n  a bigint\n");
        assert!(matches!(
            new.check(&policy(Update::New)).unwrap(),
            Outcome::Differs {
                pending: Some(_),
                ..
            }
        ));
        assert_eq!(files(dir.path()).len(), 2);

        let outcome = new.check(&policy(Update::Always)).unwrap();
        assert_eq!(
            outcome,
            Outcome::Written {
                previous: Previous::Text("table t\ncolumns:\n  a int".into())
            }
        );
        let written = files(dir.path());
        assert_eq!(written.len(), 1, "{written:?}");
        assert!(written[0].1.ends_with("  a bigint\n"));
        assert_eq!(new.check(&policy(Update::No)).unwrap(), Outcome::Matches);
    }

    #[test]
    fn update_no_writes_nothing_and_a_match_cleans_up_only_when_writing_is_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let s = snapshot(dir.path(), "table t\n");
        assert_eq!(
            s.check(&policy(Update::No)).unwrap(),
            Outcome::Differs {
                previous: Previous::Missing,
                pending: None
            }
        );
        assert!(files(dir.path()).is_empty());

        s.write().unwrap();
        std::fs::write(s.pending_file(), "stale").unwrap();
        assert_eq!(s.check(&policy(Update::No)).unwrap(), Outcome::Matches);
        assert_eq!(files(dir.path()).len(), 2, "CI touches nothing");
        assert_eq!(s.check(&policy(Update::New)).unwrap(), Outcome::Matches);
        assert_eq!(files(dir.path()).len(), 1, "the stale review file is gone");
    }

    #[test]
    fn unseen_accepts_new_snapshots_only() {
        let dir = tempfile::tempdir().unwrap();
        let s = snapshot(dir.path(), "table t\n");
        assert!(matches!(
            s.check(&policy(Update::Unseen)).unwrap(),
            Outcome::Written {
                previous: Previous::Missing
            }
        ));
        let changed = snapshot(dir.path(), "table t\ncolumns:\n");
        assert!(matches!(
            changed.check(&policy(Update::Unseen)).unwrap(),
            Outcome::Differs {
                pending: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn force_rewrites_a_matching_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let s = snapshot(dir.path(), "table t\n");
        s.write().unwrap();
        std::fs::write(&s.file, "---\nsource: elsewhere.toml\n---\ntable t\n\n\n").unwrap();
        assert_eq!(s.check(&policy(Update::New)).unwrap(), Outcome::Matches);
        assert!(matches!(
            s.check(&policy(Update::Force)).unwrap(),
            Outcome::Written { .. }
        ));
        assert!(
            std::fs::read_to_string(&s.file)
                .unwrap()
                .contains("source: invariants/messages.toml")
        );
    }

    #[test]
    fn a_corrupt_snapshot_is_reported_and_replaced_only_on_accept() {
        let dir = tempfile::tempdir().unwrap();
        let s = snapshot(dir.path(), "table t\n");
        std::fs::create_dir_all(s.file.parent().unwrap()).unwrap();
        for (text, why) in [
            (
                "<<<<<<< HEAD\ntable t\n",
                "does not start with insta's `---` header",
            ),
            (
                "---\nsource: [unclosed\n---\ntable t\n",
                "insta cannot parse it",
            ),
        ] {
            std::fs::write(&s.file, text).unwrap();
            match s.check(&policy(Update::No)).unwrap() {
                Outcome::Differs {
                    previous: Previous::Corrupt(reason),
                    pending: None,
                } => assert!(reason.contains(why), "{reason}"),
                other => panic!("{other:?}"),
            }
            assert_eq!(std::fs::read_to_string(&s.file).unwrap(), text, "untouched");
        }
        assert!(matches!(
            s.check(&policy(Update::Always)).unwrap(),
            Outcome::Written {
                previous: Previous::Corrupt(_)
            }
        ));
        assert_eq!(s.check(&policy(Update::No)).unwrap(), Outcome::Matches);
    }

    #[test]
    fn an_unreadable_snapshot_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let s = snapshot(dir.path(), "table t\n");
        // A directory where the file should be.
        std::fs::create_dir_all(&s.file).unwrap();
        let err = s.check(&policy(Update::Always)).unwrap_err();
        assert!(matches!(err, SnapshotError::Read { .. }), "{err:?}");
        assert!(err.to_string().contains("messages.snap"), "{err}");
    }

    #[test]
    fn referenced_files_are_recorded_for_cargo_insta() {
        let dir = tempfile::tempdir().unwrap();
        let s = snapshot(dir.path(), "table t\n");
        let references = dir.path().join("refs");
        let p = Policy {
            references: Some(references.clone()),
            ..policy(Update::No)
        };
        s.check(&p).unwrap();
        assert_eq!(
            std::fs::read_to_string(references).unwrap(),
            format!("{}\n", s.file.display())
        );
    }

    #[test]
    fn sources_are_relative_to_the_project() {
        assert_eq!(
            relative(Path::new("proj/invariants/a.toml"), Path::new("proj")),
            "invariants/a.toml"
        );
        assert_eq!(
            relative(Path::new("invariants/a.toml"), Path::new("")),
            "invariants/a.toml"
        );
        assert_eq!(
            relative(Path::new("/elsewhere/a.toml"), Path::new("proj")),
            "a.toml"
        );
    }
}
