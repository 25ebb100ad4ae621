//! The application's own code would live here; the schema's promises are checked by
//! `tests/invariants.rs` against `migrations/`.
