//! The time limits a chain runs under, so that no migration can hang the run: a statement that
//! sleeps, loops, or waits on a lock its own chain holds (a prepared transaction, a second
//! connection of the tool) is cancelled and named, instead of stalling CI until its own timeout.
//!
//! SQL chains get `SET statement_timeout` and `SET lock_timeout` before every statement, so a
//! statement that turns them off (pg_dump output starts with `SET statement_timeout = 0;`)
//! changes nothing. A `command` chain gets them through `PGOPTIONS` (which libpq-based tools
//! read), and, since a tool may ignore it or spend its time outside the database, a wall-clock
//! bound on the whole command.

use std::time::Duration;

use crate::spec::{MigrationsConfig, Timeout};

/// A `command` chain may take this many statement timeouts in all before it is killed: the
/// tool runs many statements, and starts up, between them.
pub const COMMAND_BOUND_FACTOR: u32 = 10;

/// `[migrations] statement_timeout` and `lock_timeout`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub statement: Timeout,
    pub lock: Timeout,
}

/// PostgreSQL's SQLSTATE and message when a statement outlives `statement_timeout`.
const STATEMENT_TIMEOUT: (&str, &str) = ("57014", "statement timeout");
/// PostgreSQL's SQLSTATE and message when a lock wait outlives `lock_timeout`.
const LOCK_TIMEOUT: (&str, &str) = ("55P03", "lock timeout");

impl Limits {
    pub fn new(config: &MigrationsConfig) -> Self {
        Self {
            statement: config.statement_timeout.clone(),
            lock: config.lock_timeout.clone(),
        }
    }

    /// The session settings, run before each statement of `before`, the chain and the seed.
    pub fn set_sql(&self) -> String {
        format!(
            "SET statement_timeout = {}; SET lock_timeout = {}",
            self.statement.setting(),
            self.lock.setting()
        )
    }

    /// `PGOPTIONS` for a `command` chain: the limits after whatever the user's environment has.
    pub fn pgoptions(&self, inherited: Option<&str>) -> String {
        let ours = format!(
            "-c statement_timeout={} -c lock_timeout={}",
            self.statement.setting(),
            self.lock.setting()
        );
        match inherited.map(str::trim).filter(|s| !s.is_empty()) {
            Some(theirs) => format!("{theirs} {ours}"),
            None => ours,
        }
    }

    /// How long a `command` chain may run in all; `None` when `statement_timeout = "0"`.
    pub fn command_bound(&self) -> Option<Duration> {
        self.statement
            .duration()
            .map(|d| d.saturating_mul(COMMAND_BOUND_FACTOR))
    }

    /// PostgreSQL's message, with the limit that was reached and the key that sets it when the
    /// error is one of ours: "canceling statement due to statement timeout after 5min".
    pub fn explain(&self, code: &str, message: &str) -> String {
        let reached = [
            (STATEMENT_TIMEOUT, &self.statement, "statement_timeout"),
            (LOCK_TIMEOUT, &self.lock, "lock_timeout"),
        ]
        .into_iter()
        .find(|((c, m), _, _)| code == *c && message.contains(m));
        match reached {
            Some((_, limit, key)) => format!("{message} after {limit} ([migrations] {key})"),
            None => message.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(statement: &str, lock: &str) -> Limits {
        Limits {
            statement: Timeout::parse(statement).unwrap(),
            lock: Timeout::parse(lock).unwrap(),
        }
    }

    #[test]
    fn settings_are_whole_milliseconds() {
        let l = limits("2min", "1s");
        assert_eq!(
            l.set_sql(),
            "SET statement_timeout = 120000; SET lock_timeout = 1000"
        );
        assert_eq!(
            l.pgoptions(Some("-c search_path=app ")),
            "-c search_path=app -c statement_timeout=120000 -c lock_timeout=1000"
        );
        assert_eq!(
            l.command_bound(),
            Some(Duration::from_secs(20 * 60)),
            "ten statement timeouts"
        );
        assert_eq!(limits("0", "0").command_bound(), None);
    }

    #[test]
    fn only_timeouts_get_the_limit_named() {
        let l = limits("5min", "1s");
        assert_eq!(
            l.explain("57014", "canceling statement due to statement timeout"),
            "canceling statement due to statement timeout after 5min ([migrations] statement_timeout)"
        );
        assert_eq!(
            l.explain("55P03", "canceling statement due to lock timeout"),
            "canceling statement due to lock timeout after 1s ([migrations] lock_timeout)"
        );
        assert_eq!(
            l.explain("57014", "canceling statement due to user request"),
            "canceling statement due to user request"
        );
        assert_eq!(
            l.explain("55P03", "could not obtain lock on relation \"t\""),
            "could not obtain lock on relation \"t\""
        );
    }
}
