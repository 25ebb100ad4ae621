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

use super::machinery::behaviour::{self, Case, Run};
use super::machinery::deletion::{self, Deletion, Found, Read, blocked_by, describe, lookalikes};
use super::machinery::repair;
use super::{Check, Context, Failure, Fix, On, Verdict};
use crate::catalog::{Column, Table};
use crate::location::Location;
use crate::names::{TableName, ident};
use crate::referential::OnDelete;
use crate::sandbox::DbError;
use crate::sandbox::sqlstate::is_foreign_key_refusal;
use crate::spec::{Fact, Reference};
use crate::synth::{Row, SynthError, Wanted, identify, typed};

/// `<table>::<col>::on_delete`, as the plan states it: the column, what it references and the
/// declared action.
pub struct Promise<'a>(pub On<'a>, pub &'a Fact<Reference>, pub &'a Fact<OnDelete>);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(On { table, column }, references, on_delete) = *self;
        let scene = Scene::new(ctx, table, column, references, on_delete)?;
        behaviour::each_case(ctx, async |run: &mut Run<'_>, case: Case| {
            let parents = scene.parents(run, case).await?;
            let children = scene.children(run, &parents, case).await?;
            // The referenced row to delete: the one the first row really references. A trigger may
            // have replaced the value written (a tenant id copied from another parent), so rows
            // are grouped by what they hold, not by what was asked.
            let Some(victim) = children[0].row.text(column).map(str::to_string) else {
                return Err(scene.fail(
                    format!("a row written with {column} set came back with {column} = NULL (a trigger cleared it)"),
                    run,
                ));
            };
            let before = scene.before(run, &children, &victim).await?;
            let deletion = scene
                .delete(run, &victim)
                .await
                .map_err(|e| scene.fail(format!("the DELETE {e}"), run))?;
            match (scene.action, deletion) {
                (OnDelete::Restrict | OnDelete::NoAction, deletion) => {
                    scene.refused(run, &children, &victim, deletion).await
                }
                (_, Deletion::Refused(e)) => Err(scene.fail(
                    format!("the DELETE of the referenced row was refused: {e}"),
                    run,
                )),
                (_, Deletion::Deleted(_)) => scene.applied(run, &children, &victim, before).await,
            }
        })
        .await
    }
}

