//! Batches: behavioural checks that share work, each case once for all of them.
//!
//! Alone, every `on_delete` check deletes a referenced row of its own per case, and that DELETE
//! visits every table that references it: with N tables under `organizations`, N checks make N
//! DELETEs of N tables each. Together, the checks whose referenced table and column are the
//! same build their rows under the same referenced rows and share ONE DELETE per case.
//!
//! Likewise the `not_null` and `rejects_invalid` checks of one table share, per case, the valid
//! row each would build: one transaction builds the row (and its parents) once, tries the
//! referenced rows whose values the `rejects_invalid` checks write, in the same round trip, and
//! writes the row again once per check, with NULL or with the absent value. Alone, each check
//! pays a transaction, its parents and its valid row for one statement of its own.
//!
//! A batch only ever decides a pass. A check that passed every case (the same cases, in the
//! same order, as alone: see [`behaviour::every_case`]) in its batch passes; a check that failed
//! in it, and every check of a batch that could not conclude (contention, a timeout, a refused
//! DELETE, a row that could not be built), runs alone exactly as without batches, and that run
//! is its verdict. So a failure is always found, shrunk and worded by the check alone, with its
//! own rows and transcript, and no check takes another's failure for its own.
//!
//! A pass in a batch must also be a pass alone. Beside other checks' rows, only triggers and
//! rules could make one check's rows behave differently (an FK action is decided row by row, by
//! the row's own key; every statement a check writes again is undone before the next): a batch
//! only runs when no table its statements can reach has a trigger, and the database has no
//! rule.

use std::collections::{HashMap, HashSet};

use tokio::sync::OnceCell;

use super::behaviour::{self, Case, Run};
use crate::catalog::Catalog;
use crate::checks::Context;
use crate::checks::not_null::{self, NullInsert};
use crate::checks::on_delete::{self, Scene};
use crate::checks::rejects_invalid::{self, Insert};
use crate::names::TableName;
use crate::plan::{Check, CheckKind, ColumnFact};
use crate::referential::OnDelete;
use crate::spec::Reference;
use crate::synth::Wanted;

/// The batches of one run, planned from the checks it will really run.
#[derive(Default)]
pub struct Batches {
    groups: Vec<Group>,
    /// Plan index of a check → its group and its place in it.
    member_of: HashMap<usize, (usize, usize)>,
    /// Whether the database has a rule (no batch runs then), asked once for every group.
    rules: OnceCell<bool>,
}

/// Checks that run their cases together, and whether each passed them all, once known.
struct Group {
    shared: Shared,
    members: Vec<CheckKind>,
    passed: OnceCell<Vec<bool>>,
}

/// What the members of a group share, per case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Shared {
    /// The DELETE of a row of this referenced column (`on_delete` checks).
    Delete(Reference),
    /// A valid row of this table, written again by each member with its own value (`not_null`
    /// and `rejects_invalid` checks).
    Row(TableName),
}

/// A check of the run, as [`Context::batch`] names it for [`passed`].
#[derive(Clone, Copy)]
pub struct Member<'a> {
    pub batches: &'a Batches,
    /// Its index in the plan.
    pub check: usize,
}

impl Batches {
    /// The groups of `checks` (the plan) among those for which `runs` (by plan index) is true:
    /// a check filtered out or ignored is in no batch, so that a batch does the work of the
    /// checks the run runs and no more. A group of one is no group.
    pub fn plan(checks: &[Check], runs: impl Fn(usize) -> bool) -> Self {
        let mut by_shared: Vec<(Shared, Vec<usize>)> = Vec::new();
        let mut index: HashMap<Shared, usize> = HashMap::new();
        for (i, check) in checks.iter().enumerate() {
            let Some(shared) = shared(&check.kind).filter(|_| runs(i)) else {
                continue;
            };
            let slot = *index.entry(shared.clone()).or_insert_with(|| {
                by_shared.push((shared, Vec::new()));
                by_shared.len() - 1
            });
            by_shared[slot].1.push(i);
        }
        let mut batches = Self::default();
        for (shared, members) in by_shared.into_iter().filter(|(_, m)| m.len() > 1) {
            let g = batches.groups.len();
            for (place, &i) in members.iter().enumerate() {
                batches.member_of.insert(i, (g, place));
            }
            batches.groups.push(Group {
                shared,
                members: members.iter().map(|&i| checks[i].kind.clone()).collect(),
                passed: OnceCell::new(),
            });
        }
        batches
    }
}

