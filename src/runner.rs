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

use libtest_mimic::{Arguments, Failed, Trial};

use crate::checks::{self, Context, Failure, Verdict};
use crate::migrate::Chain;
use crate::output;
use crate::plan::{self, Check, CheckKind};
use crate::provision;
use crate::setup::Setup;
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
    /// Where to start looking for `pg-invariants.toml` when `config` is not given.
    pub start: PathBuf,
    /// `--accept`: write every snapshot that differs (never in CI; see [`snapshot::Policy`]).
    pub accept: bool,
    pub args: Arguments,
}

/// Entry point of a `harness = false` test target: `cargo test` flags, project file found from
/// `CARGO_MANIFEST_DIR`.
pub fn harness_main() -> ExitCode {
    let start = crate::env::cargo_manifest_dir()
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    run(Options {
        config: None,
        backend: None,
        start,
        accept: false,
        args: Arguments::from_args(),
    })
}

/// Runs every selected check and returns the process exit code.
pub fn run(options: Options) -> ExitCode {
    match prepare(options.config.as_deref(), &options.start) {
        Ok((spec, chain)) => execute(options, spec, chain),
        Err(message) => invalid(&message),
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
    let chain = Chain::discover(&spec.project.migrations, &spec.project.dir)
        .map_err(|e| format!("error: {e}"))?;
    Ok((spec, chain))
}

fn execute(options: Options, spec: Spec, chain: Chain) -> ExitCode {
    let args = options.args;
    output::silence_closed_stdout_panics();
    if args.list {
        // No database for a listing: the plan holds what the files declare.
        let trials = plan::build(&spec, None)
            .into_iter()
            .map(|c| Trial::test(output::one_line(&c.name), || Ok(())))
            .collect();
        return match libtest_or_closed_stdout(|| libtest_mimic::run(&args, trials)) {
            Some(_listed) => ExitCode::SUCCESS,
            None => ExitCode::from(output::EXIT_STDOUT_CLOSED),
        };
    }
    let snapshots = match snapshot::Policy::from_env(options.accept) {
        Ok(p) => p,
        Err(e) => return invalid(&format!("error: {e}")),
    };
    let threads = args
        .test_threads
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1);
    let (runtime, setup) = match set_up(&spec, &chain, options.backend, threads) {
        Ok(ready) => ready,
        Err(message) => return invalid(&message),
    };
    let checks = plan::build(&spec, setup.catalog.as_ref());
    let shared = Arc::new(Shared {
        spec,
        snapshots,
        setup,
        handle: runtime.handle().clone(),
        failed: AtomicBool::new(false),
    });
    let trials = checks
        .into_iter()
        .map(|check| trial(check, shared.clone()))
        .collect();
    let conclusion = libtest_or_closed_stdout(|| libtest_mimic::run(&args, trials));
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

/// Provisions PostgreSQL and applies `before`, the chain and the seed, with a pool of
/// `connections`: the runtime that drives the database, and the set-up. A chain that fails to
/// apply is an outcome (`setup.outcome.apply`); the error is a configuration or machine problem,
/// already worded for exit code 2.
pub(crate) fn set_up(
    spec: &Spec,
    chain: &Chain,
    backend: Option<Backend>,
    connections: usize,
) -> Result<(tokio::runtime::Runtime, Setup), String> {
    let backend = provision::resolve_backend(spec.project.database.backend, backend)
        .map_err(|e| format!("error: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("error: cannot start the async runtime: {e}"))?;
    let setup = runtime
        .block_on(Setup::run(spec, chain, backend, connections as u32))
        .map_err(|e| format!("error: no PostgreSQL could be started: {e}"))?;
    eprintln!(
        "pg-invariants: {} migration(s) ({}) on {} PostgreSQL; server ready in {:.2}s, chain and seed applied in {:.2}s",
        chain.migrations.len(),
        chain.format.name(),
        backend.name(),
        setup.timings.provision.as_secs_f64(),
        setup.timings.apply.as_secs_f64(),
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

/// What every trial reads: the spec, the snapshot policy and the migrated database.
struct Shared {
    spec: Spec,
    snapshots: snapshot::Policy,
    setup: Setup,
    handle: tokio::runtime::Handle,
    /// Some check that ran failed: the exit code when stdout closes before the end.
    failed: AtomicBool,
}

/// One check as a trial. Once the server is gone, every check still to run fails at once with
/// what happened to it, and so does a check that failed because it went.
fn trial(check: Check, shared: Arc<Shared>) -> Trial {
    Trial::test(output::one_line(&check.name), move || {
        if output::stdout_closed() {
            // Nobody reads the verdict: running the check would only delay the cleanup.
            return Err(Failed::without_message());
        }
        let setup = &shared.setup;
        if let Some(exit) = setup.server_exit() {
            return Err(Failed::from(server_exited(exit)));
        }
        verdict(
            &check.kind,
            &shared.spec,
            setup,
            &shared.handle,
            &shared.snapshots,
        )
        .map_err(|f| {
            shared.failed.store(true, Ordering::SeqCst);
            let message = match shared.handle.block_on(setup.server_exit_now()) {
                Some(exit) => server_exited(exit),
                None => f.to_string(),
            };
            Failed::from(output::message(&message))
        })
    })
}

/// The verdict of one check on the migrated database, as `test` reports it.
// The failure is the product (see `checks`): returned whole, as checks return it.
#[allow(clippy::result_large_err)]
pub(crate) fn verdict(
    kind: &CheckKind,
    spec: &Spec,
    setup: &Setup,
    handle: &tokio::runtime::Handle,
    snapshots: &snapshot::Policy,
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
    };
    handle.block_on(checks::run(kind, &ctx))
}
