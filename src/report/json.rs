//! libtest's JSON events (`--format json`), the lines cargo and CI parsers read, with one
//! extension: a failed test's event also carries the invariant's `file`, `line`, `col`, and the
//! failure's `expected`, `found` and `fix` (null where the failure has none), beside libtest's
//! `stdout`.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{Case, Reported, Status, Summary};

pub fn write(summary: &Summary, out: &mut impl Write) -> io::Result<()> {
    let started = json!({ "type": "suite", "event": "started", "test_count": summary.cases.len() });
    writeln!(out, "{started}")?;
    for case in &summary.cases {
        let started = json!({ "type": "test", "event": "started", "name": case.name });
        writeln!(out, "{started}")?;
        writeln!(out, "{}", outcome(case))?;
    }
    let failed = summary.failures();
    let end = json!({
        "type": "suite",
        "event": if failed > 0 { "failed" } else { "ok" },
        "passed": summary.passed(),
        "failed": failed,
        "ignored": summary.skipped(),
        "measured": 0,
        "filtered_out": summary.filtered_out,
        "exec_time": summary.time.as_secs_f64(),
    });
    writeln!(out, "{end}")?;
    out.flush()
}

fn outcome(case: &Case) -> Value {
    let mut event = json!({ "type": "test", "name": case.name });
    let fields = event.as_object_mut().expect("an object");
    match &case.status {
        Status::Skipped => {
            fields.insert("event".into(), "ignored".into());
        }
        Status::Passed(time) => {
            fields.insert("event".into(), "ok".into());
            fields.insert("exec_time".into(), time.as_secs_f64().into());
        }
        Status::Known(time, reason) => {
            // libtest's `#[ignore = "reason"]` event carries the reason as `message`.
            fields.insert("event".into(), "ignored".into());
            fields.insert("message".into(), reason.as_str().into());
            fields.insert("exec_time".into(), time.as_secs_f64().into());
        }
        Status::Failed(time, reported) => {
            fields.insert("event".into(), "failed".into());
            fields.insert("exec_time".into(), time.as_secs_f64().into());
            if let Value::Object(more) = failure_fields(reported) {
                fields.extend(more);
            }
        }
    }
    event
}

/// libtest's `stdout` (what libtest-mimic writes for a failure), then the failure's own fields.
fn failure_fields(reported: &Reported) -> Value {
    let failure = reported.failure.as_ref();
    let at = failure.and_then(|f| f.at.as_ref());
    json!({
        "stdout": format!("Error: \"{}\"\n", reported.message),
        "file": at.map(|at| at.path.display().to_string()),
        "line": at.map(|at| at.line),
        "col": at.map(|at| at.column),
        "expected": failure.map(|f| f.expected.clone()),
        "found": failure.map(|f| f.found.clone()),
        "fix": failure.and_then(|f| f.fix.as_ref()).map(|fix| fix.to_string()),
    })
}
