//! The `pg-invariants` command line: thin over the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use pg_invariants::fix;
use pg_invariants::runner::{self, Options};
use pg_invariants::spec::Backend;

#[derive(Parser)]
#[command(
    name = "pg-invariants",
    version,
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
    /// Takes libtest's flags: FILTER, --exact, --skip, --list, --format pretty|terse|json,
    /// --test-threads N. Exit code: 0 all passed, 101 some test failed, 2 invalid
    /// configuration or no PostgreSQL.
    Test {
        /// The project file (default: pg-invariants.toml here or in a parent directory).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Where PostgreSQL comes from: auto, local, docker or url.
        #[arg(long, value_name = "B", value_parser = parse_backend)]
        backend: Option<Backend>,
        #[command(flatten)]
        args: libtest_mimic::Arguments,
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
        /// Add the fixes to the migration chain as new migrations, in its own format.
        #[arg(long)]
        write: bool,
    },
}

fn parse_backend(s: &str) -> Result<Backend, String> {
    s.parse()
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                runner::EXIT_INVALID
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
            args,
        } => runner::run(Options {
            config,
            backend,
            start: current_dir(),
            args,
        }),
        Command::Fix {
            config,
            backend,
            write,
        } => fix::run(fix::Options {
            config,
            backend,
            start: current_dir(),
            write,
        }),
    }
}

fn current_dir() -> PathBuf {
    std::env::current_dir().unwrap_or_default()
}
