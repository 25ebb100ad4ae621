//! Deleting a row that other rows depend on, the steps `on_delete` and `purge` share: build rows
//! under a referenced row, read them, delete the referenced row and say how the DELETE ended,
//! and read the rows again afterwards.

use super::behaviour::{self, Run};
use crate::catalog::{Column, Table};
use crate::checks::{Context, Failure};
use crate::location::Location;
use crate::names::{TableName, ident};
use crate::sandbox::{DbError, Outcome, Statement};
use crate::synth::{Row, identify};

/// Up to `count` rows of `table` with the `fixed` columns set (SQL expressions), kept. At least
/// one, or the failure that says why none could be built; a second row under one referenced row
/// may be impossible (a UNIQUE column: one-to-one), and one is what a check needs.
pub async fn build_under(
    ctx: &Context<'_>,
    run: &mut Run<'_>,
    table: &TableName,
    fixed: &[(String, String)],
    count: usize,
    at: &Location,
    promise: &str,
) -> Result<Vec<Row>, Failure> {
    let mut rows = Vec::new();
    for j in 0..count.max(1) {
        match run.synth.row(&mut run.sb, table, fixed, true).await {
            Ok(row) => rows.push(row),
            Err(_) if j > 0 => break,
            Err(e) => return Err(behaviour::unbuildable(ctx, &e, &run.sb, at, promise)),
        }
    }
    Ok(rows)
}

/// A row found again: its text (`t::text`), and the values of the columns asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub text: String,
    pub values: Vec<Option<String>>,
}

/// The rows found again for `row` (by primary key, or by every column but `except`), each with
/// the values of `columns`.
pub async fn read(
    run: &mut Run<'_>,
    table: &Table,
    row: &Row,
    except: Option<&str>,
    columns: &[String],
) -> Result<Vec<Found>, DbError> {
    let read = Read {
        table,
        rows: vec![(row, except)],
        columns,
    };
    let mut each = read_each(run, &read).await?;
    Ok(each.pop().unwrap_or_default())
}

/// [`read`] for several rows of a table in one statement (one round trip, however many rows a
/// case built): the rows found for each, in the order asked.
pub async fn read_each(run: &mut Run<'_>, read: &Read<'_>) -> Result<Vec<Vec<Found>>, DbError> {
    let mut answers = read_all(run, std::slice::from_ref(read)).await;
    answers.pop().unwrap_or_else(|| Ok(Vec::new()))
}

/// What [`read_each`] reads: rows of one table, each found by key (or by every column but the
/// one given), and the columns whose values to return.
pub struct Read<'r> {
    pub table: &'r Table,
    pub rows: Vec<(&'r Row, Option<&'r str>)>,
    pub columns: &'r [String],
}

