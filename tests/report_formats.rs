//! CI reports (docs/output.md), on real PostgreSQL: the binary runs on verdict cases that
//! have failures, and each report must say exactly what the pretty run says. JUnit XML is read
//! with a real XML parser, JSON lines with serde_json, GitHub annotations line by line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Four failures: three `fk` (wrong ON DELETE action) and one `on_delete`.
const FAILING: &str = "tests/cases/wrong-on-delete";
/// Table and column names holding newlines, carriage returns, ESC and backslashes.
const HOSTILE: &str = "tests/cases/names-control-characters";

fn case_dir(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(case)
}

/// `pg-invariants test ARGS` in the case's directory, on the local backend, outside GitHub
/// Actions unless `env` says otherwise.
fn run(case: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pg-invariants"));
    cmd.arg("test").args(args).current_dir(case_dir(case));
    for var in [
        "PG_INVARIANTS_URL",
        "PG_INVARIANTS_BACKEND",
        "GITHUB_ACTIONS",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("PG_INVARIANTS_BACKEND", "local");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

/// `test NAME ... OUTCOME` lines of libtest's pretty output (names are padded; a name may hold
/// ` ... ` itself, so the outcome follows the last one).
fn pretty_outcomes(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test "))
        .filter_map(|l| l.rsplit_once(" ... "))
        // A known failure prints as libtest prints an ignore reason: `ignored, <reason>`.
        .map(|(name, outcome)| match outcome.starts_with("ignored, ") {
            true => (name, "ignored"),
            false => (name, outcome),
        })
        .filter(|(_, outcome)| matches!(*outcome, "ok" | "FAILED" | "ignored"))
        .map(|(name, outcome)| (name.trim_end().to_string(), outcome.to_string()))
        .collect()
}

fn failed(outcomes: &BTreeMap<String, String>) -> BTreeSet<String> {
    outcomes
        .iter()
        .filter(|(_, o)| *o == "FAILED")
        .map(|(n, _)| n.clone())
        .collect()
}

/// One `<testcase>` as read by the XML parser.
#[derive(Debug)]
struct TestCase {
    name: String,
    classname: String,
    /// `message` attribute and text of `<failure>`.
    failure: Option<(String, String)>,
    skipped: bool,
}

/// The JUnit document's testcases; asserts the suite's shape and counts.
fn junit_cases(xml: &str) -> Vec<TestCase> {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let suites: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 1, "{xml}");
    let suite = suites[0];
    assert_eq!(suite.attribute("name"), Some("pg-invariants"));
    let cases: Vec<TestCase> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|n| {
            let failure = n.children().find(|c| c.has_tag_name("failure"));
            assert!(
                n.attribute("time")
                    .is_some_and(|t| t.parse::<f64>().is_ok())
            );
            TestCase {
                name: n.attribute("name").expect("name").to_string(),
                classname: n.attribute("classname").expect("classname").to_string(),
                failure: failure.map(|f| {
                    let message = f.attribute("message").expect("message").to_string();
                    (message, f.text().unwrap_or_default().to_string())
                }),
                skipped: n.children().any(|c| c.has_tag_name("skipped")),
            }
        })
        .collect();
    let count = |attr: &str| suite.attribute(attr).and_then(|v| v.parse::<usize>().ok());
    assert_eq!(count("tests"), Some(cases.len()));
    let failures = cases.iter().filter(|c| c.failure.is_some()).count();
    assert_eq!(count("failures"), Some(failures));
    let skipped = cases.iter().filter(|c| c.skipped).count();
    assert_eq!(count("skipped"), Some(skipped));
    assert!(
        suite
            .attribute("time")
            .is_some_and(|t| t.parse::<f64>().is_ok())
    );
    cases
}

fn names(cases: &[TestCase]) -> BTreeSet<String> {
    cases.iter().map(|c| c.name.clone()).collect()
}

fn junit_failed(cases: &[TestCase]) -> BTreeSet<String> {
    cases
        .iter()
        .filter(|c| c.failure.is_some())
        .map(|c| c.name.clone())
        .collect()
}

/// Line and column (1-based) of the value of `key = ...` in the case's invariant file: where
/// the fact was written, as the failure must point at it.
fn value_position(case: &str, file: &str, key: &str) -> (usize, usize) {
    let text = std::fs::read_to_string(case_dir(case).join(file)).expect("invariant file");
    let prefix = format!("{key} = ");
    text.lines()
        .enumerate()
        .find_map(|(i, l)| l.starts_with(&prefix).then(|| (i + 1, prefix.len() + 1)))
        .unwrap_or_else(|| panic!("{file} has no {key}"))
}

/// GitHub's decoding of a workflow command's message.
fn decode(data: &str) -> String {
    data.replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%25", "%")
}

