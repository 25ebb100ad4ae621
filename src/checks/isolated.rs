//! `<table>::<col>::isolated`: acting as a principal of tenant A, with rows of tenants A and B
//! present (each inserted under its own tenant's request), A sees rows of A and none of B,
//! cannot change or delete B's rows, and cannot write a row into B: a plain INSERT with B's id
//! and an UPDATE moving A's row to B are refused or change nothing.
//!
//! The five operations are the ways a policy leaks: `USING (true)` shows and lets change every
//! row; an INSERT policy without a real WITH CHECK lets a tenant write into another; an owner
//! that is not forced bypasses everything. Seeing nothing at all is no isolation either: a
//! deny-everything policy or a missing GRANT fails, because A must see its own row.
//!
//! Writes are judged by what they did, not by what they returned: the INSERT has no RETURNING
//! (RETURNING applies the SELECT policies and would hide a leaking INSERT policy), UPDATE and
//! DELETE by the rows their command tag counts, and the INSERT and the move by counting B's rows
//! as the superuser afterwards (a trigger that rewrites the tenant from the request is fine).

use indexmap::IndexMap;

use super::machinery::behaviour::{self, Case, Run};
use super::rls::{self, applying, describe};
use super::{Check, Context, Failure, On, Verdict, immutable};
use crate::catalog::{Column, Table};
use crate::location::Location;
use crate::names::{ident, literal};
use crate::sandbox::{DbError, Outcome};
use crate::spec::Tenancy;
use crate::synth::{Row, SynthError, Tenant, identify, plain_insert, typed};
use crate::tenancy::Refused;

/// `<table>::<col>::isolated` (`tenant = true`), as the plan states it.
pub struct Promise<'a>(pub On<'a>, pub &'a Location);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(On { table, column }, at) = *self;
        let tenancy = ctx.tenancy(at)?;
        let promise = format!(
            "a principal of one tenant can neither see nor change rows of another in {} (tenant column {column})",
            ctx.show(table)
        );
        let (t, col) = ctx.column(table, column, at, &promise)?;
        let own_rows = tenancy.is_tenant_table(table);
        let probe = Probe {
            ctx,
            t,
            col,
            at,
            promise: &promise,
            role: &tenancy.role.value,
            tenancy,
        };
        behaviour::each_case(ctx, async |run: &mut Run<'_>, _: Case| {
            let a = probe.tenant(run).await?;
            let b = probe.tenant(run).await?;
            // The tenant table's rows are the tenants; a row of B is only written into it by
            // creating B, so no INSERT or move is tried there.
            let (row_a, row_b, insert_b) = if own_rows {
                (a.row.clone(), b.row.clone(), None)
            } else {
                let row_a = probe.row(run, &a, true).await?;
                let row_b = probe.row(run, &b, true).await?;
                (row_a, row_b, Some(probe.row(run, &b, false).await?))
            };
            let rows = Rows {
                key_a: identify(t, &row_a, None),
                key_b: identify(t, &row_b, None),
                lit_a: typed(Some(&a.key), col),
                lit_b: typed(Some(&b.key), col),
                insert_b,
            };
            probe.operations(run, &a, &b, &rows).await
        })
        .await
    }
}

/// What one case needs to probe the table.
struct Probe<'p, 'c> {
    ctx: &'p Context<'c>,
    t: &'p Table,
    col: &'p Column,
    at: &'p Location,
    promise: &'p str,
    role: &'p str,
    tenancy: &'p Tenancy,
}

/// The rows of a case: A's and B's (found by these conditions), the tenants' ids as literals
/// of the column, and a row of B not inserted yet (none for the tenant table).
struct Rows {
    key_a: String,
    key_b: String,
    lit_a: String,
    lit_b: String,
    insert_b: Option<Row>,
}

/// What an operation did that it must not, or why the case could not conclude.
enum Found {
    Leak(String),
    Inconclusive(String),
}

impl Probe<'_, '_> {
    async fn tenant(&self, run: &mut Run<'_>) -> Result<Tenant, Failure> {
        let tenant = run.synth.tenant(&mut run.sb, &self.t.name).await;
        tenant.map_err(|e| self.unbuildable(run, &e))
    }

    async fn row(&self, run: &mut Run<'_>, tenant: &Tenant, keep: bool) -> Result<Row, Failure> {
        let synth = &mut run.synth;
        let row = (synth.tenant_row(&mut run.sb, &self.t.name, &[], tenant, keep)).await;
        row.map_err(|e| self.unbuildable(run, &e))
    }

