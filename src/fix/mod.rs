//! `pg-invariants fix`: the SQL that makes every failing invariant hold, printed, or added to the
//! chain as new migrations in the project's own format (`--write`).
//!
//! The repairs are each failing check's own ([`Failure::fix`](crate::checks::Failure)): fix runs
//! the same checks as `test` on the same migrated database and writes down what they say. No
//! repair logic lives here, only where each step must run ([`schedule`]), how the chain's tool
//! names a migration ([`crate::migrate::append`]), and what is left to a person.
//!
//! Exit codes: 0 nothing to fix, or the migrations were written; 1 fixes were printed and not
//! written; 2 invalid configuration, no PostgreSQL, a chain that does not apply, or migrations
//! that cannot be written (a `command` chain, a name already taken).

mod schedule;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use crate::catalog::{Catalog, Table};
use crate::checks::{Failure, Fix};
use crate::location::relative;
use crate::migrate::{self, Chain};
use crate::plan;
use crate::session::{self, EXIT_INVALID, Request};
use crate::setup::{SecondPass, Setup};
use crate::snapshot::{Policy, TableSnapshot};
use crate::spec::{Backend, Spec};

pub use schedule::{TestRepair, schedule};

/// Exit code when fixes were printed but not written.
pub const EXIT_UNWRITTEN: u8 = 1;

/// The description of the migrations `--write` adds: `<version>_pg_invariants_fix`.
pub const MIGRATION_NAME: &str = "pg_invariants_fix";

/// What `pg-invariants fix` was asked to do.
pub struct Options {
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    /// `--backend B`.
    pub backend: Option<Backend>,
    /// `--no-cache`.
    pub no_cache: bool,
    /// Where to start looking for `pg-invariants.toml`.
    pub start: PathBuf,
    /// `--write`: add the fixes to the chain.
    pub write: bool,
}

/// Runs `fix` and returns the process exit code.
pub fn run(options: Options) -> ExitCode {
    let (spec, chain) = match session::prepare(options.config.as_deref(), &options.start) {
        Ok(prepared) => prepared,
        Err(message) => return session::invalid(&message),
    };
    let (runtime, setup) = match session::set_up(
        &spec,
        &chain,
        Request {
            backend: options.backend,
            no_cache: options.no_cache,
            connections: 2,
            second_pass: SecondPass::Run,
            proposes_schemas: false,
            deploys: false,
        },
    ) {
        Ok(ready) => ready,
        Err(message) => return session::invalid(&message),
    };
    if let Err(e) = &setup.outcome.apply {
        let message = format!(
            "error: the chain does not apply, so there is nothing to check or fix yet:\n{e}"
        );
        runtime.block_on(setup.close());
        return session::invalid(&message);
    }
    let failures = failures(&spec, &setup, runtime.handle());
    let triage = Triage::of(failures);
    let snapshots = setup
        .catalog
        .as_ref()
        .map(|catalog| changed_snapshots(&spec, catalog, &triage.repairs))
        .unwrap_or_default();
    runtime.block_on(setup.close());

    if triage.failing == 0 {
        eprintln!("pg-invariants fix: nothing to fix");
        return ExitCode::SUCCESS;
    }
    if !options.write {
        print_repairs(&triage);
        eprintln!("pg-invariants fix: {}", triage.counts("above"));
        if !triage.repairs.is_empty() {
            eprintln!(
                "pg-invariants fix: `pg-invariants fix --write` adds the repairs to {} as new migration(s)",
                relative(&spec.project.migrations.path).display()
            );
        }
        triage.report_by_hand();
        return ExitCode::from(EXIT_UNWRITTEN);
    }
    if triage.repairs.is_empty() {
        eprintln!("pg-invariants fix: {}", triage.counts("to write"));
        triage.report_by_hand();
        return ExitCode::SUCCESS;
    }
    write(&spec, &chain, &triage, &snapshots)
}

/// The failing tests, sorted into repairs that SQL makes hold and tests that need a person.
struct Triage {
    /// Every failing test.
    failing: usize,
    /// One repair per distinct SQL, under every test it repairs (`fk`, `rejects_invalid` and
    /// `on_delete` of a missing FK share one).
    repairs: Vec<TestRepair>,
    /// Tests no runnable SQL makes hold: what a person must do for each, when something says.
    by_hand: Vec<(String, Failure)>,
}

impl Triage {
    fn of(failures: Vec<(String, Failure)>) -> Self {
        let failing = failures.len();
        let mut repairs: Vec<TestRepair> = Vec::new();
        let mut by_hand = Vec::new();
        for (test, failure) in failures {
            let repair = match &failure.fix {
                Some(Fix::Sql(repair)) if !repair.is_advice() => repair.clone(),
                _ => {
                    by_hand.push((test, failure));
                    continue;
                }
            };
            match repairs.iter_mut().find(|r| r.repair == repair) {
                Some(r) => r.tests.push(test),
                None => repairs.push(TestRepair {
                    tests: vec![test],
                    at: failure.at,
                    repair,
                }),
            }
        }
        Self {
            failing,
            repairs,
            by_hand,
        }
    }

