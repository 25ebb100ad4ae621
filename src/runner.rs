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

use libtest_mimic::{Arguments, ColorSetting, Completion, Failed, FormatSetting, Trial};

use crate::keeper;
use crate::migrate::Chain;
use crate::output;
use crate::plan;
use crate::report::{self, Cleared, Listed, Outcome, Recorder, Selection, Status, Summary};
use crate::session::{self, Request, Session, invalid, prepare};
use crate::setup::SecondPass;
use crate::snapshot;
use crate::spec::{Backend, Spec};

/// libtest's exit code when some test failed (docs/output.md).
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

impl Options {
    /// What decides the set-up and the plan: the processes of a test run that say the same
    /// (in the same environment) share a keeper.
    fn project(&self) -> keeper::Project {
        keeper::Project {
            config: self.config.clone(),
            start: self.start.clone(),
            backend: self.backend,
            no_cache: self.no_cache,
            accept: self.accept,
        }
    }
}

/// Entry point of a `harness = false` test target: `cargo test` flags, project file found from
/// `CARGO_MANIFEST_DIR`.
pub fn harness_main() -> ExitCode {
    if let Err(code) = crate::session::read_settings() {
        return code;
    }
    // Started again as the keeper of a test run (see `keeper`): it never returns then.
    keeper::serve_if_asked();
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

/// Runs every selected check and returns the process exit code: with the run's keeper when
/// this process is one of a test run's (see [`keeper`]), else on a set-up of its own.
pub fn run(options: Options) -> ExitCode {
    if options.args.list {
        keeper::Client::warm_up(&options.project());
    } else {
        let only = (options.args.exact)
            .then_some(options.args.filter.as_deref())
            .flatten();
        match keeper::Client::attach(&options.project(), only) {
            Ok(Some(keeper)) => return with_keeper(options, keeper),
            Ok(None) => {}
            Err(untrusted) => return invalid(&format!("error: {untrusted}")),
        }
    }
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
    let threads = *args
        .test_threads
        .get_or_insert_with(session::default_threads);
    // The idempotency pass costs a second application of the chain: only for runs that show
    // its verdict (not `cargo test some::filter`).
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
        proposes_schemas: false,
        deploys: true,
    };
    let (runtime, setup) = match session::set_up(&spec, &chain, request) {
        Ok(ready) => ready,
        Err(message) => return invalid(&message),
    };
    let session = Session::new(spec, snapshots, setup, runtime.handle().clone());
    if let Err(message) = session.check_baseline() {
        session.close();
        return invalid(&message);
    }
    let tests = session.listed();
    check_all(format, args, tests, Verdicts::Here(Box::new(session)))
}

/// A process of a test run: the keeper's header, then its verdicts, by name.
fn with_keeper(options: Options, keeper: keeper::Client) -> ExitCode {
    let format = report_format(options.junit, &options.args);
    output::silence_closed_stdout_panics();
    eprint!("{}", keeper.header);
    eprintln!(
        "pg-invariants: checked by this run's keeper (pid {}, {})",
        keeper.pid,
        if keeper.started {
            "started"
        } else {
            "attached"
        }
    );
    let tests = keeper.tests.clone();
    check_all(format, options.args, tests, Verdicts::Keeper(keeper))
}

/// Where a process's verdicts come from.
enum Verdicts {
    /// Its own set-up.
    Here(Box<Session>),
    /// Its test run's keeper.
    Keeper(keeper::Client),
}

impl Verdicts {
    fn outcome(&self, index: usize, name: &str) -> Outcome {
        match self {
            Self::Here(session) => session.outcome(index),
            Self::Keeper(keeper) => keeper.verdict(name),
        }
    }

    /// What happened to the server, once it is gone.
    fn server_exit(&self) -> Option<String> {
        match self {
            Self::Here(session) => session.server_exit(),
            Self::Keeper(keeper) => keeper.server_exit(),
        }
    }
}

/// What every trial reads.
struct Run {
    verdicts: Verdicts,
    /// Some check that ran failed: the exit code when stdout closes before the end.
    failed: AtomicBool,
    /// Every outcome, for the reports.
    recorder: Recorder,
    /// libtest's lines, written as tests end (none for the JSON and JUnit reports).
    live: Option<report::libtest::Live>,
}