/// What a check can share with others: for an `on_delete` whose action lets the DELETE
/// through, the DELETE of a row of the referenced column (a refused DELETE cannot say whose
/// foreign key refused it); for a `not_null` or `rejects_invalid`, the valid row of its table.
fn shared(kind: &CheckKind) -> Option<Shared> {
    let CheckKind::Column { table, fact, .. } = kind else {
        return None;
    };
    match fact {
        ColumnFact::OnDelete {
            references,
            on_delete,
        } => match on_delete.value {
            OnDelete::Cascade | OnDelete::SetNull | OnDelete::SetDefault => {
                Some(Shared::Delete(references.value.clone()))
            }
            OnDelete::Restrict | OnDelete::NoAction => None,
        },
        ColumnFact::NotNull(_) | ColumnFact::RejectsInvalid { .. } => {
            Some(Shared::Row(table.clone()))
        }
        _ => None,
    }
}

/// Whether the check of `ctx` passed every case in its batch: the first member to ask runs the
/// batch, the others wait for it. `false` for a check in no batch, or run with none (`init`,
/// `fix`).
pub async fn passed(ctx: &Context<'_>) -> bool {
    let Some(member) = ctx.batch else {
        return false;
    };
    let Some(&(g, place)) = member.batches.member_of.get(&member.check) else {
        return false;
    };
    let group = &member.batches.groups[g];
    let unbatched = Context {
        batch: None,
        ..*ctx
    };
    let passed = (group.passed)
        .get_or_init(|| group.run(&unbatched, member.batches))
        .await;
    passed.get(place).copied().unwrap_or(false)
}

impl Group {
    /// Runs every case for all members, sharing what they share: whether each passed them all.
    /// None when the database has a rule: a rule may rewrite one member's statement for the
    /// rows of another.
    async fn run(&self, ctx: &Context<'_>, batches: &Batches) -> Vec<bool> {
        if *batches.rules.get_or_init(|| has_rules(ctx)).await {
            return vec![false; self.members.len()];
        }
        match &self.shared {
            Shared::Delete(target) => self.deleted(ctx, &target.table).await,
            Shared::Row(table) => self.written(ctx, table).await,
        }
    }

    /// One DELETE per case for all members.
    async fn deleted(&self, ctx: &Context<'_>, target: &TableName) -> Vec<bool> {
        let mut scenes: Vec<Option<Scene<'_>>> =
            self.members.iter().map(|k| scene(ctx, k)).collect();
        one_table_each(ctx.catalog, &mut scenes);
        let mut reached = deleted_from(ctx.catalog, target);
        for scene in scenes.iter().flatten() {
            reached.extend(referenced_from(ctx.catalog, &scene.table().name));
        }
        if triggered(ctx, reached) {
            return vec![false; scenes.len()];
        }
        every_case(ctx, &scenes, async |run, case, members| {
            Ok(on_delete::deleted_together(run, members, case).await)
        })
        .await
    }

    /// One valid row of `table` per case, written again by every member.
    async fn written(&self, ctx: &Context<'_>, table: &TableName) -> Vec<bool> {
        let writes: Vec<Option<Write<'_>>> = self.members.iter().map(|k| write(ctx, k)).collect();
        let mut reached = referenced_from(ctx.catalog, table);
        for write in writes.iter().flatten() {
            if let Write::Absent(insert) = write {
                reached.extend(referenced_from(ctx.catalog, insert.target()));
            }
        }
        if triggered(ctx, reached) {
            return vec![false; writes.len()];
        }
        every_case(ctx, &writes, async |run, _, members| {
            Ok(written_together(run, ctx, table, members).await)
        })
        .await
    }
}

/// A member of a [`Shared::Row`] group: what it writes the shared row again with.
enum Write<'a> {
    /// NULL in a column (`not_null`).
    Null(NullInsert<'a>),
    /// A value the referenced column lacks (`rejects_invalid`).
    Absent(Insert<'a>),
}

fn write<'a>(ctx: &'a Context<'a>, kind: &'a CheckKind) -> Option<Write<'a>> {
    let CheckKind::Column {
        table,
        column,
        fact,
    } = kind
    else {
        return None;
    };
    match fact {
        ColumnFact::NotNull(at) => NullInsert::new(ctx, table, column, at)
            .ok()
            .map(Write::Null),
        ColumnFact::RejectsInvalid {
            references,
            on_delete,
        } => Insert::new(ctx, table, column, references, on_delete.as_ref())
            .ok()
            .filter(Insert::shares_a_row)
            .map(Write::Absent),
        _ => None,
    }
}

