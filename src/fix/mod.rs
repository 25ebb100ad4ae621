//! `pg-invariants fix`: the SQL that makes every failing invariant hold, printed, or added to the
//! chain as new migrations in the project's own format (`--write`).
//!
//! The SQL is each failing check's own fix ([`Failure::fix`](crate::checks::Failure)): fix
//! runs the same checks as `test` on the same migrated database and writes down what they say.
//! No repair logic lives here, only where each statement must run ([`schedule`]) and how the
//! chain's tool names a migration ([`crate::migrate::append`]).
//!
//! Exit codes: 0 nothing to fix, or the migrations were written; 1 fixes were printed and not
//! written; 2 invalid configuration, no PostgreSQL, a chain that does not apply, or migrations
//! that cannot be written (a `command` chain, a name already taken).

mod schedule;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use crate::checks::Failure;
use crate::location::relative;
use crate::migrate::{self, Chain};
use crate::plan;
use crate::runner::{self, EXIT_INVALID};
use crate::setup::Setup;
use crate::snapshot::Policy;
use crate::spec::{Backend, Spec};

pub use schedule::{Repair, schedule};

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
    /// Where to start looking for `pg-invariants.toml`.
    pub start: PathBuf,
    /// `--write`: add the fixes to the chain.
    pub write: bool,
}

/// Runs `fix` and returns the process exit code.
pub fn run(options: Options) -> ExitCode {
    let (spec, chain) = match runner::prepare(options.config.as_deref(), &options.start) {
        Ok(prepared) => prepared,
        Err(message) => return runner::invalid(&message),
    };
    let (runtime, setup) = match runner::set_up(&spec, &chain, options.backend, 2) {
        Ok(ready) => ready,
        Err(message) => return runner::invalid(&message),
    };
    if let Err(e) = &setup.outcome.apply {
        let message = format!(
            "error: the chain does not apply, so there is nothing to check or fix yet:\n{e}"
        );
        runtime.block_on(setup.close());
        return runner::invalid(&message);
    }
    let failures = failures(&spec, &setup, runtime.handle());
    runtime.block_on(setup.close());

    let (repairs, by_hand): (Vec<_>, Vec<_>) =
        failures.into_iter().partition(|(_, f)| f.fix.is_some());
    if !by_hand.is_empty() {
        eprintln!(
            "pg-invariants fix: no SQL makes these hold; change the schema or the invariant by hand:"
        );
        for (test, failure) in &by_hand {
            eprintln!("  {test}: {}", failure.promise);
        }
    }
    let failing = repairs.len();
    // One promise broken shows in several tests (`fk`, `rejects_invalid` and `on_delete` of a
    // missing FK share one fix): each SQL once, under every test it repairs.
    let mut merged: Vec<Repair> = Vec::new();
    for (test, failure) in repairs {
        let Some(sql) = failure.fix else {
            continue;
        };
        match merged.iter_mut().find(|r| r.sql == sql) {
            Some(r) => r.test = format!("{}, {test}", r.test),
            None => merged.push(Repair {
                test,
                at: failure.at,
                sql,
            }),
        }
    }
    let repairs = merged;
    if repairs.is_empty() {
        eprintln!("pg-invariants fix: nothing to fix");
        return ExitCode::SUCCESS;
    }
    if !options.write {
        print_repairs(&repairs);
        eprintln!(
            "pg-invariants fix: {failing} failing invariant(s) with the SQL above; `pg-invariants fix --write` adds it to {} as new migration(s)",
            relative(&spec.project.migrations.path).display()
        );
        return ExitCode::from(EXIT_UNWRITTEN);
    }
    write(&spec, &chain, &repairs)
}

/// Every check of the plan that fails on the migrated database, by test name.
fn failures(spec: &Spec, setup: &Setup, handle: &tokio::runtime::Handle) -> Vec<(String, Failure)> {
    plan::build(spec, setup.catalog.as_ref())
        .into_iter()
        .filter_map(|check| {
            match runner::verdict(&check.kind, spec, setup, handle, &Policy::read_only()) {
                Err(failure) => Some((check.name, failure)),
                Ok(()) => None,
            }
        })
        .collect()
}

/// The fixes on stdout, as one SQL script: a comment naming each test, then its SQL.
fn print_repairs(repairs: &[Repair]) {
    let text: Vec<String> = repairs
        .iter()
        .map(|r| format!("{}\n{}\n", r.header(), r.sql))
        .collect();
    print!("{}", text.join("\n"));
}

fn write(spec: &Spec, chain: &Chain, repairs: &[Repair]) -> ExitCode {
    let migrations = schedule(repairs);
    let config = &spec.project.migrations;
    match migrate::append(
        config.format,
        &config.path,
        MIGRATION_NAME,
        &migrations,
        SystemTime::now(),
    ) {
        Ok(files) => {
            for file in &files {
                println!("wrote {}", relative(file).display());
            }
            eprintln!(
                "pg-invariants fix: {} failing invariant(s) fixed by {} new {} migration(s); run `pg-invariants test` to see them hold",
                repairs.len(),
                migrations.len(),
                chain.format
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            print_repairs(repairs);
            eprintln!("error: {e}");
            ExitCode::from(EXIT_INVALID)
        }
    }
}
