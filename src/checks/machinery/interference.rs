//! Non-interference (docs/tenancy.md, "Paths to the data besides tables"): what a principal of
//! tenant A gets through a view or a function must not depend on tenant B's rows. The steps the
//! view, function and anonymous checks share: two tenants with rows in the tables a path reads,
//! every row of a tenant read or deleted as the superuser, and two answers compared as
//! multisets with the columns that change between identical reads left out.
//!
//! Everything runs in the check's rolled-back transaction; a [`Mark`] lets a check compare two
//! branches of one state (the answer with B's rows, and without them).

use std::collections::BTreeMap;

use super::behaviour::{self, Run};
use crate::checks::{Context, Failure};
use crate::location::Location;
use crate::names::{TableName, ident, literal};
use crate::plan::Acting;
use crate::sandbox::{DbError, Outcome, sqlstate};
use crate::spec::Tenancy;
use crate::synth::{Row, Tenant};
pub use crate::tenancy::Scoped;

/// Where the test comes from and the role it acts as: `[tenancy]` and its role, or `anon`.
pub fn user(tenancy: &Tenancy, acting: Acting) -> (&Location, &str) {
    match (acting, &tenancy.anon) {
        (Acting::Anonymous, Some(anon)) => (&anon.at, anon.value.as_str()),
        _ => (&tenancy.at, tenancy.role.value.as_str()),
    }
}

/// The tenants whose rows must not matter: B's for a principal of A, every tenant's for the
/// anonymous role.
pub fn gone(pair: &Pair, acting: Acting) -> Vec<&str> {
    match acting {
        Acting::Principal => vec![pair.b.key.as_str()],
        Acting::Anonymous => vec![pair.a.key.as_str(), pair.b.key.as_str()],
    }
}

/// Whose rows must not matter, without their ids (the expectation names them).
pub fn whose_short(acting: Acting) -> &'static str {
    match acting {
        Acting::Principal => "tenant B's",
        Acting::Anonymous => "tenant A's and B's",
    }
}

/// Tenants A and B, each with a row in every table the path needs (kept), and both principals
/// signed up.
pub struct Pair {
    pub a: Tenant,
    pub b: Tenant,
    /// Per table: A's row and B's row.
    pub rows: Vec<(TableName, Row, Row)>,
}

impl Pair {
    /// The tenant's row of `table` (A's when `of_a`).
    pub fn row(&self, table: &TableName, of_a: bool) -> Option<&Row> {
        (self.rows.iter())
            .find(|(t, _, _)| t == table)
            .map(|(_, a, b)| if of_a { a } else { b })
    }
}

/// Builds A and B and their rows in `tables` (the tenant table aside: its rows are the
/// tenants), or the failure that says which row could not be built.
pub async fn populate(
    ctx: &Context<'_>,
    run: &mut Run<'_>,
    tables: &[&TableName],
    at: &Location,
    promise: &str,
) -> Result<Pair, Failure> {
    let unbuildable = |run: &Run<'_>, e| behaviour::unbuildable(ctx, &e, &run.sb, at, promise);
    let tenants = &ctx
        .spec
        .project
        .tenancy
        .as_ref()
        .map(|t| &t.tenants.value.table);
    let for_table = tables.first().copied().or(tenants.as_ref().copied());
    let Some(for_table) = for_table else {
        return Err(crate::checks::vocabulary::unchecked(Some(at)));
    };
    let tenant = async |run: &mut Run<'_>| {
        let made = run.synth.tenant(&mut run.sb, for_table).await;
        made.map_err(|e| unbuildable(run, e))
    };
    let a = tenant(run).await?;
    let b = tenant(run).await?;
    let mut rows = Vec::new();
    for &table in tables {
        if tenants.is_some_and(|t| t == table) {
            continue;
        }
        let of = async |run: &mut Run<'_>, t: &Tenant| {
            let row = (run.synth.tenant_row(&mut run.sb, table, &[], t, true)).await;
            row.map_err(|e| unbuildable(run, e))
        };
        let row_a = of(run, &a).await?;
        let row_b = of(run, &b).await?;
        rows.push((table.clone(), row_a, row_b));
    }
    // Both principals exist, whatever the tables: B's user is an argument, A acts.
    for t in [&a, &b] {
        let entered = run.synth.act_as(&mut run.sb, t).await;
        let left = run.synth.leave(&mut run.sb).await;
        if let Err(e) = entered.and(left) {
            return Err(Failure {
                at: Some(at.clone()),
                promise: promise.to_string(),
                expected: "a principal of each tenant".into(),
                found: format!(
                    "acting as a principal failed at `{}`: {} ([tenancy] in pg-invariants.toml)\n{}",
                    e.sql,
                    e.error,
                    behaviour::transcript(&run.sb)
                ),
                fix: None,
            });
        }
    }
    Ok(Pair { a, b, rows })
}

