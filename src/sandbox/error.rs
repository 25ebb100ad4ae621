//! An error PostgreSQL raised in a sandbox, with the fields checks decide on, and how it reads
//! in a failure message (the limit a timeout hit, the lock a statement waited for).

use std::fmt;

use sqlx::postgres::PgDatabaseError;

use super::sqlstate::{self, DEADLOCK_DETECTED, LOCK_NOT_AVAILABLE, QUERY_CANCELED};
use super::{LOCK_TIMEOUT, STATEMENT_TIMEOUT, SYNTHESIS_LOCK_TIMEOUT};

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
    pub(super) fn from_sqlx(e: sqlx::Error) -> Self {
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

    /// A statement of a message the server ended without answering (nor refusing).
    pub fn unanswered() -> Self {
        Self::from_sqlx(sqlx::Error::Protocol(
            "the server ended the message without answering every statement".into(),
        ))
    }

    /// Lost to another session: chosen as a deadlock victim, or waited past `lock_timeout`.
    pub fn is_contention(&self) -> bool {
        matches!(self.code.as_str(), LOCK_NOT_AVAILABLE | DEADLOCK_DETECTED)
    }

    /// The server ran out of something (see [`sqlstate::is_resource`]).
    pub fn is_resource(&self) -> bool {
        sqlstate::is_resource(&self.code)
    }

    /// A timeout or lock wait: the check cannot conclude, whatever the statement was.
    pub fn is_timeout(&self) -> bool {
        self.code == QUERY_CANCELED || self.is_contention()
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
                " [lock_timeout is {}s for a check's statements, {SYNTHESIS_LOCK_TIMEOUT} for a synthesized row: another session holds a lock on this table]",
                LOCK_TIMEOUT.as_secs()
            )?;
        }
        Ok(())
    }
}
