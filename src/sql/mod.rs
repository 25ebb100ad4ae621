//! SQL text as psql and PostgreSQL read it, before any database is involved: splitting a file
//! into the statements psql would send ([`statements`]), the lexer that split rests on, and the
//! shape of a graphile-migrate placeholder name ([`placeholder`]).
//!
//! It sits at the bottom of the crate: the project file's `[tenancy] principal`, the migration
//! formats, applying a chain and `init` all read SQL the same way, so none of them owns it.

pub(crate) mod lexer;
pub mod placeholder;
pub mod statements;