/// One case of a [`Shared::Row`] group: the valid row of `table` and a row of each referenced
/// table tried together, then the row written again by each member, with NULL or with the
/// value the referenced table took (absent from it: [`Insert::proven_absent`]). Whether each
/// member's INSERT was refused as it must be; a member whose value is not proven absent passes
/// nothing here (alone, it decides).
async fn written_together(
    run: &mut Run<'_>,
    ctx: &Context<'_>,
    table: &TableName,
    members: &[&Write<'_>],
) -> Option<Vec<bool>> {
    let t = ctx.catalog.table(table)?;
    let mut wanted = vec![Wanted::row(table, Vec::new(), false)];
    for write in members {
        if let Write::Absent(insert) = write {
            wanted.push(insert.target_trial());
        }
    }
    let mut built = run.synth.rows(&mut run.sb, &wanted).await.into_iter();
    let row = built.next()?.ok()?;
    let mut passed = Vec::new();
    for write in members {
        let (column, value) = match write {
            Write::Null(null) => (null.column(), Some("NULL".to_string())),
            Write::Absent(insert) => {
                let trial = built.next().and_then(Result::ok);
                (
                    insert.column(),
                    trial
                        .and_then(|r| insert.proven_absent(&r))
                        .map(|(value, _)| value),
                )
            }
        };
        let Some(value) = value else {
            passed.push(false);
            continue;
        };
        let (result, _) = run.insert_instead(t, &row, column, &value).await;
        passed.push(result.is_err_and(|e| match write {
            Write::Null(_) => not_null::refuses(&e, t, column),
            Write::Absent(_) => rejects_invalid::refuses(&e),
        }));
    }
    Some(passed)
}

fn scene<'a>(ctx: &'a Context<'a>, kind: &'a CheckKind) -> Option<Scene<'a>> {
    let CheckKind::Column {
        table,
        column,
        fact: ColumnFact::OnDelete {
            references,
            on_delete,
        },
    } = kind
    else {
        return None;
    };
    Scene::new(ctx, table, column, references, on_delete).ok()
}

/// Leaves out (to run alone) a check whose table, or a partition of it, another check of the
/// batch builds rows in already: rows of two checks in one table could read alike.
fn one_table_each(catalog: &Catalog, scenes: &mut [Option<Scene<'_>>]) {
    let mut taken: HashSet<TableName> = HashSet::new();
    for slot in scenes.iter_mut() {
        let Some(scene) = slot else {
            continue;
        };
        let tables: Vec<TableName> = (catalog.with_partitions(scene.table()).iter())
            .chain(
                scene
                    .table()
                    .parent
                    .as_ref()
                    .and_then(|p| catalog.table(p))
                    .iter(),
            )
            .map(|t| t.name.clone())
            .collect();
        if tables.iter().any(|t| taken.contains(t)) {
            *slot = None;
        } else {
            taken.extend(tables);
        }
    }
}

/// Whether anything but foreign keys (and rules, see [`Group::run`]) could decide what a
/// batch's statements do to the rows they build in the tables `reached` (those they write,
/// every table they reference at any depth, and for a DELETE every table its ON DELETE actions
/// reach; with `[tenancy]`, whose principal statements may write any table, every table): a
/// trigger on any of them.
fn triggered(ctx: &Context<'_>, reached: HashSet<TableName>) -> bool {
    let catalog = ctx.catalog;
    let reached = if ctx.spec.project.tenancy.is_some() {
        catalog.tables.iter().map(|t| t.name.clone()).collect()
    } else {
        reached
    };
    reached
        .iter()
        .filter_map(|name| catalog.table(name))
        .any(|t| !t.triggers.is_empty())
}

/// `target` and every table an ON DELETE action can reach from it, partitions included.
fn deleted_from(catalog: &Catalog, target: &TableName) -> HashSet<TableName> {
    closure(catalog, target, |from, t| {
        t.foreign_keys().any(|(_, fk)| {
            &fk.target == from && !matches!(fk.on_delete, OnDelete::Restrict | OnDelete::NoAction)
        })
    })
}

/// `table` and every table it references, at any depth, partitions included.
fn referenced_from(catalog: &Catalog, table: &TableName) -> HashSet<TableName> {
    closure(catalog, table, |from, t| {
        catalog
            .table(from)
            .is_some_and(|f| f.foreign_keys().any(|(_, fk)| fk.target == t.name))
    })
}

/// The tables reached from `start` by `next(from, table)`, each with its partitions and the
/// table it is a partition of.
fn closure(
    catalog: &Catalog,
    start: &TableName,
    next: impl Fn(&TableName, &crate::catalog::Table) -> bool,
) -> HashSet<TableName> {
    let mut reached = HashSet::new();
    let mut queue = vec![start.clone()];
    while let Some(name) = queue.pop() {
        if !reached.insert(name.clone()) {
            continue;
        }
        let Some(table) = catalog.table(&name) else {
            continue;
        };
        for t in catalog.with_partitions(table) {
            queue.push(t.name.clone());
        }
        queue.extend(table.parent.clone());
        for t in &catalog.tables {
            if next(&name, t) {
                queue.push(t.name.clone());
            }
        }
    }
    reached
}

/// Whether the database has a rule (a view's `_RETURN` is none); `true` when it cannot be told.
async fn has_rules(ctx: &Context<'_>) -> bool {
    const RULES: &str = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite r \
         JOIN pg_catalog.pg_class c ON c.oid = r.ev_class \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE r.rulename <> '_RETURN' AND n.nspname NOT IN ('pg_catalog', 'information_schema'))";
    sqlx::query_scalar::<_, bool>(RULES)
        .fetch_one(ctx.pool)
        .await
        .unwrap_or(true)
}