#[test]
fn junit_has_every_test_and_the_failures_of_the_pretty_run() {
    let pretty = run(FAILING, &[], &[]);
    assert_eq!(pretty.status.code(), Some(101), "{pretty:?}");
    let outcomes = pretty_outcomes(&stdout(&pretty));
    assert!(
        !stdout(&pretty).contains("::error"),
        "no annotations outside CI"
    );

    let junit = run(FAILING, &["--format", "junit"], &[]);
    assert_eq!(junit.status.code(), Some(101), "{junit:?}");
    let xml = stdout(&junit);
    assert!(xml.starts_with("<?xml"), "only XML on stdout: {xml}");
    let cases = junit_cases(&xml);
    assert_eq!(cases.len(), outcomes.len());
    assert_eq!(names(&cases), outcomes.keys().cloned().collect());
    assert_eq!(junit_failed(&cases), failed(&outcomes));
    assert_eq!(
        failed(&outcomes).len(),
        4,
        "the case's failures: {outcomes:?}"
    );

    for case in &cases {
        // Here every name starts with its class: `migrations`, `coverage` or a table.
        let expected = case.name.split("::").next().unwrap();
        assert_eq!(case.classname, expected, "{case:?}");
        assert!(!case.skipped);
        if let Some((message, text)) = &case.failure {
            assert_eq!(Some(message.as_str()), text.lines().next(), "{case:?}");
            assert!(text.contains("\n  expected: "), "the whole message: {text}");
            assert!(text.contains("\n  found:    "), "the whole message: {text}");
        }
    }
    let fk = cases
        .iter()
        .find(|c| c.name == "members::org_id::fk")
        .unwrap();
    let (line, col) = value_position(FAILING, "invariants/members.toml", "references");
    let (message, text) = fk.failure.as_ref().expect("members::org_id::fk failed");
    assert!(
        message.starts_with(&format!("invariants/members.toml:{line}:{col}: ")),
        "{message}"
    );
    assert!(
        text.contains("ON DELETE SET NULL instead of CASCADE"),
        "{text}"
    );
    assert!(text.contains("  fix:\n    ALTER TABLE"), "{text}");
    let classnames: BTreeSet<_> = cases.iter().map(|c| c.classname.as_str()).collect();
    assert!(classnames.contains("migrations") && classnames.contains("coverage"));
}

#[test]
fn junit_keeps_filters_exact_and_skip() {
    let exact = run(
        FAILING,
        &["--format", "junit", "--exact", "members::org_id::fk"],
        &[],
    );
    assert_eq!(exact.status.code(), Some(101), "{exact:?}");
    let cases = junit_cases(&stdout(&exact));
    assert_eq!(
        names(&cases),
        BTreeSet::from(["members::org_id::fk".into()])
    );
    assert!(cases[0].failure.is_some());

    // Every failure is an `org_id` test: skipping them leaves a passing run.
    let skip = run(
        FAILING,
        &["--format=junit", "--skip", "org_id", "--skip", "coverage"],
        &[],
    );
    assert_eq!(skip.status.code(), Some(0), "{skip:?}");
    let cases = junit_cases(&stdout(&skip));
    assert!(!cases.is_empty());
    assert!(cases.iter().all(|c| c.failure.is_none()), "{cases:?}");
    assert!(
        cases
            .iter()
            .all(|c| !c.name.contains("org_id") && !c.name.contains("coverage")),
        "{cases:?}"
    );

    let filter = run(FAILING, &["members", "--format", "junit"], &[]);
    assert_eq!(filter.status.code(), Some(101), "{filter:?}");
    let cases = junit_cases(&stdout(&filter));
    assert!(
        cases.iter().all(|c| c.name.contains("members")),
        "{cases:?}"
    );
    assert_eq!(
        junit_failed(&cases),
        BTreeSet::from([
            "members::org_id::fk".to_string(),
            "members::org_id::on_delete".to_string()
        ])
    );
}

#[test]
fn junit_is_well_formed_whatever_the_names() {
    let pretty = run(HOSTILE, &[], &[]);
    let outcomes = pretty_outcomes(&stdout(&pretty));
    assert!(failed(&outcomes).len() >= 3, "{outcomes:?}");
    let junit = run(HOSTILE, &["--format", "junit"], &[]);
    assert_eq!(junit.status.code(), pretty.status.code());
    let cases = junit_cases(&stdout(&junit));
    assert_eq!(names(&cases), outcomes.keys().cloned().collect());
    assert_eq!(junit_failed(&cases), failed(&outcomes));
    let forged = cases
        .iter()
        .find(|c| c.name == r"members::gone\r\n---- forged ----::exists")
        .expect("the hostile column's test, named as the pretty run names it");
    assert_eq!(forged.classname, "members");
    let evil = cases
        .iter()
        .find(|c| c.name == r"coverage::evil\u{1b}[2K\r---- forged ----")
        .expect("the hostile table's coverage test");
    assert_eq!(evil.classname, "coverage");
}

