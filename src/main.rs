//! The `pg-invariants` command line: thin over the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use pg_invariants::output;
use pg_invariants::report;
use pg_invariants::runner::{self, Options};
use pg_invariants::session;
use pg_invariants::spec::Backend;
use pg_invariants::spec::{Format, UnknownFormat};
use pg_invariants::{fix, init};

#[derive(Parser)]
#[command(
    name = "pg-invariants",
    // The version and the commit it was built from (build.rs): `pg-invariants 0.1.0 (aaf5ab8)`.
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("PG_INVARIANTS_COMMIT"), ")"),
    about = "Prove that a PostgreSQL schema keeps its promises"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start an ephemeral PostgreSQL, apply the migrations and seed, check every invariant.
    ///
    /// Takes libtest's flags: FILTER, --exact, --skip, --list, --format pretty|terse|json|junit,
    /// --test-threads N. Exit code: 0 all passed, 101 some test failed, 2 invalid
    /// configuration or no PostgreSQL.
    Test {
        /// The project file (default: pg-invariants.toml here or in a parent directory).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Where PostgreSQL comes from: auto, local, docker or url.
        #[arg(long, value_name = "B", value_parser = parse_backend)]
        backend: Option<Backend>,
        /// Neither use nor write the cache of initdb'ed and migrated clusters (as
        /// PG_INVARIANTS_CACHE=off).
        #[arg(long)]
        no_cache: bool,
        /// Write the snapshot of every checked table whose schema changed, or that has none yet,
        /// to snapshots/<table>.snap (never when CI is set).
        #[arg(long)]
        accept: bool,
        #[command(flatten)]
        args: libtest_mimic::Arguments,
    },
    /// Describe what the schema promises today: pg-invariants.toml and invariants/<table>.toml.
    ///
    /// Applies the chain (and seed) as `test` does, then writes a table file for every table
    /// without one; each test that fails today is listed in [known] with its reason. Existing
    /// files are kept unless --force; an existing pg-invariants.toml is used, never rewritten
    /// (--tenants only appends a [tenancy] section when it has none; [known] gains what fails,
    /// and with --force loses what passes now or names no test). Exit code: 0 written,
    /// 2 invalid configuration, no PostgreSQL, or a chain that does not apply.
    Init {
        /// The chain's directory (default: the first of migrations, prisma/migrations,
        /// supabase/migrations, db/migrations, db/migration, src/main/resources/db/migration).
        #[arg(long, value_name = "PATH")]
        migrations: Option<PathBuf>,
        /// The chain's format (default: detected from the layout).
        #[arg(long, value_name = "F", value_parser = parse_format)]
        format: Option<Format>,
        /// Schemas whose tables are described, comma-separated (default: public).
        #[arg(long, value_name = "a,b", value_delimiter = ',')]
        schemas: Option<Vec<String>>,
        /// Rewrite existing table files.
        #[arg(long)]
        force: bool,
        /// The tenant table and its key (e.g. organizations.id): writes [tenancy] (its role and
        /// settings a guess to confirm), and tenant, same_tenant and purge where their tests pass.
        #[arg(long, value_name = "TABLE.COLUMN")]
        tenants: Option<String>,
        /// An existing project file to use (default: pg-invariants.toml here or in a parent
        /// directory; when there is none, init writes one here).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Where PostgreSQL comes from: auto, local, docker or url.
        #[arg(long, value_name = "B", value_parser = parse_backend)]
        backend: Option<Backend>,
        /// Neither use nor write the cache of initdb'ed and migrated clusters (as
        /// PG_INVARIANTS_CACHE=off).
        #[arg(long)]
        no_cache: bool,
    },
    /// Print the SQL that makes every failing invariant hold, or add it to the chain (--write).
    ///
    /// Runs the same checks as `test`. Exit code: 0 nothing to fix or written, 1 fixes printed
    /// but not written, 2 invalid configuration, no PostgreSQL, a chain that does not apply, or
    /// a migration that cannot be written.
    Fix {
        /// The project file (default: pg-invariants.toml here or in a parent directory).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Where PostgreSQL comes from: auto, local, docker or url.
        #[arg(long, value_name = "B", value_parser = parse_backend)]
        backend: Option<Backend>,
        /// Neither use nor write the cache of initdb'ed and migrated clusters (as
        /// PG_INVARIANTS_CACHE=off).
        #[arg(long)]
        no_cache: bool,
        /// Add the fixes to the migration chain as new migrations, in its own format.
        #[arg(long)]
        write: bool,
    },
    /// The cache of initdb'ed and migrated clusters (local backend).
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
}

#[derive(Subcommand)]
enum CacheCommand {
    /// Print the key of this project's migrated cluster: a hash of every input that can change
    /// it (before, the chain and the seed, [database], the format, the server's and the
    /// harness's versions). CI can key its copy of the cache directory on it. Exit code 2 when
    /// no cache applies (a backend other than local, a `command` chain, no server binaries).
    Key {
        /// The project file (default: pg-invariants.toml here or in a parent directory).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Where PostgreSQL comes from: auto, local, docker or url.
        #[arg(long, value_name = "B", value_parser = parse_backend)]
        backend: Option<Backend>,
    },
}

fn parse_backend(s: &str) -> Result<Backend, String> {
    s.parse()
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse().map_err(|e: UnknownFormat| e.to_string())
}

fn main() -> ExitCode {
    if let Err(code) = session::read_settings() {
        return code;
    }
    // Started again as the keeper of a test run (see `keeper`): it never returns then.
    pg_invariants::keeper::serve_if_asked();
    // `pg-invariants … | head`: every subcommand ends quietly when stdout is closed, after the
    // unwinding has removed the server.
    output::silence_closed_stdout_panics();
    match std::panic::catch_unwind(run_cli) {
        Ok(code) => code,
        Err(_) if output::stdout_closed() => ExitCode::from(output::EXIT_STDOUT_CLOSED),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

fn run_cli() -> ExitCode {
    let mut args: Vec<_> = std::env::args_os().collect();
    let mut junit = false;
    if args.get(1).is_some_and(|a| a == "test") {
        // libtest-mimic's `--format` knows no junit: the runner writes it (src/report).
        (args, junit) = report::take_junit(args);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                session::EXIT_INVALID
            } else {
                0
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Test {
            config,
            backend,
            no_cache,
            accept,
            args,
        } => runner::run(Options {
            config,
            backend,
            no_cache,
            start: current_dir(),
            accept,
            junit,
            args,
        }),
        Command::Init {
            migrations,
            format,
            schemas,
            force,
            tenants,
            config,
            backend,
            no_cache,
        } => init::run(init::Options {
            config,
            backend,
            no_cache,
            start: current_dir(),
            migrations,
            format,
            schemas,
            force,
            tenants,
        }),
        Command::Fix {
            config,
            backend,
            no_cache,
            write,
        } => fix::run(fix::Options {
            config,
            backend,
            no_cache,
            start: current_dir(),
            write,
        }),
        Command::Cache {
            command: CacheCommand::Key { config, backend },
        } => session::print_cache_key(config.as_deref(), &current_dir(), backend),
    }
}

fn current_dir() -> PathBuf {
    std::env::current_dir().unwrap_or_default()
}
