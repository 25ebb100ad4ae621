//! `pg-invariants init`: describes what the schema promises today, as the files `test` reads.
//!
//! Writes `pg-invariants.toml` when the project has none (the chain's directory and format, an
//! obvious seed, the schemas), applies the chain exactly as `test` does, and writes one table file
//! per covered table ([`describe`]). Every test of the project is then run on the migrated
//! database, and each one that fails today is listed in the project file's `[known]` with its
//! reason ([`baseline`]): so `pg-invariants test` passes right after `init` (the round trip),
//! and every finding stays visible. Existing table files are kept unless `--force`; the project
//! file keeps every line a person wrote: init only adds a `[tenancy]` section (`--tenants`, when
//! it has none, [`tenancy`]) and `[known]` entries.

mod baseline;
mod describe;
mod project_file;
mod table_files;
mod tenancy;

use crate::plan::CheckKind;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use project_file::NewProject;
use table_files::Planned;

use crate::catalog::Catalog;
use crate::location::relative;
use crate::migrate::{self, ApplyError, Chain, DiscoverError};
use crate::session::{self, Request, Session};
use crate::setup::{SecondPass, Setup};
use crate::snapshot::{Policy, TableSnapshot};
use crate::spec::{self, Backend, Format, PROJECT_FILE, Project, Spec, SpecError};

/// What `pg-invariants init` was asked to do.
pub struct Options {
    /// `--config FILE`: an existing project file to use.
    pub config: Option<PathBuf>,
    /// `--backend B`.
    pub backend: Option<Backend>,
    /// `--no-cache`.
    pub no_cache: bool,
    /// The project's directory: where a new project file is written, and where the search for an
    /// existing one starts.
    pub start: PathBuf,
    /// `--migrations PATH`, for a new project file.
    pub migrations: Option<PathBuf>,
    /// `--format F`, for a new project file.
    pub format: Option<Format>,
    /// `--schemas a,b`, for a new project file.
    pub schemas: Option<Vec<String>>,
    /// `--force`: rewrite existing table files.
    pub force: bool,
    /// `--tenants table.column`: the tenant key, for `[tenancy]` and the tenancy facts.
    pub tenants: Option<String>,
}

/// Why `init` stopped. Every one of them exits with code 2.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// Already worded by the runner (invalid configuration, no PostgreSQL).
    #[error("{0}")]
    Setup(String),
    #[error(
        "no migration chain found in {} (looked for {}, a sqitch.plan and a Liquibase master \
         changelog); pass --migrations PATH",
        dir.display(),
        project_file::CONVENTIONAL_DIRS.join(", ")
    )]
    NoMigrations { dir: PathBuf },
    #[error(
        "--format command needs the command that applies the chain: write pg-invariants.toml by \
         hand with `format = \"command\"` and `command = [...]` (see docs/formats.md of \
         pg-invariants), then run init"
    )]
    CommandFormat,
    #[error("error: {0}")]
    Discover(#[from] DiscoverError),
    #[error("error: {0}")]
    Spec(#[from] SpecError),
    #[error(
        "error: the chain does not apply, so there is no schema to describe; fix it (or add what it \
         needs under `before` in {}), then run init again:\n{error}{hint}",
        project.display()
    )]
    Apply {
        project: PathBuf,
        error: Box<ApplyError>,
        hint: &'static str,
    },
    #[error("error: --tenants {given}: {why}")]
    Tenants { given: String, why: String },
    #[error("error: cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
}

/// Runs `init` and returns the process exit code.
pub fn run(options: Options) -> ExitCode {
    match init(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => session::invalid(&e.to_string()),
    }
}

const SUPABASE_HINT: &str = "\nhint: this chain uses what a Supabase database has before it runs (the auth schema, auth.uid(), the anon and authenticated roles): set `preset = \"supabase\"` in the [database] section (docs/init-and-fix.md)";

