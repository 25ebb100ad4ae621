//! Build script: the git commit that `pg-invariants --version` prints beside the version, so a
//! bug report names the exact build.
//!
//! From a clone, `git rev-parse --short HEAD` (only when this crate is the top of the work tree:
//! a crate vendored inside another repository must not print that repository's commit). From a
//! published crate (no `.git`), the commit `cargo package` recorded in `.cargo_vcs_info.json`.
//! Else `unknown`: the build never fails for want of git.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let commit = from_git(&manifest_dir)
        .or_else(|| from_vcs_info(&manifest_dir))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=PG_INVARIANTS_COMMIT={commit}");
    for path in watched(&manifest_dir) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// `git ARGS` in `dir`, its trimmed stdout when it succeeds with some.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_owned())
}

/// The short commit of HEAD, when `dir` is the top of a git work tree.
fn from_git(dir: &Path) -> Option<String> {
    let top = PathBuf::from(git(dir, &["rev-parse", "--show-toplevel"])?);
    if top.canonicalize().ok()? != dir.canonicalize().ok()? {
        return None;
    }
    git(dir, &["rev-parse", "--short", "HEAD"])
}

/// The commit in `.cargo_vcs_info.json` (`"sha1": "<40 hex>"`), shortened as git does.
fn from_vcs_info(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")).ok()?;
    let after = &text[text.find("\"sha1\"")? + "\"sha1\"".len()..];
    let start = after.find('"')? + 1;
    let sha: String = after[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    (sha.len() >= 7).then(|| sha[..7].to_owned())
}

/// The files whose change moves HEAD: HEAD itself, the branch it names and the packed refs.
/// Only existing ones: cargo reruns the script on every build for a path that does not exist.
fn watched(dir: &Path) -> Vec<PathBuf> {
    if from_git(dir).is_none() {
        return Vec::new();
    }
    let mut paths = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    paths.extend(git(dir, &["symbolic-ref", "-q", "HEAD"]));
    paths
        .iter()
        .filter_map(|p| git(dir, &["rev-parse", "--git-path", p]))
        .map(|p| dir.join(p))
        .filter(|p| p.exists())
        .collect()
}
