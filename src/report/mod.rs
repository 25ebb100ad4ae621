//! Machine-readable reports of a run, for CI: JUnit XML (`--format junit`), libtest's JSON
//! events with each failure's fields (`--format json`), and GitHub annotations
//! (`GITHUB_ACTIONS=true`).
//!
//! libtest-mimic prints libtest's own formats as tests finish; for these the runner lets it run
//! the trials quietly, records every outcome in a [`Recorder`], and writes the report once the
//! run is over, in the plan's order.

pub mod github;
mod json;
mod junit;
pub mod libtest;

use std::ffi::OsString;
use std::sync::Mutex;
use std::time::Duration;

use crate::checks::Failure;
use crate::plan::{Check, CheckKind, Deploy};

/// What stdout carries: libtest's lines (pretty, terse, or JSON) or a report written here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// libtest-mimic prints `--format pretty` or `--format terse` as it runs.
    Libtest,
    /// libtest's JSON events, each failure with its location and fields.
    Json,
    /// JUnit XML.
    Junit,
}

impl Format {
    /// True when libtest-mimic's own output must stay off stdout.
    pub fn is_report(self) -> bool {
        self != Self::Libtest
    }
}

/// Takes `--format junit` (or `--format=junit`) out of the arguments: libtest-mimic 0.8 knows
/// only pretty, terse and json, and refuses the rest. Everything else is left for it, in order.
pub fn take_junit(args: impl IntoIterator<Item = OsString>) -> (Vec<OsString>, bool) {
    let mut kept: Vec<OsString> = Vec::new();
    let mut junit = false;
    for arg in args {
        if arg == "--format=junit" {
            junit = true;
        } else if arg == "junit" && kept.last().is_some_and(|a| a == "--format") {
            kept.pop();
            junit = true;
        } else {
            kept.push(arg);
        }
    }
    (kept, junit)
}

/// How one test ended, as the reports show it.
#[derive(Debug, Clone)]
pub enum Status {
    /// Ignored (libtest's `ignored`): listed, never run.
    Skipped,
    Passed(Duration),
    /// Failed as its `[known]` entry says it does: ignored, with the entry's reason.
    Known(Duration, String),
    Failed(Duration, Reported),
}

/// A test that does not fail the run: it passed, or it failed as its `[known]` entry says
/// (README "The baseline").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Cleared {
    Passed,
    /// A known failure, with the entry's reason.
    Known(String),
}

/// The outcome of one test as printed: cleared, or failed with what to print.
pub type Outcome = Result<Cleared, Reported>;

/// A failure as reported: the message printed under `---- name ----`, and the check's
/// [`Failure`] when the check itself decided (none when the server went away).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Reported {
    pub message: String,
    pub failure: Option<Box<Failure>>,
}

/// One test in a report.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    /// JUnit's `classname`: the table part of the name ([`classname`]).
    pub classname: String,
    pub status: Status,
}

/// Every test of a run that was not filtered out, in plan order.
#[derive(Debug, Clone)]
pub struct Summary {
    pub cases: Vec<Case>,
    pub filtered_out: usize,
    pub time: Duration,
}

impl Summary {
    pub fn failed(&self) -> impl Iterator<Item = (&Case, &Reported)> {
        self.cases.iter().filter_map(|c| match &c.status {
            Status::Failed(_, r) => Some((c, r)),
            _ => None,
        })
    }

    fn count(&self, pick: fn(&Status) -> bool) -> usize {
        self.cases.iter().filter(|c| pick(&c.status)).count()
    }

    pub fn passed(&self) -> usize {
        self.count(|s| matches!(s, Status::Passed(_)))
    }

    pub fn failures(&self) -> usize {
        self.count(|s| matches!(s, Status::Failed(..)))
    }

    pub fn skipped(&self) -> usize {
        self.count(|s| matches!(s, Status::Skipped | Status::Known(..)))
    }

    /// The known failures, each with its `[known]` reason.
    pub fn known(&self) -> impl Iterator<Item = (&Case, &str)> {
        self.cases.iter().filter_map(|c| match &c.status {
            Status::Known(_, reason) => Some((c, reason.as_str())),
            _ => None,
        })
    }
}

/// Writes the report of `format` (nothing for libtest's own formats).
pub fn write(
    format: Format,
    summary: &Summary,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Libtest => Ok(()),
        Format::Json => json::write(summary, out),
        Format::Junit => junit::write(summary, out),
    }
}

