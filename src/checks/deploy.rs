//! The deploy window's tests (`[upgrade]`, docs/deploys.md): the set-up built the window and
//! kept what it saw as values (`upgrade::Outcome`); each test reads its own.

use super::machinery::repair::Fix;
use super::{Failure, Verdict};
use crate::plan::Deploy;
use crate::upgrade::{Fate, Observed, Outcome, Prepared, Reversed, Touch};

/// The verdict of `test`; `None` when the set-up built no window (an internal error).
pub fn verdict(test: Deploy, upgrade: Option<&Outcome>) -> Verdict {
    let Some(upgrade) = upgrade else {
        return Err(Failure {
            at: None,
            promise: "internal error: an [upgrade] test runs, but no deploy window was built"
                .into(),
            expected: "the deploy window".into(),
            found: "none".into(),
            fix: None,
        });
    };
    let fail = |promise: String, expected: &str, found: String, fix: Option<Fix>| {
        Err(Failure {
            at: Some(upgrade.at.clone()),
            promise,
            expected: expected.into(),
            found,
            fix,
        })
    };
    match (test, &upgrade.apply) {
        (Deploy::Apply, Ok(())) => Ok(()),
        (Deploy::Apply, Err(e)) => fail(
            "the deployed chain, its rows and the new migrations apply".into(),
            "every statement succeeds",
            e.clone(),
            None,
        ),
        (_, Err(_)) => fail(
            "cannot be checked: upgrade::apply failed (see that test)".into(),
            "the deploy window built",
            "it was not".into(),
            None,
        ),
        (Deploy::Locks(i), Ok(())) => locks(upgrade, i),
        (Deploy::Reversible(i), Ok(())) => reversible(upgrade, i),
        (Deploy::Query(i), Ok(())) => query(upgrade, i),
        (Deploy::Rows(i), Ok(())) => rows(upgrade, i),
    }
}

fn locks(upgrade: &Outcome, i: usize) -> Verdict {
    let migration = &upgrade.names[i];
    let promise = format!(
        "{migration}, applied with rows present, rewrites and reads no table under a lock that blocks its writes"
    );
    let found = match &upgrade.locks[i] {
        Observed::Clear => return Ok(()),
        Observed::NotReached => "could not test: the migration was not applied".into(),
        Observed::NotObserved(why) => format!("could not test: {why}"),
        Observed::Blocking(findings) => {
            let lines: Vec<String> = (findings.iter())
                .map(|f| match f.touch {
                    Touch::Unobserved => format!(
                        "{}: could not test `{}`: it takes {} on {}, which holds no rows here\n  instead: {}",
                        f.at, f.statement, f.mode, f.table, f.instead
                    ),
                    _ => format!(
                        "{}: `{}` {} of {} under {} (writes to {} wait until it ends)\n  instead: {}",
                        f.at,
                        f.statement,
                        f.touch.word(),
                        f.table,
                        f.mode,
                        f.table,
                        f.instead
                    ),
                })
                .collect();
            lines.join("\n")
        }
    };
    Err(Failure {
        at: Some(upgrade.at.clone()),
        promise,
        expected: "no statement rewrites or reads every row of a table that holds rows while holding SHARE or a stronger lock".into(),
        found,
        fix: None,
    })
}

fn reversible(upgrade: &Outcome, i: usize) -> Verdict {
    let migration = &upgrade.names[i];
    let found = match &upgrade.reversible[i] {
        Reversed::Restores => return Ok(()),
        Reversed::NotReached => "could not test: the migration was not applied".into(),
        Reversed::NoDown => "it has no Down part".into(),
        Reversed::DownFailed(e) => format!("its Down part fails: {e}"),
        Reversed::Differs(diff) => format!("the schema after its Down part differs:\n{diff}"),
        Reversed::UpAgainFailed(e) => {
            format!("its Down part restores the schema, but the migration then fails: {e}")
        }
    };
    Err(Failure {
        at: Some(upgrade.at.clone()),
        promise: format!("{migration}'s Down part restores the schema it started from"),
        expected: "after Up then Down, the schema as before Up; then Up applies again".into(),
        found,
        fix: None,
    })
}

fn query(upgrade: &Outcome, i: usize) -> Verdict {
    let query = &upgrade.query_list[i];
    let found = match &upgrade.queries[i] {
        Prepared::Always => return Ok(()),
        Prepared::NotReached => "could not test: the window was not built".into(),
        Prepared::NotOnDeployed(e) => format!(
            "it does not prepare against the deployed schema: {e} (the query file is wrong, not a migration)"
        ),
        Prepared::BrokeAfter { migration, error } => {
            format!("it no longer prepares after {migration}: {error}")
        }
    };
    // A query broken by a migration is the migration's to fix; one that never prepared, the file's.
    let fix = matches!(&upgrade.queries[i], Prepared::BrokeAfter { .. }).then(|| {
        Fix::Advice(
            "keep the old shape while the old application runs: add the new column or table, \
             write both, move the readers, and drop or rename in a later deploy"
                .into(),
        )
    });
    Err(Failure {
        at: Some(query.at.clone()),
        promise: format!(
            "the deployed application's query {} prepares at every step of the deploy",
            query.name
        ),
        expected: "it prepares against the deployed schema and after each new migration".into(),
        found,
        fix,
    })
}

fn rows(upgrade: &Outcome, i: usize) -> Verdict {
    let (table, fate) = &upgrade.tables[i];
    match fate {
        Fate::Kept | Fate::Dropped(_) => Ok(()),
        Fate::Lost {
            after,
            missing,
            of,
            shown_by,
            examples,
        } => Err(Failure {
            at: Some(upgrade.at.clone()),
            promise: format!(
                "every row of {table} present before the new migrations is still there after them"
            ),
            expected: format!("the {of} row(s), by {shown_by}"),
            found: format!(
                "{missing} of them missing after {after}: {}{}",
                examples.join(", "),
                if *missing > examples.len() {
                    ", ..."
                } else {
                    ""
                }
            ),
            fix: None,
        }),
    }
}
