//! What `init` does with the promises that fail today: it keeps them, and lists each failing
//! test in the project file's `[known]` with a one-line reason (README "The baseline"). So the
//! first `test` passes, and every finding stays visible in every run (as ignored, with its
//! reason) until it is fixed, when the entry must go.

use std::fs;
use std::path::Path;

use super::InitError;
use crate::plan::CheckKind;
use crate::report::Reported;
use crate::session::Session;

/// A failing test and why, in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Finding {
    pub test: String,
    pub reason: String,
}

/// How long a reason may grow: a `[known]` value is read in a diff, not a log.
const REASON_CHARS: usize = 160;

/// Every test of `session`'s plan that init proposed (`proposed`) or that a `[known]` entry
/// names, checked in parallel as `test` checks them (batches included): init's own failing
/// promises not listed yet, the listed tests that pass now, and the exact-name entries that name
/// no test of the plan. A promise the user wrote (a rule, a table file init keeps) is not init's
/// to baseline: its failure stays a failure.
pub(super) fn findings(
    session: &Session,
    threads: usize,
    proposed: impl Fn(&CheckKind) -> bool + Sync,
) -> Findings {
    let known = &session.spec.project.known;
    let names: Vec<String> = (session.checks.iter())
        .map(|c| crate::output::one_line(&c.name))
        .collect();
    let indices: Vec<usize> = (0..session.checks.len())
        .filter(|&i| proposed(&session.checks[i].kind) || known.entry(&names[i]).is_some())
        .collect();
    let mut findings = Findings {
        unmatched: unmatched(session),
        ..Findings::default()
    };
    for (index, verdict) in verdicts(session, threads, &indices) {
        let test = names[index].clone();
        let listed = known.entry(&test);
        match (verdict, listed) {
            (Err(reported), None) => findings.failing.push(Finding {
                reason: reason(&reported),
                test,
            }),
            (Ok(()), Some(k)) => findings.passing_now.push(PassingNow {
                exact: k.pattern.as_str() == test,
                pattern: k.pattern.as_str().to_string(),
                test,
            }),
            _ => {}
        }
    }
    findings
}

/// The verdicts of the checks at `indices`, in their order, on `threads` threads.
fn verdicts(
    session: &Session,
    threads: usize,
    indices: &[usize],
) -> Vec<(usize, Result<(), Reported>)> {
    session.select(|i| indices.contains(&i));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let found = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                let take = || next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                while let Some(&index) = indices.get(take()) {
                    let verdict = session.verdict_at(index);
                    let mut found = found.lock().unwrap_or_else(|e| e.into_inner());
                    found.push((index, verdict));
                }
            });
        }
    });
    let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    found.sort_by_key(|(index, _)| *index);
    found
}

/// The `[known]` keys that are test names (no glob) and name no test of the plan: what `test`
/// would refuse (exit 2), left behind by table files init rewrote without those tests.
fn unmatched(session: &Session) -> Vec<String> {
    let listed = session.listed();
    (session.spec.project.known.0.iter())
        .map(|k| k.pattern.as_str())
        .filter(|key| !key.contains(['*', '?']))
        .filter(|key| !listed.iter().any(|t| t.name == *key))
        .map(String::from)
        .collect()
}

/// What init's own promises do today, against the baseline.
#[derive(Debug, Default)]
pub(super) struct Findings {
    /// Init's promises failing, and listed nowhere yet.
    pub failing: Vec<Finding>,
    /// Tests a `[known]` entry lists, passing.
    pub passing_now: Vec<PassingNow>,
    /// `[known]` keys naming (exactly) no test of the project.
    pub unmatched: Vec<String>,
}

/// A test a `[known]` entry lists that passes: the entry is to go.
#[derive(Debug)]
pub(super) struct PassingNow {
    pub test: String,
    /// The entry's key: the test's name, or a glob matching it.
    pub pattern: String,
    /// The key is the test's name (a glob may list other tests that still fail).
    pub exact: bool,
}

impl Findings {
    /// The entries `init --force` removes: exact names that pass now or name no test.
    pub fn removable(&self) -> Vec<String> {
        (self.passing_now.iter())
            .filter(|p| p.exact)
            .map(|p| p.test.clone())
            .chain(self.unmatched.iter().cloned())
            .collect()
    }
}

/// The failure's reason in one line: what was found (its first line, and the one it introduces
/// when it ends with a colon), shortened.
fn reason(reported: &Reported) -> String {
    let text = match &reported.failure {
        Some(failure) => failure.found.clone(),
        None => reported.message.clone(),
    };
    let mut lines = text.lines().map(str::trim);
    let first = lines.next().unwrap_or_default();
    let line = match (first.ends_with(':'), lines.next()) {
        (true, Some(next)) => format!("{first} {next}"),
        _ => first.to_string(),
    };
    let line = shortened(&crate::output::one_line(&line), REASON_CHARS);
    // A row that could not be built says why last: the error (a trigger's, a CHECK's) is the
    // finding, and would be cut off.
    let last = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("last error: "));
    match last {
        Some(last) if !line.contains(last) => format!(
            "{line}; {}",
            shortened(&crate::output::one_line(last), REASON_CHARS)
        ),
        _ => line,
    }
}

