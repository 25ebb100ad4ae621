//! `migrations::apply` and `migrations::idempotent`: the chain (and seed) applied, and applied
//! again. When the chain does not apply, nothing else can be checked: every other test fails
//! with a one-line pointer instead of a misleading verdict.

use super::{Failure, Verdict};
use crate::migrate::ApplyError;
use crate::plan::CheckKind;

/// What happened while setting up the database.
#[derive(Debug)]
pub struct SetupOutcome {
    pub apply: Result<(), ApplyError>,
    /// `None` when `idempotent = false`.
    pub idempotent: Option<Result<(), ApplyError>>,
}

/// The verdict for the set-up checks, and for every other check when set-up failed; `None`
/// when the check can run.
pub fn verdict(kind: &CheckKind, outcome: &SetupOutcome) -> Option<Verdict> {
    match (kind, &outcome.apply) {
        (CheckKind::Apply, Ok(())) => Some(Ok(())),
        (CheckKind::Apply, Err(e)) => Some(Err(failure(
            "before, the migration chain and the seed apply without error",
            "every statement succeeds",
            e,
        ))),
        (_, Err(_)) => Some(Err(Failure {
            at: None,
            promise: "cannot be checked: migrations::apply failed (see that test)".into(),
            expected: "a database with the chain and the seed applied".into(),
            found: "the chain did not apply".into(),
            fix: None,
        })),
        (CheckKind::Idempotent, Ok(())) => match &outcome.idempotent {
            Some(Err(e)) => Some(Err(failure(
                "the migration chain applies a second time without error (idempotent = true)",
                "every statement of the second pass succeeds",
                e,
            ))),
            _ => Some(Ok(())),
        },
        _ => None,
    }
}

fn failure(promise: &str, expected: &str, error: &ApplyError) -> Failure {
    Failure {
        at: None,
        promise: promise.into(),
        expected: expected.into(),
        found: error.to_string(),
        fix: None,
    }
}
