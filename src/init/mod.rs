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
mod tenancy;

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use describe::Description;
use project_file::NewProject;
use tenancy::Proposal;

use crate::catalog::{Catalog, Table};
use crate::location::relative;
use crate::migrate::{self, ApplyError, Chain, DiscoverError};
use crate::names::TableName;
use crate::plan::{self, CheckKind};
use crate::session::{self, Request, Session};
use crate::setup::{SecondPass, Setup};
use crate::snapshot::{Policy, TableSnapshot};
use crate::spec::{
    self, Backend, Format, PROJECT_FILE, Project, Reference, Spec, SpecError, TableSpec,
};

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
        },
    )
    .map_err(InitError::Setup)?;
    if let Err(error) = std::mem::replace(&mut setup.outcome.apply, Ok(())) {
        runtime.block_on(setup.close());
        let supabase = chain.format == Format::Supabase
            || project_file::supabase_use(&chain.migrations).is_some();
        let hint = match supabase && spec.project.database.preset == spec::Preset::None {
            true => SUPABASE_HINT,
            false => "",
        };
        return Err(InitError::Apply {
            project: file,
            error: Box::new(error),
            hint,
        });
    }
    if let Some(catalog) = &setup.catalog {
        let schemas = if fresh && options.schemas.is_none() {
            propose_schemas(&file, catalog, &mut spec, options.force)
        } else {
            session::no_table_in_schemas(&spec, catalog).map_err(InitError::Setup)
        };
        if let Err(e) = schemas {
            runtime.block_on(setup.close());
            return Err(e);
        }
    }
    let tenants = match &options.tenants {
        Some(given) => match tenancy_section(&file, &mut spec, &setup, given) {
            Ok(tenants) => tenants,
            Err(e) => {
                runtime.block_on(setup.close());
                return Err(e);
            }
        },
        // A project with `[tenancy]` keeps its tenancy promises in the files init (re)writes.
        None => (spec.project.tenancy.as_ref()).map(|t| t.tenants.value.clone()),
    };
    let Some(catalog) = setup.catalog.clone() else {
        runtime.block_on(setup.close());
        return Ok(());
    };
    let tables = describe_tables(&spec, &catalog, options.force, tenants.as_ref());
    let proposed = match proposed(&spec, &tables) {
        Ok(proposed) => proposed,
        Err(e) => {
            runtime.block_on(setup.close());
            return Err(e.into());
        }
    };
    let ours: Vec<PathBuf> = (tables.iter())
        .filter_map(|p| match p {
            Planned::Write { description, .. } => Some(description.path.clone()),
            _ => None,
        })
        .collect();
    let proposed_by_init = |kind: &CheckKind| match kind {
        CheckKind::Column { fact, .. } => ours.contains(&fact.at().path),
        CheckKind::PrimaryKey { columns, .. } => ours.contains(&columns.at.path),
        CheckKind::Rls { at, .. } | CheckKind::Purge { at, .. } => ours.contains(&at.path),
        CheckKind::TenancyRole { .. } => options.tenants.is_some(),
        _ => false,
    };
    let session = Session::new(
        proposed,
        Policy::read_only(),
        setup,
        runtime.handle().clone(),
    );
    let findings = baseline::findings(&session, session::default_threads(), proposed_by_init);
    runtime.block_on(session.into_setup().close());
    write_tables(&spec, &tables)?;
    write_snapshots(&file, &catalog, options.force)?;
    baseline::add(&file, &findings.failing)?;
    if options.force {
        baseline::remove(&file, &findings.removable())?;
    }
    summary(&spec, &tables);
    baseline::print(&file, &findings, options.force);
    Ok(())
}

