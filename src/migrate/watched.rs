//! Applying one migration with a [`Watch`] beside each statement: what deploy windows
//! (`upgrade`) observe of a new migration, statement by statement, in the transaction the
//! statement runs in.
//!
//! The migration runs as [`super::apply`] runs it (its own transaction unless its format says
//! otherwise), with one difference outside a transaction: a statement that PostgreSQL accepts in
//! a transaction block runs in one of its own (`BEGIN`, the statement, the watch, `COMMIT`),
//! which is what an implicit transaction is, but lets the watch read what the statement holds
//! before it commits. A statement that refuses a transaction block runs alone; the watch then
//! sees it after its commit (`in_transaction` false).

use sqlx::postgres::PgConnection;

use super::apply::{
    ApplyError, Replace, database, execute, run_statement, set_limits, set_session,
};
use super::chain::Chain;
use super::message;
use super::migration::Migration;
use crate::location::Location;
use crate::sql::statements::{self, Statement, StatementKind};

/// One statement of a migration as the watch sees it.
#[derive(Debug, Clone)]
pub struct Watched<'m> {
    /// Where the statement starts.
    pub at: Location,
    /// Its text.
    pub sql: &'m str,
    /// Whether it ran inside a transaction that is still open (the migration's, the script's
    /// own, or one of its own): what it locked is still held.
    pub in_transaction: bool,
}

/// What observes each statement: `before` right before it (in its transaction), `after` right
/// after it, before its transaction ends. An error of the watch stops the migration.
pub trait Watch {
    fn before(
        &mut self,
        conn: &mut PgConnection,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;
    fn after(
        &mut self,
        conn: &mut PgConnection,
        statement: &Watched<'_>,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;
}

impl Chain {
    /// Applies `m`, one of this chain's migrations, as [`Chain::apply_migrations`] would (its
    /// time limits, graphile-migrate's placeholders and session settings), with `watch` beside
    /// each statement.
    pub async fn apply_watched(
        &self,
        conn: &mut PgConnection,
        m: &Migration,
        watch: &mut impl Watch,
    ) -> Result<(), ApplyError> {
        let placeholders = match &self.placeholders {
            Some(p) => Some((p, database(conn).await?)),
            None => None,
        };
        let before = set_session(conn, &self.session_settings).await?;
        let applied = watched(conn, m, self, placeholders.as_ref(), watch).await;
        let restored = set_session(conn, &before).await;
        applied?;
        restored.map(drop)
    }
}

/// [`Chain::apply_watched`], the settings made.
async fn watched(
    conn: &mut PgConnection,
    m: &Migration,
    chain: &Chain,
    replace: Replace<'_>,
    watch: &mut impl Watch,
) -> Result<(), ApplyError> {
    let body_start = m.body.start;
    if m.transaction {
        execute(conn, "BEGIN", "starting the migration's transaction").await?;
    }
    // Outside the migration's transaction: whether the script opened one of its own.
    let mut scripts_own = false;
    for statement in &m.statements() {
        let start = body_start + statement.range.start;
        let sql = &m.text[start..body_start + statement.range.end];
        let plain = matches!(statement.kind, StatementKind::Sql);
        let own = !m.transaction
            && !scripts_own
            && plain
            && !statements::refuses_transaction(sql)
            && transaction_control(sql).is_none();
        let in_transaction = m.transaction || scripts_own || own;
        if own {
            let began = match set_limits(conn, &chain.limits).await {
                Ok(()) => execute(conn, "BEGIN", "starting the statement's transaction").await,
                Err(e) => Err(e),
            };
            began?;
        }
        // A message of several statements (a file a tool sends whole) runs in one transaction
        // either way: watched one statement at a time, each is seen for what it does.
        let parts = match (plain, in_transaction) {
            (true, true) => parts(statement, sql),
            _ => vec![statement.clone()],
        };
        for part in &parts {
            let start = body_start + part.range.start;
            let watched = Watched {
                at: Location::at(&m.path, &m.text, start),
                sql: &m.text[start..body_start + part.range.end],
                in_transaction,
            };
            let ran = async {
                set_limits(conn, &chain.limits).await?;
                let failed = |e| failed_watch(&watched, e);
                watch.before(conn).await.map_err(failed)?;
                run_statement(conn, m, body_start, part, None, replace).await?;
                watch.after(conn, &watched).await.map_err(failed)
            };
            if let Err(e) = ran.await {
                let _ = execute(conn, "ROLLBACK", "rolling back").await;
                return Err(message::locate_in_message(conn, m, part, e).await);
            }
        }
        if own {
            execute(conn, "COMMIT", "committing the statement").await?;
        }
        if !m.transaction
            && let Some(opens) = transaction_control(sql)
        {
            scripts_own = opens;
        }
    }
    if m.transaction {
        execute(conn, "COMMIT", "committing the migration").await
    } else {
        execute(conn, "ROLLBACK", "ending the script's session").await
    }
}

/// The statements of `statement` (whose text is `sql`), their ranges relative to the
/// migration's body as `statement`'s are: itself when it is one.
fn parts(statement: &Statement, sql: &str) -> Vec<Statement> {
    let mut found = statements::split(sql);
    if found.len() < 2 {
        return vec![statement.clone()];
    }
    let offset = statement.range.start;
    for part in &mut found {
        part.range = part.range.start + offset..part.range.end + offset;
        if let StatementKind::CopyFromStdin { data } = &mut part.kind {
            *data = data.start + offset..data.end + offset;
        }
    }
    found
}

/// `Some(true)` for a statement that opens a transaction block, `Some(false)` for one that
/// ends it, `None` for any other.
fn transaction_control(sql: &str) -> Option<bool> {
    let first = sql
        .split(|c: char| c.is_whitespace() || c == ';')
        .find(|w| !w.is_empty())?
        .to_ascii_uppercase();
    match first.as_str() {
        "BEGIN" | "START" => Some(true),
        "COMMIT" | "END" | "ROLLBACK" | "ABORT" => Some(false),
        _ => None,
    }
}

fn failed_watch(statement: &Watched<'_>, source: sqlx::Error) -> ApplyError {
    ApplyError::Session {
        what: format!("{}: observing the statement", statement.at),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_control_is_read_from_the_first_word() {
        assert_eq!(transaction_control("begin;"), Some(true));
        assert_eq!(transaction_control("START TRANSACTION"), Some(true));
        assert_eq!(transaction_control("commit"), Some(false));
        assert_eq!(transaction_control("ROLLBACK"), Some(false));
        assert_eq!(transaction_control("CREATE TABLE t ()"), None);
    }
}