fn init(options: &Options) -> Result<(), InitError> {
    let (file, fresh) = project(options)?;
    let project = Project::load(&file)?;
    let invariants = &project.invariants.path;
    fs::create_dir_all(invariants).map_err(|source| InitError::Write {
        path: invariants.clone(),
        source,
    })?;
    let mut spec = read_spec(&file, options.force)?;
    let chain =
        Chain::discover(&spec.project).map_err(|e| InitError::Setup(format!("error: {e}")))?;
    let (runtime, mut setup) = session::set_up(
        &spec,
        &chain,
        Request {
            backend: options.backend,
            no_cache: options.no_cache,
            connections: session::default_threads(),
            second_pass: SecondPass::Run,
            proposes_schemas: fresh && options.schemas.is_none(),
            // `[known]` entries may name deploy tests: init keeps them, so it names them too.
            deploys: true,
        },
    )
    .map_err(InitError::Setup)?;
    let (tables, proposed, catalog) =
        match describe(options, (&file, fresh), &mut spec, &chain, &mut setup) {
            Ok(Some(described)) => described,
            other => {
                runtime.block_on(setup.close());
                return other.map(|_| ());
            }
        };
    let proposed_by_init = table_files::proposed_by_init(&tables, options.tenants.is_some());
    let session = Session::new(
        proposed,
        Policy::read_only(),
        setup,
        runtime.handle().clone(),
    );
    let findings = baseline::findings(&session, session::default_threads(), proposed_by_init);
    let paths = paths(&session);
    let outside = crate::plan::outside_schemas(&session.spec, &catalog);
    runtime.block_on(session.into_setup().close());
    table_files::write_tables(&spec, &tables)?;
    write_snapshots(&file, &catalog, options.force)?;
    baseline::add(&file, &findings.failing)?;
    if options.force {
        baseline::remove(&file, &findings.removable())?;
    }
    table_files::summary(&spec, &tables);
    baseline::print(&file, &findings, options.force);
    baseline::print_paths(&paths, &findings);
    baseline::print_outside(&outside);
    Ok(())
}

/// The view and function tests of the plan: the path as tests name it, the test's name, and
/// whether the path is a view.
fn paths(session: &Session) -> Vec<(String, String, bool)> {
    (session.checks.iter())
        .filter_map(|c| {
            let view = match c.kind {
                CheckKind::View { .. } => true,
                CheckKind::Function { .. } => false,
                _ => return None,
            };
            let path = c.name.rsplit_once("::").map_or(c.name.as_str(), |(p, _)| p);
            Some((path.to_string(), crate::output::one_line(&c.name), view))
        })
        .collect()
}

/// What init will write, decided on the migrated database: the chain applied, the schemas of a
/// new project proposed (`file`, `true` when init wrote it), `[tenancy]` for `--tenants`, and
/// each covered table's file planned, with the project as `test` will read it then. `None` when
/// there is no catalog to describe.
fn describe(
    options: &Options,
    (file, fresh): (&Path, bool),
    spec: &mut Spec,
    chain: &Chain,
    setup: &mut Setup,
) -> Result<Option<(Vec<Planned>, Spec, Catalog)>, InitError> {
    if let Err(error) = std::mem::replace(&mut setup.outcome.apply, Ok(())) {
        let supabase = chain.format == Format::Supabase
            || project_file::supabase_use(&chain.migrations).is_some();
        let hint = match supabase && spec.project.database.preset == spec::Preset::None {
            true => SUPABASE_HINT,
            false => "",
        };
        return Err(InitError::Apply {
            project: file.to_path_buf(),
            error: Box::new(error),
            hint,
        });
    }
    if let Some(catalog) = &setup.catalog {
        if fresh && options.schemas.is_none() {
            propose_schemas(file, catalog, spec, options.force)?;
        } else {
            session::no_table_in_schemas(spec, catalog).map_err(InitError::Setup)?;
        }
    }
    let tenants = match &options.tenants {
        Some(given) => tenancy::section(file, spec, setup, given)?,
        // A project with `[tenancy]` keeps its tenancy promises in the files init (re)writes.
        None => (spec.project.tenancy.as_ref()).map(|t| t.tenants.value.clone()),
    };
    let Some(catalog) = setup.catalog.clone() else {
        return Ok(None);
    };
    let tables = table_files::describe_tables(spec, &catalog, options.force, tenants.as_ref());
    let proposed = table_files::proposed(spec, &tables)?;
    Ok(Some((tables, proposed, catalog)))
}

fn append(file: &Path, text: &str) -> Result<(), InitError> {
    let error = |source| InitError::Write {
        path: file.to_path_buf(),
        source,
    };
    let before = fs::read_to_string(file).map_err(error)?;
    let separator = if before.ends_with('\n') || before.is_empty() {
        ""
    } else {
        "\n"
    };
    let mut out = fs::OpenOptions::new()
        .append(true)
        .open(file)
        .map_err(error)?;
    out.write_all(format!("{separator}{text}").as_bytes())
        .map_err(error)
}

/// The project as `test` reads it; with `--force`, the table files need not agree with the rules
/// yet, as they are about to be rewritten so that they do.
fn read_spec(file: &Path, force: bool) -> Result<Spec, InitError> {
    let spec = if force {
        Spec::read(file)
    } else {
        Spec::load(file)
    };
    spec.map_err(|e| InitError::Setup(e.to_string()))
}