/// What libtest-mimic does with a trial, decided before the run from its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    FilteredOut,
    Ignored,
    Runs,
}

/// Outcomes of the trials as they finish, by plan index: trials run on libtest-mimic's threads.
pub struct Recorder {
    outcomes: Mutex<Vec<Option<Status>>>,
}

impl Recorder {
    pub fn new(trials: usize) -> Self {
        Self {
            outcomes: Mutex::new(vec![None; trials]),
        }
    }

    pub fn record(&self, index: usize, status: Status) {
        let mut outcomes = self.outcomes.lock().unwrap_or_else(|e| e.into_inner());
        outcomes[index] = Some(status);
    }

    /// The report of a finished run. A trial that should have run but recorded nothing (a
    /// panic inside libtest-mimic's runner) is a failure, never a pass.
    pub fn summary(&self, tests: &[Listed], selections: &[Selection], time: Duration) -> Summary {
        let outcomes =
            std::mem::take(&mut *self.outcomes.lock().unwrap_or_else(|e| e.into_inner()));
        let mut cases = Vec::new();
        for ((test, selection), outcome) in tests.iter().zip(selections).zip(outcomes) {
            let status = match (selection, outcome) {
                (Selection::FilteredOut, _) => continue,
                (Selection::Ignored, _) => Status::Skipped,
                (Selection::Runs, Some(status)) => status,
                (Selection::Runs, None) => Status::Failed(Duration::ZERO, unrecorded()),
            };
            cases.push(Case {
                name: test.name.clone(),
                classname: test.classname.clone(),
                status,
            });
        }
        let filtered_out = selections
            .iter()
            .filter(|s| **s == Selection::FilteredOut)
            .count();
        Summary {
            cases,
            filtered_out,
            time,
        }
    }
}

fn unrecorded() -> Reported {
    Reported {
        message: "the test ended without a verdict (it panicked)".into(),
        failure: None,
    }
}

/// A test as listed and reported: its name (one line) and its JUnit `classname`. A run's keeper
/// hands the list to the run's processes (see `keeper`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Listed {
    pub name: String,
    pub classname: String,
}

impl Listed {
    /// Every check of a plan, in its order.
    pub fn all(checks: &[Check], schema: &str) -> Vec<Self> {
        checks.iter().map(|c| Self::of(c, schema)).collect()
    }

    /// `check`, whose table names are shown relative to `schema`.
    pub fn of(check: &Check, schema: &str) -> Self {
        Self {
            name: crate::output::one_line(&check.name),
            classname: classname(&check.kind, schema),
        }
    }
}

/// JUnit's `classname` of a check: what its name starts with: `migrations`, `coverage`,
/// `rules`, or the table as test names show it (`messages`, `billing.invoices`).
fn classname(kind: &CheckKind, schema: &str) -> String {
    match kind {
        CheckKind::Apply | CheckKind::Idempotent => "migrations".into(),
        CheckKind::Coverage { .. } => "coverage".into(),
        CheckKind::Rule { .. } => "rules".into(),
        CheckKind::TenancyRole { .. } => "tenancy".into(),
        CheckKind::TableExists { table, .. }
        | CheckKind::Rls { table, .. }
        | CheckKind::Purge { table, .. }
        | CheckKind::PrimaryKey { table, .. }
        | CheckKind::Column { table, .. }
        | CheckKind::Snapshot { table, .. }
        | CheckKind::TableAnon { table, .. } => table.shown(schema),
        CheckKind::View { view, .. } => view.shown(schema),
        CheckKind::Function { function, args, .. } => {
            format!("{}({args})", function.shown(schema))
        }
        CheckKind::Deploy(test) => match test {
            Deploy::Apply | Deploy::Rows(_) => "upgrade",
            Deploy::Locks(_) | Deploy::Reversible(_) => "migrations",
            Deploy::Query(_) => "queries",
        }
        .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn junit_is_taken_out_of_the_arguments() {
        let (rest, junit) = take_junit(os(&["x", "--format", "junit", "--exact", "a"]));
        assert!(junit);
        assert_eq!(rest, os(&["x", "--exact", "a"]));
        let (rest, junit) = take_junit(os(&["x", "--format=junit", "junit"]));
        assert!(junit);
        assert_eq!(rest, os(&["x", "junit"]), "a filter named junit stays");
        let (rest, junit) = take_junit(os(&["x", "--format", "json"]));
        assert!(!junit);
        assert_eq!(rest, os(&["x", "--format", "json"]));
    }
}
