//! Cleaning up after runs that died without cleaning up (SIGKILL, a crash): their server
//! directories carry their [`Owner`] in the name (`pg-invariants.<pid>_<start>.<random>`), so
//! the next run can tell a dead run's directory from a live one's, stop what still works in it
//! and remove it.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::provision::fs::remove_dir_patiently;
use crate::provision::owner::Owner;

/// The start of every server directory's name: `pg-invariants.<pid>_<start>.<random>`.
pub(super) const DIR_PREFIX: &str = "pg-invariants.";

/// Removes the server directories, in `root`, of runs that are gone (SIGKILL runs no cleanup).
/// Only names of our own pattern are touched; a postmaster still serving one is killed first.
pub(super) fn reap_stale_dirs(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(owner) = name
            .to_str()
            .and_then(|n| n.strip_prefix(DIR_PREFIX))
            .and_then(|rest| rest.split_once('.'))
            .and_then(|(tag, _)| Owner::parse_tag(tag))
        else {
            continue;
        };
        if owner.is_alive() {
            continue;
        }
        let dir = entry.path();
        kill_processes_in(&dir);
        remove_dir_patiently(&dir);
    }
}

/// SIGKILLs every process working inside `dir`: the postmaster and its backends live in the
/// data directory (their working directory), and so does the bootstrap backend of an initdb
/// killed mid-way, which would otherwise keep writing while the directory is removed. A
/// process is matched by its working directory, never by a pid read from a file, so a reused
/// pid is never signalled.
fn kill_processes_in(dir: &Path) {
    let Ok(dir) = dir.canonicalize() else {
        return;
    };
    let inside = |pid: &i32| {
        std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd.starts_with(&dir))
    };
    let pids: Vec<i32> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .filter(inside)
        .collect();
    for pid in &pids {
        // SAFETY: kill(2) on a process verified above to work inside a dead run's directory.
        unsafe {
            libc::kill(*pid, libc::SIGKILL);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(inside) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
}