/// `text`, cut to `chars` characters.
fn shortened(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((cut, _)) => format!("{} …", text[..cut].trim_end()),
        None => text.to_string(),
    }
}

/// Adds `findings` to the `[known]` table of the project file, keeping every line a person
/// wrote: after the table's last entry when it has one, else as a new table at the end.
pub(super) fn add(file: &Path, findings: &[Finding]) -> Result<(), InitError> {
    if findings.is_empty() {
        return Ok(());
    }
    let error = |source| InitError::Write {
        path: file.to_path_buf(),
        source,
    };
    let text = fs::read_to_string(file).map_err(error)?;
    let entries: String = findings
        .iter()
        .map(|f| {
            format!(
                "{} = {}\n",
                toml::Value::String(f.test.clone()),
                toml::Value::String(f.reason.clone())
            )
        })
        .collect();
    fs::write(file, with_entries(&text, &entries)).map_err(error)
}

/// `text` with `entries` (whole lines) at the end of its `[known]` table, or in a new one.
fn with_entries(text: &str, entries: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let header = lines.iter().position(|l| is_header(l, Some("known")));
    let Some(header) = header else {
        let separator = match text.is_empty() || text.ends_with("\n\n") {
            true => "",
            false if text.ends_with('\n') => "\n",
            false => "\n\n",
        };
        return format!(
            "{text}{separator}[known]\n# Tests that fail today, each with its reason (README, \"The baseline\"): reported\n\
             # as ignored while they fail; one that passes fails until its line is removed.\n{entries}"
        );
    };
    // The table ends where the next one starts; entries go after its last non-blank line.
    let end = (header + 1..lines.len())
        .find(|&i| is_header(lines[i], None))
        .unwrap_or(lines.len());
    let last = (header + 1..end)
        .rev()
        .find(|&i| !lines[i].trim().is_empty())
        .map_or(header + 1, |i| i + 1);
    let mut out: String = lines[..last].concat();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(entries);
    out.push_str(&lines[last..].concat());
    out
}

/// Removes the `[known]` entries named `tests` (whole lines; comments and the rest kept):
/// `init --force` takes out what passes now, as `test` would ask.
pub(super) fn remove(file: &Path, tests: &[String]) -> Result<(), InitError> {
    if tests.is_empty() {
        return Ok(());
    }
    let error = |source| InitError::Write {
        path: file.to_path_buf(),
        source,
    };
    let text = fs::read_to_string(file).map_err(error)?;
    fs::write(file, without_entries(&text, tests)).map_err(error)
}

/// `text` without the lines of its `[known]` table whose key is one of `tests`.
fn without_entries(text: &str, tests: &[String]) -> String {
    let mut inside = false;
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if is_header(line, None) {
            inside = is_header(line, Some("known"));
        }
        let key = line.split_once('=').map(|(k, _)| k.trim());
        let named = key.and_then(|k| toml::from_str::<toml::Table>(&format!("{k} = 0")).ok());
        let drop =
            inside && named.is_some_and(|t| t.keys().next().is_some_and(|k| tests.contains(k)));
        if !drop {
            out.push_str(line);
        }
    }
    out
}

/// A table header line (`[name]`, `[[name]]`), of the table `name` when given.
fn is_header(line: &str, name: Option<&str>) -> bool {
    let line = line.split('#').next().unwrap_or_default().trim();
    let Some(inner) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) else {
        return false;
    };
    name.is_none_or(|name| inner.trim() == name)
}

/// What `init` prints at the end: the findings it listed, so nobody has to open the file to
/// know what fails today.
pub(super) fn print(file: &Path, all: &Findings, force: bool) {
    for p in &all.passing_now {
        let prefix = format!("pg-invariants init: {} passes now", p.test);
        match (p.exact, force) {
            (true, true) => eprintln!("{prefix}: removed from [known]"),
            (true, false) => {
                eprintln!("{prefix}: remove it from [known] (init --force does)")
            }
            (false, _) => eprintln!(
                "{prefix}: [known] \"{}\" lists it; narrow or remove that entry",
                p.pattern
            ),
        }
    }
    for key in &all.unmatched {
        match force {
            true => eprintln!(
                "pg-invariants init: [known] \"{key}\" matches no test of this project: removed"
            ),
            false => eprintln!(
                "pg-invariants init: [known] \"{key}\" matches no test of this project: remove it (init --force does)"
            ),
        }
    }
    let findings = &all.failing;
    if findings.is_empty() {
        return;
    }
    eprintln!(
        "pg-invariants init: {} test(s) fail today; listed in [known] of {} with their reasons \
         (reported as ignored until fixed):",
        findings.len(),
        crate::location::relative(file).display()
    );
    for f in findings {
        eprintln!("  {}: {}", f.test, f.reason);
    }
}