#[test]
fn list_with_junit_lists_as_libtest_does() {
    let plain = run(FAILING, &["--list"], &[]);
    let junit = run(FAILING, &["--list", "--format", "junit"], &[]);
    assert_eq!(junit.status.code(), Some(0), "{junit:?}");
    assert_eq!(stdout(&junit), stdout(&plain));
    assert!(stdout(&junit).contains("members::org_id::fk: test\n"));
}

/// A workflow command's properties and message: properties escape `:`, so the first `::`
/// after the command ends them.
fn split_annotation(line: &str) -> (&str, &str) {
    let rest = line.strip_prefix("::error ").expect("an error command");
    rest.split_once("::").expect("properties::message")
}

/// `::error` lines of `text`, by title (decoded test name).
fn annotations(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| l.starts_with("::error "))
        .map(|l| {
            let (properties, _) = split_annotation(l);
            let title = properties.split(",title=").last().expect("a title");
            let title = title.trim_start_matches("title=");
            let title = title.replace("%3A", ":").replace("%2C", ",");
            (decode(&title), l.to_string())
        })
        .collect()
}

#[test]
fn github_annotations_point_at_each_failed_invariant() {
    let gh = [("GITHUB_ACTIONS", "true")];
    let pretty = run(FAILING, &[], &gh);
    assert_eq!(pretty.status.code(), Some(101));
    let out = stdout(&pretty);
    let (libtest, after) = out
        .split_once("\ntest result: ")
        .expect("libtest's summary");
    assert!(
        !libtest.contains("::error"),
        "annotations follow the summary"
    );
    let found = annotations(after);
    assert_eq!(
        found.keys().cloned().collect::<BTreeSet<_>>(),
        failed(&pretty_outcomes(&out))
    );
    let (line, col) = value_position(FAILING, "invariants/members.toml", "references");
    let fk = &found["members::org_id::fk"];
    let prefix = format!(
        "::error file=invariants/members.toml,line={line},col={col},title=members%3A%3Aorg_id%3A%3Afk::invariants/members.toml:{line}:{col}: members.org_id references organizations.id ON DELETE CASCADE%0A  expected: "
    );
    assert!(fk.starts_with(&prefix), "{fk}");
    let (line, col) = value_position(FAILING, "invariants/members.toml", "on_delete");
    assert!(
        found["members::org_id::on_delete"].starts_with(&format!(
            "::error file=invariants/members.toml,line={line},col={col},title=members%3A%3Aorg_id%3A%3Aon_delete::"
        )),
        "{found:?}"
    );

    // JUnit keeps stdout for XML: annotations go to stderr, each message whole.
    let junit = run(FAILING, &["--format", "junit"], &gh);
    let cases = junit_cases(&stdout(&junit));
    let stderr = String::from_utf8_lossy(&junit.stderr);
    let found = annotations(&stderr);
    assert_eq!(
        found.keys().cloned().collect::<BTreeSet<_>>(),
        junit_failed(&cases)
    );
    for case in cases.iter().filter(|c| c.failure.is_some()) {
        let line = &found[&case.name];
        let (_, message) = split_annotation(line);
        assert_eq!(decode(message), case.failure.as_ref().unwrap().1, "{line}");
    }
}