/// [`read_each`] of several tables, in one round trip however many: the answer to each, in the
/// order asked (one that failed is read no further; the reads after it are sent again).
pub async fn read_all(
    run: &mut Run<'_>,
    reads: &[Read<'_>],
) -> Vec<Result<Vec<Vec<Found>>, DbError>> {
    let mut answers: Vec<Result<Vec<Vec<Found>>, DbError>> =
        reads.iter().map(|_| Ok(Vec::new())).collect();
    let asked: Vec<(usize, String)> = (reads.iter().enumerate())
        .filter_map(|(i, read)| read_sql(read).map(|sql| (i, sql)))
        .collect();
    let mut next = 0;
    while next < asked.len() {
        let statements: Vec<Statement<'_>> = (asked[next..].iter())
            .map(|(_, sql)| Statement {
                sql,
                keep: false,
                synthesizing: false,
            })
            .collect();
        let ran = run.sb.attempt_all(&statements).await;
        for out in ran.done {
            let i = asked[next].0;
            answers[i] = Ok(found_each(out, reads[i].rows.len()));
            next += 1;
        }
        if let Some(e) = ran.failed {
            answers[asked[next].0] = Err(e);
            next += 1;
        }
    }
    answers
}

/// The SELECT of a [`Read`]: every row asked for, numbered, in one statement; `None` when no
/// row is asked for.
fn read_sql(read: &Read<'_>) -> Option<String> {
    if read.rows.is_empty() {
        return None;
    }
    let mut select = vec!["t::text".to_string()];
    select.extend(read.columns.iter().map(|c| format!("t.{}::text", ident(c))));
    let branches: Vec<String> = (read.rows.iter().enumerate())
        .map(|(i, (row, except))| {
            format!(
                "SELECT {i}, {} FROM {} t WHERE {}",
                select.join(", "),
                read.table.name.sql(),
                identify(read.table, row, *except)
            )
        })
        .collect();
    Some(branches.join("\nUNION ALL "))
}

/// The rows of a [`read_sql`] answer, by the row asked for (`asked` of them).
fn found_each(out: Outcome, asked: usize) -> Vec<Vec<Found>> {
    let mut each: Vec<Vec<Found>> = vec![Vec::new(); asked];
    for mut r in out.rows {
        let values = r.split_off(2.min(r.len()));
        let text = r.pop().flatten().unwrap_or_default();
        let slot = r.pop().flatten().and_then(|i| i.parse::<usize>().ok());
        if let Some(found) = slot.and_then(|i| each.get_mut(i)) {
            found.push(Found { text, values });
        }
    }
    each
}

/// How a DELETE ended, when it ended (a timeout ends the check instead).
#[derive(Debug)]
pub enum Deletion {
    /// It went through, deleting this many rows.
    Deleted(usize),
    /// PostgreSQL refused it.
    Refused(DbError),
}

/// `DELETE FROM table WHERE condition`, recorded in the transcript with its outcome; `Err` when
/// it did not finish (statement or lock timeout), which decides nothing about the schema.
pub async fn delete(
    run: &mut Run<'_>,
    table: &TableName,
    condition: &str,
) -> Result<Deletion, DbError> {
    let sql = format!("DELETE FROM {} WHERE {condition} RETURNING 1", table.sql());
    let result = run.sb.attempt(&sql, true).await.map(|o| o.rows.len());
    run.sb.record(&sql, Some(&behaviour::outcome(&result)));
    match result {
        Ok(n) => Ok(Deletion::Deleted(n)),
        Err(e) if e.is_timeout() => Err(e),
        Err(e) => Ok(Deletion::Refused(e)),
    }
}

/// How many rows read like `row` in every column but `column`, or `None` when its primary key
/// finds it without `column`. Without such a key the row is found again by every column, so a
/// row whose `column` a SET NULL or SET DEFAULT changed reads as gone: a declared cascade would
/// pass. Counted before and after the DELETE, a deleted row lowers this number and a row with
/// only `column` changed does not, whatever other rows (the seed's) read alike.
pub async fn lookalikes(
    run: &mut Run<'_>,
    table: &Table,
    row: &Row,
    column: &str,
) -> Result<Option<i64>, DbError> {
    let keyed = table
        .primary_key()
        .is_some_and(|pk| !pk.columns.iter().any(|c| c == column));
    if keyed {
        return Ok(None);
    }
    let condition = identify(table, row, Some(column));
    let sql = format!(
        "SELECT count(*)::text FROM {} t WHERE {}",
        table.name.sql(),
        if condition.is_empty() {
            "true"
        } else {
            &condition
        }
    );
    Ok(run.sb.value(&sql).await?.and_then(|n| n.parse().ok()))
}

/// What became of a row whose referenced row was deleted, for a message.
pub async fn describe(run: &mut Run<'_>, table: &Table, col: &Column, row: &Row) -> String {
    let key = identify(table, row, Some(&col.name));
    let columns = [col.name.clone()];
    match read(run, table, row, Some(&col.name), &columns).await {
        Ok(rows) if rows.is_empty() => format!("its row ({key}) was deleted"),
        Ok(rows) => format!(
            "its row ({key}) is still there with {} = {}",
            col.name,
            rows[0].values[0].as_deref().unwrap_or("NULL")
        ),
        Err(e) => format!("its row ({key}) could not be read back: {e}"),
    }
}

/// Whether a 23503 (23001 for RESTRICT on PostgreSQL 18) came from the table's own foreign key on the column (on the table or one of
/// its partitions), not from another table that happens to reference the deleted row too.
pub fn blocked_by(ctx: &Context<'_>, table: &Table, column: &str, e: &DbError) -> bool {
    let Some(name) = &e.constraint else {
        // A trigger raising foreign_key_violation names no constraint: behaviour counts.
        return true;
    };
    ctx.catalog.with_partitions(table).iter().any(|t| {
        t.foreign_keys()
            .any(|(c, _)| &c.name == name && c.columns.iter().any(|x| x == column))
    })
}
