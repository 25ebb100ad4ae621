//! The rolled-back transaction every behavioural check runs in.
//!
//! Each check gets its own pooled connection and transaction, so checks run in parallel and never
//! see each other's rows; nothing is ever committed. Each statement runs under a savepoint, so an
//! expected error (the point of `not_null` or `rejects_invalid`) does not abort the transaction.
//! Deferred constraints are made immediate up front: a deferred FK fails at the statement that
//! breaks it, as it would at `SET CONSTRAINTS ALL IMMEDIATE` or at commit.
//!
//! The sandbox keeps a transcript of the statements that mattered, written with literal values
//! only, so a failure can show SQL a user pastes into psql.

use std::fmt;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgDatabaseError, PgPool, PgRow, Postgres};
use sqlx::{Executor, Row};

use super::sqlstate::{DEADLOCK_DETECTED, LOCK_NOT_AVAILABLE, QUERY_CANCELED};

/// How long one statement may run, and wait for a lock, before the check fails instead of hanging.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(15);
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// An error PostgreSQL raised, with the fields checks decide on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbError {
    pub code: String,
    pub message: String,
    pub detail: Option<String>,
    pub constraint: Option<String>,
    pub column: Option<String>,
    pub table: Option<String>,
}

impl DbError {
    fn from_sqlx(e: sqlx::Error) -> Self {
        match e
            .as_database_error()
            .and_then(|d| d.try_downcast_ref::<PgDatabaseError>())
        {
            Some(pg) => Self {
                code: pg.code().to_string(),
                message: pg.message().to_string(),
                detail: pg.detail().map(str::to_string),
                constraint: pg.constraint().map(str::to_string),
                column: pg.column().map(str::to_string),
                table: pg.table().map(str::to_string),
            },
            None => Self {
                code: String::new(),
                message: e.to_string(),
                detail: None,
                constraint: None,
                column: None,
                table: None,
            },
        }
    }

    /// A timeout or lock wait: the check cannot conclude, whatever the statement was.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.code.as_str(),
            QUERY_CANCELED | LOCK_NOT_AVAILABLE | DEADLOCK_DETECTED
        )
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.code.is_empty() {
            return write!(f, "{}", self.message);
        }
        write!(f, "ERROR {}: {}", self.code, self.message)?;
        if let Some(d) = &self.detail {
            write!(f, " ({d})")?;
        }
        if self.code == QUERY_CANCELED {
            write!(
                f,
                " [statement_timeout is {}s: a trigger or a lock held elsewhere kept it running]",
                STATEMENT_TIMEOUT.as_secs()
            )?;
        }
        if self.code == LOCK_NOT_AVAILABLE {
            write!(
                f,
                " [lock_timeout is {}s: another session holds a lock on this table]",
                LOCK_TIMEOUT.as_secs()
            )?;
        }
        Ok(())
    }
}

/// One transaction on one pooled connection, always rolled back.
pub struct Sandbox {
    conn: PoolConnection<Postgres>,
    transcript: Vec<String>,
}

impl Sandbox {
    /// Begins the transaction with its timeouts, and with every deferrable constraint immediate.
    pub async fn begin(pool: &PgPool) -> Result<Self, DbError> {
        let mut conn = pool.acquire().await.map_err(DbError::from_sqlx)?;
        let setup = format!(
            "BEGIN; SET LOCAL statement_timeout = '{}s'; SET LOCAL lock_timeout = '{}s'; SET CONSTRAINTS ALL IMMEDIATE;",
            STATEMENT_TIMEOUT.as_secs(),
            LOCK_TIMEOUT.as_secs()
        );
        conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(setup)))
            .await
            .map_err(DbError::from_sqlx)?;
        Ok(Self {
            conn,
            transcript: vec!["BEGIN;".into(), "SET CONSTRAINTS ALL IMMEDIATE;".into()],
        })
    }

    /// Runs one statement under a savepoint. On success the savepoint is released (`keep`) or
    /// rolled back (a trial: the rows are undone, the answer kept); on error it is rolled back and
    /// the transaction stays usable. Returns the rows as text, one `Vec` per row.
    pub async fn attempt(&mut self, sql: &str, keep: bool) -> Result<Outcome, DbError> {
        // One round trip for the savepoint and the statement (the savepoint returns no rows).
        let result = self
            .conn
            .fetch_all(sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "SAVEPOINT pg_invariants; {sql}"
            ))))
            .await;
        let end = if keep && result.is_ok() {
            "RELEASE SAVEPOINT pg_invariants"
        } else {
            "ROLLBACK TO SAVEPOINT pg_invariants; RELEASE SAVEPOINT pg_invariants"
        };
        self.run(end).await?;
        let rows = result.map_err(DbError::from_sqlx)?;
        Ok(Outcome {
            rows: rows.iter().map(texts).collect::<Result<_, _>>()?,
        })
    }

    /// A query whose answer is one text value (or NULL); not recorded.
    pub async fn value(&mut self, sql: &str) -> Result<Option<String>, DbError> {
        let out = self.attempt(sql, false).await?;
        Ok(out
            .rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten()))
    }

    async fn run(&mut self, sql: &'static str) -> Result<(), DbError> {
        self.conn
            .execute(sqlx::raw_sql(sql))
            .await
            .map(|_| ())
            .map_err(DbError::from_sqlx)
    }

    /// Adds a statement (and, for one expected to fail, what happened) to the transcript.
    pub fn record(&mut self, sql: &str, note: Option<&str>) {
        let mut line = format!("{sql};");
        if let Some(note) = note {
            line.push_str(&format!("  -- {note}"));
        }
        self.transcript.push(line);
    }

    /// The statements that mattered, as a psql session: `BEGIN; … ROLLBACK;`.
    pub fn transcript(&self) -> String {
        let mut lines = self.transcript.clone();
        lines.push("ROLLBACK;".into());
        lines.join("\n")
    }

    /// Rolls everything back and returns the connection to the pool.
    pub async fn rollback(mut self) {
        // A connection whose rollback fails is closed rather than returned in a transaction.
        if self.run("ROLLBACK").await.is_err() {
            let _ = self.conn.close().await;
        }
    }
}

/// The rows a statement returned, every column as text.
#[derive(Debug, Default)]
pub struct Outcome {
    pub rows: Vec<Vec<Option<String>>>,
}

/// Simple-protocol rows arrive as text whatever their type: read them as such, unchecked.
fn texts(row: &PgRow) -> Result<Vec<Option<String>>, DbError> {
    (0..row.len())
        .map(|i| row.try_get_unchecked::<Option<String>, _>(i))
        .collect::<Result<_, _>>()
        .map_err(DbError::from_sqlx)
}
