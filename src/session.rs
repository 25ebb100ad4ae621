//! What every command shares before and around the checks: reading the project (no database),
//! setting up the migrated database on the source [`provision::Source::decide`] chose, and the
//! verdict of one check on it. `test` (and its `--list`), `init` and `fix` all go through here;
//! the libtest glue is in `runner`.

use std::path::Path;
use std::process::ExitCode;
use std::sync::OnceLock;

use crate::catalog::Catalog;
use crate::checks::{self, Batches, Context, Failure, Member, Verdict};
use crate::migrate::Chain;
use crate::migrate::format::skip_warning;
use crate::output;
use crate::plan::{self, Check, CheckKind};
use crate::provision::{self, Source};
use crate::report::{Cleared, Listed, Outcome, Reported};
use crate::setup::{Cached, SecondPass, Setup};
use crate::snapshot;
use crate::spec::{self, Backend, Format, Spec};

/// Exit code for an invalid configuration or no PostgreSQL (docs/output.md).
pub const EXIT_INVALID: u8 = 2;

/// Prints `message` and returns exit code 2.
pub(crate) fn invalid(message: &str) -> ExitCode {
    eprintln!("{message}");
    ExitCode::from(EXIT_INVALID)
}

/// Reads every environment variable once (see [`crate::env`]), at the start of every entry
/// point: a bad value is exit 2, naming the variable and the value.
pub fn read_settings() -> Result<(), ExitCode> {
    crate::env::load()
        .map(drop)
        .map_err(|e| invalid(&format!("error: {e}")))
}

/// Everything that needs no database: a problem here is the user's configuration.
pub(crate) fn prepare(config: Option<&Path>, start: &Path) -> Result<(Spec, Chain), String> {
    let file = spec::find_project_file(config, start).map_err(|e| format!("error: {e}"))?;
    let spec = Spec::load(&file).map_err(|e| e.to_string())?;
    let chain = Chain::discover(&spec.project).map_err(|e| format!("error: {e}"))?;
    Ok((spec, chain))
}

/// Checks run at once unless `--test-threads` says otherwise: two per core, because a check
/// spends much of its time waiting for the server's answer, and the server needs the cores
/// too (measured on 2 cores at 500 tables: the checks took 4.6 s on 2 threads, 4.1 s on 4); at
/// most 64, or one per core beyond that. Also the size of the pool.
pub(crate) fn default_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cores * 2).min(64).max(cores)
}

/// How a command wants its set-up: the `--backend` and `--no-cache` it was given, a pool of
/// `connections`, and whether `migrations::idempotent` will be shown.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request {
    pub backend: Option<Backend>,
    pub no_cache: bool,
    pub connections: usize,
    pub second_pass: SecondPass,
    /// `init` of a new project chooses `schemas` from where the chain made tables: `schemas`
    /// holding no table is not yet an error then (see [`tables_by_schema`]).
    pub proposes_schemas: bool,
    /// `test`, its `--list` and `init` (whose `[known]` may name deploy tests) build the deploy
    /// window of `[upgrade]`; `fix` does not.
    pub deploys: bool,
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
    match crate::migrate::migrated_key(&spec, &chain, &server) {
        Ok(key) => {
            println!("{key}");
            ExitCode::SUCCESS
        }
        Err(e @ crate::migrate::NotCached::Command) => invalid(&format!("error: {e}")),
        Err(e) => invalid(&format!("error: this chain is never cached: {e}")),
    }
}

/// The catalog the cache keeps for these very inputs, if any (see [`crate::setup::cached_catalog`]).
pub(crate) fn cached_catalog(spec: &Spec, chain: &Chain, request: Request) -> Option<Catalog> {
    let source = Source::decide(&spec.project.database, request.backend, request.no_cache).ok()?;
    crate::setup::cached_catalog(spec, chain, &source)
}

