//! Which migrations production runs, and which are new: the chain at a git revision (`from`),
//! or all but the last `new`. Found without a database; a problem is the configuration's
//! (exit 2, naming the revision or the key).
//!
//! With `from`, the project's directory at the revision is read with `git archive` into a
//! directory of our own, and the chain is discovered there with the project file of that
//! revision (today's when it had none), as the deployed application's tool would find it. A
//! migration with the same name (its path relative to the migrations directory) and the same
//! bytes in both chains is deployed; any other of today's chain is new. A deployed migration
//! that today's chain has changed or lost is history rewritten: production has run what the
//! chain no longer says.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::location::Location;
use crate::migrate::{Chain, Migration};
use crate::spec::{Deployed, Format, Project, Spec};

/// The chain split at the deploy.
#[derive(Debug)]
pub struct Split {
    /// What production runs: `before` and the deployed migrations (no seed).
    pub deployed: Chain,
    /// The new migrations, in today's order.
    pub new: Vec<Migration>,
    /// The name of each new migration (see [`name`]).
    pub names: Vec<String>,
    /// Deployed migrations that today's chain changed or no longer has: `(name, how)`.
    pub rewritten: Vec<(String, &'static str)>,
    /// For the header: which migrations are new, and why.
    pub why: String,
    /// The revision's files, read by the deployed chain; removed with the split.
    _checkout: Option<tempfile::TempDir>,
}

/// A migration's name in test names: its path relative to the migrations directory, with `/`
/// (relative to the master changelog's directory when `path` names a file, as liquibase's
/// does).
pub fn name(m: &Migration, dir: &Path) -> String {
    let dir = if dir.is_file() {
        dir.parent().unwrap_or(dir)
    } else {
        dir
    };
    let relative = m.path.strip_prefix(dir).unwrap_or(&m.path);
    relative.to_string_lossy().replace('\\', "/")
}

/// Each migration of `chain` with its name ([`name`], then `#<version>` for one of several
/// migrations in one file: liquibase's changesets, `#author:id`) and the bytes that decide
/// whether it changed: its file's, or, for one of several in a file, its own.
fn identified<'m>(chain: &'m [Migration], dir: &Path) -> Vec<(String, &'m str, &'m Migration)> {
    (chain.iter())
        .map(|m| {
            let shared = chain.iter().filter(|o| o.path == m.path).count() > 1;
            match shared {
                true => (format!("{}#{}", name(m, dir), m.version), m.sql(), m),
                false => (name(m, dir), m.text.as_str(), m),
            }
        })
        .collect()
}

/// Splits `chain` as `[upgrade]` says; `Ok(None)` without `[upgrade]`.
pub fn split(spec: &Spec, chain: &Chain) -> Result<Option<Split>, String> {
    let Some(upgrade) = &spec.project.upgrade else {
        return Ok(None);
    };
    if chain.command.is_some() {
        return Err(format!(
            "error: {}: [upgrade] needs the chain's files: with format = \"command\" the chain \
             is the tool's, and which migrations are new cannot be known",
            upgrade.at
        ));
    }
    let dir = &spec.project.migrations.path;
    match &upgrade.deployed {
        Deployed::New { count, at } => by_count(chain, dir, *count, at).map(Some),
        Deployed::From { revision, at } => from_git(spec, chain, revision, at).map(Some),
    }
}

fn by_count(chain: &Chain, dir: &Path, count: usize, at: &Location) -> Result<Split, String> {
    let total = chain.migrations.len();
    if count > total {
        return Err(format!(
            "error: {at}: new = {count}, but the chain has {total} migration(s)"
        ));
    }
    let mut deployed = chain.clone();
    deployed.seed.clear();
    let names: Vec<String> = (identified(&chain.migrations, dir).into_iter())
        .skip(total - count)
        .map(|(name, _, _)| name)
        .collect();
    let new = deployed.migrations.split_off(total - count);
    Ok(Split {
        why: format!(
            "the last {count} of the chain (new = {count}): {}",
            names.join(", ")
        ),
        deployed,
        new,
        names,
        rewritten: Vec::new(),
        _checkout: None,
    })
}

