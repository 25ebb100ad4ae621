//! libtest-mimic glue: one `Trial` per planned check, the same flags, names and exit codes as
//! `cargo test`, for both the CLI (`pg-invariants test`) and a `harness = false` test target.
//!
//! Order of work: spec (exit 2 when invalid) → chain discovery (exit 2) → `--list` stops here,
//! with no database → provision (exit 2 when no PostgreSQL can be had) → migrate → catalog →
//! plan → trials → exit 0 or 101.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use libtest_mimic::{Arguments, ColorSetting, Failed, FormatSetting, Trial};

use crate::checks::{Batches, Member};
use crate::migrate::Chain;
use crate::output;
use crate::plan::{self, Check};
use crate::report::{self, Recorder, Reported, Selection, Status, Summary};
use crate::session::{self, Request, invalid, prepare};
use crate::setup::{SecondPass, Setup};
use crate::snapshot;
use crate::spec::{Backend, Spec};

/// libtest's exit code when some test failed (FORMAT.md section 5).
pub const EXIT_FAILED: u8 = 101;

/// What `pg-invariants test` (or the test target) was asked to do.
pub struct Options {
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    /// `--backend B`, above `PG_INVARIANTS_BACKEND` and the project file.
    pub backend: Option<Backend>,
    /// `--no-cache`: neither use nor write the cache of clusters (as `PG_INVARIANTS_CACHE=off`).
    pub no_cache: bool,
    /// Where to start looking for `pg-invariants.toml` when `config` is not given.
    pub start: PathBuf,
    /// `--accept`: write every snapshot that differs (never in CI; see [`snapshot::Policy`]).
    pub accept: bool,
    /// `--format junit`, which libtest-mimic does not know: taken out of the arguments by
    /// [`report::take_junit`] before they are parsed.
    pub junit: bool,
    pub args: Arguments,
}

/// Entry point of a `harness = false` test target: `cargo test` flags, project file found from
/// `CARGO_MANIFEST_DIR`.
pub fn harness_main() -> ExitCode {
    // Started again as the keeper of a test run's shared server (see `provision::shared`).
    if let Some(code) = crate::provision::keeper_if_asked() {
        return code;
    }
    let start = crate::env::cargo_manifest_dir()
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    let (args, junit) = report::take_junit(std::env::args_os());
    run(Options {
        config: None,
        backend: None,
        no_cache: false,
        start,
        accept: false,
        junit,
        args: Arguments::from_iter(args),
    })
}

/// Checks run at once unless `--test-threads` says otherwise: two per core, because a check
/// spends much of its time waiting for the server's answer, and the server needs the cores
/// too (measured on 2 cores at 500 tables: the checks took 4.6 s on 2 threads, 4.1 s on 4); at
/// most 64, or one per core beyond that.
fn default_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cores * 2).min(64).max(cores)
}

/// Runs every selected check and returns the process exit code.
pub fn run(options: Options) -> ExitCode {
    match prepare(options.config.as_deref(), &options.start) {
        Ok((spec, chain)) => execute(options, spec, chain),
        Err(message) => invalid(&message),
    }
}

