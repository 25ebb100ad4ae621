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
        (CheckKind::Deploy(test), Ok(())) => {
            Some(super::deploy::verdict(*test, outcome.upgrade.as_ref()))
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{in_project, name};

    fn failed() -> ApplyError {
        ApplyError::MetaCommand {
            location: in_project("migrations/0002_tasks.sql", 3),
            command: "\\connect app".into(),
        }
    }

    fn outcome(
        apply: Result<(), ApplyError>,
        idempotent: Option<Result<(), ApplyError>>,
    ) -> SetupOutcome {
        SetupOutcome {
            apply,
            idempotent,
            upgrade: None,
        }
    }

    fn coverage() -> CheckKind {
        CheckKind::Coverage {
            table: name("tasks"),
        }
    }

    #[test]
    fn a_chain_that_applies_leaves_every_other_check_to_run() {
        let ok = outcome(Ok(()), None);
        assert_eq!(verdict(&CheckKind::Apply, &ok), Some(Ok(())));
        assert_eq!(verdict(&coverage(), &ok), None);
        let twice = outcome(Ok(()), Some(Ok(())));
        assert_eq!(verdict(&CheckKind::Idempotent, &twice), Some(Ok(())));
    }

    #[test]
    fn a_chain_that_fails_fails_apply_and_every_other_check_points_to_it() {
        let failed = outcome(Err(failed()), None);
        let apply = verdict(&CheckKind::Apply, &failed).and_then(Result::err);
        let other = verdict(&coverage(), &failed).and_then(Result::err);
        let said = [apply, other].map(|f| f.expect("a failure").to_string());
        insta::assert_snapshot!(said.join("\n"));
    }

    #[test]
    fn a_second_pass_that_fails_or_never_ran_fails_idempotent() {
        let second = outcome(Ok(()), Some(Err(failed())));
        let skipped = outcome(Ok(()), None);
        let said = [&second, &skipped]
            .map(|o| verdict(&CheckKind::Idempotent, o).and_then(Result::err))
            .map(|f| f.expect("a failure").to_string());
        insta::assert_snapshot!(said.join("\n"));
    }
}
