//! The repo dogfoods itself: `cargo test` checks the invariants of `examples/saas` (root
//! `pg-invariants.toml`) exactly as `pg-invariants test` would, through the library.

fn main() -> std::process::ExitCode {
    pg_invariants::runner::harness_main()
}