/// The snapshot of every table that now has a table file, as `test --accept` would write it;
/// an existing snapshot is kept unless `--force`.
fn write_snapshots(file: &Path, catalog: &Catalog, force: bool) -> Result<(), InitError> {
    let spec = Spec::read(file).map_err(|e| InitError::Setup(e.to_string()))?;
    if !spec.project.snapshots.enabled {
        return Ok(());
    }
    for table in spec.tables.iter().filter_map(|t| catalog.table(&t.table)) {
        let snapshot = TableSnapshot::new(&spec, catalog, table);
        if snapshot.file.exists() && !force {
            continue;
        }
        snapshot
            .write()
            .map_err(|e| InitError::Setup(format!("error: {e}")))?;
    }
    Ok(())
}

/// A new project's `schemas`: every schema the chain made tables in (`public` first), written
/// over the `["public"]` the new file started with, and read back into `spec`.
fn propose_schemas(
    file: &Path,
    catalog: &Catalog,
    spec: &mut Spec,
    force: bool,
) -> Result<(), InitError> {
    let found = session::tables_by_schema(spec, catalog);
    if found.is_empty() {
        return session::no_table_in_schemas(spec, catalog).map_err(InitError::Setup);
    }
    let schemas: Vec<String> = found.into_iter().map(|(s, _)| s).collect();
    if schemas == spec.project.invariants.schemas {
        return Ok(());
    }
    let error = |source| InitError::Write {
        path: file.to_path_buf(),
        source,
    };
    let text = fs::read_to_string(file).map_err(error)?;
    let listed = (schemas.iter())
        .map(|s| toml::Value::String(s.clone()).to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let rewritten: String = (text.split_inclusive('\n'))
        .map(|line| match line.trim_start().starts_with("schemas = ") {
            true => format!(
                "schemas = [{listed}]  # where the chain made tables; every table in them needs a table file (coverage)\n"
            ),
            false => line.to_string(),
        })
        .collect();
    fs::write(file, rewritten).map_err(error)?;
    println!(
        "schemas = [{listed}] in {}: where the chain made its tables",
        relative(file).display()
    );
    *spec = read_spec(file, force)?;
    Ok(())
}

/// The project file to use: the existing one, or a new one written in the project directory
/// (then `true`).
fn project(options: &Options) -> Result<(PathBuf, bool), InitError> {
    match spec::find_project_file(options.config.as_deref(), &options.start) {
        Ok(file) => {
            if options.migrations.is_some() || options.format.is_some() || options.schemas.is_some()
            {
                eprintln!(
                    "pg-invariants init: using {}; --migrations, --format and --schemas only shape a new project file, so they are ignored",
                    file.display()
                );
            }
            Ok((file, false))
        }
        Err(SpecError::NotFound { .. }) => Ok((new_project(options)?, true)),
        Err(e) => Err(e.into()),
    }
}

fn new_project(options: &Options) -> Result<PathBuf, InitError> {
    let dir = &options.start;
    let migrations = match &options.migrations {
        Some(path) => path.strip_prefix(dir).unwrap_or(path).to_path_buf(),
        None => project_file::find_migrations(dir)
            .ok_or_else(|| InitError::NoMigrations { dir: dir.clone() })?,
    };
    let chain_dir = dir.join(&migrations);
    let format = match options.format {
        Some(Format::Command) => return Err(InitError::CommandFormat),
        Some(Format::Auto) | None => migrate::format::detect(&chain_dir)?,
        Some(format) => format,
    };
    // Reading the chain now reports a misnamed migration before any file is written.
    let chain = migrate::format::discover(format, &chain_dir)?;
    let uses_supabase = project_file::supabase_use(&chain);
    if let Some(usage) = &uses_supabase
        && format != Format::Supabase
    {
        eprintln!(
            "pg-invariants init: preset = \"supabase\": the chain uses what a Supabase database has before it runs ({usage})"
        );
    }
    let new = NewProject {
        seed: project_file::find_seed(dir, &migrations),
        migrations,
        format,
        format_given: options.format.is_some_and(|f| f != Format::Auto),
        schemas: options
            .schemas
            .clone()
            .unwrap_or_else(|| vec!["public".to_string()]),
        uses_supabase,
    };
    let file = relative(&dir.join(PROJECT_FILE));
    create_new(&file, &new.render())?;
    println!("wrote {}", file.display());
    Ok(file)
}

fn create_new(path: &Path, text: &str) -> Result<(), InitError> {
    let error = |source| InitError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(error)?;
    file.write_all(text.as_bytes()).map_err(error)
}
