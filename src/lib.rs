//! pg-invariants: prove that a PostgreSQL schema keeps its promises.
//!
//! The data flows one way, and the modules follow it:
//! `spec` (files) → `plan` (named checks) → `provision` (a PostgreSQL of our own) → `migrate`
//! (chain + seed) → `catalog` (one introspection) → `checks` (verdicts) → `report` and `runner`
//! (libtest output and exit codes). `setup` holds a migrated database; `session` is what `test`,
//! `init` and `fix` share around it (reading the project, setting up, one check's verdict);
//! `keeper` holds one session for all the processes of a test run (nextest), which `runner`
//! asks for verdicts by name.
//!
//! The modules sit on layers, bottom to top (base: `names`, `location`, `output`, `sql`,
//! `referential`; then `spec`, `env`, the database, the chain, principals, rows, the prepared run,
//! verdicts, reports, `session`, `keeper`, and the commands): a module imports only from its own
//! layer or below, and the module graph has no cycle. ARCHITECTURE.md has the table, and
//! `tests/architecture.rs` fails on an import against it.

pub mod catalog;
pub mod checks;
pub mod env;
pub mod fix;
pub mod init;
pub mod keeper;
pub mod location;
pub mod migrate;
pub mod names;
pub mod output;
pub mod plan;
pub mod provision;
pub mod referential;
pub mod report;
pub mod runner;
pub mod sandbox;
pub mod session;
pub mod setup;
pub mod snapshot;
pub mod spec;
pub mod sql;
pub mod synth;
pub mod tenancy;
pub mod upgrade;
