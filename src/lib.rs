//! pg-invariants: prove that a PostgreSQL schema keeps its promises.
//!
//! The data flows one way, and the modules follow it:
//! `spec` (files) → `plan` (named checks) → `provision` (a PostgreSQL of our own) → `migrate`
//! (chain + seed) → `catalog` (one introspection) → `checks` (verdicts) → `runner` (libtest
//! output and exit codes).

pub mod catalog;
pub mod checks;
pub mod env;
pub mod fix;
pub mod init;
pub mod location;
pub mod migrate;
pub mod names;
pub mod output;
pub mod plan;
pub mod provision;
pub mod report;
pub mod runner;
pub mod setup;
pub mod snapshot;
pub mod spec;
pub mod synth;
pub mod tenancy;
