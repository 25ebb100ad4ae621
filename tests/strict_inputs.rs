//! Every setting and input is read strictly (issue 23, items 8 and 9): a bad value is exit 2
//! naming the variable or the file (and line:col where there is one), never ignored, never a
//! panic, never tests named after what could not be read.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Output};

/// `pg-invariants test` in `dir`, with `env` set.
fn run_in(dir: &Path, env: &[(&OsStr, &OsStr)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pg-invariants"));
    cmd.arg("test")
        .current_dir(dir)
        .env_remove("PG_INVARIANTS_URL")
        .env_remove("PG_INVARIANTS_BACKEND");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

/// Exit 2, and stderr holding every one of `needles`.
fn refused(out: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in: {stderr}");
    }
}

fn case(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(name)
}

/// `PG_INVARIANTS_CACHE_SIZE=17592186044416` (2^44 MiB) wrapped to 0 bytes and emptied the
/// cache; `abc` and `-1` were ignored, as were bad counts and times.
#[test]
fn a_bad_setting_is_refused_by_name_and_value() {
    let bad = [
        ("PG_INVARIANTS_CACHE_SIZE", "17592186044416"),
        ("PG_INVARIANTS_CACHE_SIZE", "abc"),
        ("PG_INVARIANTS_CACHE_SIZE", "-1"),
        ("PG_INVARIANTS_CASES", "-1"),
        ("PG_INVARIANTS_CASES", "many"),
        ("PG_INVARIANTS_SHARED_IDLE_MS", "soon"),
        ("PG_INVARIANTS_CACHE", "maybe"),
        ("PG_INVARIANTS_SHARED_RUN", "a run/../x"),
    ];
    for (name, value) in bad {
        let out = run_in(
            &case("timeout-migration"),
            &[(OsStr::new(name), OsStr::new(value))],
        );
        refused(
            &out,
            &[&format!("{name}={value:?}"), "docs/configuration.md"],
        );
    }
    let not_utf8 = OsStr::from_bytes(b"local\xff");
    let out = run_in(
        &case("timeout-migration"),
        &[(OsStr::new("PG_INVARIANTS_BACKEND"), not_utf8)],
    );
    refused(&out, &["PG_INVARIANTS_BACKEND=", "not UTF-8"]);
}

/// Units and the old plain numbers both work.
#[test]
fn a_setting_with_a_unit_is_read() {
    let out = run_in(
        &case("bad-toml-syntax"),
        &[
            (OsStr::new("PG_INVARIANTS_CACHE_SIZE"), OsStr::new("512MiB")),
            (OsStr::new("PG_INVARIANTS_SHARED_IDLE_MS"), OsStr::new("2s")),
            (OsStr::new("PG_INVARIANTS_CASES"), OsStr::new("0")),
        ],
    );
    // The project file is what is refused, not the settings.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("PG_INVARIANTS_"), "{stderr}");
}
