//! `<table>::<col>::not_null`: an INSERT of an otherwise valid row with NULL in the column is
//! refused (SQLSTATE 23502 or 23514), and no row present after the seed holds NULL there.
//!
//! Behaviour, not structure: the "three-step NOT NULL" leaves a validated `CHECK (col IS NOT
//! NULL)` that is as good as the attribute, while a step never finished (a `NOT VALID` check, a
//! forgotten `SET NOT NULL`) lets NULLs in. An INSERT tells them apart whatever the mechanism.
//! The rows matter too: a `NOT VALID` check (or a trigger) refuses new NULLs but never looked at
//! the rows already there, so a backfill never run leaves NULLs that every reader of the column
//! trusts not to exist. The scan of those rows is the only way to see them.

use super::machinery::behaviour::{self, Case, Run, outcome};
use super::machinery::data;
use super::machinery::repair::{Named, Repair, Step, derived_name, unless_exists};
use super::{Check, Context, Failure, On, Verdict};
use crate::catalog::{ConstraintKind, Table, TableKind};
use crate::location::Location;
use crate::names::{TableName, ident, literal};
use crate::sandbox::DbError;
use crate::synth::insert_sql;

/// How many rows holding NULL a message names.
const SHOWN: i64 = 5;

/// `<table>::<col>::not_null`, as the plan states it.
pub struct Promise<'a>(pub On<'a>, pub &'a Location);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(On { table, column }, at) = *self;
        let insert = NullInsert::new(ctx, table, column, at)?;
        let t = insert.t;
        let fail = |expected: &str, found: String, fix: Option<Repair>| Failure {
            at: Some(at.clone()),
            promise: insert.promise.clone(),
            expected: expected.to_string(),
            found,
            fix: fix.map(Into::into),
        };
        // An attribute NOT NULL holds for every row already: nothing to read.
        let nulls = if insert.not_null {
            Ok(NullRows::default())
        } else {
            null_rows(ctx, t, column).await
        };
        let nulls = nulls.map_err(|e| {
            fail(
                "the rows holding NULL can be counted",
                format!("{e}\n{}", nulls_query(t, column)),
                None,
            )
        })?;
        let refused = behaviour::each_case(ctx, async |run: &mut Run<'_>, _: Case| {
            insert.case(run, nulls.count).await
        });
        match refused.await {
            Err(mut failure) => {
                if let Some(rows) = nulls.describe(ctx, t, column) {
                    failure.found = format!("{}\n{rows}", failure.found);
                }
                Err(failure)
            }
            Ok(()) => match nulls.describe(ctx, t, column) {
                None => Ok(()),
                Some(rows) => Err(fail(
                    &format!("no row holds NULL in {column}"),
                    format!(
                        "the INSERT with {column} = NULL was refused, but {rows}{}",
                        unchecked_rows(t, column)
                    ),
                    Some(three_steps(ctx, t, column, nulls.count)),
                )),
            },
        }
    }
}

/// Whether an INSERT's error is the refusal of NULL the check wants: 23502 (not_null_violation)
/// or 23514 (check_violation) from a CHECK on the column alone (or a domain's). A CHECK across
/// columns (exactly one of two references set) may refuse this NULL for the other columns'
/// values only: see [`NullInsert::case`].
pub(super) fn refuses(e: &DbError, t: &Table, column: &str) -> bool {
    match e.code.as_str() {
        "23502" => true,
        "23514" => across(e, t, column).is_none(),
        _ => false,
    }
}

/// The CHECK that refused the row when it reads other columns than `column`.
fn across<'t>(e: &DbError, t: &'t Table, column: &str) -> Option<&'t str> {
    let name = e.constraint.as_deref()?;
    (t.constraints.iter())
        .find(|c| c.name == name && matches!(c.kind, ConstraintKind::Check))
        .filter(|c| c.columns.iter().any(|x| x != column))
        .map(|c| c.name.as_str())
}

