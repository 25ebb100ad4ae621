//! `cargo test` applies `migrations/` to a throwaway PostgreSQL and checks `invariants/`, as
//! `pg-invariants test` would: the same test names, flags and exit codes.

fn main() -> std::process::ExitCode {
    pg_invariants::runner::harness_main()
}
