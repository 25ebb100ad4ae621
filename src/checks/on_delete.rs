//! `<table>::<col>::on_delete`: deleting a referenced row does what `on_delete` says to the rows
//! that reference it, and leaves the rows of every other referenced row untouched.
//!
//! pgTAP has no assertion for this (its maintainer writes the INSERT/DELETE by hand), yet it is
//! the promise behind "deleting an organization deletes its data, and only its data". The check
//! builds several referenced rows with rows of the table under each, deletes the first, and
//! compares: `cascade` (its rows are gone), `set null` / `set default` (their column is NULL /
//! the default), `restrict` / `no action` (the DELETE fails with 23503). Whatever produces the
//! behaviour (an FK, a trigger, a rule) counts; a trigger that also deletes another tenant's
//! rows fails.

use super::behaviour::{self, Case, Run};
use super::{Context, Failure, Fix, Verdict, repair};
use crate::catalog::{Column, Table};
use crate::names::{TableName, ident};
use crate::spec::{Fact, OnDelete, Reference};
use crate::synth::{DbError, Row, identify, typed};

pub async fn check(
    ctx: &Context<'_>,
    table: &TableName,
    column: &str,
    references: &Fact<Reference>,
    on_delete: &Fact<OnDelete>,
) -> Verdict {
    let target = &references.value;
    let at = &on_delete.at;
    let action = on_delete.value;
    let promise = format!(
        "deleting a row of {} {} its {} rows (ON DELETE {}), and no other rows",
        target.display(ctx.schema()),
        match action {
            OnDelete::Cascade => "deletes",
            OnDelete::SetNull => "sets NULL in",
            OnDelete::SetDefault => "sets the default in",
            OnDelete::Restrict | OnDelete::NoAction => "is refused while it has",
        },
        ctx.show(table),
        action.sql()
    );
    let (t, col) = ctx.column(table, column, at, &promise)?;
    let (_, target_col) = ctx.column(&target.table, &target.column, at, &promise)?;
    // The structure's fix when the catalog shows the cause; otherwise say where to look.
    let structural: Option<Fix> =
        repair::foreign_key(ctx, table, column, references, Some(on_delete))
            .map(|wrong| wrong.repair.into());
    let note = match structural {
        Some(_) => String::new(),
        None => format!(
            "\nthe foreign key itself is right: a trigger or rule on {} or {} changes what the DELETE does",
            ctx.show(&target.table),
            ctx.show(table)
        ),
    };
    let fail = |found: String, run: &Run<'_>| Failure {
        at: Some(at.clone()),
        promise: promise.clone(),
        expected: expected(action, ctx.show(table), column),
        found: format!("{found}{note}\n{}", behaviour::transcript(&run.sb)),
        fix: structural.clone(),
    };
    behaviour::each_case(ctx, async |run: &mut Run<'_>, case: Case| {
        let mut parents = Vec::new();
        for _ in 0..case.parents {
            let parent = run.row(ctx, &target.table, true, at, &promise).await?;
            parents.push(parent);
        }
        // Rows of the table under each referenced row, and how each reads before the DELETE.
        let mut children: Vec<(Row, String)> = Vec::new();
        for parent in &parents {
            let value = typed(parent.text(&target.column), col);
            for j in 0..case.children {
                let built = run
                    .synth
                    .row(&mut run.sb, table, &[(column.to_string(), value.clone())], true)
                    .await;
                let child = match built {
                    Ok(child) => child,
                    // A second row under one parent may be impossible (a UNIQUE column:
                    // one-to-one): one row each is what the check needs.
                    Err(_) if j > 0 => break,
                    Err(e) => return Err(behaviour::unbuildable(ctx, &e, &run.sb, at, &promise)),
                };
                let before = read(run, t, column, &child, None).await.map_err(|e| {
                    fail(format!("reading the row back failed: {e}"), run)
                })?;
                let before = before.into_iter().next().unwrap_or_default().0;
                children.push((child, before));
            }
        }
        // The referenced row to delete: the one the first row really references. A trigger may
        // have replaced the value written (a tenant id copied from another parent), so rows
        // are grouped by what they hold, not by what was asked.
        let Some(victim) = children[0].0.text(column).map(str::to_string) else {
            return Err(fail(
                format!("a row written with {column} set came back with {column} = NULL (a trigger cleared it)"),
                run,
            ));
        };
        let under_victim = |child: &Row| child.text(column) == Some(victim.as_str());
        let victims = children.iter().filter(|(c, _)| under_victim(c)).count();
        let default = match (action, &col.default) {
            (OnDelete::SetDefault, Some(d)) => run
                .sb
                .value(&format!("SELECT (({d})::{})::text", col.type_))
                .await
                .ok()
                .flatten(),
            _ => None,
        };
        // Rows no key finds without the column: counted alike before and after (see lookalikes).
        let mut alike_before = Vec::new();
        for (child, _) in &children {
            let counted = if action == OnDelete::Cascade && under_victim(child) {
                lookalikes(run, t, child, column)
                    .await
                    .map_err(|e| fail(format!("counting rows like it failed: {e}"), run))?
            } else {
                None
            };
            alike_before.push(counted);
        }
        let delete = format!(
            "DELETE FROM {} WHERE {} = {} RETURNING 1",
            target.table.sql(),
            ident(&target.column),
            typed(Some(&victim), target_col)
        );
        let result = run.sb.attempt(&delete, true).await.map(|o| o.rows.len());
        run.sb.record(&delete, Some(&behaviour::outcome(&result)));

        let refused = match result {
            Err(e) if e.is_timeout() => return Err(fail(format!("the DELETE {e}"), run)),
            Err(e) => Some(e),
            Ok(_) => None,
        };
        match (action, refused) {
            (OnDelete::Restrict | OnDelete::NoAction, Some(e)) => {
                if e.code == "23503" && blocked_by(ctx, t, column, &e) {
                    return Ok(());
                }
                Err(fail(format!("the DELETE was refused, but not by {}'s foreign key on {column}: {e}", ctx.show(table)), run))
            }
            (OnDelete::Restrict | OnDelete::NoAction, None) => {
                let mut found = vec![format!(
                    "the DELETE of the referenced row succeeded although {victims} row(s) reference it"
                )];
                for (child, _) in children.iter().filter(|(c, _)| under_victim(c)) {
                    found.push(describe(run, t, col, child).await);
                }
                Err(fail(found.join("\n"), run))
            }
            (_, Some(e)) => Err(fail(format!("the DELETE of the referenced row was refused: {e}"), run)),
            (_, None) => {
                let mut problems = Vec::new();
                for ((child, before), alike) in children.iter().zip(&alike_before) {
                    let mine = under_victim(child);
                    let except = (mine && action != OnDelete::Cascade).then_some(column);
                    let now = read(run, t, column, child, except)
                        .await
                        .map_err(|e| fail(format!("reading the rows back failed: {e}"), run))?;
                    let key = identify(t, child, except);
                    if !mine {
                        if now.len() != 1 || now[0].0 != *before {
                            problems.push(format!(
                                "a row of another referenced row changed: {} ({key}) was {before}, is now {}",
                                ctx.show(table),
                                now.first().map(|r| r.0.as_str()).unwrap_or("deleted")
                            ));
                        }
                        continue;
                    }
                    let wanted: Option<Option<&str>> = match action {
                        OnDelete::Cascade => None,
                        OnDelete::SetNull => Some(None),
                        _ => Some(default.as_deref()),
                    };
                    if let Some(alike) = *alike {
                        let after = lookalikes(run, t, child, column)
                            .await
                            .map_err(|e| fail(format!("counting rows like it failed: {e}"), run))?
                            .unwrap_or_default();
                        if after >= alike {
                            problems.push(format!(
                                "its row ({}) is still there: {after} row(s) equal to it in every column but {column} after the DELETE, {alike} before ({column} was changed, not the row deleted)",
                                identify(t, child, Some(column))
                            ));
                            continue;
                        }
                    }
                    match (wanted, now.as_slice()) {
                        (None, []) => {}
                        (None, [(_, value), ..]) => problems.push(format!(
                            "its row ({key}) is still there, with {column} = {}",
                            value.as_deref().unwrap_or("NULL")
                        )),
                        (Some(_), []) => problems.push(format!("its row ({key}) is gone")),
                        (Some(w), [(_, value)]) if value.as_deref() == w => {}
                        (Some(w), [(_, value), ..]) => problems.push(format!(
                            "its row ({key}) has {column} = {}, expected {}",
                            value.as_deref().unwrap_or("NULL"),
                            w.unwrap_or("NULL")
                        )),
                    }
                }
                if problems.is_empty() {
                    Ok(())
                } else {
                    Err(fail(format!("after the DELETE:\n{}", problems.join("\n")), run))
                }
            }
        }
    })
    .await
}