    fn unbuildable(&self, run: &Run<'_>, e: &SynthError) -> Failure {
        behaviour::unbuildable(self.ctx, e, &run.sb, self.at, self.promise)
    }

    /// The five operations as a principal of A, then back to the superuser.
    async fn operations(&self, run: &mut Run<'_>, a: &Tenant, b: &Tenant, rows: &Rows) -> Verdict {
        let result = self.leaks(run, a, rows).await;
        let _ = run.synth.leave(&mut run.sb).await;
        let found = match result {
            Err(Found::Inconclusive(why)) => format!("the check could not conclude: {why}"),
            Err(Found::Leak(what)) => what,
            Ok(leaks) if leaks.is_empty() => return Ok(()),
            Ok(leaks) => leaks.join("\n"),
        };
        Err(self.failure(run, a, b, found))
    }

    /// Every operation that leaked; A not seeing its own row ends the case (nothing after it
    /// would mean anything).
    async fn leaks(
        &self,
        run: &mut Run<'_>,
        a: &Tenant,
        rows: &Rows,
    ) -> Result<Vec<String>, Found> {
        self.enter(run, a).await?;
        let mut leaks = self.reads(run, rows).await?;
        leaks.extend(self.changes(run, rows).await?);
        if let Some(insert_b) = &rows.insert_b {
            leaks.extend(self.writes(run, a, rows, insert_b).await?);
        }
        Ok(leaks)
    }

    /// SELECT sees rows of A and none of B. Any row of A counts, not only the one built: in a
    /// table whose policy shows a user their own rows, the principal's own (its membership, a
    /// row a trigger gave it) are what it sees.
    async fn reads(&self, run: &mut Run<'_>, rows: &Rows) -> Result<Vec<String>, Found> {
        let of = |literal: &str| {
            format!(
                "SELECT count(*) FROM {} WHERE {} = {literal}",
                self.t.name.sql(),
                ident(&self.col.name)
            )
        };
        match count(run, &of(&rows.lit_a)).await {
            Ok(1..) => {}
            Ok(_) => {
                return Err(Found::Leak(
                    "SELECT sees no row of tenant A, not even its own: a policy that denies everything, or one that does not match how a request names its tenant, is not isolation".into(),
                ));
            }
            Err(e) => return Err(refused_select(&e)),
        }
        Ok(match count(run, &of(&rows.lit_b)).await {
            Ok(n @ 1..) => vec![self.leak('r', &format!("SELECT sees {n} row(s) of tenant B"))],
            _ => Vec::new(),
        })
    }

    /// UPDATE (of another column, then of the tenant to A's) and DELETE of B's row change no
    /// row; each is undone.
    async fn changes(&self, run: &mut Run<'_>, rows: &Rows) -> Result<Vec<String>, Found> {
        let t = self.t.name.sql();
        let o = ident(&immutable::other_column(self.t, self.col).name);
        let mut updates = vec![format!("UPDATE {t} SET {o} = {o} WHERE {}", rows.key_b)];
        if rows.insert_b.is_some() {
            updates.push(format!(
                "UPDATE {t} SET {} = {} WHERE {}",
                ident(&self.col.name),
                rows.lit_a,
                rows.key_b
            ));
        }
        let mut leaks = Vec::new();
        for update in updates {
            if let Some(n) = changed(run, &update).await? {
                let what = format!("UPDATE of tenant B's row changed {n} row: {update}");
                leaks.push(self.leak('w', &what));
                break;
            }
        }
        let delete = format!("DELETE FROM {t} WHERE {}", rows.key_b);
        if let Some(n) = changed(run, &delete).await? {
            leaks.push(self.leak('d', &format!("DELETE of tenant B's row deleted {n} row")));
        }
        Ok(leaks)
    }