#[test]
fn github_annotations_of_hostile_names_stay_one_line() {
    let out = run(
        HOSTILE,
        &["--format", "json"],
        &[("GITHUB_ACTIONS", "true")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<_> = stderr.lines().filter(|l| l.starts_with("::")).collect();
    let events = json_events(&stdout(&out));
    let failed = events
        .iter()
        .filter(|e| e["type"] == "test" && e["event"] == "failed")
        .count();
    assert_eq!(lines.len(), failed, "{stderr}");
    // Coverage failures state no invariant: no file, only the title.
    let coverage = lines
        .iter()
        .find(|l| l.contains(r"title=coverage%3A%3Aevil\\r::"))
        .expect("the coverage failure");
    assert!(coverage.starts_with("::error title="), "{coverage}");
}

fn json_events(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn json_failures_carry_their_fields() {
    let out = run(FAILING, &["--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(101), "{out:?}");
    let events = json_events(&stdout(&out));
    let suite = events.last().expect("the suite's end");
    assert_eq!(suite["type"], "suite");
    assert_eq!(suite["event"], "failed");
    assert_eq!(suite["failed"], 4);
    assert_eq!(
        events[0]["test_count"],
        suite["passed"].as_u64().unwrap() + 4
    );

    let by_name = |name: &str| {
        events
            .iter()
            .find(|e| e["name"] == name && e["event"] != "started")
            .unwrap_or_else(|| panic!("no result for {name}"))
            .clone()
    };
    let fk = by_name("members::org_id::fk");
    let (line, col) = value_position(FAILING, "invariants/members.toml", "references");
    assert_eq!(fk["type"], "test");
    assert_eq!(fk["event"], "failed");
    assert_eq!(fk["file"], "invariants/members.toml");
    assert_eq!(fk["line"], line);
    assert_eq!(fk["col"], col);
    let expected = fk["expected"].as_str().unwrap();
    assert!(expected.contains("ON DELETE CASCADE"), "{expected}");
    let found = fk["found"].as_str().unwrap();
    assert!(found.contains("SET NULL instead of CASCADE"), "{found}");
    let fix = fk["fix"].as_str().unwrap();
    assert!(fix.contains("ON DELETE CASCADE NOT VALID"), "{fix}");
    let libtest = fk["stdout"].as_str().unwrap();
    assert!(
        libtest.starts_with(&format!("Error: \"invariants/members.toml:{line}:{col}: ")),
        "libtest's own field stays: {libtest}"
    );

    let on_delete = by_name("members::org_id::on_delete");
    let (line, col) = value_position(FAILING, "invariants/members.toml", "on_delete");
    assert_eq!(
        (on_delete["line"].clone(), on_delete["col"].clone()),
        (line.into(), col.into())
    );

    let passed = by_name("boards::org_id::fk");
    assert_eq!(passed["event"], "ok");
    assert!(passed.get("file").is_none(), "{passed}");
}

/// The baseline in every report: a known failure is skipped with its reason (JUnit
/// `<skipped message>`, a JSON `ignored` event with `message`, a GitHub `::warning`), a known
/// test that passes is a failure pointing at its `[known]` line, and the rest is as pretty says.
#[test]
fn known_failures_are_skipped_with_their_reason_in_every_report() {
    const KNOWN: &str = "tests/cases/known-baseline";
    let pretty = run(KNOWN, &[], &[]);
    let outcomes = pretty_outcomes(&stdout(&pretty));
    assert_eq!(outcomes["documents::org_id::fk"], "ignored");
    assert_eq!(outcomes["notes::org_id::indexed"], "ignored");
    let text = stdout(&pretty);
    assert!(
        text.contains("... ignored, SET NULL shipped in 0001; cascade tracked in #412\n"),
        "{text}"
    );

    let junit = run(KNOWN, &["--format", "junit"], &[]);
    let xml = stdout(&junit);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let skipped: BTreeMap<String, String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("skipped"))
        .map(|s| {
            let case = s.parent().expect("testcase");
            (
                case.attribute("name").expect("name").to_string(),
                s.attribute("message").expect("a reason").to_string(),
            )
        })
        .collect();
    assert_eq!(
        skipped,
        BTreeMap::from([
            (
                "documents::org_id::fk".to_string(),
                "SET NULL shipped in 0001; cascade tracked in #412".to_string()
            ),
            (
                "notes::org_id::indexed".to_string(),
                "notes are few; index planned".to_string()
            ),
        ])
    );
    let cases = junit_cases(&xml);
    assert_eq!(
        junit_failed(&cases),
        BTreeSet::from([
            "documents::org_id::indexed".to_string(),
            "documents::org_id::on_delete".to_string()
        ])
    );

    let json = run(KNOWN, &["--format", "json"], &[]);
    let events: Vec<serde_json::Value> = stdout(&json)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let ignored = events
        .iter()
        .find(|e| e["name"] == "notes::org_id::indexed" && e["event"] == "ignored")
        .expect("an ignored event");
    assert_eq!(ignored["message"], "notes are few; index planned");
    let passing = events
        .iter()
        .find(|e| e["name"] == "documents::org_id::indexed" && e["event"] == "failed")
        .expect("a failed event");
    assert_eq!(
        passing["file"]
            .as_str()
            .map(|f| f.ends_with("pg-invariants.toml")),
        Some(true)
    );
    assert_eq!(passing["line"], 16);
    assert_eq!(events.last().expect("suite end")["ignored"], 2);

    let github = run(KNOWN, &[], &[("GITHUB_ACTIONS", "true")]);
    let text = stdout(&github);
    assert!(
        text.lines().any(|l| l
            == "::warning title=notes%3A%3Aorg_id%3A%3Aindexed::known failure ([known]): notes are few; index planned"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("::error file=") && l.contains("pg-invariants.toml,line=16,")),
        "{text}"
    );
}
