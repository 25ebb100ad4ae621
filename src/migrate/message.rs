//! Where in a migration sent as ONE message (a golang-migrate or Prisma file, sqlx's
//! `-- no-transaction` file...) an error PostgreSQL gives no position for happened: the message's
//! start is all PostgreSQL says, so the statement is found here.

use sqlx::postgres::PgConnection;

use super::apply::{ApplyError, SqlError, execute, run_statement};
use super::migration::Migration;
use crate::location::Location;
use crate::sql::statements::{self, Statement, StatementKind};

/// An error of a statement sent as one message of several statements (a golang-migrate or Prisma
/// file, sqlx's `-- no-transaction` file...) without PostgreSQL's position names the message's
/// start. A statement refused in a transaction block is named itself; otherwise, when replaying
/// the statements one by one in a transaction that is rolled back reproduces the error (same
/// SQLSTATE), the replay's error names the very statement; else `error` stands.
/// Only a message PostgreSQL ran as one implicit transaction is replayed (no transaction
/// control, no statement refused in a transaction block), in a migration outside a
/// transaction: its failure left nothing behind, and nothing before it was undone (in a
/// migration's own transaction the statements before the message are rolled back, and a replay
/// without them could fail elsewhere the same way).
pub(super) async fn locate_in_message(
    conn: &mut PgConnection,
    m: &Migration,
    message: &Statement,
    error: ApplyError,
) -> ApplyError {
    let ApplyError::Statement {
        position: None,
        sql_error,
        ..
    } = &error
    else {
        return error;
    };
    let start = m.body.start + message.range.start;
    let text = &m.text[start..m.body.start + message.range.end];
    let parts = statements::split(text);
    if let Some(refused) = refused_in_message(m, start, &parts, sql_error) {
        return refused;
    }
    let replayable = !m.transaction
        && parts.len() > 1
        && statements::runs_in_transaction(text)
        && parts
            .iter()
            .all(|p| p.kind == StatementKind::Sql && !controls_transaction(&text[p.range.clone()]));
    if !replayable
        || execute(conn, "BEGIN", "replaying the message")
            .await
            .is_err()
    {
        return error;
    }
    let mut found = None;
    for part in &parts {
        let shifted = Statement {
            range: message.range.start + part.range.start..message.range.start + part.range.end,
            kind: StatementKind::Sql,
        };
        if let Err(e) = run_statement(conn, m, m.body.start, &shifted, None, None).await {
            found = Some(e);
            break;
        }
    }
    let _ = execute(conn, "ROLLBACK", "ending the replay").await;
    let same = |e: &ApplyError| matches!(e, ApplyError::Statement { sql_error: again, .. } if again.code == sql_error.code);
    match found {
        Some(replayed) if same(&replayed) => replayed,
        _ => error,
    }
}

/// A message of several statements refused for holding one PostgreSQL runs only outside a
/// transaction block (SQLSTATE 25001, `CREATE INDEX CONCURRENTLY` beside another statement: the
/// message is one implicit transaction): the error names that statement, at `start` + its offset
/// in the message. `None` for any other error.
fn refused_in_message(
    m: &Migration,
    start: usize,
    parts: &[Statement],
    sql_error: &SqlError,
) -> Option<ApplyError> {
    const ACTIVE_SQL_TRANSACTION: &str = "25001";
    if sql_error.code != ACTIVE_SQL_TRANSACTION || parts.len() < 2 {
        return None;
    }
    let text = &m.text[start..];
    let part = parts
        .iter()
        .find(|p| statements::refuses_transaction(&text[p.range.clone()]))?;
    Some(ApplyError::Statement {
        location: Location::at(&m.path, &m.text, start + part.range.start),
        position: None,
        sql_error: SqlError {
            statement: text[part.range.clone()].to_string(),
            ..sql_error.clone()
        },
    })
}

/// BEGIN, COMMIT, ROLLBACK, SAVEPOINT...: a statement that changes the transaction itself.
fn controls_transaction(statement: &str) -> bool {
    let first = statement
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    statements::TRANSACTION_CONTROL.contains(&first.as_str())
}