fn expected(action: OnDelete, table: String, column: &str) -> String {
    let other = format!("the {table} rows of the other referenced rows are unchanged");
    match action {
        OnDelete::Cascade => format!("its {table} rows are deleted; {other}"),
        OnDelete::SetNull => format!("its {table} rows have {column} = NULL; {other}"),
        OnDelete::SetDefault => format!("its {table} rows have {column} = its default; {other}"),
        OnDelete::Restrict | OnDelete::NoAction => format!(
            "the DELETE fails with SQLSTATE 23503 (foreign_key_violation) from {table}.{column}"
        ),
    }
}

/// The rows found again for `row` (by primary key, or by every column but `except`): each as
/// the row's text and `column`'s value.
async fn read(
    run: &mut Run<'_>,
    table: &Table,
    column: &str,
    row: &Row,
    except: Option<&str>,
) -> Result<Vec<(String, Option<String>)>, DbError> {
    let sql = format!(
        "SELECT t::text, t.{}::text FROM {} t WHERE {}",
        ident(column),
        table.name.sql(),
        identify(table, row, except)
    );
    let out = run.sb.attempt(&sql, false).await?;
    Ok(out
        .rows
        .into_iter()
        .map(|mut r| {
            let value = r.pop().flatten();
            (r.pop().flatten().unwrap_or_default(), value)
        })
        .collect())
}