/// The INSERT of an otherwise valid row with NULL in the column, in a rolled-back transaction.
pub(super) struct NullInsert<'a> {
    ctx: &'a Context<'a>,
    t: &'a Table,
    column: &'a str,
    at: &'a Location,
    promise: String,
    /// The column is NOT NULL as an attribute, and validated: no row holds NULL (PostgreSQL
    /// 18's `NOT NULL ... NOT VALID` refuses new NULLs only, so it does not count).
    not_null: bool,
}

impl<'a> NullInsert<'a> {
    /// The check on `table.column`, or the failure that says it cannot be made: a table or
    /// column missing, or a generated column (no INSERT writes it).
    pub(super) fn new(
        ctx: &'a Context<'a>,
        table: &TableName,
        column: &'a str,
        at: &'a Location,
    ) -> Result<Self, Failure> {
        let promise = format!(
            "{}.{column} is NOT NULL: an INSERT with NULL there is refused, and no row holds NULL",
            ctx.show(table)
        );
        let (t, col) = ctx.column(table, column, at, &promise)?;
        if col.generated {
            return Err(Failure {
                at: Some(at.clone()),
                promise,
                expected: "a column an INSERT can write".into(),
                found: format!("{column} is a generated column: no INSERT can set it to NULL"),
                fix: None,
            });
        }
        Ok(Self {
            ctx,
            t,
            column,
            at,
            promise,
            not_null: col.not_null && col.not_null_not_valid.is_none(),
        })
    }

    /// The column written NULL.
    pub(super) fn column(&self) -> &'a str {
        self.column
    }

    /// One case; `nulls` rows hold NULL already, which the repair a failure offers must say.
    async fn case(&self, run: &mut Run<'_>, nulls: i64) -> Verdict {
        let Self {
            ctx, t, column, at, ..
        } = *self;
        let (_, (result, count)) =
            (run.row_instead(ctx, t, column, "NULL", at, &self.promise)).await?;
        let out = match result {
            Err(e) if refuses(&e, t, column) => return Ok(()),
            Err(e) if e.code == "23514" => return self.refused_across(run, &e, nulls).await,
            Err(_) => None,
            Ok(out) => Some(out),
        };
        let replaced = out
            .as_ref()
            .map(|o| behaviour::replaced(t, column, None, o))
            .unwrap_or_default();
        // Already NOT NULL, and a trigger fills the column in: no DDL makes the INSERT fail.
        let fix =
            (!self.not_null || replaced.is_empty()).then(|| three_steps(ctx, t, column, nulls));
        Err(Failure {
            at: Some(at.clone()),
            promise: self.promise.clone(),
            expected: "the INSERT fails with SQLSTATE 23502 (not_null_violation) or 23514 (check_violation)".into(),
            found: format!(
                "the INSERT with {column} = NULL {}{replaced}\n{}",
                outcome(&count),
                behaviour::transcript(&run.sb)
            ),
            fix: fix.map(Into::into),
        })
    }
}

impl NullInsert<'_> {
    /// A CHECK across columns refused NULL in a row whose other columns it reads were made for
    /// the column set: a row with NULL there and other values in them (a parent in the other
    /// reference of an exclusive arc) is tried. Taken, NULL is accepted: a failure. Never
    /// taken, the refusal stands.
    async fn refused_across(&self, run: &mut Run<'_>, e: &DbError, nulls: i64) -> Verdict {
        let Self {
            ctx, t, column, at, ..
        } = *self;
        let fixed = [(column.to_string(), "NULL".to_string())];
        let Ok(row) = run.synth.row(&mut run.sb, &t.name, &fixed, false).await else {
            return Ok(());
        };
        run.sb
            .record(&insert_sql(t, &row.written), Some("succeeded (1 row)"));
        let check = across(e, t, column).unwrap_or_default();
        let others: Vec<String> = (row.written.iter())
            .filter(|(c, _)| c.as_str() != column)
            .map(|(c, v)| format!("{c} = {v}"))
            .collect();
        Err(Failure {
            at: Some(at.clone()),
            promise: self.promise.clone(),
            expected: "the INSERT fails with SQLSTATE 23502 (not_null_violation) or 23514 (check_violation)".into(),
            found: format!(
                "the INSERT with {column} = NULL was refused by {check}, a CHECK that reads other columns too, but a row with {column} = NULL and {} succeeded (1 row)\n{}",
                others.join(", "),
                behaviour::transcript(&run.sb)
            ),
            fix: Some(three_steps(ctx, t, column, nulls).into()),
        })
    }
}

