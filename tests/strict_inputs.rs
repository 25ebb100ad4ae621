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

/// A small valid project in a fresh directory: one table, one table file.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    std::fs::create_dir_all(p.join("migrations")).expect("mkdir");
    std::fs::create_dir_all(p.join("invariants")).expect("mkdir");
    std::fs::write(
        p.join("migrations/0001_orgs.sql"),
        "CREATE TABLE orgs (id bigint PRIMARY KEY);\n",
    )
    .expect("write");
    std::fs::write(p.join("invariants/orgs.toml"), "[columns.id]\n").expect("write");
    std::fs::write(
        p.join("pg-invariants.toml"),
        "[migrations]\npath = \"migrations\"\nformat = \"sql-dir\"\n\n[snapshots]\nenabled = false\n",
    )
    .expect("write");
    dir
}

/// Appends `bytes` to the file `name` of the project.
fn append(dir: &Path, name: &str, bytes: &[u8]) {
    let mut text = std::fs::read(dir.join(name)).expect("read");
    text.extend_from_slice(bytes);
    std::fs::write(dir.join(name), text).expect("write");
}

/// A Latin-1 `é` in the project file, a table file or a migration: exit 2 at the byte's
/// line and column (it used to name the file only: "stream did not contain valid UTF-8").
#[test]
fn a_file_that_is_not_utf8_is_refused_at_its_first_bad_byte() {
    for (file, line) in [
        ("pg-invariants.toml", 7),
        ("invariants/orgs.toml", 2),
        ("migrations/0001_orgs.sql", 2),
    ] {
        let dir = project();
        let comment: &[u8] = if file.ends_with(".sql") {
            b"-- caf\xe9\n"
        } else {
            b"# caf\xe9\n"
        };
        append(dir.path(), file, comment);
        let column = if file.ends_with(".sql") { 7 } else { 6 };
        let out = run_in(dir.path(), &[]);
        refused(
            &out,
            &[&format!(
                "{file}:{line}:{column}: not valid UTF-8 (byte 0xe9"
            )],
        );
    }
}

/// A 2 MB setting name made the server's command line too long to start ("Argument list too
/// long", reported as no PostgreSQL): now refused at the key, before any server starts.
#[test]
fn a_two_megabyte_setting_name_is_refused_at_the_key() {
    let dir = project();
    let name = "a".repeat(2 << 20);
    append(
        dir.path(),
        "pg-invariants.toml",
        format!("\n[database]\nsettings = {{ \"{name}\" = \"1\" }}\n").as_bytes(),
    );
    let out = run_in(dir.path(), &[]);
    refused(
        &out,
        &["pg-invariants.toml:9:14: `aaaa", "is not a setting name"],
    );
}

/// A table file whose name is not UTF-8 gave exit 101 and a test named `::id::exists`.
#[test]
fn a_table_file_named_in_bytes_that_are_not_utf8_is_refused_by_name() {
    let dir = project();
    let name = OsStr::from_bytes(b"or\xffgs.toml");
    std::fs::write(dir.path().join("invariants").join(name), "[columns.id]\n").expect("write");
    let out = run_in(dir.path(), &[]);
    refused(
        &out,
        &["invariants/or", "gs.toml: the file name is not UTF-8"],
    );
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