fn from_git(spec: &Spec, chain: &Chain, revision: &str, at: &Location) -> Result<Split, String> {
    let project = &spec.project;
    let failed = |what: String| format!("error: {at}: from = \"{revision}\": {what}");
    // "" when the project file was named relative to the current directory.
    let here = match project.dir.as_os_str().is_empty() {
        true => Path::new("."),
        false => project.dir.as_path(),
    };
    let dir = std::fs::canonicalize(here).map_err(|e| failed(e.to_string()))?;
    let top = git(&dir, &["rev-parse", "--show-toplevel"])
        .map_err(|e| failed(format!("git cannot read the project's repository: {e}")))?;
    let top = PathBuf::from(top.trim());
    let commit = git(
        &dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{revision}^{{commit}}"),
        ],
    )
    .map_err(|_| {
        failed("git knows no such revision (fetch it, or name a branch, tag or commit)".into())
    })?;
    let commit = commit.trim().to_string();
    let prefix = dir
        .strip_prefix(&top)
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let checkout = tempfile::Builder::new()
        .prefix("pg-invariants-deployed-")
        .tempdir()
        .map_err(|e| failed(format!("no directory for the revision's files: {e}")))?;
    extract(&top, &commit, &prefix, checkout.path()).map_err(failed)?;
    let then_dir = checkout.path().join(&prefix);
    let then = project_then(project, &then_dir).map_err(failed)?;
    let mut deployed = if then.migrations.path.is_dir() {
        Chain::discover(&then).map_err(|e| failed(format!("the chain at the revision: {e}")))?
    } else {
        // No chain yet at the revision: everything is new (on today's `before`).
        let mut empty = chain.clone();
        empty.migrations.clear();
        empty
    };
    deployed.seed.clear();
    let (here, there) = (&project.migrations.path, &then.migrations.path);
    let (new, names, rewritten) = compare(&deployed.migrations, there, &chain.migrations, here);
    let short: String = commit.chars().take(12).collect();
    let why = match names.len() {
        0 => format!("none: every migration is at {revision} ({short}) as it is today"),
        _ => format!(
            "not at {revision} ({short}) as they are today: {}",
            names.join(", ")
        ),
    };
    Ok(Split {
        deployed,
        new,
        names,
        rewritten,
        why,
        _checkout: Some(checkout),
    })
}

