//! Proves the verdicts: runs the real `pg-invariants test` binary, against real PostgreSQL, on
//! every purpose-built project in `tests/cases/<case>/`, and asserts its `expected.txt` exactly:
//! the exit code, the full set of test names with their outcome, and substrings of stderr and
//! of individual failure messages. See `tests/cases/README.md` for the format. Where PostgreSQL
//! itself behaves differently on a major version, a case's `expected.<major>.txt` holds what it
//! gives there; the version is the one the run's header names, so the same trials prove any
//! server: `PG_INVARIANTS_PG_BINDIR=<bindir> cargo test --test verdicts` (ci/install-postgres-versions).
//!
//! Every case runs on the local backend (`cases::<case>`) and on the docker backend
//! (`docker::cases::<case>`, with the image of `PG_INVARIANTS_IMAGE`): the verdicts must be the
//! same. Without Docker the docker trials are ignored, with the reason (tests/support/docker.rs).

#[path = "support/docker.rs"]
mod docker_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use docker_support::Availability;
use libtest_mimic::{Arguments, Failed, Trial};

/// What a case promises about its run.
#[derive(Debug, Default)]
struct Expected {
    exit: Option<i32>,
    outcomes: BTreeMap<String, String>,
    stderr: Vec<String>,
    stdout: Vec<String>,
    messages: Vec<(String, String)>,
}

fn parse_expected(text: &str) -> Result<Expected, String> {
    let mut e = Expected::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (word, rest) = line
            .split_once(' ')
            .ok_or(format!("line {}: {line:?}", n + 1))?;
        let rest = rest.trim();
        match word {
            "exit" => {
                e.exit = Some(
                    rest.parse()
                        .map_err(|_| format!("line {}: bad exit code", n + 1))?,
                )
            }
            "ok" | "FAILED" | "ignored" => {
                if e.outcomes
                    .insert(rest.to_string(), word.to_string())
                    .is_some()
                {
                    return Err(format!("line {}: {rest} listed twice", n + 1));
                }
            }
            "stderr" => e.stderr.push(rest.to_string()),
            "stdout" => e.stdout.push(rest.to_string()),
            "message" => {
                // A name may hold spaces: the longest test name listed so far that starts
                // the line, else the first word.
                let name = e
                    .outcomes
                    .keys()
                    .filter(|k| rest.starts_with(&format!("{k} ")))
                    .max_by_key(|k| k.len())
                    .cloned()
                    .or_else(|| rest.split_once(' ').map(|(n, _)| n.to_string()))
                    .ok_or(format!("line {}: message NAME TEXT", n + 1))?;
                let text = rest[name.len()..].trim().to_string();
                e.messages.push((name, text));
            }
            _ => return Err(format!("line {}: unknown word {word:?}", n + 1)),
        }
    }
    Ok(e)
}

/// `test NAME ... ok` lines of libtest's pretty output. A name may itself hold ` ... `: the
/// outcome follows the last ` ... ` that an outcome word follows.
fn outcomes(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("test ")?;
            let (name, word) = rest
                .match_indices(" ... ")
                .filter_map(|(i, sep)| {
                    // libtest prints a reason after `ignored,` (`ignored, tracked in #412`).
                    let word = rest[i + sep.len()..].split_whitespace().next()?;
                    let word = word.strip_suffix(',').unwrap_or(word);
                    ["ok", "FAILED", "ignored"]
                        .contains(&word)
                        .then(|| (&rest[..i], word))
                })
                .last()?;
            Some((name.trim().to_string(), word.to_string()))
        })
        .collect()
}

/// The names `--list` prints (`NAME: test` lines).
fn listed(stdout: &str) -> BTreeSet<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_string)
        .collect()
}

/// The `---- NAME ----` sections of libtest's failure report.
fn failure_messages(stdout: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in stdout.lines() {
        if let Some(name) = line
            .strip_prefix("---- ")
            .and_then(|l| l.strip_suffix(" ----"))
        {
            out.extend(current.take());
            current = Some((name.to_string(), String::new()));
        } else if line == "failures:" {
            out.extend(current.take());
        } else if let Some((_, text)) = &mut current {
            text.push_str(line);
            text.push('\n');
        }
    }
    out.extend(current);
    out
}

/// `needle` occurs in `haystack` as a whole: `:3:1` must not match inside `:3:12`.
fn contains_whole(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(i, _)| {
        let next = haystack[i + needle.len()..].chars().next();
        !(needle.ends_with(|c: char| c.is_ascii_digit())
            && next.is_some_and(|c| c.is_ascii_digit()))
    })
}

/// The server's major version, from the run's header (`pg-invariants: 1 migration(s) (sql-dir)
/// on local PostgreSQL 18.4; ...`); `None` when the run printed none (it stopped before).
fn server_major(stdout: &str, stderr: &str) -> Option<u32> {
    stdout
        .lines()
        .chain(stderr.lines())
        .filter(|l| l.starts_with("pg-invariants: ") && l.contains(" migration(s) ("))
        .find_map(|l| {
            let (_, rest) = l.split_once(" PostgreSQL ")?;
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
}

/// The `expected.<major>.txt` files of a case, by major version: what the case gives on that
/// version, where PostgreSQL itself behaves differently (tests/cases/README.md).
fn version_files(dir: &Path) -> Result<BTreeMap<u32, String>, String> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let name = entry
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        let Some(middle) = name
            .strip_prefix("expected.")
            .and_then(|rest| rest.strip_suffix(".txt"))
            .filter(|middle| !middle.is_empty())
        else {
            continue;
        };
        let major = middle.parse().map_err(|_| {
            format!("{name}: the part between `expected.` and `.txt` must be a major version (expected.14.txt)")
        })?;
        files.insert(major, name);
    }
    Ok(files)
}