/// Several `on_delete` checks whose referenced table and column are the same, on one case:
/// the referenced rows built once, the rows of every check's table under them, ONE DELETE of
/// the first referenced row, and each check judged as alone. Whether each passed, or `None`
/// when the case decides nothing for any of them (the DELETE refused or not finished, no
/// referenced rows): see `batch`, which only keeps passes.
pub(super) async fn deleted_together(
    run: &mut Run<'_>,
    scenes: &[&Scene<'_>],
    case: Case,
) -> Option<Vec<bool>> {
    let first = scenes.first()?;
    let parents = first.parents(run, case).await.ok()?;
    let victim = parents.first()?.text(&first.target.column)?.to_string();
    // Every round trip is shared by all the checks: their rows built together, read together.
    let rows = built_together(run, scenes, &parents, case).await;
    let reads: Vec<Read<'_>> = (scenes.iter().zip(&rows))
        .map(|(scene, rows)| scene.read(rows.iter().flatten().map(|r| (r, None)).collect()))
        .collect();
    let found = deletion::read_all(run, &reads).await;
    let mut ready = Vec::new();
    for ((scene, rows), found) in scenes.iter().zip(rows).zip(found) {
        ready.push(match (rows, found) {
            (Some(rows), Ok(found)) => scene.ready(run, children(rows, found), &victim).await,
            _ => None,
        });
    }
    match first.delete(run, &victim).await.ok()? {
        Deletion::Deleted(_) => {}
        // Which table refused it, a refusal cannot tell: each check answers alone.
        Deletion::Refused(_) => return None,
    }
    // One read per scene that is ready, and only those: each answer is its own scene's.
    let asked: Vec<Read<'_>> = (scenes.iter().zip(&ready))
        .filter_map(|(scene, ready)| {
            let (children, _) = ready.as_ref()?;
            Some(scene.read_after(children, &victim))
        })
        .collect();
    let mut found = deletion::read_all(run, &asked).await.into_iter();
    let mut passed = Vec::new();
    for (scene, ready) in scenes.iter().zip(ready) {
        let ok = match ready {
            Some((children, before)) => match found.next() {
                Some(now) => (scene.judged(run, &children, &victim, before, now).await).is_ok(),
                None => false,
            },
            None => false,
        };
        passed.push(ok);
    }
    Some(passed)
}

/// The rows of each scene's table under each referenced row, as [`deletion::build_under`]
/// builds them for one check, all in one round trip per row each gets: the first row under
/// every referenced row, then the second where the first was built, and so on. `None` for a
/// scene of which a first row could not be built (alone, it decides). In the order
/// [`Scene::children`] builds them: by referenced row, then in turn.
async fn built_together(
    run: &mut Run<'_>,
    scenes: &[&Scene<'_>],
    parents: &[Row],
    case: Case,
) -> Vec<Option<Vec<Row>>> {
    let mut rows: Vec<Option<Vec<Vec<Row>>>> = (scenes.iter())
        .map(|_| Some(vec![Vec::new(); parents.len()]))
        .collect();
    for j in 0..case.children.max(1) {
        // A row under a referenced row after one that could not be built: no more.
        let slots: Vec<(usize, usize)> = (0..scenes.len())
            .flat_map(|s| (0..parents.len()).map(move |p| (s, p)))
            .filter(|&(s, p)| rows[s].as_ref().is_some_and(|built| built[p].len() == j))
            .collect();
        let wanted: Vec<Wanted<'_>> = (slots.iter())
            .map(|&(s, p)| Wanted::row(&scenes[s].table.name, scenes[s].under(&parents[p]), true))
            .collect();
        let made = run.synth.rows(&mut run.sb, &wanted).await;
        for ((s, p), made) in slots.into_iter().zip(made) {
            keep(&mut rows[s], p, made, j == 0);
        }
    }
    (rows.into_iter())
        .map(|built| built.map(|b| b.into_iter().flatten().collect()))
        .collect()
}

/// A row made for a scene, kept under its referenced row (`under`); a scene whose `first` row
/// could not be made has no rows (alone, it decides).
fn keep(
    built: &mut Option<Vec<Vec<Row>>>,
    under: usize,
    made: Result<Row, SynthError>,
    first: bool,
) {
    match made {
        Ok(row) => {
            if let Some(rows) = built {
                rows[under].push(row);
            }
        }
        Err(_) if first => *built = None,
        Err(_) => {}
    }
}

/// Rows built and, for each, the rows found again by it (`t::text`, then the column).
fn children(rows: Vec<Row>, found: Vec<Vec<Found>>) -> Vec<Child> {
    (rows.into_iter().zip(found))
        .map(|(row, found)| {
            let before = found.into_iter().next().map(|f| f.text);
            Child {
                row,
                before: before.unwrap_or_default(),
            }
        })
        .collect()
}

/// What one `on_delete` check is about: the referencing column, the referenced column, the
/// declared action, and how its failures read.
pub(super) struct Scene<'a> {
    ctx: &'a Context<'a>,
    table: &'a Table,
    col: &'a Column,
    target: &'a Reference,
    target_col: &'a Column,
    action: OnDelete,
    at: &'a Location,
    promise: String,
    /// Where to look when the FK is right and the behaviour is not.
    note: String,
    structural: Option<Fix>,
}

/// A row of the table under a referenced row, and how it read before the DELETE.
struct Child {
    row: Row,
    before: String,
}

/// Read before the DELETE, for the judgement after it.
struct Before {
    /// What a row under the deleted row must hold afterwards (see [`Scene::wanted`]).
    wanted: Option<Option<String>>,
    /// Per row, the rows alike (see [`Scene::count_alike`]).
    counted: Vec<Option<i64>>,
}

impl<'a> Scene<'a> {
    /// The check on `table.column`, or the failure that says a table or column is missing.
    pub(super) fn new(
        ctx: &'a Context<'a>,
        table: &TableName,
        column: &str,
        references: &'a Fact<Reference>,
        on_delete: &'a Fact<OnDelete>,
    ) -> Result<Self, Failure> {
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
        Ok(Self {
            ctx,
            table: t,
            col,
            target,
            target_col,
            action,
            at,
            promise,
            note,
            structural,
        })
    }

    /// The table whose rows the check builds.
    pub(super) fn table(&self) -> &'a Table {
        self.table
    }

    fn column(&self) -> &str {
        &self.col.name
    }

    fn fail(&self, found: String, run: &Run<'_>) -> Failure {
        Failure {
            at: Some(self.at.clone()),
            promise: self.promise.clone(),
            expected: expected(self.action, self.ctx.show(&self.table.name), self.column()),
            found: format!("{found}{}\n{}", self.note, behaviour::transcript(&run.sb)),
            fix: self.structural.clone(),
        }
    }

    /// The referenced rows a case deletes the first of.
    async fn parents(&self, run: &mut Run<'_>, case: Case) -> Result<Vec<Row>, Failure> {
        let mut parents = Vec::new();
        for _ in 0..case.parents {
            let parent = run.row(self.ctx, &self.target.table, true, self.at, &self.promise);
            parents.push(parent.await?);
        }
        Ok(parents)
    }

    /// The column set in a row under `parent`: the referencing column, to its value.
    fn under(&self, parent: &Row) -> Vec<(String, String)> {
        let value = typed(parent.text(&self.target.column), self.col);
        vec![(self.column().to_string(), value)]
    }

    /// The read of `rows` of the table, with the referencing column.
    fn read<'r>(&'r self, rows: Vec<(&'r Row, Option<&'r str>)>) -> Read<'r> {
        Read {
            table: self.table,
            rows,
            columns: std::slice::from_ref(&self.col.name),
        }
    }

    /// The case's rows of the table under each referenced row, read back.
    async fn children(
        &self,
        run: &mut Run<'_>,
        parents: &[Row],
        case: Case,
    ) -> Result<Vec<Child>, Failure> {
        let (ctx, at, promise) = (self.ctx, self.at, self.promise.as_str());
        let mut rows = Vec::new();
        for parent in parents {
            let table = &self.table.name;
            let fixed = self.under(parent);
            let under = deletion::build_under(ctx, run, table, &fixed, case.children, at, promise);
            rows.extend(under.await?);
        }
        let read = self.read(rows.iter().map(|r| (r, None)).collect());
        let found = deletion::read_each(run, &read)
            .await
            .map_err(|e| self.fail(format!("reading the row back failed: {e}"), run))?;
        Ok(children(rows, found))
    }

    /// This check's rows, built beside other checks' rows, and how they read before the
    /// DELETE of `victim`; `None` when the first of them does not reference `victim` (a trigger
    /// replaced the value), or what the judgement compares with cannot be read: alone, it
    /// decides.
    async fn ready(
        &self,
        run: &mut Run<'_>,
        children: Vec<Child>,
        victim: &str,
    ) -> Option<(Vec<Child>, Before)> {
        if children.first()?.row.text(self.column()) != Some(victim) {
            return None;
        }
        let before = self.before(run, &children, victim).await.ok()?;
        Some((children, before))
    }

    /// What the judgement after the DELETE compares with: the value wanted, and the rows alike.
    async fn before(
        &self,
        run: &mut Run<'_>,
        children: &[Child],
        victim: &str,
    ) -> Result<Before, Failure> {
        let wanted = self.wanted(run).await;
        let counted = self.count_alike(run, children, victim).await?;
        Ok(Before { wanted, counted })
    }

    /// The DELETE of the referenced row whose referenced column holds `victim`.
    async fn delete(&self, run: &mut Run<'_>, victim: &str) -> Result<Deletion, DbError> {
        let condition = format!(
            "{} = {}",
            ident(&self.target.column),
            typed(Some(victim), self.target_col)
        );
        deletion::delete(run, &self.target.table, &condition).await
    }

    fn under_victim(&self, child: &Row, victim: &str) -> bool {
        child.text(self.column()) == Some(victim)
    }

    /// Before a cascade: for each row under the victim that no key finds without the column,
    /// how many rows read like it (see [`lookalikes`]); `None` for the others.
    async fn count_alike(
        &self,
        run: &mut Run<'_>,
        children: &[Child],
        victim: &str,
    ) -> Result<Vec<Option<i64>>, Failure> {
        let mut counted = Vec::new();
        for child in children {
            let count = if self.action == OnDelete::Cascade && self.under_victim(&child.row, victim)
            {
                lookalikes(run, self.table, &child.row, self.column())
                    .await
                    .map_err(|e| self.fail(format!("counting rows like it failed: {e}"), run))?
            } else {
                None
            };
            counted.push(count);
        }
        Ok(counted)
    }

    /// RESTRICT / NO ACTION: the DELETE must have been refused, by this column's FK.
    async fn refused(
        &self,
        run: &mut Run<'_>,
        children: &[Child],
        victim: &str,
        deletion: Deletion,
    ) -> Result<(), Failure> {
        let column = self.column();
        if let Deletion::Refused(e) = deletion {
            if is_foreign_key_refusal(&e.code) && blocked_by(self.ctx, self.table, column, &e) {
                return Ok(());
            }
            return Err(self.fail(
                format!(
                    "the DELETE was refused, but not by {}'s foreign key on {column}: {e}",
                    self.ctx.show(&self.table.name)
                ),
                run,
            ));
        }
        let mine: Vec<&Child> = children
            .iter()
            .filter(|c| self.under_victim(&c.row, victim))
            .collect();
        let mut found = vec![format!(
            "the DELETE of the referenced row succeeded although {} row(s) reference it",
            mine.len()
        )];
        for child in mine {
            found.push(describe(run, self.table, self.col, &child.row).await);
        }
        Err(self.fail(found.join("\n"), run))
    }

    /// CASCADE / SET NULL / SET DEFAULT went through: each row under the victim is gone or has
    /// the column changed as declared, and every other row reads as before.
    async fn applied(
        &self,
        run: &mut Run<'_>,
        children: &[Child],
        victim: &str,
        before: Before,
    ) -> Result<(), Failure> {
        let found = deletion::read_each(run, &self.read_after(children, victim)).await;
        self.judged(run, children, victim, before, found).await
    }

    /// The read after the DELETE: a row under the deleted row is found again without the
    /// column a SET NULL / SET DEFAULT changes; every other row by all of it.
    fn read_after<'r>(&'r self, children: &'r [Child], victim: &str) -> Read<'r> {
        let changed = (self.action != OnDelete::Cascade).then_some(self.column());
        self.read(
            (children.iter())
                .map(|c| {
                    let mine = self.under_victim(&c.row, victim);
                    (&c.row, if mine { changed } else { None })
                })
                .collect(),
        )
    }

    /// The judgement of [`Self::applied`] on the rows `found` by [`Self::read_after`].
    async fn judged(
        &self,
        run: &mut Run<'_>,
        children: &[Child],
        victim: &str,
        before: Before,
        found: Result<Vec<Vec<Found>>, DbError>,
    ) -> Result<(), Failure> {
        let found =
            found.map_err(|e| self.fail(format!("reading the rows back failed: {e}"), run))?;
        let mut problems = Vec::new();
        for ((child, alike), now) in children.iter().zip(&before.counted).zip(found) {
            let problem = if self.under_victim(&child.row, victim) {
                (self.judge_mine(run, &child.row, *alike, before.wanted.as_ref(), now)).await?
            } else {
                self.judge_other(child, &now)
            };
            problems.extend(problem);
        }
        if problems.is_empty() {
            return Ok(());
        }
        Err(self.fail(format!("after the DELETE:\n{}", problems.join("\n")), run))
    }

    /// What a row under the victim must hold in the column afterwards: `None` for a cascade
    /// (gone), `Some(None)` for SET NULL, `Some(default)` for SET DEFAULT.
    async fn wanted(&self, run: &mut Run<'_>) -> Option<Option<String>> {
        match self.action {
            OnDelete::Cascade => None,
            OnDelete::SetNull => Some(None),
            _ => {
                let default = match &self.col.default {
                    Some(d) => run
                        .sb
                        .value(&format!("SELECT (({d})::{})::text", self.col.type_))
                        .await
                        .ok()
                        .flatten(),
                    None => None,
                };
                Some(default)
            }
        }
    }

    /// A row of another referenced row, `now` as found again: reading as before.
    fn judge_other(&self, child: &Child, now: &[Found]) -> Option<String> {
        if now.len() == 1 && now[0].text == child.before {
            return None;
        }
        Some(format!(
            "a row of another referenced row changed: {} ({}) was {}, is now {}",
            self.ctx.show(&self.table.name),
            identify(self.table, &child.row, None),
            child.before,
            now.first().map(|r| r.text.as_str()).unwrap_or("deleted")
        ))
    }

    /// A row under the victim, `now` as found again: gone for a cascade, its column NULL or the
    /// default otherwise.
    async fn judge_mine(
        &self,
        run: &mut Run<'_>,
        row: &Row,
        alike: Option<i64>,
        wanted: Option<&Option<String>>,
        now: Vec<Found>,
    ) -> Result<Option<String>, Failure> {
        let column = self.column();
        let except = (self.action != OnDelete::Cascade).then_some(column);
        let key = identify(self.table, row, except);
        if let Some(alike) = alike {
            let after = lookalikes(run, self.table, row, column)
                .await
                .map_err(|e| self.fail(format!("counting rows like it failed: {e}"), run))?
                .unwrap_or_default();
            if after >= alike {
                return Ok(Some(format!(
                    "its row ({}) is still there: {after} row(s) equal to it in every column but {column} after the DELETE, {alike} before ({column} was changed, not the row deleted)",
                    identify(self.table, row, Some(column))
                )));
            }
        }
        Ok(mine_now(&key, column, wanted, &now))
    }
}