fn execute(options: Options, spec: Spec, chain: Chain) -> ExitCode {
    let format = report_format(options.junit, &options.args);
    let mut args = options.args;
    output::silence_closed_stdout_panics();
    if args.list {
        return list(&args, &spec, &chain, options.backend, options.no_cache);
    }
    let snapshots = match snapshot::Policy::from_env(options.accept) {
        Ok(p) => p,
        Err(e) => return invalid(&format!("error: {e}")),
    };
    let threads = *args.test_threads.get_or_insert_with(default_threads);
    // The idempotency pass costs a second application of the chain: only for runs that show
    // its verdict (not one nextest process per other test, not `cargo test some::filter`).
    let idempotent = Trial::test(plan::IDEMPOTENT, || Ok(()));
    let second_pass = match selection(&args, &idempotent) {
        Selection::Runs => SecondPass::Run,
        Selection::FilteredOut | Selection::Ignored => SecondPass::Skip,
    };
    let request = Request {
        backend: options.backend,
        no_cache: options.no_cache,
        connections: threads,
        second_pass,
    };
    let (runtime, setup) = match session::set_up(&spec, &chain, request) {
        Ok(ready) => ready,
        Err(message) => return invalid(&message),
    };
    let checks = plan::build(&spec, setup.catalog.as_ref());
    let schema = spec.default_schema().to_string();
    let shared = Arc::new(Shared {
        spec,
        snapshots,
        setup,
        handle: runtime.handle().clone(),
        failed: AtomicBool::new(false),
        recorder: Recorder::new(checks.len()),
        batches: std::sync::OnceLock::new(),
    });
    let args = if format.is_report() {
        quiet(args)
    } else {
        args
    };
    let trials: Vec<Trial> = checks
        .iter()
        .enumerate()
        .map(|(index, check)| trial(index, check.clone(), shared.clone()))
        .collect();
    let selections: Vec<Selection> = trials.iter().map(|t| selection(&args, t)).collect();
    let runs = |i: usize| selections[i] == Selection::Runs;
    let _ = shared.batches.set(Batches::plan(&checks, runs));
    let started = Instant::now();
    let mut conclusion = libtest_or_closed_stdout(|| libtest_mimic::run(&args, trials));
    let summary = shared
        .recorder
        .summary(&checks, &selections, &schema, started.elapsed());
    if conclusion.is_some() && publish(format, &summary).is_err() {
        conclusion = None;
    }
    let failed = shared.failed.load(Ordering::SeqCst);
    let server_exit = shared.setup.server_exit().map(server_exited);
    if let Some(shared) = Arc::into_inner(shared) {
        runtime.block_on(shared.setup.close());
    }
    if let Some(message) = server_exit {
        return invalid(&format!("error: {message}"));
    }
    match conclusion {
        Some(conclusion) => conclusion.exit_code(),
        None if failed => ExitCode::from(EXIT_FAILED),
        None => ExitCode::from(output::EXIT_STDOUT_CLOSED),
    }
}

/// Where stdout's format comes from: `--format junit` (taken out before libtest-mimic parses the
/// rest), else libtest-mimic's `--format`.
fn report_format(junit: bool, args: &Arguments) -> report::Format {
    match (junit, args.format) {
        (true, _) => report::Format::Junit,
        (false, Some(FormatSetting::Json)) => report::Format::Json,
        (false, _) => report::Format::Libtest,
    }
}

/// `args` with libtest-mimic's output sent nowhere: the report writes stdout once the run is
/// over (see [`publish`]).
fn quiet(args: Arguments) -> Arguments {
    Arguments {
        logfile: Some("/dev/null".into()),
        format: Some(FormatSetting::Json),
        color: Some(ColorSetting::Never),
        quiet: false,
        ..args
    }
}

/// What libtest-mimic will do with `trial` under `args`.
fn selection(args: &Arguments, trial: &Trial) -> Selection {
    if args.is_filtered_out(trial) {
        Selection::FilteredOut
    } else if args.is_ignored(trial) {
        Selection::Ignored
    } else {
        Selection::Runs
    }
}

/// Writes the report of `format` on stdout, then, on GitHub Actions, an annotation for every
/// failure: on stdout after libtest's summary for pretty and terse, on stderr for JSON and
/// JUnit, whose stdout must stay parseable (the runner reads workflow commands from both).
/// An error means stdout (or stderr) was closed.
fn publish(format: report::Format, summary: &Summary) -> std::io::Result<()> {
    report::write(format, summary, &mut std::io::stdout().lock())?;
    if !crate::env::github_actions() {
        return Ok(());
    }
    if format.is_report() {
        report::github::write(summary, &mut std::io::stderr().lock())
    } else {
        report::github::write(summary, &mut std::io::stdout().lock())
    }
}

/// The one line every check reports once the server is gone (and the run ends with exit 2).
fn server_exited(exit: &str) -> String {
    format!("PostgreSQL exited: {exit}")
}

