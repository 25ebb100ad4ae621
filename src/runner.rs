//! libtest-mimic glue: one `Trial` per planned check, the same flags, names and exit codes as
//! `cargo test`, for both the CLI (`pg-invariants test`) and a `harness = false` test target.
//!
//! Order of work: spec (exit 2 when invalid) → chain discovery (exit 2) → `--list` stops here,
//! with no database → provision (exit 2 when no PostgreSQL can be had) → migrate → catalog →
//! plan → trials → exit 0 or 101.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use libtest_mimic::{Arguments, ColorSetting, Failed, FormatSetting, Trial};

use crate::checks::{self, Context, Failure, Verdict};
use crate::migrate::Chain;
use crate::output;
use crate::plan::{self, Check, CheckKind};
use crate::provision::{self, Cache};
use crate::report::{self, Recorder, Reported, Selection, Status, Summary};
use crate::setup::{Cached, Purpose, Setup};
use crate::snapshot;
use crate::spec::{self, Backend, Spec};

/// Exit code for an invalid configuration or no PostgreSQL (FORMAT.md section 5).
pub const EXIT_INVALID: u8 = 2;

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

/// Runs every selected check and returns the process exit code.
pub fn run(options: Options) -> ExitCode {
    match prepare(options.config.as_deref(), &options.start) {
        Ok((spec, chain)) => execute(options, spec, chain),
        Err(message) => invalid(&message),
    }
}

/// `pg-invariants cache key`: prints the key of the project's migrated cluster.
pub fn print_cache_key(config: Option<&Path>, start: &Path, backend: Option<Backend>) -> ExitCode {
    let (spec, chain) = match prepare(config, start) {
        Ok(prepared) => prepared,
        Err(message) => return invalid(&message),
    };
    let backend = match provision::resolve_backend(spec.project.database.backend, backend) {
        Ok(b) => b,
        Err(e) => return invalid(&format!("error: {e}")),
    };
    if backend != Backend::Local {
        return invalid(&format!(
            "error: the {} backend uses no cache: only the local backend copies cached clusters",
            backend.name()
        ));
    }
    let Some(server) = provision::server_identity() else {
        return invalid(
            "error: no PostgreSQL server binaries found: no key without a server version",
        );
    };
    match crate::setup::migrated_key(&spec, &chain, &server) {
        Some(key) => {
            println!("{key}");
            ExitCode::SUCCESS
        }
        None => invalid(
            "error: a `command` chain is never cached: what the tool reads is not known, so no key covers it",
        ),
    }
}

/// Prints `message` and returns exit code 2.
pub(crate) fn invalid(message: &str) -> ExitCode {
    eprintln!("{message}");
    ExitCode::from(EXIT_INVALID)
}

/// Everything that needs no database: a problem here is the user's configuration.
pub(crate) fn prepare(config: Option<&Path>, start: &Path) -> Result<(Spec, Chain), String> {
    let file = spec::find_project_file(config, start).map_err(|e| format!("error: {e}"))?;
    let spec = Spec::load(&file).map_err(|e| e.to_string())?;
    let chain = Chain::discover(&spec.project).map_err(|e| format!("error: {e}"))?;
    Ok((spec, chain))
}

