//! The keeper of a test run: one set-up for all the processes of a `cargo nextest run`.
//!
//! nextest runs one process per test. Alone, each would read the project, lex the chain, hash
//! it, start a server (or copy the cached cluster), connect, read the catalog and run its one
//! check on a backend whose caches are cold: most of its time goes to what every other process
//! does too. Instead the processes of one run (`NEXTEST_RUN_ID`, or `PG_INVARIANTS_SHARED_RUN`)
//! that ask for the same thing share a keeper: this very executable, started again by the first
//! of them, which sets up once exactly as `cargo test` does (the project read once, the chain
//! applied or taken from the cache, the idempotency pass, the catalog, the plan) and then
//! answers, for each process, the verdict of its test by name. A process then only asks: it
//! reads no file of the project.
//!
//! Which processes share: those of one run whose [`Project`] (project file, start directory,
//! backend, cache, `--accept`), executable and environment (but nextest's per-test `NEXTEST_*`
//! variables) are the same; the keeper's directory, `<cache root>/runs/<hash>`, is named after
//! a hash of all of it ([`client`]). A process that differs gets a keeper of its own. A process
//! that starts once a file the keeper read the project from has changed is not answered from
//! the old files: it sets up on its own ([`serve`]).
//!
//! The directory ([`dir`]) holds `start.lock` (one process starts or stops the keeper at a
//! time), `users` (a shared `flock` held by every process of the run for its life: the
//! reference count, released by the kernel however the process ends), `keeper` (the record:
//! who keeps it, and whether its set-up succeeded), `socket` (where it answers, [`wire`]) and
//! `keeper.log` (what it printed). It stops, removing its server and the directory, once
//! nobody has held `users` for the idle time (`PG_INVARIANTS_SHARED_IDLE_MS`, default
//! [`dir::IDLE`]), at once when nobody holds it and the run's process (nextest) is gone, and on
//! SIGINT/SIGTERM/SIGHUP ([`serve`]).
//!
//! What a process trusts of its keeper: the directory is this user's own (created 0700, refused
//! when another account's, writable by others or a link: see `crate::provision`'s `fs`), the
//! record is a regular file of this user, and the socket's peer (`SO_PEERCRED`) is this user's
//! process that the record names; the keeper answers no process of another user. Nothing waits
//! on a keeper forever ([`patience`]): a stopped, gone or stuck keeper is given up on.
//!
//! nextest asks for few tests at once (one per core), in the order of their names; the keeper
//! works out the next few ahead of the questions ([`ahead`]), as `cargo test` would run them.
//!
//! Verdicts are the product: a keeper's verdict is the verdict `cargo test` gives (the same
//! session code, [`crate::session::Session`]). Whenever no keeper can be had, or its set-up
//! failed (an invalid project, no PostgreSQL), the process runs alone and says why as it would
//! without nextest. A keeper that goes away while a process waits for a verdict is reported as
//! such (exit 2), never as a pass.

mod ahead;
mod client;
mod dir;
mod patience;
mod serve;
mod wire;

pub use client::Client;
pub use serve::serve_if_asked;
pub use wire::Project;
