//! `<table>::snapshot`: the table's whole schema after the chain and seed (columns, keys,
//! constraints, indexes, triggers, row level security, partitions) equals the accepted snapshot
//! `snapshots/<table>.snap`.
//!
//! Invariants state what must hold; the snapshot catches everything else a migration changes,
//! so that no change to a table reaches production without someone reading its diff. A
//! mismatch shows that diff and how to accept it; see [`crate::snapshot`] for what is written
//! when (`--accept`, insta's variables, never in CI).

use similar::TextDiff;

use super::{Check, Context, Failure, Fix, Verdict};
use crate::location::Location;
use crate::names::TableName;
use crate::snapshot::{Outcome, Previous, TableSnapshot, Update};

/// `<table>::snapshot`, as the plan states it.
pub struct Promise<'a>(pub &'a TableName, pub &'a Location);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(table, at) = *self;
        let promise = format!("the schema of {} matches its snapshot", ctx.show(table));
        let found = ctx.table(table, at, &promise)?;
        let snapshot = TableSnapshot::new(ctx.spec, ctx.catalog, found);
        let promise = format!("{promise} {}", snapshot.file.display());
        let fail = |expected: String, found: String, fix: Option<String>| Failure {
            at: Some(at.clone()),
            promise: promise.clone(),
            expected,
            found,
            fix: fix.map(Fix::Advice),
        };
        let outcome = snapshot.check(ctx.snapshots).map_err(|e| {
            fail(
                format!("{} that can be read and written", snapshot.file.display()),
                e.to_string(),
                None,
            )
        })?;
        let (previous, pending) = match outcome {
            Outcome::Matches | Outcome::Written { .. } => return Ok(()),
            Outcome::Differs { .. } if ctx.snapshots.force_pass => return Ok(()),
            Outcome::Differs { previous, pending } => (previous, pending),
        };

        let file = snapshot.file.display();
        let (expected, found, old) = match &previous {
            Previous::Missing => (
                format!("a snapshot in {file}"),
                "no snapshot yet; the schema now:".to_string(),
                "",
            ),
            Previous::Corrupt(why) => (
                format!("a snapshot in {file}"),
                format!("{file} is not a text insta snapshot: {why}; the schema now:"),
                "",
            ),
            Previous::Text(text) => (
                format!("the schema accepted in {file}"),
                "a different schema (-accepted +now):".to_string(),
                text.as_str(),
            ),
        };
        let mut fix = String::from(
            "if the change is intended, accept it and commit the file:\n  pg-invariants test --accept\n  under cargo test: cargo insta review, or INSTA_UPDATE=always cargo test",
        );
        match (&pending, ctx.snapshots.update) {
            (Some(pending), _) => fix.push_str(&format!(
                "\nthe new snapshot is waiting for review in {}",
                pending.display()
            )),
            (None, Update::No) => fix.push_str(
                "\nnothing was written: snapshots are never written in CI (CI is set) or with INSTA_UPDATE=no",
            ),
            (None, _) => {}
        }
        Err(fail(
            expected,
            format!("{found}\n{}", diff(old, &snapshot.contents)),
            Some(fix),
        ))
    }
}

/// A unified diff of two renderings, without the `---`/`+++` header lines.
fn diff(old: &str, new: &str) -> String {
    let old = with_newline(old);
    let new = with_newline(new);
    TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .to_string()
        .trim_end()
        .to_string()
}

fn with_newline(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_marks_removed_and_added_lines() {
        let d = diff(
            "table t\ncolumns:\n  a int\n  b text",
            "table t\ncolumns:\n  a bigint\n  b text",
        );
        assert_eq!(
            d,
            "@@ -1,4 +1,4 @@\n table t\n columns:\n-  a int\n+  a bigint\n   b text"
        );
        assert_eq!(diff("", "table t"), "@@ -0,0 +1 @@\n+table t");
    }
}