/// How many rows read like `row` in every column but `column`, or `None` when its primary key
/// finds it without `column`. Without such a key the row is found again by every column, so a
/// row whose `column` a SET NULL or SET DEFAULT changed reads as gone: a declared cascade would
/// pass. Counted before and after the DELETE, a deleted row lowers this number and a row with
/// only `column` changed does not, whatever other rows (the seed's) read alike.
async fn lookalikes(
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
async fn describe(run: &mut Run<'_>, table: &Table, col: &Column, row: &Row) -> String {
    let key = identify(table, row, Some(&col.name));
    match read(run, table, &col.name, row, Some(&col.name)).await {
        Ok(rows) if rows.is_empty() => format!("its row ({key}) was deleted"),
        Ok(rows) => format!(
            "its row ({key}) is still there with {} = {}",
            col.name,
            rows[0].1.as_deref().unwrap_or("NULL")
        ),
        Err(e) => format!("its row ({key}) could not be read back: {e}"),
    }
}

/// Whether a 23503 came from the table's own foreign key on the column (on the table or one of
/// its partitions), not from another table that happens to reference the deleted row too.
fn blocked_by(ctx: &Context<'_>, table: &Table, column: &str, e: &DbError) -> bool {
    let Some(name) = &e.constraint else {
        // A trigger raising foreign_key_violation names no constraint: behaviour counts.
        return true;
    };
    ctx.catalog.with_partitions(table).iter().any(|t| {
        t.foreign_keys()
            .any(|(c, _)| &c.name == name && c.columns.iter().any(|x| x == column))
    })
}
