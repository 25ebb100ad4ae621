//! Why no valid row could be built, and what would help: the error a behavioural check turns
//! into "could not build a valid row" (never a pass), with the advice its message gives.

use std::fmt;

use super::row::Building;
use super::{DbError, Sandbox, request};
use crate::names::TableName;

/// Why no valid row could be built.
#[derive(Debug, Clone)]
pub struct SynthError {
    pub table: TableName,
    /// The column the last error was about, when it names one.
    pub column: Option<String>,
    pub reason: String,
    /// The last statement tried, and PostgreSQL's answer to it.
    pub last: Option<(String, DbError)>,
    /// What would let the row be built.
    pub advice: Advice,
}

/// What a failure advises to make a row buildable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Advice {
    /// Nothing more than the reason: the schema or a table file must change as it says.
    Nothing,
    /// A `[sample]` expression for the column decides its value.
    Sample,
    /// The column is generated: its expression decides it, from the columns it reads, whose
    /// `[sample]` would help where one for it cannot.
    Generated(Vec<String>),
    /// BEFORE INSERT triggers overwrote the column from the request (`auth.uid()`), which is
    /// empty without one: a request principal would help, a `[sample]` cannot.
    Principal(Vec<request::Overwrite>),
}

impl SynthError {
    /// An error that is not PostgreSQL's refusal of a row.
    pub(super) fn plain(
        table: &TableName,
        column: Option<&str>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            table: table.clone(),
            column: column.map(str::to_string),
            reason: reason.into(),
            last: None,
            advice: Advice::Nothing,
        }
    }

    /// A timeout or lock wait ended it, not the schema.
    pub fn is_timeout(&self) -> bool {
        self.last.as_ref().is_some_and(|(_, e)| e.is_timeout())
    }
}

impl fmt::Display for SynthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not build a valid row for {}", self.table)?;
        if let Some(c) = &self.column {
            write!(f, " (column {c})")?;
        }
        write!(f, ": {}", self.reason)?;
        if let Some((sql, e)) = &self.last {
            write!(f, "\nlast statement: {sql}\nlast error: {e}")?;
        }
        Ok(())
    }
}

/// The error for a row PostgreSQL refused every time, with what would help.
pub(super) async fn refused(
    sb: &mut Sandbox,
    row: &Building<'_>,
    last: Option<(String, DbError)>,
) -> SynthError {
    let column = last
        .as_ref()
        .and_then(|(_, e)| e.column.clone())
        .or_else(|| row.last_changed.clone());
    let overwrites = match &last {
        Some((_, e)) => request::overwrites(sb, row, e).await,
        None => Vec::new(),
    };
    let timeout = last.as_ref().is_some_and(|(_, e)| e.is_timeout());
    let (reason, advice) = if !overwrites.is_empty() {
        (
            "a BEFORE INSERT trigger overwrote the value written with one read from the request, which is empty outside a request",
            Advice::Principal(overwrites),
        )
    } else if timeout {
        ("the last attempt did not finish", Advice::Nothing)
    } else if let Some(reads) = column.as_deref().and_then(|c| generated_from(row, c)) {
        (
            "every attempt was refused; the column is generated (GENERATED ALWAYS AS … STORED), so no INSERT writes it: the columns its expression reads decide it",
            Advice::Generated(reads),
        )
    } else {
        (
            "every attempt was refused (triggers, CHECKs or types this tool cannot satisfy on its own); a [sample] expression in the table file decides the value",
            Advice::Sample,
        )
    };
    SynthError {
        table: row.table.name.clone(),
        column,
        reason: reason.into(),
        last,
        advice,
    }
}

/// The columns `column`'s expression reads, when it is a generated column.
fn generated_from(row: &Building<'_>, column: &str) -> Option<Vec<String>> {
    (row.table.column(column)?.generated).then(|| row.read_by(column))
}
