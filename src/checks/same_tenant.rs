//! `<table>::<col>::same_tenant`: a row's foreign key points only at rows of its own tenant.
//! Acting as a principal of tenant A, an INSERT of a row of A whose column points at a row of
//! tenant B fails, while the same INSERT pointing at a row of A succeeds.
//!
//! A plain foreign key proves the parent exists, not whose it is: a task of A can name B's
//! project, and every query that joins through it shows A's user B's data. What refuses it is
//! a composite key `(org_id, project_id) REFERENCES projects (org_id, id)`, a trigger or a
//! policy; the check does not care which, only that the cross-tenant row is refused and the
//! same-tenant one is not (a guard that refuses both is a broken table). A column of a
//! composite FK needs no `references`: the check follows the widest FK holding it.

use super::machinery::behaviour::{self, Case, Run, outcome};
use super::machinery::repair::{Named, Repair, Step, derived_name, unless_exists};
use super::{Check, Context, Failure, On, Verdict};
use crate::catalog::{Column, Table};
use crate::location::Location;
use crate::names::{TableName, ident};
use crate::referential::OnDelete;
use crate::sandbox::DbError;
use crate::synth::{Row, SynthError, Tenant, plain_insert, typed};
use crate::tenancy::tenant_columns;

/// `<table>::<col>::same_tenant`, as the plan states it.
pub struct Promise<'a>(pub On<'a>, pub &'a Location);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(On { table, column }, at) = *self;
        let tenancy = ctx.tenancy(at)?;
        let promise = format!(
            "{}.{column} points only at rows of the row's own tenant",
            ctx.show(table)
        );
        let (t, col) = ctx.column(table, column, at, &promise)?;
        let fail = |expected: &str, found: String| Failure {
            at: Some(at.clone()),
            promise: promise.clone(),
            expected: expected.to_string(),
            found,
            fix: None,
        };
        let Some((parent, parent_column)) = referenced(ctx, t, column) else {
            return Err(fail(
                "a foreign key from the column (or `references`) naming the rows it points at",
                format!("{column} has no foreign key and no `references`"),
            ));
        };
        let p = ctx.table(&parent, at, &promise)?;
        let own = tenant_columns(ctx.spec, t);
        let parents_own = tenant_columns(ctx.spec, p);
        let parent_is_tenant = tenancy.is_tenant_table(&parent);
        let Some(tenant_column) = own.first() else {
            return Err(fail(
                "a `tenant = true` column in the table: the tenant its rows belong to",
                format!("{} has no `tenant` column", ctx.show(table)),
            ));
        };
        if parents_own.is_empty() && !parent_is_tenant {
            return Err(fail(
                "a `tenant = true` column in the referenced table: the tenant its rows belong to",
                format!("{} has no `tenant` column", ctx.show(&parent)),
            ));
        }
        let link = Link {
            ctx,
            t,
            col,
            parent: p,
            parent_column: &parent_column,
            parent_is_tenant,
            at,
            promise: &promise,
            repair: fix(
                t,
                column,
                tenant_column,
                p,
                &parent_column,
                parents_own.first(),
            ),
        };
        behaviour::each_case(ctx, async |run: &mut Run<'_>, _: Case| link.case(run).await).await
    }
}

/// The column, the rows it points at, and what a failure says.
struct Link<'l, 'c> {
    ctx: &'l Context<'c>,
    t: &'l Table,
    col: &'l Column,
    parent: &'l Table,
    parent_column: &'l str,
    parent_is_tenant: bool,
    at: &'l Location,
    promise: &'l str,
    repair: Repair,
}

