//! `migrations::apply` and `migrations::idempotent`: the chain (and seed) applied, and applied
//! again. When the chain does not apply, nothing else can be checked: every other test fails
//! with a one-line pointer instead of a misleading verdict.

use super::{Failure, Verdict};
use crate::migrate::ApplyError;
use crate::plan::CheckKind;
use crate::setup::SetupOutcome;

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
            Some(Ok(())) => Some(Ok(())),
            Some(Err(e)) => Some(Err(failure(
                "the migration chain applies a second time without error (idempotent = true)",
                "every statement of the second pass succeeds",
                e,
            ))),
            // The set-up skips the pass only for runs that do not show this verdict.
            None => Some(Err(Failure {
                at: None,
                promise: "internal error: migrations::idempotent runs, but its pass was skipped"
                    .into(),
                expected: "the chain applied a second time".into(),
                found: "no second pass".into(),
                fix: None,
            })),
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
