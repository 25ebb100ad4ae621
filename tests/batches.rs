//! Batches never decide a verdict of their own: a behavioural check selected alone (a filter, so
//! that its batch has no other member) gets the verdict it gets among all its siblings, and a
//! failure beside passing siblings names only its own table's rows.

#[path = "support/libtest.rs"]
mod libtest;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use libtest::message;

const CASE: &str = "tests/cases/batch-siblings";

/// `pg-invariants test ARGS` in the case: each test's outcome (`ok`/`FAILED`), and stdout.
fn run(args: &[&str]) -> (BTreeMap<String, String>, String) {
    run_with(args, &[])
}

/// [`run`] with these environment variables.
fn run_with(args: &[&str], env: &[(&str, &str)]) -> (BTreeMap<String, String>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pg-invariants"))
        .args(["test", "--config", "pg-invariants.toml"])
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(CASE))
        .env_remove("PG_INVARIANTS_URL")
        .env("PG_INVARIANTS_BACKEND", "local")
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let outcomes = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test "))
        .filter_map(|l| l.rsplit_once(" ... "))
        .map(|(name, outcome)| (name.trim_end().to_string(), outcome.trim().to_string()))
        .collect();
    (outcomes, stdout)
}

#[test]
fn a_check_selected_alone_gets_the_verdict_it_gets_among_its_siblings() {
    let (all, stdout) = run(&[]);
    let behavioural: Vec<&String> = all
        .keys()
        .filter(|n| {
            ["::on_delete", "::rejects_invalid", "::not_null"]
                .iter()
                .any(|k| n.ends_with(k))
        })
        .collect();
    assert!(behavioural.len() > 20, "{stdout}");
    // The failures of the case, each beside siblings that pass.
    for failing in [
        "tags::org_id::on_delete",
        "files::workspace_id::on_delete",
        "cards::team_id::on_delete",
        "accounts::plan_id::rejects_invalid",
        "accounts::nickname::not_null",
        "aa_codes::org_id::on_delete",
        "ab_pairs::org_id::on_delete",
    ] {
        assert_eq!(
            all.get(failing).map(String::as_str),
            Some("FAILED"),
            "{stdout}"
        );
    }
    // A failure among siblings names only its own table's rows.
    let tags = message(&stdout, "tags::org_id::on_delete");
    assert!(tags.contains("tags"), "{tags}");
    for sibling in ["projects", "tasks", "members", "transfers", "accounts"] {
        assert!(!tags.contains(sibling), "names {sibling}:\n{tags}");
    }
    // Selected alone (its batch has no other member), each check decides the same.
    for name in [
        "tags::org_id::on_delete",
        "projects::org_id::on_delete",
        "files::workspace_id::on_delete",
        "docs::workspace_id::on_delete",
        "cards::team_id::on_delete",
        "accounts::plan_id::rejects_invalid",
        "accounts::org_id::rejects_invalid",
        "accounts::nickname::not_null",
        "accounts::email::not_null",
        "ab_pairs::org_id::on_delete",
        "ac_pairs::org_id::on_delete",
    ] {
        let (alone, out) = run(&["--exact", name]);
        assert_eq!(alone.len(), 1, "{out}");
        assert_eq!(alone.get(name), all.get(name), "{name} alone:\n{out}");
    }
}

/// With more generated cases (up to 4 referenced rows × 3 rows each), rows built together meet
/// refusals mid-message: a second row under one organization of a one-to-one table (UNIQUE
/// org_id), which is not deleted as if a trigger had made the first (it is the check's own), and
/// CHECKs only repairs satisfy. The verdicts are those of the default cases.
#[test]
fn rows_refused_mid_message_change_no_verdict() {
    let (default, _) = run(&[]);
    let (more, stdout) = run_with(&[], &[("PG_INVARIANTS_CASES", "8")]);
    assert_eq!(more, default, "{stdout}");
    for name in [
        "org_settings::org_id::on_delete",
        "org_settings::org_id::rejects_invalid",
        "badges::org_id::on_delete",
        "badges::level::not_null",
        "badges::code::not_null",
    ] {
        assert_eq!(more.get(name).map(String::as_str), Some("ok"), "{stdout}");
    }
}

/// A member left out of the shared DELETE (its rows cannot be built) does not shift the rows the
/// others are judged on: `ab_pairs` (FK sets NULL, cascade declared) is judged on its own rows,
/// not on those of `ac_pairs`, which read exactly alike in the minimal case (same ids, same
/// organizations) and cascade.
#[test]
fn a_member_left_out_of_the_delete_shifts_no_other_members_rows() {
    let (outcomes, stdout) = run_with(&["on_delete"], &[("PG_INVARIANTS_CASES", "0")]);
    for (name, outcome) in [
        ("aa_codes::org_id::on_delete", "FAILED"),
        ("ab_pairs::org_id::on_delete", "FAILED"),
        ("ac_pairs::org_id::on_delete", "ok"),
    ] {
        assert_eq!(
            outcomes.get(name).map(String::as_str),
            Some(outcome),
            "{name}:\n{stdout}"
        );
    }
    let ab = message(&stdout, "ab_pairs::org_id::on_delete");
    assert!(ab.contains("ab_pairs") && !ab.contains("ac_pairs"), "{ab}");
}

/// As nextest runs them: one process per test, all of one run (`PG_INVARIANTS_SHARED_RUN`), two
/// at a time, so that the run's keeper answers each by name and works out the next ones ahead
/// (batches included). Every test gets the verdict it gets in a run of its own, and a failure the
/// same promise and expectation (the rows in a transcript are synthesized afresh: their values
/// differ from run to run).
#[test]
fn one_process_per_test_on_the_runs_keeper_gets_every_verdict_and_message_of_a_whole_run() {
    let (all, stdout) = run(&[]);
    assert!(all.values().any(|o| o == "FAILED"), "{stdout}");
    let run_id = format!("batches-{}", std::process::id());
    let names: Vec<&String> = all.keys().collect();
    for pair in names.chunks(2) {
        let children: Vec<_> = pair
            .iter()
            .map(|name| {
                Command::new(env!("CARGO_BIN_EXE_pg-invariants"))
                    .args(["test", "--config", "pg-invariants.toml", "--exact", name])
                    .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(CASE))
                    .env_remove("PG_INVARIANTS_URL")
                    .env("PG_INVARIANTS_BACKEND", "local")
                    .env("PG_INVARIANTS_SHARED_RUN", &run_id)
                    .env("PG_INVARIANTS_SHARED_IDLE_MS", "500")
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("the binary runs")
            })
            .collect();
        for (name, child) in pair.iter().zip(children) {
            let out = child.wait_with_output().expect("wait");
            let one = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("this run's keeper"), "{name}: {stderr}");
            let outcome = &all[*name];
            assert!(
                one.contains(&format!("test {name} ... {outcome}")),
                "{name}: {one}"
            );
            let head = |m: &str| m.trim().lines().take(2).collect::<Vec<_>>().join("\n");
            assert_eq!(
                head(message(&one, name)),
                head(message(&stdout, name)),
                "{name}"
            );
            assert_eq!(
                out.status.code(),
                Some(if outcome == "ok" { 0 } else { 101 })
            );
        }
    }
}