/// What the case promises on the server the run had, `major`: its `expected.<major>.txt` when
/// there is one, else `expected.txt`. With the file's name, for the failure report.
fn expectation(dir: &Path, major: Option<u32>) -> Result<(String, Expected), Failed> {
    let versions = version_files(dir)?;
    let file = match major {
        Some(major) => versions
            .get(&major)
            .cloned()
            .unwrap_or_else(|| "expected.txt".to_string()),
        None if versions.is_empty() => "expected.txt".to_string(),
        None => {
            return Err(format!(
                "the case has per-version results ({}), but the run printed no header naming \
                 the server's version",
                versions.into_values().collect::<Vec<_>>().join(", ")
            )
            .into());
        }
    };
    let text = std::fs::read_to_string(dir.join(&file))?;
    let expected = parse_expected(&text).map_err(|e| format!("{file}: {e}"))?;
    Ok((file, expected))
}

/// Where a case runs: `None` on the local backend, `Some(image)` in a container of the image.
fn run_case(dir: &Path, docker_image: Option<&str>) -> Result<(), Failed> {
    let command = |extra: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pg-invariants"));
        command
            .args(["test", "--config", "pg-invariants.toml"])
            .args(["--test-threads", "4"])
            .args(extra)
            .current_dir(dir)
            .env_remove("PG_INVARIANTS_URL");
        match docker_image {
            None => command.env("PG_INVARIANTS_BACKEND", "local"),
            Some(image) => command
                .env("PG_INVARIANTS_BACKEND", "docker")
                .env("PG_INVARIANTS_IMAGE", image),
        };
        command
    };
    let output = command(&[]).output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let (file, expected) = expectation(dir, server_major(&stdout, &stderr))?;
    let mut problems = compare(&expected, output.status.code(), &stdout, &stderr);
    // `--list` must name exactly what the run runs (FORMAT.md section 3), so that nextest runs
    // every test: checked on the local backend for every case that runs tests.
    if docker_image.is_none() && expected.exit != Some(2) {
        let listing = command(&["--list"]).output()?;
        let listed = listed(&String::from_utf8_lossy(&listing.stdout));
        problems.extend(listing_differs(&listed, &outcomes(&stdout)));
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "against {file}:\n{}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        problems.join("\n")
    )
    .into())
}

/// How the run differs from `expected`: its exit code, outcomes, stderr, stdout and failure
/// messages.
fn compare(expected: &Expected, code: Option<i32>, stdout: &str, stderr: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(exit) = expected.exit
        && code != Some(exit)
    {
        problems.push(format!("exit code {code:?}, expected {exit}"));
    }
    let got = outcomes(stdout);
    for (name, want) in &expected.outcomes {
        match got.get(name) {
            Some(have) if have == want => {}
            Some(have) => problems.push(format!("{name}: {have}, expected {want}")),
            None => problems.push(format!("{name}: not reported, expected {want}")),
        }
    }
    for (name, have) in &got {
        if !expected.outcomes.contains_key(name) {
            problems.push(format!("{name}: reported {have} but not expected at all"));
        }
    }
    for text in &expected.stderr {
        if !contains_whole(stderr, text) {
            problems.push(format!("stderr does not contain {text:?}"));
        }
    }
    for text in &expected.stdout {
        if !stdout.contains(text.as_str()) {
            problems.push(format!("stdout does not contain {text:?}"));
        }
    }
    let messages = failure_messages(stdout);
    for (name, text) in &expected.messages {
        match messages.get(name) {
            Some(m) if contains_whole(m, text) => {}
            Some(_) => problems.push(format!("message of {name} does not contain {text:?}")),
            None => problems.push(format!("no failure message for {name}")),
        }
    }
    problems
}

/// What `--list` named that the run did not run, and the reverse.
fn listing_differs(listed: &BTreeSet<String>, ran: &BTreeMap<String, String>) -> Option<String> {
    let ran: BTreeSet<&String> = ran.keys().collect();
    (listed.iter().collect::<BTreeSet<_>>() != ran).then(|| {
        format!(
            "--list differs from the run: listed only {:?}; ran only {:?}",
            listed
                .iter()
                .filter(|n| !ran.contains(n))
                .collect::<Vec<_>>(),
            ran.iter()
                .filter(|n| !listed.contains(**n))
                .collect::<Vec<_>>()
        )
    })
}

fn cases(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.join("expected.txt").is_file())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

fn main() -> std::process::ExitCode {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let docker = Availability::detect("tests/verdicts.rs");
    let mut trials = Vec::new();
    for dir in cases(&root) {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let local_dir = dir.clone();
        trials.push(Trial::test(format!("cases::{name}"), move || {
            run_case(&local_dir, None)
        }));
        trials.push(
            docker.trial(format!("docker::cases::{name}"), move |image| {
                run_case(&dir, Some(image))
            }),
        );
    }
    libtest_mimic::run(&args, trials).exit_code()
}
