//! The GitHub Action (`action.yml`) and the release workflow, checked offline as GitHub would
//! read them: no runner here can run them, so a typo (an input that does not exist, a step
//! without `shell`, a script that does not parse) would first show on a user's pull request.

use std::path::Path;
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

fn load(file: &str) -> Yaml {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).expect("read the file");
    let mut docs = YamlLoader::load_from_str(&text).expect("valid YAML");
    assert_eq!(docs.len(), 1, "{file}: one YAML document");
    docs.remove(0)
}

fn keys(map: &Yaml) -> Vec<&str> {
    map.as_hash()
        .map(|h| h.keys().filter_map(Yaml::as_str).collect())
        .unwrap_or_default()
}

fn steps(yaml: &Yaml) -> &[Yaml] {
    yaml["steps"].as_vec().expect("a list of steps")
}

/// Every string under `yaml` (keys excluded), with the key that holds it.
fn strings<'a>(yaml: &'a Yaml, key: &'a str, out: &mut Vec<(&'a str, &'a str)>) {
    match yaml {
        Yaml::String(s) => out.push((key, s)),
        Yaml::Array(items) => items.iter().for_each(|i| strings(i, key, out)),
        Yaml::Hash(map) => {
            for (k, v) in map {
                strings(v, k.as_str().unwrap_or(key), out);
            }
        }
        _ => {}
    }
}

/// The expressions of a file: `${{ ... }}` anywhere, and the whole of an `if:`.
fn expressions(yaml: &Yaml) -> Vec<String> {
    let mut all = Vec::new();
    strings(yaml, "", &mut all);
    let mut found = Vec::new();
    for (key, text) in all {
        if key == "if" && !text.contains("${{") {
            found.push(text.to_string());
        }
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            let end = rest[start..].find("}}").expect("a closed ${{ }}") + start;
            found.push(rest[start + 3..end].to_string());
            rest = &rest[end + 2..];
        }
    }
    found
}