/// `--tenants`: the tenant key, checked against the migrated schema, and `[tenancy]` appended to
/// the project file when it has none (then read back into `spec`, so that the tenancy facts are
/// checked exactly as `test` will check them). An existing `[tenancy]` is kept, and its tenant key
/// used. Only a role that exists and can make requests is proposed; without one the section is
/// written commented out, saying why, and no tenancy promise is proposed (`None`).
fn tenancy_section(
    file: &Path,
    spec: &mut Spec,
    setup: &Setup,
    given: &str,
) -> Result<Option<Reference>, InitError> {
    let catalog = setup.catalog.as_ref();
    let schema = spec.default_schema().to_string();
    let error = |why: String| InitError::Tenants {
        given: given.into(),
        why,
    };
    let tenants = Reference::parse(given, &schema).ok_or_else(|| {
        error(
            "name the tenant table and its key, as \"table.column\" or \"schema.table.column\""
                .into(),
        )
    })?;
    let table = catalog
        .and_then(|c| c.table(&tenants.table))
        .ok_or_else(|| {
            error(format!(
                "no table {} after the migration chain",
                tenants.table
            ))
        })?;
    if !table.columns.iter().any(|c| c.name == tenants.column) {
        return Err(error(format!(
            "{} has no column {:?}",
            tenants.table, tenants.column
        )));
    }
    if let Some(existing) = &spec.project.tenancy {
        eprintln!(
            "pg-invariants init: {} already has [tenancy] (tenants = {:?}); it is kept",
            relative(file).display(),
            existing.tenants.value.display(&schema)
        );
        return Ok(Some(existing.tenants.value.clone()));
    }
    let Some(catalog) = catalog else {
        return Ok(Some(tenants));
    };
    let proposal = Proposal::guess(catalog, tenants.clone());
    append(file, &proposal.write(&schema))?;
    if let Some(why) = &proposal.unusable {
        eprintln!(
            "pg-invariants init: [tenancy] written commented out in {}: {why}; no tenancy promise is proposed",
            relative(file).display()
        );
        return Ok(None);
    }
    println!(
        "added [tenancy] to {} (confirm its role and settings)",
        relative(file).display()
    );
    spec.project.tenancy = Project::load(file)?.tenancy;
    Ok(Some(tenants))
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

/// What happens to the file of one table.
enum Planned {
    Write {
        description: Description,
        exists: bool,
    },
    Keep(PathBuf),
    /// The file name is taken by another table's file, or the name cannot be written.
    Skip {
        table: TableName,
        why: String,
    },
}

/// What to do with each covered table's file: every fact the catalog shows, and with
/// `--tenants`, the tenancy promises. Nothing is taken back because a check fails: a failing
/// promise is listed in `[known]` instead ([`baseline`]).
fn describe_tables(
    spec: &Spec,
    catalog: &Catalog,
    force: bool,
    tenants: Option<&Reference>,
) -> Vec<Planned> {
    let mut planned: Vec<Planned> = plan::covered_tables(spec, Some(catalog))
        .into_iter()
        .filter_map(|name| catalog.table(&name))
        .map(|table| plan_file(spec, table, force))
        .collect();
    let mut descriptions: Vec<&mut Description> = planned
        .iter_mut()
        .filter_map(|p| match p {
            Planned::Write { description, .. } => Some(description),
            _ => None,
        })
        .collect();
    if let Some(tenants) = tenants {
        tenancy::propose(spec, catalog, tenants, &mut descriptions);
    }
    planned
}

/// The project as `test` will read it once the descriptions are written: rendered and read back
/// with the table-file parser, so what is checked is exactly what is written. An error is a
/// table file init rendered and could not read back: a bug, reported with the file.
fn proposed(spec: &Spec, planned: &[Planned]) -> Result<Spec, SpecError> {
    let schema = spec.default_schema();
    let ours: Vec<&Description> = planned
        .iter()
        .filter_map(|p| match p {
            Planned::Write { description, .. } => Some(description),
            _ => None,
        })
        .collect();
    let mut tables: Vec<TableSpec> = (spec.tables.iter())
        .filter(|t| !ours.iter().any(|d| d.path == t.at.path))
        .cloned()
        .collect();
    for d in ours {
        tables.push(TableSpec::parse(&d.path, d.render(schema), schema)?);
    }
    tables.sort_by(|a, b| a.table.cmp(&b.table));
    Ok(Spec {
        project: spec.project.clone(),
        tables,
    })
}

/// Keeps the table's file, or describes the table for a file to (re)write.
fn plan_file(spec: &Spec, table: &Table, force: bool) -> Planned {
    let schema = spec.default_schema();
    let (path, exists) = match spec.table(&table.name) {
        Some(file) if !force => return Planned::Keep(file.at.path.clone()),
        Some(file) => (file.at.path.clone(), true),
        None => (file_for(spec, &table.name), false),
    };
    let stem_names_it =
        table.name.schema == schema && path.file_stem().is_some_and(|s| *s == *table.name.name);
    let skip = |why: String| Planned::Skip {
        table: table.name.clone(),
        why,
    };
    if !stem_names_it && TableName::parse(&table.name.to_string(), schema) != table.name {
        return skip(
            "a schema or table name with a dot cannot be written in `table = \"schema.name\"`"
                .into(),
        );
    }
    if !exists && path.exists() {
        let shown = relative(&path);
        return skip(format!(
            "{} exists and describes another table",
            shown.display()
        ));
    }
    let mut description = Description::infer(table, path, !stem_names_it, schema);
    for column in &mut description.columns {
        let rules = spec.rule_facts(&table.name, &column.name).facts;
        column.leave_to_rules(&rules, schema);
    }
    Planned::Write {
        description,
        exists,
    }
}

/// The default file of a table: `<table>.toml`, or `<schema>.<table>.toml` outside the default
/// schema (a `/` in a name becomes `_`).
fn file_for(spec: &Spec, table: &TableName) -> PathBuf {
    let safe = |s: &str| s.replace('/', "_");
    let stem = if table.schema == spec.default_schema() {
        safe(&table.name)
    } else {
        format!("{}.{}", safe(&table.schema), safe(&table.name))
    };
    spec.project.invariants.path.join(format!("{stem}.toml"))
}

fn write_tables(spec: &Spec, tables: &[Planned]) -> Result<(), InitError> {
    for planned in tables {
        match planned {
            Planned::Write {
                description,
                exists,
            } => {
                let text = description.render(spec.default_schema());
                let path = &description.path;
                if *exists {
                    fs::write(path, text).map_err(|source| InitError::Write {
                        path: path.clone(),
                        source,
                    })?;
                    println!("rewrote {}", relative(path).display());
                } else {
                    create_new(path, &text)?;
                    println!("wrote {}", relative(path).display());
                }
            }
            Planned::Keep(path) => {
                println!(
                    "kept {} (it exists; --force rewrites it)",
                    relative(path).display()
                );
            }
            Planned::Skip { table, why } => {
                eprintln!("pg-invariants init: no table file for {table}: {why}; write it by hand");
            }
        }
    }
    Ok(())
}

fn summary(spec: &Spec, tables: &[Planned]) {
    let written = tables
        .iter()
        .filter(|t| matches!(t, Planned::Write { .. }))
        .count();
    eprintln!(
        "pg-invariants init: {written} table file(s) written in {}, {} kept.\n\
         Not inferred (write them where they matter): immutable columns, no_fk with orphans for \
         columns without a foreign key on purpose, [sample] values, schema-wide [[rule]]s{}.\n\
         Next: pg-invariants test",
        relative(&spec.project.invariants.path).display(),
        tables
            .iter()
            .filter(|t| matches!(t, Planned::Keep(_)))
            .count(),
        if spec.project.migrations.before.is_empty() {
            ", and `before` scripts (roles, extensions, platform stubs)"
        } else {
            ""
        }
    );
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