/// Runs the cases of [`behaviour::every_case`], each in one sandbox for every member, the cases
/// beside each other (as many at once as the pool has connections): `together` answers whether
/// each member passed the case (in their order), `Ok(None)` or `Err` when the case decides
/// nothing. Whether each member passed them all; a member that could not be made (`None`)
/// passes none.
async fn every_case<M, F>(ctx: &Context<'_>, members: &[Option<M>], together: F) -> Vec<bool>
where
    F: AsyncFn(&mut Run<'_>, Case, &[&M]) -> Result<Option<Vec<bool>>, ()>,
{
    let made: Vec<&M> = members.iter().flatten().collect();
    let (together, made_ref) = (&together, &made);
    let cases = behaviour::every_case().into_iter().map(|case| async move {
        let answer = behaviour::shared(ctx, case, async |run: &mut Run<'_>, case: Case| {
            Ok(together(run, case, made_ref).await.ok().flatten())
        });
        answer
            .await
            .flatten()
            .filter(|each| each.len() == made_ref.len())
    });
    let answers = futures_util::future::join_all(cases).await;
    let mut passed_all = vec![true; made.len()];
    for answer in answers {
        for (k, passed) in passed_all.iter_mut().enumerate() {
            *passed &= answer.as_ref().is_some_and(|each| each[k]);
        }
    }
    let mut made_passed = passed_all.into_iter();
    members
        .iter()
        .map(|m| m.is_some() && made_passed.next().unwrap_or(false))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::Location;
    use crate::spec::{Fact, Reference};

    fn fact<T>(value: T) -> Fact<T> {
        let at = Location {
            path: "invariants/t.toml".into(),
            line: 1,
            column: 1,
        };
        Fact { value, at }
    }

    fn column(table: &str, column: &str, fact: ColumnFact) -> Check {
        Check {
            name: format!("{table}::{column}"),
            kind: CheckKind::Column {
                table: TableName::new("public", table),
                column: column.into(),
                fact,
            },
        }
    }

    fn on_delete(table: &str, target: &str, action: OnDelete) -> Check {
        let references = fact(Reference {
            table: TableName::new("public", target),
            column: "id".into(),
        });
        let on_delete = fact(action);
        column(
            table,
            "org_id",
            ColumnFact::OnDelete {
                references,
                on_delete,
            },
        )
    }

    fn not_null(table: &str, col: &str) -> Check {
        column(table, col, ColumnFact::NotNull(fact(()).at))
    }

    fn groups(batches: &Batches) -> Vec<Vec<usize>> {
        let mut groups = vec![Vec::new(); batches.groups.len()];
        for (&check, &(g, _)) in &batches.member_of {
            groups[g].push(check);
        }
        groups.iter_mut().for_each(|g| g.sort());
        groups.sort();
        groups
    }

    fn rejects_invalid(table: &str, col: &str) -> Check {
        let references = fact(Reference {
            table: TableName::new("public", "orgs"),
            column: "id".into(),
        });
        column(
            table,
            col,
            ColumnFact::RejectsInvalid {
                references,
                on_delete: None,
            },
        )
    }

    #[test]
    fn checks_share_by_what_they_share_and_only_among_those_that_run() {
        let checks = vec![
            on_delete("a", "orgs", OnDelete::Cascade),    // 0
            on_delete("b", "orgs", OnDelete::SetNull),    // 1
            on_delete("c", "orgs", OnDelete::Restrict),   // 2: a refusal names no one
            on_delete("d", "teams", OnDelete::Cascade),   // 3: alone under teams
            on_delete("e", "orgs", OnDelete::SetDefault), // 4: filtered out
            not_null("a", "x"),                           // 5: a's row
            not_null("a", "y"),                           // 6: a's row
            rejects_invalid("a", "org_id"),               // 7: a's row
            rejects_invalid("b", "org_id"),               // 8: alone in b
            not_null("c", "x"),                           // 9: filtered out: c alone
            rejects_invalid("c", "org_id"),               // 10
        ];
        let batches = Batches::plan(&checks, |i| i != 4 && i != 9);
        assert_eq!(groups(&batches), vec![vec![0, 1], vec![5, 6, 7]]);
        let every = Batches::plan(&checks, |_| true);
        assert_eq!(
            groups(&every),
            vec![vec![0, 1, 4], vec![5, 6, 7], vec![9, 10]]
        );
    }
}