/// Runs the selected `tests`, reports, and returns the exit code. libtest-mimic runs the trials
/// quietly: libtest's lines are written by [`report::libtest::Live`] as tests end, the other
/// formats once the run is over.
fn check_all(
    format: report::Format,
    args: Arguments,
    tests: Vec<Listed>,
    verdicts: Verdicts,
) -> ExitCode {
    let trials: Vec<Trial> = (0..tests.len())
        .map(|i| Trial::test(tests[i].name.clone(), || Ok(())))
        .collect();
    let selections: Vec<Selection> = trials.iter().map(|t| selection(&args, t)).collect();
    let running: Vec<&str> = (tests.iter().zip(&selections))
        .filter(|(_, s)| **s != Selection::FilteredOut)
        .map(|(t, _)| t.name.as_str())
        .collect();
    let live = (!format.is_report()).then(|| report::libtest::Live::new(&args, &running));
    let run = Arc::new(Run {
        verdicts,
        failed: AtomicBool::new(false),
        recorder: Recorder::new(tests.len()),
        live,
    });
    let trials: Vec<Trial> = (tests.iter().enumerate())
        .map(|(index, test)| trial(index, test.name.clone(), run.clone()))
        .collect();
    if let Verdicts::Here(session) = &run.verdicts {
        session.select(|i| selections[i] == Selection::Runs);
    }
    if let Some(live) = &run.live {
        live.title(running.len());
    }
    let started = Instant::now();
    let mut conclusion = libtest_or_closed_stdout(|| libtest_mimic::run(&quiet(args), trials));
    let summary = run.recorder.summary(&tests, &selections, started.elapsed());
    let written = match &run.live {
        Some(live) => live.finish(summary.filtered_out, summary.time),
        None => publish(format, &summary).is_ok(),
    };
    if !written || (run.live.is_some() && publish_annotations(&summary).is_err()) {
        conclusion = None;
    }
    let failed = run.failed.load(Ordering::SeqCst);
    let server_exit = run.verdicts.server_exit();
    if let Some(Run {
        verdicts: Verdicts::Here(session),
        ..
    }) = Arc::into_inner(run)
    {
        session.close();
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
    if crate::env::github_actions() {
        report::github::write(summary, &mut std::io::stderr().lock())?;
    }
    Ok(())
}

/// After libtest's lines: on GitHub Actions, the annotations on stdout, after the summary.
fn publish_annotations(summary: &Summary) -> std::io::Result<()> {
    if !crate::env::github_actions() {
        return Ok(());
    }
    report::github::write(summary, &mut std::io::stdout().lock())
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
/// of the migrated database: the listing reads the catalog the cache keeps for these very
/// inputs, else migrates a database (without the idempotency pass); when no PostgreSQL can be
/// had it exits 2 rather than list fewer tests than a run would. Listed as libtest lists,
/// whatever the format (`name: test` lines), so that runners can read it.
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
        proposes_schemas: false,
        deploys: true,
    };
    // The deploy window's tests are named after what building it found: no cached listing.
    let cached = (spec.project.upgrade.is_none())
        .then(|| session::cached_catalog(spec, chain, request))
        .flatten();
    let (checks, catalog) = match cached {
        Some(catalog) => (plan::build(spec, Some(&catalog), None), Some(catalog)),
        None => {
            let (runtime, mut setup) = match session::set_up(spec, chain, request) {
                Ok(ready) => ready,
                Err(message) => return invalid(&message),
            };
            let upgrade = setup.outcome.upgrade.as_ref();
            let checks = plan::build(spec, setup.catalog.as_ref(), upgrade);
            let catalog = setup.catalog.take();
            runtime.block_on(setup.close());
            (checks, catalog)
        }
    };
    let schema = spec.default_schema();
    let listed = Listed::all(&checks, schema);
    if let Err(message) = session::baseline_matches(spec, catalog.as_ref(), &listed) {
        return invalid(&message);
    }
    let trials = (listed.into_iter())
        .map(|c| Trial::test(c.name, || Ok(())))
        .collect();
    match libtest_or_closed_stdout(|| libtest_mimic::run(args, trials)) {
        Some(_) => ExitCode::SUCCESS,
        None => ExitCode::from(output::EXIT_STDOUT_CLOSED),
    }
}

/// One test as a trial, its outcome recorded at index `index` for the reports.
fn trial(index: usize, name: String, run: Arc<Run>) -> Trial {
    Trial::ignorable_test(name.clone(), move || {
        let started = Instant::now();
        let outcome = run.verdicts.outcome(index, &name);
        let status = match &outcome {
            Ok(Cleared::Passed) => Status::Passed(started.elapsed()),
            Ok(Cleared::Known(reason)) => Status::Known(started.elapsed(), reason.clone()),
            Err(reported) => {
                // A check that ran and failed (not one left unrun as stdout closed).
                if reported.failure.is_some() {
                    run.failed.store(true, Ordering::SeqCst);
                }
                Status::Failed(started.elapsed(), reported.clone())
            }
        };
        if let Some(live) = &run.live {
            live.ended(&name, &status);
        }
        run.recorder.record(index, status);
        match outcome {
            Ok(Cleared::Passed) => Ok(Completion::Completed),
            Ok(Cleared::Known(reason)) => Ok(Completion::ignored_with(reason)),
            Err(reported) => Err(Failed::from(reported.message)),
        }
    })
}
