//! `cargo nextest run --test invariants` against `cargo test --test invariants` in the repo root:
//! nextest runs one process per test, each asking the run's keeper for its verdict (see
//! `keeper`); the goal is ≤ 2× `cargo test`'s wall time, running the same tests to the same
//! verdicts (issue 12). Both are built first, so compile time is not measured; each runs once,
//! as a user runs it (default cache settings).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Instant;

/// A test's verdict as libtest words it.
type Verdicts = BTreeMap<String, &'static str>;

/// The binary id nextest prints before each test name.
const BINARY_ID: &str = "pg-invariants::invariants ";

pub fn compare(root: &Path) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let has_nextest = Command::new(&cargo)
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_nextest {
        println!(
            "nextest: skipped, cargo-nextest is not installed (`cargo install cargo-nextest`)"
        );
        return;
    }
    let cargo_test = ["test", "--test", "invariants"];
    let nextest = ["nextest", "run", "--test", "invariants"];
    cargo_in(root, &cargo, &[&cargo_test[..], &["--no-run"]].concat());
    cargo_in(root, &cargo, &[&nextest[..], &["--no-run"]].concat());
    let nextest = [
        &nextest[..],
        &[
            "--no-fail-fast",
            "--status-level",
            "skip",
            "--final-status-level",
            "none",
        ],
    ]
    .concat();

    let (libtest_secs, libtest_out) = timed(root, &cargo, &cargo_test);
    let (nextest_secs, nextest_out) = timed(root, &cargo, &nextest);
    let libtest = libtest_verdicts(&libtest_out);
    let nextest = nextest_verdicts(&nextest_out);
    println!(
        "nextest: `cargo test --test invariants` {libtest_secs:.2}s ({}) | `cargo nextest run --test invariants` {nextest_secs:.2}s ({}) | ratio nextest/cargo test {:.2}× (goal ≤ 2×)",
        counts(&libtest),
        counts(&nextest),
        nextest_secs / libtest_secs
    );
    let only = |a: &Verdicts, b: &Verdicts| -> Vec<String> {
        a.keys().filter(|n| !b.contains_key(*n)).cloned().collect()
    };
    let differing: Vec<String> = libtest
        .iter()
        .filter_map(|(name, v)| {
            let w = nextest.get(name)?;
            (w != v).then(|| format!("{name} ({v} / {w})"))
        })
        .collect();
    for (what, names) in [
        ("run by cargo test only", only(&libtest, &nextest)),
        ("run by nextest only", only(&nextest, &libtest)),
        ("with different verdicts (cargo test / nextest)", differing),
    ] {
        let shown: Vec<&str> = names.iter().take(10).map(String::as_str).collect();
        let more = names.len().saturating_sub(shown.len());
        println!(
            "nextest: {} test(s) {what}{}{}",
            names.len(),
            if shown.is_empty() { "" } else { ": " },
            shown.join(", ")
                + &if more > 0 {
                    format!(", … {more} more")
                } else {
                    String::new()
                }
        );
    }
    let same = libtest == nextest;
    println!(
        "nextest: same test names and verdicts: {}",
        if same { "yes" } else { "NO" }
    );
}

/// Builds (or checks) quietly; panics with cargo's output when it fails.
fn cargo_in(root: &Path, cargo: &str, args: &[&str]) {
    let out = Command::new(cargo)
        .args(args)
        .current_dir(root)
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo {} failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs cargo with `args` in `root`: its wall time and its stdout and stderr, whatever the exit
/// status (failing tests are verdicts to compare, not an error of the benchmark).
fn timed(root: &Path, cargo: &str, args: &[&str]) -> (f64, String) {
    let started = Instant::now();
    let Output { stdout, stderr, .. } = Command::new(cargo)
        .args(args)
        .current_dir(root)
        .output()
        .expect("cargo runs");
    let secs = started.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&stdout).into_owned() + &String::from_utf8_lossy(&stderr);
    (secs, text)
}

/// `test <name> ... ok|FAILED|ignored` lines of libtest's pretty output.
fn libtest_verdicts(out: &str) -> Verdicts {
    out.lines()
        .filter_map(|line| {
            let (name, verdict) = line.strip_prefix("test ")?.split_once(" ... ")?;
            let verdict = match verdict.split_whitespace().next()? {
                "ok" => "ok",
                "FAILED" => "FAILED",
                "ignored" => "ignored",
                _ => return None,
            };
            Some((name.trim().to_string(), verdict))
        })
        .collect()
}

/// nextest's status lines, `PASS [ 0.012s] (1/186) pg-invariants::invariants <name>`, in
/// libtest's words: SLOW and retry lines are progress, not verdicts.
fn nextest_verdicts(out: &str) -> Verdicts {
    out.lines()
        .filter_map(|line| {
            let (status, name) = line.split_once(BINARY_ID)?;
            let verdict = match status.split_whitespace().next()? {
                "PASS" | "LEAK" => "ok",
                "SKIP" => "ignored",
                "FAIL" | "TIMEOUT" | "ABORT" | "LEAK-FAIL" => "FAILED",
                s if s.starts_with("SIG") => "FAILED",
                _ => return None,
            };
            Some((name.trim().to_string(), verdict))
        })
        .collect()
}

fn counts(verdicts: &Verdicts) -> String {
    let n = |v: &str| verdicts.values().filter(|w| **w == v).count();
    format!(
        "{} tests: {} passed, {} failed, {} ignored",
        verdicts.len(),
        n("ok"),
        n("FAILED"),
        n("ignored")
    )
}