    /// A plain INSERT of a row of B, and an UPDATE moving A's row to B, kept: B's rows counted
    /// as the superuser before and after each.
    async fn writes(
        &self,
        run: &mut Run<'_>,
        a: &Tenant,
        rows: &Rows,
        insert_b: &Row,
    ) -> Result<Vec<String>, Found> {
        let t = self.t.name.sql();
        let c = ident(&self.col.name);
        let of_b = format!("SELECT count(*) FROM {t} WHERE {c} = {}", rows.lit_b);
        let mut leaks = Vec::new();
        let mut before = self.count_as_superuser(run, &of_b).await?;
        let mut inserts = vec![(insert_b.written.clone(), String::new())];
        inserts.extend(self.as_principal(run, a, insert_b).await);
        for (written, how) in inserts {
            self.enter(run, a).await?;
            let inserted = kept(run, &plain_insert(self.t, &written)).await?;
            let after = self.count_as_superuser(run, &of_b).await?;
            if inserted && after > before {
                let what = format!(
                    "INSERT of a row with tenant B's {}{how} went through: tenant B has {after} rows instead of {before}",
                    self.col.name
                );
                leaks.push(self.leak('a', &what));
            }
            before = after;
        }
        let after = before;
        self.enter(run, a).await?;
        let moving = format!("UPDATE {t} SET {c} = {} WHERE {}", rows.lit_b, rows.key_a);
        let moved = kept(run, &moving).await?;
        let last = self.count_as_superuser(run, &of_b).await?;
        if moved && last > after {
            let what = format!(
                "UPDATE moving tenant A's row to tenant B went through: tenant B has {last} rows instead of {after}"
            );
            leaks.push(self.leak('w', &what));
        }
        Ok(leaks)
    }

    /// The row of B again, with every single-column foreign key that can point at A's
    /// principal's user doing so: the row a user writes to join another tenant (a membership
    /// policy `WITH CHECK (user_id = auth.uid())` lets it through). `None` when no such column.
    async fn as_principal(
        &self,
        run: &mut Run<'_>,
        a: &Tenant,
        row: &Row,
    ) -> Option<(IndexMap<String, String>, String)> {
        let user = run.synth.user_of(a)?;
        let mut written = row.written.clone();
        let mut columns = Vec::new();
        for (c, fk) in self.t.foreign_keys() {
            let ([name], [target]) = (c.columns.as_slice(), fk.target_columns.as_slice()) else {
                continue;
            };
            let Some(column) = self.t.column(name).filter(|c| c.name != self.col.name) else {
                continue;
            };
            let exists = format!(
                "SELECT 1 FROM {} WHERE {}::text = {}",
                fk.target.sql(),
                ident(target),
                literal(&user)
            );
            if let Ok(Some(_)) = run.sb.value(&exists).await {
                written.insert(name.clone(), typed(Some(&user), column));
                columns.push(name.as_str());
            }
        }
        if columns.is_empty() {
            return None;
        }
        let how = format!(" and the principal's own user in {}", columns.join(", "));
        Some((written, how))
    }

    /// Acts as a principal of `tenant`.
    async fn enter(&self, run: &mut Run<'_>, tenant: &Tenant) -> Result<(), Found> {
        run.synth
            .act_as(&mut run.sb, tenant)
            .await
            .map_err(|e| request_refused(&e))
    }

    /// Leaves the request and counts as the superuser.
    async fn count_as_superuser(&self, run: &mut Run<'_>, sql: &str) -> Result<i64, Found> {
        run.synth
            .leave(&mut run.sb)
            .await
            .map_err(|e| request_refused(&e))?;
        count(run, sql).await.map_err(|e| {
            Found::Inconclusive(format!(
                "counting tenant B's rows as the superuser failed: {e}"
            ))
        })
    }

    /// A leak of `command` (`r`, `a`, `w`, `d`), with the policies that let it through.
    fn leak(&self, command: char, what: &str) -> String {
        let table = self.t;
        let policies = applying(self.ctx.catalog, table, self.role, Some(command));
        let role = self.ctx.catalog.role(self.role);
        let why = if let Some(r) = role.filter(|r| r.superuser || r.bypass_rls) {
            let what = if r.superuser {
                "is a superuser"
            } else {
                "has BYPASSRLS"
            };
            format!(
                "{} {what}: row level security does not apply to it (see tenancy::role)",
                self.role
            )
        } else if !table.rls_enabled {
            "row level security is disabled on the table".to_string()
        } else if !table.rls_forced && table.owner == self.role {
            format!(
                "{} owns the table and row level security is not forced",
                self.role
            )
        } else if policies.is_empty() {
            format!("no policy for this command applies to {}", self.role)
        } else {
            let all: Vec<String> = policies.iter().map(|p| describe(p)).collect();
            format!(
                "the policies for this command that apply to {}: {}",
                self.role,
                all.join("; ")
            )
        };
        format!("{what}; {why}")
    }