impl Link<'_, '_> {
    /// A row of tenant A pointing at A's parent row, and the same row pointing at B's, each
    /// inserted as a principal of A.
    async fn case(&self, run: &mut Run<'_>) -> Verdict {
        let a = self.tenant(run).await?;
        let b = self.tenant(run).await?;
        let (pa, pb) = (
            self.parent_of(run, &a).await?,
            self.parent_of(run, &b).await?,
        );
        let points_at = |row: &Row| typed(row.text(self.parent_column), self.col);
        let column = &self.col.name;
        let fixed = [(column.clone(), points_at(&pa))];
        let row = (run
            .synth
            .tenant_row(&mut run.sb, &self.t.name, &fixed, &a, false))
        .await;
        let row = row.map_err(|e| self.unbuildable(run, &e))?;
        let mut across = row.written.clone();
        across.insert(column.clone(), points_at(&pb));
        if let Err(e) = run.synth.act_as(&mut run.sb, &a).await {
            let found = format!(
                "acting as a principal of tenant A failed at `{}`: {}",
                e.sql, e.error
            );
            return Err(self.failed(run, found));
        }
        let same = insert(run, &plain_insert(self.t, &row.written)).await;
        let cross = insert(run, &plain_insert(self.t, &across)).await;
        let _ = run.synth.leave(&mut run.sb).await;
        let found = match (same, cross) {
            (Ok(_), Err(e)) if !e.is_timeout() => return Ok(()),
            (Err(e), _) | (_, Err(e)) if e.is_timeout() => {
                format!("the check could not conclude: {e}")
            }
            (Err(e), _) => format!("the INSERT pointing at tenant A's own row was refused: {e}"),
            (Ok(_), _) => {
                let found = format!(
                    "the INSERT of a row of tenant A pointing at tenant B's {} row succeeded: nothing ties {column} to the row's tenant",
                    self.ctx.show(&self.parent.name)
                );
                return Err(Failure {
                    fix: Some(self.repair.clone().into()),
                    ..self.failed(run, found)
                });
            }
        };
        Err(self.failed(run, found))
    }

    async fn tenant(&self, run: &mut Run<'_>) -> Result<Tenant, Failure> {
        let tenant = run.synth.tenant(&mut run.sb, &self.t.name).await;
        tenant.map_err(|e| self.unbuildable(run, &e))
    }

    /// A row of the referenced table belonging to `tenant` (the tenant itself, for the tenant
    /// table).
    async fn parent_of(&self, run: &mut Run<'_>, tenant: &Tenant) -> Result<Row, Failure> {
        if self.parent_is_tenant {
            return Ok(tenant.row.clone());
        }
        let parent = &self.parent.name;
        let row = (run.synth.tenant_row(&mut run.sb, parent, &[], tenant, true)).await;
        row.map_err(|e| self.unbuildable(run, &e))
    }

    fn unbuildable(&self, run: &Run<'_>, e: &SynthError) -> Failure {
        behaviour::unbuildable(self.ctx, e, &run.sb, self.at, self.promise)
    }

    fn failed(&self, run: &Run<'_>, found: String) -> Failure {
        Failure {
            at: Some(self.at.clone()),
            promise: self.promise.to_string(),
            expected: format!(
                "as a principal of tenant A: the INSERT of a row of A with {} pointing at tenant B's {} row fails; the same INSERT pointing at A's succeeds",
                self.col.name,
                self.ctx.show(&self.parent.name)
            ),
            found: format!("{found}\n{}", behaviour::transcript(&run.sb)),
            fix: None,
        }
    }
}

/// The table and column `column` points at: the widest FK holding it, else `references`.
fn referenced(ctx: &Context<'_>, table: &Table, column: &str) -> Option<(TableName, String)> {
    let widest = table
        .foreign_keys()
        .filter(|(c, _)| c.columns.iter().any(|x| x == column))
        .max_by_key(|(c, _)| c.columns.len());
    if let Some((c, fk)) = widest {
        let i = c.columns.iter().position(|x| x == column)?;
        return Some((fk.target.clone(), fk.target_columns.get(i)?.clone()));
    }
    let references = ctx.spec.facts_of(&table.name, column).facts.references?;
    Some((references.value.table, references.value.column))
}

/// Runs an INSERT as the principal, undone, recorded with its outcome.
async fn insert(run: &mut Run<'_>, sql: &str) -> Result<u64, DbError> {
    let result = run.sb.attempt(sql, false).await.map(|o| o.affected);
    let shown = result.as_ref().map(|n| *n as usize).map_err(Clone::clone);
    run.sb.record(sql, Some(&outcome(&shown)));
    result
}