/// Provisions PostgreSQL and applies `before`, the chain and the seed: the runtime that drives
/// the database, and the set-up. A chain that fails to apply is an outcome
/// (`setup.outcome.apply`); the error is a configuration or machine problem, already worded for
/// exit code 2. The header (what was set up, and how fast) goes to stderr.
pub(crate) fn set_up(
    spec: &Spec,
    chain: &Chain,
    request: Request,
) -> Result<(tokio::runtime::Runtime, Setup), String> {
    let (runtime, setup, header) = set_up_quietly(spec, chain, request)?;
    eprint!("{header}");
    Ok((runtime, setup))
}

/// [`set_up`], with the header returned rather than printed: a run's host hands it to every
/// process of the run.
pub(crate) fn set_up_quietly(
    spec: &Spec,
    chain: &Chain,
    request: Request,
) -> Result<(tokio::runtime::Runtime, Setup, String), String> {
    let planned = match request.deploys {
        true => crate::upgrade::plan(spec, chain)?,
        false => None,
    };
    let source = Source::decide(&spec.project.database, request.backend, request.no_cache)
        .map_err(|e| format!("error: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("error: cannot start the async runtime: {e}"))?;
    let mut setup = runtime
        .block_on(Setup::run(
            spec,
            chain,
            &source,
            request.connections as u32,
            request.second_pass,
        ))
        .map_err(|e| format!("error: no PostgreSQL could be started: {e}"))?;
    if let Some(planned) = &planned {
        deploy_window(&runtime, spec, planned, &source, &mut setup)?;
    }
    let mut header = format!(
        "pg-invariants: {} migration(s) ({}) on {} {}; server ready in {:.2}s, {}\n",
        chain.migrations.len(),
        chain.format.name(),
        source.backend().name(),
        setup.version,
        setup.timings.provision.as_secs_f64(),
        applied(&setup),
    );
    if chain.format == Format::Supabase {
        // As the Supabase CLI says it, one line per file.
        for path in &chain.not_applied {
            header.push_str(&format!("pg-invariants: {}\n", skip_warning(path)));
        }
    } else if !chain.not_applied.is_empty() {
        let names: Vec<String> = chain
            .not_applied
            .iter()
            .map(|path| crate::location::relative(path).display().to_string())
            .collect();
        header.push_str(&format!(
            "pg-invariants: {} does not apply these files, nor does this run: {}\n",
            chain.format.name(),
            names.join(", ")
        ));
    }
    for sentence in &chain.not_run {
        header.push_str(&format!("pg-invariants: {sentence}\n"));
    }
    if let Some(upgrade) = &setup.outcome.upgrade {
        header.push_str(&format!(
            "pg-invariants: upgrade: new migrations: {}\n",
            upgrade.why
        ));
        for note in &upgrade.notes {
            header.push_str(&format!("pg-invariants: {note}\n"));
        }
    }
    if let Some(catalog) = &setup.catalog
        && !request.proposes_schemas
    {
        no_table_in_schemas(spec, catalog)?;
    }
    if provision::interrupted() {
        // Ctrl-C during set-up: the handler is removing the server and will exit with 130;
        // checking a dying database would only print false failures.
        provision::wait_for_exit();
    }
    Ok((runtime, setup, header))
}

/// Builds `[upgrade]`'s deploy window (`upgrade`) once the chain applied, for the set-up's
/// outcome: what the deploy tests read.
fn deploy_window(
    runtime: &tokio::runtime::Runtime,
    spec: &Spec,
    planned: &crate::upgrade::Planned,
    source: &Source,
    setup: &mut Setup,
) -> Result<(), String> {
    if setup.outcome.apply.is_ok() {
        let upgrade = runtime
            .block_on(crate::upgrade::run(spec, planned, source))
            .map_err(|e| format!("error: no PostgreSQL could be started for [upgrade]: {e}"))?;
        setup.outcome.upgrade = Some(upgrade);
    }
    Ok(())
}

/// The schemas the chain made tables in, with how many (partitions, bookkeeping tables and a
/// preset's schemas aside): `public` first, then by name. What `init` proposes as `schemas`.
pub(crate) fn tables_by_schema(spec: &Spec, catalog: &Catalog) -> Vec<(String, usize)> {
    let preset = crate::migrate::preset_schemas(spec.project.database.preset);
    let mut found: Vec<(String, usize)> = Vec::new();
    let ours = (catalog.tables.iter()).filter(|t| {
        t.parent.is_none()
            && !crate::spec::is_bookkeeping(&t.name)
            && !preset.contains(&t.name.schema.as_str())
    });
    for t in ours {
        match found.iter_mut().find(|(s, _)| *s == t.name.schema) {
            Some((_, n)) => *n += 1,
            None => found.push((t.name.schema.clone(), 1)),
        }
    }
    found.sort_by(|(a, _), (b, _)| (a != "public").cmp(&(b != "public")).then(a.cmp(b)));
    found
}

/// Never vacuous: `schemas` holding no table of the project would check nothing and pass, so it
/// is exit 2, naming the schemas where the chain did create tables (README "Never vacuous").
pub(crate) fn no_table_in_schemas(spec: &Spec, catalog: &Catalog) -> Result<(), String> {
    let invariants = &spec.project.invariants;
    let elsewhere = tables_by_schema(spec, catalog);
    if (elsewhere.iter()).any(|(schema, _)| invariants.schemas.contains(schema)) {
        return Ok(());
    }
    let wanted = invariants
        .schemas
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let hint = if elsewhere.is_empty() {
        "the chain created no table at all: check that `path` and `format` in the [migrations] section name the chain".to_string()
    } else {
        let listed = elsewhere
            .iter()
            .map(|(s, n)| format!("{s} ({n} table(s))"))
            .collect::<Vec<_>>()
            .join(", ");
        let names = elsewhere
            .iter()
            .map(|(s, _)| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "the chain created tables in {listed}: set schemas = [{names}] in the [invariants] section of pg-invariants.toml"
        )
    };
    Err(format!(
        "error: {}: no table in schemas = [{wanted}]: a run would check nothing and pass\n  {hint}",
        invariants.schemas_at
    ))
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
        Cached::Never(why) => format!("chain and seed applied in {apply:.2}s, not cached: {why}"),
        Cached::NotWritten(key, why) => format!(
            "chain and seed applied in {apply:.2}s, NOT kept in the cache (writing {key} failed: {why})"
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

/// A run's checks on its migrated database: what every trial reads. One per `test` process, or
/// one per test run held by the run's keeper, whose processes ask it for verdicts by name.
pub(crate) struct Session {
    pub spec: Spec,
    pub snapshots: snapshot::Policy,
    pub setup: Setup,
    pub handle: tokio::runtime::Handle,
    /// The plan, in the order the trials are listed.
    pub checks: Vec<Check>,
    /// The checks that share work, planned once the selection is known.
    batches: OnceLock<Batches>,
}

impl Session {
    /// The session of `spec` on `setup`: the plan is built from the spec, the catalog only
    /// names the rule and coverage tests.
    pub fn new(
        spec: Spec,
        snapshots: snapshot::Policy,
        setup: Setup,
        handle: tokio::runtime::Handle,
    ) -> Self {
        let checks = plan::build(
            &spec,
            setup.catalog.as_ref(),
            setup.outcome.upgrade.as_ref(),
        );
        Self {
            spec,
            snapshots,
            setup,
            handle,
            checks,
            batches: OnceLock::new(),
        }
    }

    /// The tests of the plan, in its order, as listed and reported.
    pub fn listed(&self) -> Vec<Listed> {
        let schema = self.spec.default_schema();
        Listed::all(&self.checks, schema)
    }

    /// Exit 2's message when a `[known]` key names no test of the plan (filters aside). Only
    /// once the chain applied: before that, coverage and rule tests are not named yet.
    pub fn check_baseline(&self) -> Result<(), String> {
        baseline_matches(&self.spec, self.setup.catalog.as_ref(), &self.listed())
    }

    /// Plans the batches among the checks that will run (`runs(index)`).
    pub fn select(&self, runs: impl Fn(usize) -> bool) {
        let _ = self.batches.set(Batches::plan(&self.checks, runs));
    }

    /// The outcome of check `index` as printed, the baseline applied: a failure its `[known]`
    /// entry lists is cleared with the entry's reason, and a pass it lists fails (README "The
    /// baseline"). A run that could not check (the server went away) is never cleared.
    pub fn outcome(&self, index: usize) -> Outcome {
        let verdict = self.verdict_at(index);
        let name = output::one_line(&self.checks[index].name);
        let Some(known) = self.spec.project.known.entry(&name) else {
            return verdict.map(|()| Cleared::Passed);
        };
        match verdict {
            Err(reported) if reported.failure.is_some() => Ok(Cleared::Known(known.reason.clone())),
            Err(gone) => Err(gone),
            Ok(()) => Err(passes_now(known)),
        }
    }

    /// The verdict of check `index`. Once the server is gone, every check still to run fails
    /// at once with what happened to it, and so does a check that failed because it went.
    pub fn verdict_at(&self, index: usize) -> Result<(), Reported> {
        let gone = |message: String| Reported {
            message,
            failure: None,
        };
        if output::stdout_closed() {
            // Nobody reads the verdict: running the check would only delay the cleanup.
            return Err(gone("not run: stdout was closed".into()));
        }
        let setup = &self.setup;
        if let Some(exit) = setup.server_exit() {
            return Err(gone(server_exited(exit)));
        }
        let batch = (self.batches.get()).map(|batches| Member {
            batches,
            check: index,
        });
        let check = &self.checks[index];
        verdict(
            &check.kind,
            &self.spec,
            setup,
            &self.handle,
            &self.snapshots,
            batch,
        )
        .map_err(|f| match self.handle.block_on(setup.server_exit_now()) {
            Some(exit) => gone(server_exited(exit)),
            None => Reported {
                message: output::message(&f.to_string()),
                failure: Some(Box::new(f)),
            },
        })
    }

    /// What happened to the server, once it is gone, as the run's last line says it.
    pub fn server_exit(&self) -> Option<String> {
        self.setup.server_exit().map(server_exited)
    }

    /// The set-up, once the checks are done with it.
    pub fn into_setup(self) -> Setup {
        self.setup
    }

    /// Closes the pool, then drops the server (and with it every database we created).
    pub fn close(self) {
        let Self { setup, handle, .. } = self;
        handle.block_on(setup.close());
    }
}

/// Exit 2's message when a `[known]` key of `spec` names none of `tests`, or a `[tenancy]`
/// `shared` or `calls` entry no view or function of the catalog. Only with the catalog: the
/// tests named after it (coverage, rules, views, functions) are among `tests` then.
pub(crate) fn baseline_matches(
    spec: &Spec,
    catalog: Option<&Catalog>,
    tests: &[Listed],
) -> Result<(), String> {
    let Some(catalog) = catalog else {
        return Ok(());
    };
    plan::unmatched_entries(spec, catalog)?;
    let names: Vec<&str> = tests.iter().map(|t| t.name.as_str()).collect();
    (spec.project.known)
        .unmatched(&names)
        .map_err(|e| format!("error: {e}"))
}

/// A known failure that passes: the entry is to go, so the baseline only shrinks.
fn passes_now(known: &spec::Known) -> Reported {
    let file = crate::location::relative(&known.at.path);
    let at = format!("{}:{}", file.display(), known.at.line);
    Reported {
        message: format!(
            "passes now: remove it from [known] ({at})\n  [known] said: {}",
            known.reason
        ),
        failure: Some(Box::new(Failure {
            at: Some(known.at.clone()),
            promise: format!("[known] lists this test as failing: {}", known.reason),
            expected: "it fails, as [known] says".into(),
            found: "it passes: remove the entry from [known]".into(),
            fix: None,
        })),
    }
}

/// The one line every check reports once the server is gone (and the run ends with exit 2).
fn server_exited(exit: &str) -> String {
    format!("PostgreSQL exited: {exit}")
}