/// The names after `prefix` (`inputs.`, `steps.`) in the expressions.
fn named(expressions: &[String], prefix: &str) -> Vec<String> {
    let mut names = Vec::new();
    for expression in expressions {
        for (at, _) in expression.match_indices(prefix) {
            let name: String = expression[at + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            names.push(name);
        }
    }
    names
}

/// A step is `run` (with `shell`, a script bash parses, no expression inside: inputs reach it
/// through `env`, never pasted into the script) or `uses` pinned to a major version.
fn check_step(step: &Yaml, where_: &str) {
    let run = step["run"].as_str();
    let uses = step["uses"].as_str();
    assert!(
        run.is_some() != uses.is_some(),
        "{where_}: a step has either run or uses: {step:?}"
    );
    if let Some(uses) = uses {
        let (_, version) = uses.split_once('@').expect("uses names a version");
        assert!(version.starts_with('v'), "{where_}: {uses} pinned to a tag");
        return;
    }
    let script = run.expect("run");
    assert_eq!(step["shell"].as_str(), Some("bash"), "{where_}: {script}");
    assert!(
        !script.contains("${{"),
        "{where_}: expression in a script: {script}"
    );
    let out = Command::new("bash")
        .args(["-n", "-c", script])
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{where_}: bash cannot parse the script: {}\n{script}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_action_is_a_composite_action_github_can_run() {
    let action = load("action.yml");
    for key in ["name", "description", "inputs", "outputs", "runs"] {
        assert!(keys(&action).contains(&key), "action.yml has no {key}");
    }
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    for (name, input) in action["inputs"].as_hash().expect("inputs") {
        assert!(
            input["description"].as_str().is_some(),
            "{name:?}: no description"
        );
        assert!(input["default"].as_str().is_some(), "{name:?}: no default");
    }
    let steps = steps(&action["runs"]);
    for (i, step) in steps.iter().enumerate() {
        check_step(step, &format!("action.yml step {i}"));
    }

    let expressions = expressions(&action);
    let declared = keys(&action["inputs"]);
    for input in named(&expressions, "inputs.") {
        assert!(
            declared.contains(&input.as_str()),
            "inputs.{input} is not declared"
        );
    }
    let ids: Vec<&str> = steps.iter().filter_map(|s| s["id"].as_str()).collect();
    for id in named(&expressions, "steps.") {
        assert!(ids.contains(&id.as_str()), "steps.{id} names no step id");
    }
}

#[test]
fn the_action_installs_caches_runs_junit_and_uploads_it() {
    let action = load("action.yml");
    let steps = steps(&action["runs"]);
    let runs = |needle: &str| {
        steps
            .iter()
            .position(|s| s["run"].as_str().is_some_and(|r| r.contains(needle)))
            .unwrap_or_else(|| panic!("no step runs {needle}"))
    };
    let uses = |action: &str| {
        steps
            .iter()
            .position(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(action)))
            .unwrap_or_else(|| panic!("no step uses {action}"))
    };
    let install = runs("gh release download");
    assert_eq!(
        install,
        runs("npm install"),
        "one step installs, either way"
    );
    let postgres = runs("apt-get install");
    let key = runs("pg-invariants cache key");
    let cache = uses("actions/cache@");
    let test = runs("pg-invariants test --format junit");
    let upload = uses("actions/upload-artifact@");
    assert!(install < postgres && postgres < key && key < cache && cache < test && test < upload);
    assert!(
        steps[cache]["with"]["key"]
            .as_str()
            .is_some_and(|k| k.contains("steps.key.outputs.key")),
        "the cache is keyed on `pg-invariants cache key`"
    );
    let upload_if = steps[upload]["if"].as_str().expect("upload has an if");
    assert!(
        upload_if.contains("always()"),
        "a failed test still uploads: {upload_if}"
    );
    assert!(
        steps[install]["run"]
            .as_str()
            .is_some_and(|r| r.contains("sha256sum -c")),
        "the release archive is checked against its checksum"
    );
}

#[test]
fn a_failing_run_records_its_exit_code_and_report_under_the_runners_bash_e() {
    // GitHub runs a composite step's script with `bash -e`: a step that let 101 end it before
    // writing `exit-code` would report nothing to a workflow that reads the output.
    let action = load("action.yml");
    let test = steps(&action["runs"])
        .iter()
        .find(|s| s["id"].as_str() == Some("test"))
        .expect("the test step");
    let dir = tempfile::tempdir().expect("tempdir");
    let output = dir.path().join("github_output");
    std::fs::write(&output, "").expect("write");
    // The binary stands in as a function: prints a report, exits 101 as a failed run does.
    let script = format!(
        "pg-invariants() {{ echo '<testsuites/>'; return 101; }}\n{}",
        test["run"].as_str().expect("run")
    );
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &script])
        .current_dir(dir.path())
        .env("GITHUB_OUTPUT", &output)
        .env("JUNIT_FILE", "report.xml")
        .env("ARGS", "")
        .output()
        .expect("bash runs");
    assert_eq!(out.status.code(), Some(101), "{out:?}");
    let outputs = std::fs::read_to_string(&output).expect("read");
    assert!(outputs.contains("exit-code=101"), "{outputs}");
    let report = std::fs::read_to_string(dir.path().join("report.xml")).expect("the report");
    assert_eq!(report, "<testsuites/>\n");
}

#[test]
fn the_release_workflow_builds_with_the_script_ci_runs() {
    let workflow = load(".github/workflows/release.yml");
    assert!(
        !workflow["on"]["push"]["tags"].is_badvalue(),
        "runs on tags"
    );
    let jobs = workflow["jobs"].as_hash().expect("jobs");
    for (name, job) in jobs {
        assert!(job["runs-on"].as_str().is_some(), "{name:?}: runs-on");
        for (i, step) in steps(job).iter().enumerate() {
            check_step(step, &format!("release.yml job {name:?} step {i}"));
        }
    }
    let build = steps(&workflow["jobs"]["build"]);
    assert!(
        build.iter().any(|s| s["run"]
            .as_str()
            .is_some_and(|r| r.contains("ci/release-build"))),
        "the build job runs ci/release-build, as .ci/run does"
    );
    for needs in [
        "gh release create",
        "npm publish",
        "cargo publish",
        "docker push",
    ] {
        let publish = steps(&workflow["jobs"]["publish"]);
        assert!(
            publish
                .iter()
                .any(|s| s["run"].as_str().is_some_and(|r| r.contains(needs))),
            "the publish job runs {needs}"
        );
    }
}
