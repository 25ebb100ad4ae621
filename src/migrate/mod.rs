//! The migration chain: finding it (one small module per tool's layout, in [`format`]),
//! and applying it over one session with statement-accurate error positions ([`apply`]).

mod apply;
pub mod bookkeeping;
mod chain;
mod command;
pub mod command_hint;
mod extension;
pub mod file;
pub mod format;
mod key;
mod limits;
mod message;
mod migration;
pub mod outside;
pub mod placeholders;
mod preset;
mod psql;
mod vacuous;
mod watched;

pub use apply::ApplyError;
pub use chain::{Chain, ChainError};
pub use format::{DiscoverError, NewMigration, WriteError, append};
pub use key::{NotCached, migrated_key};
pub use limits::Limits;
pub use migration::Migration;
pub use preset::schemas as preset_schemas;
pub use watched::{Watch, Watched};