fn execute(options: Options, spec: Spec, chain: Chain) -> ExitCode {
    let format = report_format(options.junit, &options.args);
    let args = options.args;
    output::silence_closed_stdout_panics();
    if args.list {
        return list(&args, &spec, &chain, options.backend, options.no_cache);
    }
    let snapshots = match snapshot::Policy::from_env(options.accept) {
        Ok(p) => p,
        Err(e) => return invalid(&format!("error: {e}")),
    };
    let threads = args
        .test_threads
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1);
    let (runtime, setup) = match set_up(
        &spec,
        &chain,
        options.backend,
        options.no_cache,
        threads,
        Purpose::Checks,
    ) {
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
    let _ = shared.batches.set(checks::Batches::plan(&checks, runs));
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
    let (runtime, setup) = match set_up(spec, chain, backend, no_cache, 1, Purpose::Listing) {
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

/// Provisions PostgreSQL and applies `before`, the chain and the seed, with a pool of
/// `connections`: the runtime that drives the database, and the set-up. A chain that fails to
/// apply is an outcome (`setup.outcome.apply`); the error is a configuration or machine problem,
/// already worded for exit code 2.
pub(crate) fn set_up(
    spec: &Spec,
    chain: &Chain,
    backend: Option<Backend>,
    no_cache: bool,
    connections: usize,
    purpose: Purpose,
) -> Result<(tokio::runtime::Runtime, Setup), String> {
    let backend = provision::resolve_backend(spec.project.database.backend, backend)
        .map_err(|e| format!("error: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("error: cannot start the async runtime: {e}"))?;
    let setup = runtime
        .block_on(Setup::run(
            spec,
            chain,
            backend,
            connections as u32,
            purpose,
            Cache::locate(no_cache).as_ref(),
        ))
        .map_err(|e| format!("error: no PostgreSQL could be started: {e}"))?;
    eprintln!(
        "pg-invariants: {} migration(s) ({}) on {} {}; server ready in {:.2}s, {}",
        chain.migrations.len(),
        chain.format.name(),
        backend.name(),
        setup.version,
        setup.timings.provision.as_secs_f64(),
        applied(&setup),
    );
    if !chain.not_applied.is_empty() {
        let names: Vec<String> = chain
            .not_applied
            .iter()
            .map(|path| crate::location::relative(path).display().to_string())
            .collect();
        eprintln!(
            "pg-invariants: {} does not apply these files, nor does this run: {}",
            chain.format.name(),
            names.join(", ")
        );
    }
    if provision::interrupted() {
        // Ctrl-C during set-up: the handler is removing the server and will exit with 130;
        // checking a dying database would only print false failures.
        provision::wait_for_exit();
    }
    Ok((runtime, setup))
}

/// The header's account of the chain: applied (and kept in the cache), or from the cache.
fn applied(setup: &Setup) -> String {
    let apply = setup.timings.apply.as_secs_f64();
    match &setup.cached {
        Cached::Hit(key) => format!("chain and seed from cache {key}"),
        Cached::Stored(key, took) => format!(
            "chain and seed applied in {apply:.2}s, kept in the cache as {key} in {:.2}s",
            took.as_secs_f64()
        ),
        Cached::Off | Cached::NotStored(_) => format!("chain and seed applied in {apply:.2}s"),
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
    batches: std::sync::OnceLock<checks::Batches>,
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
    let batch = (shared.batches.get()).map(|batches| checks::Member {
        batches,
        check: index,
    });
    verdict(
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

/// The verdict of one check on the migrated database, as `test` reports it; with `batch`, it
/// may pass in its batch (see `checks::Batches`).
// The failure is the product (see `checks`): returned whole, as checks return it.
#[allow(clippy::result_large_err)]
pub(crate) fn verdict(
    kind: &CheckKind,
    spec: &Spec,
    setup: &Setup,
    handle: &tokio::runtime::Handle,
    snapshots: &snapshot::Policy,
    batch: Option<checks::Member<'_>>,
) -> Verdict {
    if let Some(verdict) = checks::setup_verdict(kind, &setup.outcome) {
        return verdict;
    }
    let (Some(catalog), Some(pool)) = (&setup.catalog, &setup.pool) else {
        return Err(Failure {
            at: None,
            promise: "internal error: no catalog although the chain applied".into(),
            expected: "a catalog".into(),
            found: "none".into(),
            fix: None,
        });
    };
    let ctx = Context {
        spec,
        catalog,
        pool,
        snapshots,
        batch,
    };
    handle.block_on(checks::run(kind, &ctx))
}