/// Every row of the tenants `keys` in the scoped tables, read as the superuser (no request in
/// force): `(table, row as JSON)`, sorted. One query for all tables.
pub async fn rows_of(
    run: &mut Run<'_>,
    scope: &[Scoped<'_>],
    keys: &[&str],
    schema: &str,
) -> Result<Vec<(String, String)>, DbError> {
    let list: Vec<String> = keys.iter().map(|k| literal(k)).collect();
    let list = list.join(", ");
    let parts: Vec<String> = (scope.iter())
        .map(|s| {
            let whose: Vec<String> = (s.columns.iter())
                .map(|c| format!("x.{}::text IN ({list})", ident(c)))
                .collect();
            format!(
                "SELECT {}::text AS t, to_jsonb(x)::text AS r FROM {} x WHERE {}",
                literal(&s.table.name.shown(schema)),
                s.table.name.sql(),
                whose.join(" OR ")
            )
        })
        .collect();
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("{} ORDER BY 1, 2", parts.join(" UNION ALL "));
    let out = run.sb.attempt(&sql, false).await?;
    Ok((out.rows.into_iter())
        .map(|r| {
            let mut r = r.into_iter().map(Option::unwrap_or_default);
            (r.next().unwrap_or_default(), r.next().unwrap_or_default())
        })
        .collect())
}

/// What changed between two readings of [`rows_of`]: up to `SHOWN` lines, `-` for a row gone
/// or changed, `+` for a row added or changed.
pub fn changed_rows(before: &[(String, String)], after: &[(String, String)]) -> Vec<String> {
    let gone = (before.iter())
        .filter(|r| !after.contains(r))
        .map(|(t, r)| format!("- {t} {r}"));
    let came = (after.iter())
        .filter(|r| !before.contains(r))
        .map(|(t, r)| format!("+ {t} {r}"));
    gone.chain(came).take(SHOWN).collect()
}

/// How many rows a message shows.
const SHOWN: usize = 5;

/// Deletes every row of the tenants `keys` from the scoped tables (the tenant rows stay), with
/// what deleting them removes, kept. A table whose rows another tenant's row still references
/// is tried again after the others; `Err` says which DELETE could not be done.
pub async fn delete_rows(
    run: &mut Run<'_>,
    scope: &[Scoped<'_>],
    keys: &[&str],
) -> Result<(), String> {
    let list: Vec<String> = keys.iter().map(|k| literal(k)).collect();
    let mut queue: Vec<String> = (scope.iter())
        .filter(|s| !s.tenant_table)
        .map(|s| {
            let whose: Vec<String> = (s.columns.iter())
                .map(|c| format!("{}::text IN ({})", ident(c), list.join(", ")))
                .collect();
            format!(
                "DELETE FROM {} WHERE {}",
                s.table.name.sql(),
                whose.join(" OR ")
            )
        })
        .collect();
    loop {
        let tried = queue.len();
        let mut refused = Vec::new();
        let mut last = None;
        for sql in std::mem::take(&mut queue) {
            match run.sb.attempt(&sql, true).await {
                Ok(o) => {
                    let note = format!("{} row(s) deleted", o.affected);
                    run.sb.record(&sql, Some(&note));
                }
                Err(e) if sqlstate::is_foreign_key_refusal(&e.code) => {
                    last = Some(e);
                    refused.push(sql);
                }
                Err(e) => return Err(format!("{sql} failed: {e}")),
            }
        }
        match last {
            None => return Ok(()),
            Some(e) if refused.len() == tried => {
                return Err(format!("{} failed: {e}", refused[0]));
            }
            Some(_) => queue = refused,
        }
    }
}

/// Who uses the path: a principal of tenant A, or the anonymous role.
pub enum Who<'w> {
    Principal(&'w Tenant),
    Anonymous(&'w str),
}

/// Runs `sql` as `who` (kept, or a trial), then back to the superuser: its outcome, a refusal
/// included, or why the check cannot conclude (the request could not be made, or the statement
/// failed in a way that is no refusal: see [`sqlstate::is_refusal`]).
pub async fn run_as(
    run: &mut Run<'_>,
    who: &Who<'_>,
    sql: &str,
    keep: bool,
) -> Result<Result<Outcome, DbError>, String> {
    let entered = match who {
        Who::Principal(a) => run.synth.act_as(&mut run.sb, a).await,
        Who::Anonymous(role) => run.synth.act_anonymously(&mut run.sb, role).await,
    };
    if let Err(e) = entered {
        return Err(format!(
            "acting as {} failed at `{}`: {} ([tenancy] in pg-invariants.toml)",
            who.describe(),
            e.sql,
            e.error
        ));
    }
    let result = run.sb.attempt(sql, keep).await;
    let note = match &result {
        Ok(o) if o.rows.is_empty() => format!("{} row(s) changed", o.affected),
        Ok(o) => format!("{} row(s)", o.rows.len()),
        Err(e) => format!("failed: {e}"),
    };
    run.sb.record(sql, Some(&note));
    if let Err(e) = run.synth.leave(&mut run.sb).await {
        return Err(format!(
            "leaving the request failed at `{}`: {}",
            e.sql, e.error
        ));
    }
    match result {
        Err(e) if !sqlstate::is_refusal(&e.code) => Err(format!("`{sql}` failed: {e}")),
        result => Ok(result),
    }
}

/// [`run_as`] for a read: the rows it returned, or its refusal.
pub async fn as_user(
    run: &mut Run<'_>,
    who: &Who<'_>,
    sql: &str,
    keep: bool,
) -> Result<Answer, String> {
    Ok(run_as(run, who, sql, keep).await?.map(|o| o.rows))
}

impl Who<'_> {
    /// As messages name it.
    pub fn describe(&self) -> String {
        match self {
            Self::Principal(a) => format!("a principal of tenant A ({})", a.key),
            Self::Anonymous(role) => format!("the anonymous role {role}"),
        }
    }
}

/// Reads the path with `read`, deletes the rows of the tenants `gone` (as the superuser), and
/// reads again. `Ok(None)` when both answers agree on everything that depends on the data;
/// else the rows only the first answer had and only the second. When they differ, the first
/// read is repeated on the state it saw (back to a [`Mark`](crate::sandbox::Mark)) to leave
/// out the columns that change between identical reads. `Err`: why it cannot conclude.
pub async fn depends_on<F>(
    run: &mut Run<'_>,
    scope: &[Scoped<'_>],
    gone: &[&str],
    mut read: F,
) -> Result<Option<(Vec<String>, Vec<String>)>, String>
where
    F: AsyncFnMut(&mut Run<'_>) -> Result<Answer, String>,
{
    let mark = run.sb.mark();
    let compared = compared(run, scope, gone, &mut read, &mark).await;
    // The rows are back whatever happened: a check may compare again (another variant).
    run.sb.back_to(&mark);
    compared
}

/// [`depends_on`] after its mark.
async fn compared<F>(
    run: &mut Run<'_>,
    scope: &[Scoped<'_>],
    gone: &[&str],
    read: &mut F,
    mark: &crate::sandbox::Mark,
) -> Result<Option<(Vec<String>, Vec<String>)>, String>
where
    F: AsyncFnMut(&mut Run<'_>) -> Result<Answer, String>,
{
    let first = read(run).await?;
    (delete_rows(run, scope, gone).await)
        .map_err(|e| format!("the other tenant's rows could not be deleted: {e}"))?;
    let second = read(run).await?;
    if let Compared::Same = compare(&first, &second, &[]) {
        return Ok(None);
    }
    run.sb.back_to(mark);
    let again = read(run).await?;
    let Some(volatile) = volatile(&first, &again) else {
        return Err("two reads of the same rows returned different numbers of rows: nothing stable to compare".into());
    };
    match compare(&first, &second, &volatile) {
        Compared::Same => Ok(None),
        Compared::Differ {
            only_first,
            only_second,
        } => Ok(Some((only_first, only_second))),
    }
}

/// The answer of one read of a path: its rows as text, or the error it ended with.
pub type Answer = Result<Vec<Vec<Option<String>>>, DbError>;

/// How two answers of a path compare.
pub enum Compared {
    Same,
    /// They differ in what depends on the data: the rows only the first had, and only the
    /// second, as text (a few).
    Differ {
        only_first: Vec<String>,
        only_second: Vec<String>,
    },
}

/// Compares `first` and `second` as multisets of rows, leaving out the columns `volatile` names
/// (those that differ between two identical reads).
pub fn compare(first: &Answer, second: &Answer, volatile: &[usize]) -> Compared {
    match (first, second) {
        (Ok(a), Ok(b)) => {
            let (a, b) = (counted(a, volatile), counted(b, volatile));
            if a == b {
                return Compared::Same;
            }
            Compared::Differ {
                only_first: surplus(&a, &b),
                only_second: surplus(&b, &a),
            }
        }
        (Err(a), Err(b)) if a.code == b.code => Compared::Same,
        (a, b) => Compared::Differ {
            only_first: vec![shown(a)],
            only_second: vec![shown(b)],
        },
    }
}

/// The columns whose values differ between two reads of the same state (`now()` is the same
/// within a transaction; `clock_timestamp()`, `random()` and fresh ids are not). `None` when
/// even the number of rows differs: nothing stable to compare.
pub fn volatile(first: &Answer, again: &Answer) -> Option<Vec<usize>> {
    let (Ok(a), Ok(b)) = (first, again) else {
        return Some(Vec::new());
    };
    if a.len() != b.len() {
        return None;
    }
    let width = a.first().map_or(0, Vec::len);
    let column = |rows: &[Vec<Option<String>>], i: usize| {
        let mut values: Vec<Option<String>> =
            rows.iter().map(|r| r.get(i).cloned().flatten()).collect();
        values.sort();
        values
    };
    Some(
        (0..width)
            .filter(|&i| column(a, i) != column(b, i))
            .collect(),
    )
}

/// Rows without the `volatile` columns, counted.
fn counted(rows: &[Vec<Option<String>>], volatile: &[usize]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for row in rows {
        let kept: Vec<String> = (row.iter().enumerate())
            .filter(|(i, _)| !volatile.contains(i))
            .map(|(_, v)| v.as_deref().unwrap_or("NULL").to_string())
            .collect();
        *out.entry(format!("({})", kept.join(", "))).or_insert(0) += 1;
    }
    out
}

/// The rows `a` holds more often than `b`, a few.
fn surplus(a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>) -> Vec<String> {
    (a.iter())
        .filter(|(row, n)| b.get(*row).copied().unwrap_or(0) < **n)
        .map(|(row, _)| row.clone())
        .take(SHOWN)
        .collect()
}

/// An answer in a message.
fn shown(answer: &Answer) -> String {
    match answer {
        Ok(rows) => format!("{} row(s)", rows.len()),
        Err(e) => format!("error: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(rows: &[&[&str]]) -> Answer {
        Ok((rows.iter())
            .map(|r| r.iter().map(|v| Some(v.to_string())).collect())
            .collect())
    }

    #[test]
    fn answers_are_multisets() {
        let a = rows(&[&["1", "x"], &["2", "y"]]);
        let b = rows(&[&["2", "y"], &["1", "x"]]);
        assert!(matches!(compare(&a, &b, &[]), Compared::Same));
        let doubled = rows(&[&["1", "x"], &["1", "x"], &["2", "y"]]);
        let Compared::Differ {
            only_first,
            only_second,
        } = compare(&doubled, &a, &[])
        else {
            panic!("a row twice is not the same as once");
        };
        assert_eq!(
            (only_first, only_second),
            (vec!["(1, x)".to_string()], vec![])
        );
    }

    /// A column that differs between two identical reads (`clock_timestamp()`) is left out; the
    /// rows that depend on the data still differ.
    #[test]
    fn volatile_columns_are_left_out() {
        let first = rows(&[&["1", "10:00:01"], &["2", "10:00:01"]]);
        let again = rows(&[&["1", "10:00:02"], &["2", "10:00:02"]]);
        let columns = volatile(&first, &again).expect("same number of rows");
        assert_eq!(columns, [1]);
        let without_b = rows(&[&["1", "10:00:03"]]);
        let Compared::Differ { only_first, .. } = compare(&first, &without_b, &columns) else {
            panic!("B's row depends on the data");
        };
        assert_eq!(only_first, ["(2)"]);
        let same = rows(&[&["1", "10:00:04"], &["2", "10:00:04"]]);
        assert!(matches!(compare(&first, &same, &columns), Compared::Same));
        let fewer = rows(&[&["1", "10:00:02"]]);
        assert_eq!(
            volatile(&first, &fewer),
            None,
            "a row count that varies: nothing stable"
        );
    }

    #[test]
    fn refusals_compare_by_sqlstate() {
        let refused = |code: &str| -> Answer {
            Err(DbError {
                code: code.into(),
                ..DbError::unanswered()
            })
        };
        assert!(matches!(
            compare(&refused("42501"), &refused("42501"), &[]),
            Compared::Same
        ));
        assert!(matches!(
            compare(&rows(&[&["1"]]), &refused("42501"), &[]),
            Compared::Differ { .. }
        ));
    }

    #[test]
    fn changed_rows_are_listed_both_ways() {
        let before = vec![("projects".to_string(), "{\"id\": 1}".to_string())];
        let after = vec![("projects".to_string(), "{\"id\": 2}".to_string())];
        assert_eq!(
            changed_rows(&before, &after),
            ["- projects {\"id\": 1}", "+ projects {\"id\": 2}"]
        );
        assert!(changed_rows(&before, &before).is_empty());
    }
}