    fn failure(&self, run: &Run<'_>, a: &Tenant, b: &Tenant, found: String) -> Failure {
        Failure {
            at: Some(self.at.clone()),
            promise: self.promise.to_string(),
            expected: format!(
                "as a principal of tenant A ({}) in role {}: SELECT sees rows of A and none of tenant B ({}); UPDATE and DELETE of B's row change nothing; a plain INSERT with B's {c} (also as the principal's own row) and an UPDATE moving A's row to B are refused or change nothing",
                a.key,
                self.role,
                b.key,
                c = self.col.name
            ),
            found: format!("{found}\n{}", behaviour::transcript(&run.sb)),
            fix: rls::repair(self.ctx.catalog, self.t, &self.col.name, self.tenancy)
                .map(Into::into),
        }
    }
}

/// Runs a `SELECT count(*)`, recorded.
async fn count(run: &mut Run<'_>, sql: &str) -> Result<i64, DbError> {
    let result = run.sb.attempt(sql, false).await;
    let value = result.map(|o: Outcome| {
        o.rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let note = match &value {
        Ok(n) => format!("count = {n}"),
        Err(e) => format!("failed: {e}"),
    };
    run.sb.record(sql, Some(&note));
    value
}

/// Runs an UPDATE or DELETE and undoes it: the rows it changed, `None` for none or a refusal.
async fn changed(run: &mut Run<'_>, sql: &str) -> Result<Option<u64>, Found> {
    let result = run.sb.attempt(sql, false).await;
    record(run, sql, &result);
    match result {
        Ok(o) if o.affected > 0 => Ok(Some(o.affected)),
        Ok(_) => Ok(None),
        Err(e) if e.is_timeout() => Err(Found::Inconclusive(e.to_string())),
        Err(_) => Ok(None),
    }
}

/// Runs a write and keeps it (its effect is then counted as the superuser): whether it went
/// through.
async fn kept(run: &mut Run<'_>, sql: &str) -> Result<bool, Found> {
    let result = run.sb.attempt(sql, true).await;
    record(run, sql, &result);
    match result {
        Ok(_) => Ok(true),
        Err(e) if e.is_timeout() => Err(Found::Inconclusive(e.to_string())),
        Err(_) => Ok(false),
    }
}

fn record(run: &mut Run<'_>, sql: &str, result: &Result<Outcome, DbError>) {
    let note = match result {
        Ok(o) => format!("{} row(s) changed", o.affected),
        Err(e) => format!("refused: {e}"),
    };
    run.sb.record(sql, Some(&note));
}

fn refused_select(e: &DbError) -> Found {
    if e.is_timeout() {
        return Found::Inconclusive(e.to_string());
    }
    Found::Leak(format!(
        "SELECT of tenant A's own row was refused ({e}): requests of the role cannot read the table (a missing GRANT?), which is not isolation"
    ))
}

fn request_refused(e: &Refused) -> Found {
    Found::Inconclusive(format!(
        "acting as a principal failed at `{}`: {} ([tenancy] in pg-invariants.toml)",
        e.sql, e.error
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{Fixture, TENANCY, at, catalog, db_error, name, table};

    fn said(found: Found) -> String {
        match found {
            Found::Leak(text) => format!("leak: {text}"),
            Found::Inconclusive(text) => format!("inconclusive: {text}"),
        }
    }

    #[test]
    fn a_refused_select_is_a_failure_and_a_cancelled_one_could_not_test() {
        let denied = db_error("42501", "permission denied for table notes");
        let refused = Refused {
            sql: "SET LOCAL ROLE \"app\"".into(),
            error: db_error("22023", "role \"app\" does not exist"),
        };
        let lines = [
            said(refused_select(&denied)),
            said(refused_select(&db_error("57014", "canceling statement"))),
            said(request_refused(&refused)),
        ];
        insta::assert_snapshot!(lines.join("\n"));
    }

    #[tokio::test]
    async fn a_missing_tenant_column_fails_before_any_principal_acts() {
        let notes = table("notes", &[("id", "bigint"), ("orgId", "bigint")]);
        let f = Fixture::with(catalog(vec![notes], Vec::new()), TENANCY, &[]);
        let at = at("notes.toml", 2);
        let promise = Promise(
            On {
                table: &name("notes"),
                column: "org_id",
            },
            &at,
        );
        let failure = promise.check(&f.ctx()).await.unwrap_err();
        insta::assert_snapshot!(f.shown(&failure));
    }
}