/// What `init` says of the paths around the tables' policies (docs/tenancy.md): the views and
/// SECURITY DEFINER functions `[tenancy]` reaches and how many of their tests fail today.
/// `paths` are the view and function tests of the plan: (path, test name, is a view).
pub(super) fn print_paths(paths: &[(String, String, bool)], all: &Findings) {
    if paths.is_empty() {
        return;
    }
    let named = |view: bool| {
        let mut found: Vec<&str> = (paths.iter())
            .filter(|p| p.2 == view)
            .map(|p| p.0.as_str())
            .collect();
        found.dedup();
        found
    };
    let (views, functions) = (named(true), named(false));
    let failing = (paths.iter())
        .filter(|(_, test, _)| all.failing.iter().any(|f| &f.test == test))
        .count();
    let list = |names: &[&str]| match names {
        [] => String::new(),
        names => format!(" ({})", names.join(", ")),
    };
    eprintln!(
        "pg-invariants init: besides the tables, [tenancy] reaches {} view(s){} and {} SECURITY DEFINER function(s){}; {failing} of their tests fail today{}",
        views.len(),
        list(&views),
        functions.len(),
        list(&functions),
        if failing == 0 {
            ""
        } else {
            " (listed in [known])"
        }
    );
}

/// The paths no test covers because their schema is not in `schemas` (see
/// [`crate::plan::outside_schemas`]): one line per schema, saying what to add.
pub(super) fn print_outside(outside: &[(String, Vec<String>)]) {
    for (schema, paths) in outside {
        eprintln!(
            "pg-invariants init: schema {schema} is not in `schemas`, so no test covers {} view(s) and SECURITY DEFINER function(s) of it that requests may use ({}): add \"{schema}\" to `schemas` in pg-invariants.toml to test them (docs/tenancy.md)",
            paths.len(),
            paths.join(", ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_go_at_the_end_of_the_known_table_keeping_every_line() {
        let text = "[migrations]\npath = \"m\"\n\n[known]\n# ours\n\"a::b\" = \"why\"\n\n[tenancy]\nrole = \"r\"\n";
        let out = with_entries(text, "\"c::d\" = \"new\"\n");
        assert_eq!(
            out,
            "[migrations]\npath = \"m\"\n\n[known]\n# ours\n\"a::b\" = \"why\"\n\"c::d\" = \"new\"\n\n[tenancy]\nrole = \"r\"\n"
        );
    }

    #[test]
    fn a_project_without_known_gets_the_table_at_its_end() {
        let out = with_entries("[migrations]\npath = \"m\"\n", "\"c::d\" = \"new\"\n");
        assert!(
            out.starts_with("[migrations]\npath = \"m\"\n\n[known]\n# Tests"),
            "{out}"
        );
        assert!(out.ends_with("\"c::d\" = \"new\"\n"), "{out}");
        let parsed: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(parsed["known"]["c::d"].as_str(), Some("new"));
    }

    #[test]
    fn entries_that_pass_now_are_removed_and_nothing_else() {
        let text =
            "[known]\n# ours\n\"a::b\" = \"why\"\n\"c::d\" = 'x'\n\n[tenancy]\n\"a::b\" = 1\n";
        let out = without_entries(text, &["a::b".to_string()]);
        assert_eq!(
            out,
            "[known]\n# ours\n\"c::d\" = 'x'\n\n[tenancy]\n\"a::b\" = 1\n"
        );
    }

    #[test]
    fn a_row_that_could_not_be_built_keeps_its_last_error() {
        let reported = Reported {
            message: format!(
                "could not build a valid row for users (column email): {}\nlast statement: INSERT …\nlast error: ERROR 3F000: schema \"graphile_worker\" does not exist",
                "every attempt was refused ".repeat(10)
            ),
            failure: None,
        };
        let r = reason(&reported);
        assert!(
            r.starts_with("could not build a valid row for users"),
            "{r}"
        );
        assert!(
            r.ends_with("; last error: ERROR 3F000: schema \"graphile_worker\" does not exist"),
            "{r}"
        );
    }

    #[test]
    fn a_long_reason_is_one_shortened_line() {
        let reported = Reported {
            message: format!("first: \n{}\nthird", "x".repeat(400)),
            failure: None,
        };
        let r = reason(&reported);
        assert!(r.starts_with("first: xxx"), "{r}");
        assert!(
            r.ends_with(" …") && r.chars().count() <= REASON_CHARS + 2,
            "{r}"
        );
    }
}
