//! What every command shares before and around the checks: reading the project (no database),
//! setting up the migrated database on the source [`provision::Source::decide`] chose, and the
//! verdict of one check on it. `test` (and its `--list`), `init` and `fix` all go through here;
//! the libtest glue is in [`crate::runner`].

use std::path::Path;
use std::process::ExitCode;

use crate::checks::{self, Context, Failure, Verdict};
use crate::migrate::Chain;
use crate::plan::CheckKind;
use crate::provision::{self, Source};
use crate::setup::{Cached, SecondPass, Setup};
use crate::snapshot;
use crate::spec::{self, Backend, Spec};

/// Exit code for an invalid configuration or no PostgreSQL (FORMAT.md section 5).
pub const EXIT_INVALID: u8 = 2;

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

/// How a command wants its set-up: the `--backend` and `--no-cache` it was given, a pool of
/// `connections`, and whether `migrations::idempotent` will be shown.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request {
    pub backend: Option<Backend>,
    pub no_cache: bool,
    pub connections: usize,
    pub second_pass: SecondPass,
}

/// `pg-invariants cache key`: prints the key of the project's migrated cluster.
pub fn print_cache_key(config: Option<&Path>, start: &Path, backend: Option<Backend>) -> ExitCode {
    let (spec, chain) = match prepare(config, start) {
        Ok(prepared) => prepared,
        Err(message) => return invalid(&message),
    };
    let source = match Source::decide(&spec.project.database, backend, false) {
        Ok(source) => source,
        Err(e) => return invalid(&format!("error: {e}")),
    };
    if source.backend() != Backend::Local {
        return invalid(&format!(
            "error: the {} backend uses no cache: only the local backend copies cached clusters",
            source.backend().name()
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

/// Provisions PostgreSQL and applies `before`, the chain and the seed: the runtime that drives
/// the database, and the set-up. A chain that fails to apply is an outcome
/// (`setup.outcome.apply`); the error is a configuration or machine problem, already worded for
/// exit code 2.
pub(crate) fn set_up(
    spec: &Spec,
    chain: &Chain,
    request: Request,
) -> Result<(tokio::runtime::Runtime, Setup), String> {
    let source = Source::decide(&spec.project.database, request.backend, request.no_cache)
        .map_err(|e| format!("error: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("error: cannot start the async runtime: {e}"))?;
    let setup = runtime
        .block_on(Setup::run(
            spec,
            chain,
            &source,
            request.connections as u32,
            request.second_pass,
        ))
        .map_err(|e| format!("error: no PostgreSQL could be started: {e}"))?;
    eprintln!(
        "pg-invariants: {} migration(s) ({}) on {} {}; server ready in {:.2}s, {}",
        chain.migrations.len(),
        chain.format.name(),
        source.backend().name(),
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
        Cached::Shared {
            key,
            postmaster,
            started,
        } => format!(
            "chain and seed from cache {key}, on this run's shared server (postmaster {postmaster}, {})",
            if *started { "started" } else { "attached" }
        ),
        Cached::Stored(key, took) => format!(
            "chain and seed applied in {apply:.2}s, kept in the cache as {key} in {:.2}s",
            took.as_secs_f64()
        ),
        Cached::Off | Cached::NotStored(_) => format!("chain and seed applied in {apply:.2}s"),
    }
}

/// The verdict of one check on the migrated database, as `test` reports it; with `batch`, it
/// may pass in its batch (see `checks::Batches`; `init` and `fix` run every check alone).
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