/// What is wrong with a row under the deleted row (`key`), found again as `now`, when the column
/// must afterwards hold `wanted` (`None`: the row must be gone); `None` when nothing is.
fn mine_now(
    key: &str,
    column: &str,
    wanted: Option<&Option<String>>,
    now: &[Found],
) -> Option<String> {
    let value = |f: &Found| f.values.first().cloned().flatten();
    match (wanted, now) {
        (None, []) => None,
        (None, [f, ..]) => Some(format!(
            "its row ({key}) is still there, with {column} = {}",
            value(f).as_deref().unwrap_or("NULL")
        )),
        (Some(_), []) => Some(format!("its row ({key}) is gone")),
        (Some(w), [f]) if value(f) == *w => None,
        (Some(w), [f, ..]) => Some(format!(
            "its row ({key}) has {column} = {}, expected {}",
            value(f).as_deref().unwrap_or("NULL"),
            w.as_deref().unwrap_or("NULL")
        )),
    }
}

fn expected(action: OnDelete, table: String, column: &str) -> String {
    let other = format!("the {table} rows of the other referenced rows are unchanged");
    match action {
        OnDelete::Cascade => format!("its {table} rows are deleted; {other}"),
        OnDelete::SetNull => format!("its {table} rows have {column} = NULL; {other}"),
        OnDelete::SetDefault => format!("its {table} rows have {column} = its default; {other}"),
        OnDelete::Restrict => format!(
            "the DELETE fails with SQLSTATE 23503 (foreign_key_violation; 23001 restrict_violation on PostgreSQL 18) from {table}.{column}"
        ),
        OnDelete::NoAction => format!(
            "the DELETE fails with SQLSTATE 23503 (foreign_key_violation) from {table}.{column}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::On;
    use crate::checks::testing::{Fixture, fact, name, reference};

    /// Tasks that go with their project (CASCADE); notes without a primary key that go with it
    /// too; tags that stay (RESTRICT).
    const SCHEMA: &str = r#"
        CREATE TABLE projects (id bigint PRIMARY KEY);
        CREATE TABLE tasks (id bigint PRIMARY KEY, project_id bigint REFERENCES projects ON DELETE CASCADE);
        CREATE TABLE notes (body text, project_id bigint REFERENCES projects ON DELETE CASCADE);
        CREATE TABLE tags (id bigint PRIMARY KEY, project_id bigint REFERENCES projects ON DELETE RESTRICT);
    "#;

    /// On a real server: each declared action that the key has holds; an action the key does
    /// not have fails, saying what the DELETE did to the rows.
    #[tokio::test]
    async fn on_postgres_the_keys_action_holds_and_another_fails() {
        let f = Fixture::on_server(SCHEMA).await;
        let references = fact(reference("projects.id"), "t.toml", 2);
        let verdict = |table: &'static str, action: OnDelete| {
            let (f, references) = (&f, &references);
            async move {
                let on = On {
                    table: &name(table),
                    column: "project_id",
                };
                let on_delete = fact(action, "t.toml", 3);
                Promise(on, references, &on_delete).check(&f.ctx()).await
            }
        };
        assert_eq!(verdict("tasks", OnDelete::Cascade).await, Ok(()));
        assert_eq!(verdict("notes", OnDelete::Cascade).await, Ok(()));
        assert_eq!(verdict("tags", OnDelete::Restrict).await, Ok(()));
        let deleted = verdict("tasks", OnDelete::Restrict)
            .await
            .expect_err("a cascade");
        assert!(
            deleted
                .found
                .starts_with("the DELETE of the referenced row succeeded although"),
            "{deleted}"
        );
        assert!(deleted.found.contains(") was deleted"), "{deleted}");
        let refused = verdict("tags", OnDelete::SetNull)
            .await
            .expect_err("a restrict");
        assert!(
            refused
                .found
                .starts_with("the DELETE of the referenced row was refused: "),
            "{refused}"
        );
    }

    fn found(value: Option<&str>) -> Found {
        Found {
            text: "(1,2)".into(),
            values: vec![value.map(str::to_string)],
        }
    }

    #[test]
    fn what_is_expected_reads_by_action() {
        let actions = [
            OnDelete::Cascade,
            OnDelete::SetNull,
            OnDelete::SetDefault,
            OnDelete::Restrict,
            OnDelete::NoAction,
        ];
        let said: Vec<String> = (actions.into_iter())
            .map(|a| expected(a, "tasks".into(), "project_id"))
            .collect();
        insta::assert_snapshot!(said.join("\n"));
    }

    #[test]
    fn a_row_under_the_deleted_row_is_gone_or_holds_what_the_action_sets() {
        let key = "id = 7";
        let null = Some(None);
        let zero = Some(Some("0".to_string()));
        // Cascade: gone.
        assert_eq!(mine_now(key, "project_id", None, &[]), None);
        // SET NULL / SET DEFAULT: there, with the value set.
        assert_eq!(
            mine_now(key, "project_id", null.as_ref(), &[found(None)]),
            None
        );
        assert_eq!(
            mine_now(key, "project_id", zero.as_ref(), &[found(Some("0"))]),
            None
        );
        let wrong = [
            mine_now(key, "project_id", None, &[found(Some("3"))]),
            mine_now(key, "project_id", null.as_ref(), &[]),
            mine_now(key, "project_id", zero.as_ref(), &[found(None)]),
            mine_now(
                key,
                "project_id",
                null.as_ref(),
                &[found(None), found(None)],
            ),
        ];
        let said: Vec<String> = wrong.into_iter().map(|w| w.expect("a problem")).collect();
        insta::assert_snapshot!(said.join("\n"));
    }
}
