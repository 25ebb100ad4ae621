//! `[migrations] statement_timeout` and `lock_timeout`: how long one statement of `before`, the
//! chain, the seed or the idempotency pass may run (or wait on a lock) before it is cancelled.
//!
//! Without a bound, a `SELECT pg_sleep(3600)` or a migration waiting on a lock that its own
//! chain holds hangs the run (and CI) forever. The values use PostgreSQL's own syntax for time
//! settings, so what a user writes here is what `SET statement_timeout` would accept.

use std::fmt;
use std::time::Duration;

/// A time limit as written in the project file (`"5min"`), kept with its text for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeout {
    /// Whole milliseconds, as PostgreSQL counts them; `0` means no limit, as in PostgreSQL.
    pub millis: u64,
    /// What the user wrote, for messages: "after 5min".
    pub text: String,
}

/// PostgreSQL's units for time settings, in milliseconds (`us` rounds up to 1ms below).
const UNITS: &[(&str, f64)] = &[
    ("us", 0.001),
    ("ms", 1.0),
    ("s", 1_000.0),
    ("min", 60_000.0),
    ("h", 3_600_000.0),
    ("d", 86_400_000.0),
];

/// The largest value PostgreSQL accepts for a time setting: `INT_MAX` milliseconds (~24.8 days).
const MAX_MILLIS: f64 = i32::MAX as f64;

impl Timeout {
    /// The default of `statement_timeout`.
    pub fn default_statement() -> Self {
        Self::parse("5min").expect("the default is valid")
    }

    /// Parses `"30s"`, `"2min"`, `"500ms"`, `"1.5h"`, or a bare number of milliseconds, as
    /// PostgreSQL does. The error says what is accepted.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let value: f64 = number.parse().map_err(|_| invalid(text))?;
        let factor = match unit.trim() {
            "" => 1.0,
            unit => UNITS
                .iter()
                .find(|(name, _)| *name == unit)
                .map(|(_, f)| *f)
                .ok_or_else(|| invalid(text))?,
        };
        let millis = value * factor;
        if millis > MAX_MILLIS {
            return Err(format!(
                "{text:?} is longer than PostgreSQL allows ({} ms, about 24 days); use \"0\" for no limit",
                i32::MAX
            ));
        }
        // A positive limit below one millisecond still limits: PostgreSQL rounds it to 1ms.
        let millis = if millis > 0.0 {
            (millis.round() as u64).max(1)
        } else {
            0
        };
        Ok(Self {
            millis,
            text: text.to_string(),
        })
    }

    /// `None` for `"0"`: no limit.
    pub fn duration(&self) -> Option<Duration> {
        (self.millis > 0).then(|| Duration::from_millis(self.millis))
    }

    /// The value for `SET` or `-c name=value`: whole milliseconds, which needs no quoting.
    pub fn setting(&self) -> String {
        self.millis.to_string()
    }
}

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn invalid(text: &str) -> String {
    format!(
        "invalid time {text:?}: a number with a unit as PostgreSQL writes it (\"500ms\", \"30s\", \"2min\", \"1h\", \"1d\"), a bare number of milliseconds, or \"0\" for no limit"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_postgresql_units() {
        let ms = |t: &str| Timeout::parse(t).map(|t| t.millis);
        assert_eq!(ms("5min"), Ok(300_000));
        assert_eq!(ms("30s"), Ok(30_000));
        assert_eq!(ms("500ms"), Ok(500));
        assert_eq!(ms("1h"), Ok(3_600_000));
        assert_eq!(ms("1d"), Ok(86_400_000));
        assert_eq!(ms("1.5s"), Ok(1_500));
        assert_eq!(ms("30 s"), Ok(30_000));
        assert_eq!(ms("250"), Ok(250));
        assert_eq!(ms("10us"), Ok(1));
        assert_eq!(ms("0"), Ok(0));
    }

    #[test]
    fn zero_means_no_limit() {
        assert_eq!(Timeout::parse("0").unwrap().duration(), None);
        assert_eq!(Timeout::parse("0s").unwrap().duration(), None);
        assert_eq!(
            Timeout::parse("1s").unwrap().duration(),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn invalid_values_say_what_is_accepted() {
        for text in ["", "5 minutes", "-1s", "1m", "s", "1.2.3s", "1e3ms"] {
            let error = Timeout::parse(text).unwrap_err();
            assert!(error.contains("\"30s\""), "{text:?}: {error}");
        }
        assert!(Timeout::parse("30d").unwrap_err().contains("24 days"));
    }
}

#[cfg(test)]
mod project_file_tests {
    use crate::spec::Project;

    fn load(migrations: &str) -> Result<Project, String> {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("pg-invariants.toml");
        std::fs::write(&file, format!("[migrations]\n{migrations}")).expect("write");
        Project::load(&file).map_err(|e| e.to_string())
    }

    #[test]
    fn lock_timeout_defaults_to_statement_timeout() {
        let p = load("").unwrap().migrations;
        assert_eq!(
            (p.statement_timeout.millis, p.lock_timeout.millis),
            (300_000, 300_000)
        );
        let p = load("statement_timeout = \"30s\"\n").unwrap().migrations;
        assert_eq!(
            (p.statement_timeout.millis, p.lock_timeout.millis),
            (30_000, 30_000)
        );
        let p = load("statement_timeout = \"0\"\nlock_timeout = \"1s\"\n")
            .unwrap()
            .migrations;
        assert_eq!(
            (p.statement_timeout.millis, p.lock_timeout.millis),
            (0, 1_000)
        );
    }

    #[test]
    fn an_invalid_limit_is_an_error_at_the_value() {
        let error = load("lock_timeout = \"soon\"\n").unwrap_err();
        assert!(error.contains("pg-invariants.toml:2:16"), "{error}");
        assert!(error.contains("invalid time \"soon\""), "{error}");
        let error = load("statement_timeout = 5\n").unwrap_err();
        assert!(error.contains("pg-invariants.toml:2:21"), "{error}");
    }
}