    /// `9 failing tests; 5 repairs (covering 8 tests) <done>; 1 test needs you (below)`.
    fn counts(&self, done: &str) -> String {
        let covered: usize = self.repairs.iter().map(|r| r.tests.len()).sum();
        let repairs = match self.repairs.len() {
            0 => format!("no repair {done}"),
            n => format!(
                "{} (covering {}) {done}",
                plural(n, "repair"),
                plural(covered, "test")
            ),
        };
        let by_hand = match self.by_hand.len() {
            0 => String::new(),
            1 => "; 1 test needs you (below)".to_string(),
            n => format!("; {n} tests need you (below)"),
        };
        format!(
            "{}; {repairs}{by_hand}",
            plural(self.failing, "failing test")
        )
    }

    /// On stderr: each test no SQL repairs, with what a person can do; then each repair that a
    /// person must complete before it runs.
    fn report_by_hand(&self) {
        if !self.by_hand.is_empty() {
            eprintln!("pg-invariants fix: no SQL written by fix makes these hold; they need you:");
        }
        for (test, failure) in &self.by_hand {
            match &failure.at {
                Some(at) => eprintln!("  {test} ({at}): {}", failure.promise),
                None => eprintln!("  {test}: {}", failure.promise),
            }
            let advice = match &failure.fix {
                Some(fix) => fix.to_string(),
                None => "change the schema or the invariant".to_string(),
            };
            for line in advice.lines() {
                eprintln!("    {line}");
            }
        }
        let to_complete: Vec<&TestRepair> = self
            .repairs
            .iter()
            .filter(|r| r.repair.needs.is_some())
            .collect();
        if !to_complete.is_empty() {
            eprintln!("pg-invariants fix: these repairs need you before they can run:");
        }
        for r in to_complete {
            eprintln!(
                "  {}: {}",
                r.tests.join(", "),
                r.repair.needs.as_deref().unwrap_or_default()
            );
        }
    }
}

fn plural(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        _ => format!("{n} {noun}s"),
    }
}

/// Every check of the plan that fails on the migrated database, by test name.
fn failures(spec: &Spec, setup: &Setup, handle: &tokio::runtime::Handle) -> Vec<(String, Failure)> {
    plan::build(spec, setup.catalog.as_ref(), None)
        .into_iter()
        .filter_map(|check| {
            match session::verdict(&check.kind, spec, setup, handle, &Policy::read_only(), None) {
                Err(failure) => Some((check.name, failure)),
                Ok(()) => None,
            }
        })
        .collect()
}

/// The repairs on stdout, as one SQL script: a comment naming each test, then its SQL; then, as
/// comments, what tests that need a person come with (an orphan DELETE to review).
fn print_repairs(triage: &Triage) {
    let mut text: Vec<String> = triage
        .repairs
        .iter()
        .map(|r| format!("{}\n{}\n", r.header(), r.repair))
        .collect();
    for (test, failure) in &triage.by_hand {
        if let Some(Fix::Sql(advice)) = &failure.fix {
            let at = failure
                .at
                .as_ref()
                .map(|a| format!(" ({a})"))
                .unwrap_or_default();
            text.push(format!("-- {test}{at}\n{advice}\n"));
        }
    }
    print!("{}", text.join("\n"));
}

/// The snapshot files of the tables the repairs change (a partition's is its root table's),
/// when snapshots are enabled: the diffs `test` will show after the repairs ran.
fn changed_snapshots(spec: &Spec, catalog: &Catalog, repairs: &[TestRepair]) -> Vec<PathBuf> {
    if !spec.project.snapshots.enabled {
        return Vec::new();
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for name in repairs.iter().flat_map(|r| r.repair.tables()) {
        let Some(table) = catalog
            .table(name)
            .map(|t| root(catalog, t))
            .filter(|t| spec.table(&t.name).is_some())
        else {
            continue;
        };
        let file = TableSnapshot::new(spec, catalog, table).file;
        if !files.contains(&file) {
            files.push(file);
        }
    }
    files
}

/// The partitioned table at the top of `table`'s partition tree, or `table` itself.
fn root<'c>(catalog: &'c Catalog, mut table: &'c Table) -> &'c Table {
    while let Some(parent) = table.parent.as_ref().and_then(|p| catalog.table(p)) {
        table = parent;
    }
    table
}

fn write(spec: &Spec, chain: &Chain, triage: &Triage, snapshots: &[PathBuf]) -> ExitCode {
    let migrations = schedule(&triage.repairs);
    let config = &spec.project.migrations;
    let options = migrate::format::Options {
        classpath: config.classpath.clone(),
        placeholders: config.placeholders.clone(),
    };
    let files = match migrate::append(
        config.format,
        &config.path,
        &options,
        MIGRATION_NAME,
        &migrations,
        SystemTime::now(),
    ) {
        Ok(files) => files,
        Err(e) => {
            print_repairs(triage);
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    for file in &files {
        println!("wrote {}", relative(file).display());
    }
    let written = format!(
        "written to {} as {} new {} migration(s)",
        relative(&config.path).display(),
        migrations.len(),
        chain.format
    );
    eprintln!("pg-invariants fix: {}", triage.counts(&written));
    triage.report_by_hand();
    if !snapshots.is_empty() {
        let shown: Vec<String> = snapshots
            .iter()
            .map(|f| relative(f).display().to_string())
            .collect();
        eprintln!(
            "pg-invariants fix: the repairs change the schema of their tables, so these snapshots will differ: {}\n  read the diffs `pg-invariants test` shows, then accept them: `pg-invariants test --accept` (under cargo test: `cargo insta review`)",
            shown.join(", ")
        );
    }
    eprintln!("pg-invariants fix: run `pg-invariants test` to see the repairs hold");
    ExitCode::SUCCESS
}
