//! `<table>::<col>::orphans`: after the seed, no row (matching a target's `where`) holds a value
//! that is absent from that target's column. For columns without an FK on purpose, this is the
//! only thing that notices rows pointing at deleted parents; a polymorphic id lists one target
//! per kind of parent, and a value counts against its own target only.
//!
//! The `where` is the user's SQL, so the query can never do harm or hang: it is sent as one
//! prepared statement (the extended protocol refuses a second statement, so `true); COMMIT; …`
//! cannot escape), in a READ ONLY transaction that is always rolled back, under the same
//! `statement_timeout` as behavioural checks.

use super::machinery::data;
use super::machinery::repair::Repair;
use super::{Check, Context, Failure, On, Verdict};
use crate::catalog::Column;
use crate::names::{TableName, ident};
use crate::sandbox::STATEMENT_TIMEOUT;
use crate::spec::{Fact, OrphanTarget, Orphans};

/// How many offending values a message lists, per target.
const SHOWN: i64 = 10;

/// `<table>::<col>::orphans`, as the plan states it: the column and the targets it must exist in.
pub struct Promise<'a>(pub On<'a>, pub &'a Fact<Orphans>);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(On { table, column }, orphans) = *self;
        let promise = promise(ctx, table, column, &orphans.value);
        let failure = |expected: String, found: String, fix: Option<Repair>| Failure {
            at: Some(orphans.at.clone()),
            promise: promise.clone(),
            expected,
            found,
            fix: fix.map(Into::into),
        };
        let (_, col) = ctx.column(table, column, &orphans.at, &promise)?;
        let mut found = Vec::new();
        let mut fix = Repair::default().note("review first; pg-invariants never runs this:");
        for target in &orphans.value.targets {
            let shown = target.references.display(ctx.schema());
            let (_, target_col) = ctx.column(
                &target.references.table,
                &target.references.column,
                &orphans.at,
                &promise,
            )?;
            let query = Query::new(table, column, col, target, target_col);
            let (count, sample) = data::count_and_sample(ctx, &query.select(), SHOWN)
                .await
                .map_err(|e| failure(RUNS.into(), explain(&e, &query.select()), None))?;
            if count == 0 {
                continue;
            }
            found.push(format!(
                "{}{count} row(s) whose {column} is not in {shown}: {}",
                condition(target),
                data::listing(count, &sample)
            ));
            for line in query.delete() {
                fix = fix.note(line);
            }
        }
        if found.is_empty() {
            return Ok(());
        }
        Err(failure("no orphans".into(), found.join("\n"), Some(fix)))
    }
}

const RUNS: &str = "the orphan query runs (`where` is one SQL condition on the table's columns)";

fn promise(ctx: &Context<'_>, table: &TableName, column: &str, orphans: &Orphans) -> String {
    let targets: Vec<String> = orphans
        .targets
        .iter()
        .map(|t| {
            format!(
                "{}exists in {}",
                condition(t),
                t.references.display(ctx.schema())
            )
        })
        .collect();
    format!("every {}.{column} {}", ctx.show(table), targets.join("; "))
}

/// `(where stream_type = 'user') `, or nothing without `where`.
fn condition(target: &OrphanTarget) -> String {
    target
        .filter
        .as_ref()
        .map(|w| format!("(where {w}) "))
        .unwrap_or_default()
}

/// The orphans of one target: the rows of `table` whose value is absent from the target.
struct Query {
    table: String,
    column: String,
    target: String,
    /// `AND (<where>\n)`: on its own line, so a `--` comment in it ends with it.
    filter: String,
    /// The two sides of the comparison; values of different types (a text id against a uuid
    /// key) are compared as text.
    lhs: String,
    rhs: String,
}

impl Query {
    fn new(
        table: &TableName,
        column: &str,
        col: &Column,
        target: &OrphanTarget,
        target_col: &Column,
    ) -> Self {
        let cast = if col.type_ == target_col.type_ {
            ""
        } else {
            "::text"
        };
        Self {
            table: table.sql(),
            column: ident(column),
            target: target.references.table.sql(),
            filter: target
                .filter
                .as_ref()
                .map(|w| format!(" AND ({w}\n)"))
                .unwrap_or_default(),
            lhs: format!("t.{}{cast}", ident(column)),
            rhs: format!("r.{}{cast}", ident(&target.references.column)),
        }
    }

    fn orphan_rows(&self) -> String {
        format!(
            "FROM {} t WHERE t.{} IS NOT NULL{} AND NOT EXISTS (SELECT 1 FROM {} r WHERE {} = {})",
            self.table, self.column, self.filter, self.target, self.rhs, self.lhs
        )
    }

    /// How many orphans, and the first few values.
    fn select(&self) -> String {
        format!(
            "WITH o AS (SELECT t.{} AS v {}) SELECT (SELECT count(*) FROM o) AS n, \
             ARRAY(SELECT DISTINCT v::text FROM o ORDER BY 1 LIMIT $1) AS sample",
            self.column,
            self.orphan_rows()
        )
    }

    /// The DELETE a person may review, as comment lines (one unless `where` has a comment).
    fn delete(&self) -> Vec<String> {
        let mut statement = format!("DELETE {};", self.orphan_rows());
        if !self.filter.contains("--") {
            statement = statement.replace("\n)", ")");
        }
        statement.lines().map(str::to_string).collect()
    }
}

/// The database's error, with what it means here, and the query.
fn explain(error: &sqlx::Error, sql: &str) -> String {
    let code = error
        .as_database_error()
        .and_then(|d| d.code())
        .unwrap_or_default();
    let meaning = match code.as_ref() {
        "57014" => format!(
            "\n(the query ran past statement_timeout, {}s: make `where` cheaper, or index the columns it reads)",
            STATEMENT_TIMEOUT.as_secs()
        ),
        "42601" if error.to_string().contains("multiple commands") => {
            "\n(`where` is one condition: it may not end the query or add statements)".into()
        }
        "25006" => "\n(the query runs in a READ ONLY transaction: `where` may not write)".into(),
        _ => String::new(),
    };
    let reported = match error.as_database_error() {
        Some(db) => format!("ERROR {code}: {}", db.message()),
        None => error.to_string(),
    };
    format!("{reported}{meaning}\n{sql}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{Fixture, catalog, column, fact, name, reference, table};

    fn target(references: &str, filter: Option<&str>) -> OrphanTarget {
        OrphanTarget {
            references: reference(references),
            filter: filter.map(str::to_string),
        }
    }

    #[test]
    fn the_query_compares_as_text_across_types_and_keeps_a_where_on_its_own_line() {
        let stream = target("users.id", Some("stream_type = 'user' -- users only"));
        let q = Query::new(
            &name("events"),
            "stream_id",
            &column("stream_id", "text"),
            &stream,
            &column("id", "uuid"),
        );
        insta::assert_snapshot!(format!("{}\n{}", q.select(), q.delete().join("\n")));
    }

    #[tokio::test]
    async fn a_missing_target_column_fails_before_any_query() {
        let events = table("events", &[("stream_id", "uuid")]);
        let users = table("users", &[("uid", "uuid")]);
        let f = Fixture::new(catalog(vec![events, users], Vec::new()));
        let orphans = Orphans {
            targets: vec![target("users.id", Some("stream_type = 'user'"))],
        };
        let orphans = fact(orphans, "events.toml", 3);
        let table = &name("events");
        let promise = Promise(
            On {
                table,
                column: "stream_id",
            },
            &orphans,
        );
        let failure = promise.check(&f.ctx()).await.unwrap_err();
        insta::assert_snapshot!(f.shown(&failure));
    }
}