/// The composite key that ties the column to the row's tenant: `UNIQUE (tenant, key)` on the
/// parent and `FOREIGN KEY (tenant, column) REFERENCES parent (tenant, key)`, NOT VALID then
/// validated; for the tenant table itself, the column must equal the row's tenant.
fn fix(
    table: &Table,
    column: &str,
    tenant: &str,
    parent: &Table,
    parent_column: &str,
    parent_tenant: Option<&String>,
) -> Repair {
    let t = &table.name;
    let Some(parent_tenant) = parent_tenant else {
        let name = derived_name(&t.name, column, "same_tenant");
        let add = format!(
            "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} = {}) NOT VALID",
            t.sql(),
            ident(&name),
            ident(column),
            ident(tenant)
        );
        return Repair::new(vec![
            Step::new(t, unless_exists(Named::Constraint, t, &name, &add)),
            Step::validate(t, &name),
        ]);
    };
    let key = derived_name(
        &parent.name.name,
        &format!("{parent_tenant}_{parent_column}"),
        "key",
    );
    let unique = format!(
        "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({}, {})",
        parent.name.sql(),
        ident(&key),
        ident(parent_tenant),
        ident(parent_column)
    );
    let on_delete = table
        .foreign_keys()
        .find(|(c, _)| c.columns == [column])
        .map(|(_, fk)| match fk.on_delete {
            // Only the column is cleared, never the row's tenant (PostgreSQL 15's column list).
            OnDelete::SetNull | OnDelete::SetDefault => {
                format!(" ON DELETE {} ({})", fk.on_delete.sql(), ident(column))
            }
            other => format!(" ON DELETE {}", other.sql()),
        })
        .unwrap_or_default();
    let name = derived_name(&t.name, &format!("{tenant}_{column}"), "fkey");
    let add = format!(
        "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}, {}) REFERENCES {} ({}, {}){on_delete} NOT VALID",
        t.sql(),
        ident(&name),
        ident(tenant),
        ident(column),
        parent.name.sql(),
        ident(parent_tenant),
        ident(parent_column)
    );
    Repair::new(vec![
        Step::new(
            &parent.name,
            unless_exists(Named::Constraint, &parent.name, &key, &unique),
        ),
        Step::new(t, unless_exists(Named::Constraint, t, &name, &add)),
        Step::validate(t, &name),
    ])
    .note("the composite key then makes the single-column foreign key redundant: drop it once the new one is validated")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::table;

    #[test]
    fn the_fix_is_a_composite_key_added_not_valid_then_validated() {
        let repair = fix(
            &table("comments", &[]),
            "task_id",
            "org_id",
            &table("tasks", &[]),
            "id",
            Some(&"org_id".to_string()),
        );
        let sql: Vec<&str> = repair.steps.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(sql.len(), 3);
        assert!(sql[0].contains("ALTER TABLE \"public\".\"tasks\" ADD CONSTRAINT \"tasks_org_id_id_key\" UNIQUE (\"org_id\", \"id\")"), "{}", sql[0]);
        assert!(sql[1].contains("FOREIGN KEY (\"org_id\", \"task_id\") REFERENCES \"public\".\"tasks\" (\"org_id\", \"id\") NOT VALID"), "{}", sql[1]);
        assert_eq!(
            sql[2],
            "ALTER TABLE \"public\".\"comments\" VALIDATE CONSTRAINT \"comments_org_id_task_id_fkey\";"
        );
    }

    #[test]
    fn pointing_at_the_tenant_table_the_column_must_be_the_tenant() {
        let repair = fix(
            &table("invites", &[]),
            "org_ref",
            "org_id",
            &table("organizations", &[]),
            "id",
            None,
        );
        assert!(
            repair.steps[0]
                .sql
                .contains("CHECK (\"org_ref\" = \"org_id\") NOT VALID"),
            "{}",
            repair.steps[0].sql
        );
    }
}
