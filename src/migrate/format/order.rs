//! Ordering a chain and saying how each file is sent: by version, duplicates refused; outside
//! a transaction where PostgreSQL requires it; or whole, as one message, as the tools that never
//! wrap a file send it.

use std::cmp::Ordering;

use super::files::trimmed;
use super::{DiscoverError, Format, version};
use crate::migrate::migration::Migration;
use crate::sql::statements;

/// For the layouts whose tools order by number and run a file outside a transaction when
/// PostgreSQL requires it: marks the migrations and puts them in order.
pub(super) fn numbered(
    format: Format,
    mut migrations: Vec<Migration>,
) -> Result<Vec<Migration>, DiscoverError> {
    mark_non_transactional(&mut migrations);
    in_version_order(format, migrations, version::cmp_numeric)
}

/// Sorts by version, compared with `cmp`, then by path; two migrations with the same version are
/// an error naming both, since every tool but `sql-dir` applies a version once.
pub(super) fn in_version_order(
    format: Format,
    mut migrations: Vec<Migration>,
    cmp: fn(&str, &str) -> Ordering,
) -> Result<Vec<Migration>, DiscoverError> {
    migrations.sort_by(|a, b| cmp(&a.version, &b.version).then_with(|| a.path.cmp(&b.path)));
    let duplicate = migrations
        .windows(2)
        .find(|pair| cmp(&pair[0].version, &pair[1].version).is_eq());
    if let Some([first, second]) = duplicate {
        return Err(DiscoverError::DuplicateVersion {
            format,
            version: second.version.clone(),
            first: first.path.clone(),
            second: second.path.clone(),
        });
    }
    Ok(migrations)
}

/// Sends `migration` as its tool sends a file it does not wrap in a transaction: the body as ONE
/// simple-query message, no `BEGIN` of ours (golang-migrate, Prisma, sqlx's `-- no-transaction`,
/// diesel's `run_in_transaction = false`, dbmate's `transaction:false`, refinery's
/// `noTransaction`, graphile-migrate's `--! no-transaction`: each hands the file's text to its
/// driver in one call, see docs/formats.md). PostgreSQL runs the statements of such a message in
/// one implicit transaction (a failure undoes the whole file, `CREATE INDEX CONCURRENTLY` works
/// only alone), and a single statement outside any (a procedure that COMMITs can be CALLed).
pub(super) fn as_one_message(migration: &mut Migration) {
    migration.transaction = false;
    let message = trimmed(&migration.text, migration.body.clone());
    migration.verbatim = Some(message)
        .into_iter()
        .filter(|r| !r.is_empty())
        .collect();
}

/// For the layouts whose tools run a file outside a transaction when PostgreSQL requires it
/// (Flyway, Supabase, sql-dir: their users rely on `CREATE INDEX CONCURRENTLY` working).
pub(super) fn mark_non_transactional(migrations: &mut [Migration]) {
    for migration in migrations {
        migration.transaction = statements::runs_in_transaction(migration.sql());
    }
}