/// The rows present after the seed whose column is NULL: how many, and the first few by key.
#[derive(Debug, Default)]
struct NullRows {
    count: i64,
    /// `id=7`, or `ctid (0,1)` without a primary key; prefixed by the partition that holds it.
    sample: Vec<String>,
}

impl NullRows {
    /// `2 row(s) present after the seed hold NULL in org_id: id=1, id=2`, or `None` for none.
    fn describe(&self, ctx: &Context<'_>, t: &Table, column: &str) -> Option<String> {
        if self.count == 0 {
            return None;
        }
        Some(format!(
            "{} row(s) of {} present after the seed hold NULL in {column}: {}",
            self.count,
            ctx.show(&t.name),
            data::listing(self.count, &self.sample)
        ))
    }
}

/// Counts the rows holding NULL, read-only, in a transaction that is rolled back.
async fn null_rows(ctx: &Context<'_>, t: &Table, column: &str) -> Result<NullRows, sqlx::Error> {
    let (count, sample) = data::count_and_sample(ctx, &nulls_query(t, column), SHOWN).await?;
    Ok(NullRows { count, sample })
}

/// The count of rows holding NULL in `column`, and up to `$1` of them named by primary key (or
/// ctid), with the partition that holds each when the table is partitioned.
fn nulls_query(t: &Table, column: &str) -> String {
    let key = match t.primary_key() {
        Some(pk) => pk
            .columns
            .iter()
            .map(|c| {
                format!(
                    "{} || coalesce(t.{}::text, 'NULL')",
                    literal(&format!("{c}=")),
                    ident(c)
                )
            })
            .collect::<Vec<_>>()
            .join(" || ', ' || "),
        None => "'ctid ' || t.ctid::text".to_string(),
    };
    let key = match t.kind {
        TableKind::Partitioned => format!("t.tableoid::regclass::text || ': ' || {key}"),
        TableKind::Ordinary => key,
    };
    format!(
        "WITH n AS (SELECT {key} AS k FROM {} t WHERE t.{} IS NULL) \
         SELECT (SELECT count(*) FROM n) AS n, ARRAY(SELECT k FROM n ORDER BY k LIMIT $1) AS sample",
        t.name.sql(),
        ident(column)
    )
}

/// Why new NULLs are refused while old ones stay, when the catalog shows it: a `NOT VALID` check,
/// or PostgreSQL 18's `NOT NULL ... NOT VALID`.
fn unchecked_rows(t: &Table, column: &str) -> String {
    let not_valid = t.column(column).and_then(|c| c.not_null_not_valid.clone());
    match not_valid.or_else(|| unfinished_check(t, column)) {
        Some(name) => format!(
            "\n{name} is NOT VALID: it refuses new NULLs, but the rows already there were never checked (a backfill never run?)"
        ),
        None => "\nwhat refuses new NULLs (a trigger?) never checked the rows already there".into(),
    }
}

/// A `CHECK (col IS NOT NULL) NOT VALID` on the table: the first step of the three, taken.
fn unfinished_check(t: &Table, column: &str) -> Option<String> {
    let shapes = [
        format!("CHECK (({column} IS NOT NULL)) NOT VALID"),
        format!("CHECK (({} IS NOT NULL)) NOT VALID", ident(column)),
    ];
    t.constraints
        .iter()
        .find(|c| {
            matches!(c.kind, ConstraintKind::Check)
                && !c.validated
                && !c.inherited
                && shapes.contains(&c.definition)
        })
        .map(|c| c.name.clone())
}