/// Runs libtest-mimic; `None` when it stopped because stdout was closed (it panics on the
/// failed write; the panic hook kept quiet, trials not yet started return at once). Any other
/// panic goes on unwinding, after the trials that hold the server have been dropped.
fn libtest_or_closed_stdout(
    run: impl FnOnce() -> libtest_mimic::Conclusion,
) -> Option<libtest_mimic::Conclusion> {
    match std::panic::catch_unwind(AssertUnwindSafe(run)) {
        Ok(conclusion) => Some(conclusion),
        Err(_) if output::stdout_closed() => None,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// `--list`: exactly the tests a run with the same arguments runs, so that a runner that lists
/// first (nextest) runs them all. Coverage and rule tests are named after the tables and columns
/// of the migrated database, so the listing migrates one (without the idempotency pass); when no
/// PostgreSQL can be had it exits 2 rather than list fewer tests than a run would. Listed as
/// libtest lists, whatever the format (`name: test` lines), so that runners can read it.
fn list(
    args: &Arguments,
    spec: &Spec,
    chain: &Chain,
    backend: Option<Backend>,
    no_cache: bool,
) -> ExitCode {
    let request = Request {
        backend,
        no_cache,
        connections: 1,
        second_pass: SecondPass::Skip,
    };
    let (runtime, setup) = match session::set_up(spec, chain, request) {
        Ok(ready) => ready,
        Err(message) => return invalid(&message),
    };
    let trials = plan::build(spec, setup.catalog.as_ref())
        .into_iter()
        .map(|c| Trial::test(output::one_line(&c.name), || Ok(())))
        .collect();
    let listed = libtest_or_closed_stdout(|| libtest_mimic::run(args, trials));
    runtime.block_on(setup.close());
    match listed {
        Some(_) => ExitCode::SUCCESS,
        None => ExitCode::from(output::EXIT_STDOUT_CLOSED),
    }
}

/// What every trial reads: the spec, the snapshot policy and the migrated database.
struct Shared {
    spec: Spec,
    snapshots: snapshot::Policy,
    setup: Setup,
    handle: tokio::runtime::Handle,
    /// Some check that ran failed: the exit code when stdout closes before the end.
    failed: AtomicBool,
    /// Every outcome, for the reports.
    recorder: Recorder,
    /// The checks that share work, planned once the selection is known.
    batches: std::sync::OnceLock<Batches>,
}

/// One check as a trial, its outcome recorded at plan index `index` for the reports.
fn trial(index: usize, check: Check, shared: Arc<Shared>) -> Trial {
    Trial::test(output::one_line(&check.name), move || {
        let started = Instant::now();
        let outcome = outcome(index, &check, &shared);
        let status = match &outcome {
            Ok(()) => Status::Passed(started.elapsed()),
            Err(reported) => Status::Failed(started.elapsed(), reported.clone()),
        };
        shared.recorder.record(index, status);
        outcome.map_err(|reported| Failed::from(reported.message))
    })
}

/// The outcome of one check as printed. Once the server is gone, every check still to run
/// fails at once with what happened to it, and so does a check that failed because it went.
fn outcome(index: usize, check: &Check, shared: &Shared) -> Result<(), Reported> {
    let gone = |message: String| Reported {
        message,
        failure: None,
    };
    if output::stdout_closed() {
        // Nobody reads the verdict: running the check would only delay the cleanup.
        return Err(gone("not run: stdout was closed".into()));
    }
    let setup = &shared.setup;
    if let Some(exit) = setup.server_exit() {
        return Err(gone(server_exited(exit)));
    }
    let batch = (shared.batches.get()).map(|batches| Member {
        batches,
        check: index,
    });
    session::verdict(
        &check.kind,
        &shared.spec,
        setup,
        &shared.handle,
        &shared.snapshots,
        batch,
    )
    .map_err(|f| {
        shared.failed.store(true, Ordering::SeqCst);
        match shared.handle.block_on(setup.server_exit_now()) {
            Some(exit) => gone(server_exited(exit)),
            None => Reported {
                message: output::message(&f.to_string()),
                failure: Some(Box::new(f)),
            },
        }
    })
}