/// Today's chain against the deployed one (names relative to `there`, today's to `here`):
/// the new migrations with their names, and the deployed ones changed or deleted since.
fn compare(
    deployed: &[Migration],
    there: &Path,
    today: &[Migration],
    here: &Path,
) -> (Vec<Migration>, Vec<String>, Vec<(String, &'static str)>) {
    let deployed = identified(deployed, there);
    let today = identified(today, here);
    let mut rewritten = Vec::new();
    for (n, bytes, _) in &deployed {
        match today.iter().find(|(t, _, _)| t == n) {
            None => rewritten.push((n.clone(), "deleted")),
            Some((_, now, _)) if now != bytes => rewritten.push((n.clone(), "changed")),
            Some(_) => {}
        }
    }
    let (mut new, mut names) = (Vec::new(), Vec::new());
    for (n, bytes, m) in today {
        if !deployed.iter().any(|(d, was, _)| *d == n && *was == bytes) {
            names.push(n);
            new.push(m.clone());
        }
    }
    (new, names, rewritten)
}

/// The project as it was at the revision whose files are in `then_dir`: its project file
/// there, else today's with every path inside the project moved there.
fn project_then(project: &Project, then_dir: &Path) -> Result<Project, String> {
    let file_name = project.file.file_name().unwrap_or_default();
    let file = then_dir.join(file_name);
    if file.is_file() {
        return Project::load(&file).map_err(|e| format!("the project file at the revision: {e}"));
    }
    let moved = |p: &Path| match p.strip_prefix(&project.dir) {
        Ok(rest) => then_dir.join(rest),
        Err(_) => p.to_path_buf(),
    };
    let mut then = project.clone();
    then.file = file;
    then.dir = then_dir.to_path_buf();
    let m = &mut then.migrations;
    m.path = moved(&m.path);
    m.before = m.before.iter().map(|p| moved(p)).collect();
    m.seed = m.seed.iter().map(|p| moved(p)).collect();
    m.classpath = m.classpath.iter().map(|p| moved(p)).collect();
    Ok(then)
}

/// Writes the files of `commit` under `prefix` into `into`, at their paths (`prefix`
/// included); nothing when the revision has no such directory.
fn extract(top: &Path, commit: &str, prefix: &Path, into: &Path) -> Result<(), String> {
    let spec = if prefix.as_os_str().is_empty() {
        ".".to_string()
    } else {
        prefix.to_string_lossy().into_owned()
    };
    if git(top, &["cat-file", "-e", &format!("{commit}:{spec}")]).is_err() && spec != "." {
        return Ok(());
    }
    let archive = Command::new("git")
        .current_dir(top)
        .args(["archive", "--format=tar", commit, "--", &spec])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let untar = Command::new("tar")
        .current_dir(into)
        .args(["-x", "-f", "-"])
        .stdin(archive.stdout.ok_or("git archive gave no output")?)
        .output()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    if !untar.status.success() {
        return Err(format!(
            "reading the revision's files failed: {}",
            String::from_utf8_lossy(&untar.stderr).trim()
        ));
    }
    Ok(())
}

/// `git <args>` in `dir`: its output, or what it said.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr).trim().to_string();
        return Err(if said.is_empty() {
            format!("git {} failed", args.join(" "))
        } else {
            said
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether the format's migrations can be observed statement by statement (a sqitch script runs
/// through psql, whole).
pub fn observable(format: Format) -> bool {
    format != Format::Sqitch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(dir: &str, file: &str, text: &str) -> Migration {
        Migration::new(Path::new(dir).join(file), text.into())
    }

    #[test]
    fn same_path_and_bytes_is_deployed_anything_else_new_and_changes_are_rewrites() {
        let deployed = [
            at("/then/m", "1_init.sql", "CREATE TABLE t ();"),
            at("/then/m", "2_index.sql", "CREATE INDEX i ON t ();"),
            at("/then/m", "3_gone.sql", "SELECT 1;"),
        ];
        let today = [
            at("/now/m", "1_init.sql", "CREATE TABLE t ();"),
            at(
                "/now/m",
                "2_index.sql",
                "-- a comment counts\nCREATE INDEX i ON t ();",
            ),
            at("/now/m", "4_new.sql", "SELECT 2;"),
        ];
        let (new, names, rewritten) =
            compare(&deployed, Path::new("/then/m"), &today, Path::new("/now/m"));
        assert_eq!(names, ["2_index.sql", "4_new.sql"]);
        assert_eq!(new.len(), 2);
        assert_eq!(
            rewritten,
            [
                ("2_index.sql".to_string(), "changed"),
                ("3_gone.sql".to_string(), "deleted")
            ]
        );
    }

    /// Liquibase's changesets share their changelog: each is named `#author:id` and judged by
    /// its own bytes, so a changeset appended to a deployed changelog is the only new one.
    #[test]
    fn changesets_of_one_file_are_told_apart_and_judged_by_their_own_bytes() {
        let changesets = |text: &str, ends: &[usize]| -> Vec<Migration> {
            let mut start = 0;
            (ends.iter().enumerate())
                .map(|(i, &end)| {
                    let m = Migration {
                        version: format!("alice:{}", i + 1),
                        body: start..end,
                        ..at("/p/db", "changelog.sql", text)
                    };
                    start = end;
                    m
                })
                .collect()
        };
        let then = "CREATE TABLE a ();CREATE TABLE b ();";
        let now = "CREATE TABLE a ();CREATE TABLE b ();CREATE TABLE c ();";
        let deployed = changesets(then, &[18, 36]);
        let today = changesets(now, &[18, 36, 54]);
        let (_, names, rewritten) =
            compare(&deployed, Path::new("/p/db"), &today, Path::new("/p/db"));
        assert_eq!(names, ["changelog.sql#alice:3"]);
        assert!(rewritten.is_empty(), "{rewritten:?}");
    }

    #[test]
    fn names_are_relative_to_the_migrations_directory() {
        let m = at("/p/migrations", "20240101_init/migration.sql", "");
        assert_eq!(
            name(&m, Path::new("/p/migrations")),
            "20240101_init/migration.sql"
        );
    }
}