/// The three steps, each idempotent: a `CHECK (col IS NOT NULL) NOT VALID` (instant), its
/// validation (reads the table without blocking writes), then `SET NOT NULL`, which uses the
/// validated check instead of scanning again; the check, now redundant, is dropped. An
/// unfinished check already there is the one finished. `nulls` rows hold NULL today: the
/// validation fails until a person gives them a value.
fn three_steps(ctx: &Context<'_>, table: &Table, column: &str, nulls: i64) -> Repair {
    let t = table.name.sql();
    let c = ident(column);
    let needs = (nulls > 0).then(|| {
        format!(
            "{nulls} row(s) of {} hold NULL in {column}: write the UPDATE before the VALIDATE runs",
            ctx.show(&table.name)
        )
    });
    // PostgreSQL 18's NOT NULL ... NOT VALID: validating it is the whole repair (a CHECK
    // named like it would be skipped by the guard, and dropping "it" would drop the NOT NULL).
    let not_valid = table
        .column(column)
        .and_then(|x| x.not_null_not_valid.as_ref());
    if let Some(name) = not_valid {
        let validate = Step::validate(&table.name, name)
            .note("rows that are NULL today must be given a value first:")
            .note(format!("UPDATE {t} SET {c} = ... WHERE {c} IS NULL;"));
        return Repair {
            needs,
            ..Repair::new(vec![validate])
        };
    }
    let name = unfinished_check(table, column)
        .unwrap_or_else(|| derived_name(&table.name.name, column, "not_null"));
    let add = format!(
        "ALTER TABLE {t} ADD CONSTRAINT {} CHECK ({c} IS NOT NULL) NOT VALID",
        ident(&name)
    );
    let steps = vec![
        Step::new(
            &table.name,
            unless_exists(Named::Constraint, &table.name, &name, &add),
        )
        .note("rows that are NULL today must be given a value first:")
        .note(format!("UPDATE {t} SET {c} = ... WHERE {c} IS NULL;")),
        Step::validate(&table.name, &name),
        Step::new(
            &table.name,
            format!("ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;"),
        ),
        Step::drop_constraint(&table.name, &name)
            .note("the column's NOT NULL now does what the check did"),
    ];
    Repair {
        needs,
        ..Repair::new(steps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Constraint;
    use crate::checks::testing;

    fn table(constraints: Vec<Constraint>) -> Table {
        Table {
            constraints,
            ..testing::table("projects", &[])
        }
    }

    fn check(name: &str, definition: &str, validated: bool) -> Constraint {
        Constraint {
            name: name.into(),
            kind: ConstraintKind::Check,
            columns: vec!["orgId".into()],
            validated,
            deferrable: false,
            deferred: false,
            inherited: false,
            definition: definition.into(),
        }
    }

    #[test]
    fn only_an_unvalidated_check_of_exactly_col_is_not_null_is_finished_by_the_repair() {
        let t = table(vec![
            check(
                "a",
                "CHECK (((\"orgId\" IS NOT NULL) AND (1 = 1))) NOT VALID",
                false,
            ),
            check("b", "CHECK ((\"orgId\" IS NOT NULL))", true),
            check("c", "CHECK ((\"orgId\" IS NOT NULL)) NOT VALID", false),
        ]);
        assert_eq!(unfinished_check(&t, "orgId").as_deref(), Some("c"));
        assert_eq!(unfinished_check(&table(Vec::new()), "orgId"), None);
    }

    #[test]
    fn rows_are_named_by_primary_key_or_ctid_with_their_partition() {
        let mut t = table(Vec::new());
        assert!(nulls_query(&t, "orgId").contains("'ctid ' || t.ctid::text"));
        t.kind = TableKind::Partitioned;
        t.constraints.push(Constraint {
            kind: ConstraintKind::PrimaryKey,
            columns: vec!["id".into(), "kind".into()],
            ..check("pk", "PRIMARY KEY (id, kind)", true)
        });
        let sql = nulls_query(&t, "orgId");
        assert!(
            sql.contains("t.tableoid::regclass::text || ': ' || 'id=' || coalesce(t.\"id\"::text, 'NULL') || ', ' || 'kind=' ||"),
            "{sql}"
        );
        assert!(sql.contains("WHERE t.\"orgId\" IS NULL"), "{sql}");
    }
}
