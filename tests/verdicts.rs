//! Proves the verdicts: runs the real `pg-invariants test` binary, against real PostgreSQL, on
//! every purpose-built project in `tests/cases/<case>/`, and asserts its `expected.txt` exactly:
//! the exit code, the full set of test names with their outcome, and substrings of stderr and
//! of individual failure messages. See `tests/cases/README.md` for the format.
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

/// Where a case runs: `None` on the local backend, `Some(image)` in a container of the image.
fn run_case(dir: &Path, docker_image: Option<&str>) -> Result<(), Failed> {
    let expected = parse_expected(&std::fs::read_to_string(dir.join("expected.txt"))?)?;
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
    // `--list` must name exactly what the run runs (FORMAT.md section 3), so that nextest runs
    // every test: checked on the local backend for every case that runs tests.
    let listing = (docker_image.is_none() && expected.exit != Some(2))
        .then(|| command(&["--list"]).output())
        .transpose()?;
    let output = command(&[]).output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let context = || format!("\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}");

    let mut problems = Vec::new();
    let code = output.status.code();
    if let Some(exit) = expected.exit
        && code != Some(exit)
    {
        problems.push(format!("exit code {code:?}, expected {exit}"));
    }
    let got = outcomes(&stdout);
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
    if let Some(listing) = listing {
        let listed = listed(&String::from_utf8_lossy(&listing.stdout));
        let ran: BTreeSet<&String> = got.keys().collect();
        if listed.iter().collect::<BTreeSet<_>>() != ran {
            problems.push(format!(
                "--list differs from the run: listed only {:?}; ran only {:?}",
                listed
                    .iter()
                    .filter(|n| !ran.contains(n))
                    .collect::<Vec<_>>(),
                ran.iter()
                    .filter(|n| !listed.contains(**n))
                    .collect::<Vec<_>>()
            ));
        }
    }
    for text in &expected.stderr {
        if !contains_whole(&stderr, text) {
            problems.push(format!("stderr does not contain {text:?}"));
        }
    }
    for text in &expected.stdout {
        if !stdout.contains(text.as_str()) {
            problems.push(format!("stdout does not contain {text:?}"));
        }
    }
    let messages = failure_messages(&stdout);
    for (name, text) in &expected.messages {
        match messages.get(name) {
            Some(m) if contains_whole(m, text) => {}
            Some(_) => problems.push(format!("message of {name} does not contain {text:?}")),
            None => problems.push(format!("no failure message for {name}")),
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!("{}{}", problems.join("\n"), context()).into())
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
