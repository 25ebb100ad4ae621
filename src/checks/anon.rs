//! `<table>::anon`: the anonymous role (`[tenancy] anon`, a request with no signed-in user and
//! every setting reset) gets nothing of any tenant from a table with a `tenant` column. With rows
//! of tenants A and B present: `SELECT *` returns the same rows as once A's and B's rows are
//! deleted (seed rows that are public stay public); UPDATE and DELETE of A's and B's rows change
//! nothing; a plain INSERT of a row of A is refused or changes nothing. A `TO public USING
//! (true)` policy, or one that lets `auth.uid() IS NULL` through, fails here.

use super::machinery::behaviour::{self, Run};
use super::machinery::interference::{self, Pair, Who};
use super::machinery::repair::{Repair, Step};
use super::{Check, Context, Failure, On, Verdict, immutable};
use crate::catalog::{Column, Table};
use crate::names::ident;
use crate::plan::Acting;
use crate::synth::{identify, plain_insert, typed};

/// `<table>::anon`, as the plan states it.
pub struct Promise<'a>(pub On<'a>);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(On { table, column }) = *self;
        let tenancy = (ctx.spec.project.tenancy.as_ref())
            .ok_or_else(|| super::vocabulary::unchecked(None))?;
        let (at, role) = interference::user(tenancy, Acting::Anonymous);
        let promise = format!(
            "the anonymous role {role} neither sees nor changes any tenant's rows of {}",
            ctx.show(table)
        );
        let (t, col) = ctx.column(table, column, at, &promise)?;
        let scope = crate::tenancy::scoped(ctx.spec, ctx.catalog);
        behaviour::one_case(ctx, async |run: &mut Run<'_>| {
            let pair = interference::populate(ctx, run, &[table], at, &promise).await?;
            let who = Who::Anonymous(role);
            let found = match leaks(ctx, run, &scope, &pair, &who, t, col).await {
                Ok(leaks) if leaks.is_empty() => return Ok(()),
                Ok(leaks) => leaks.join("\n"),
                Err(why) => format!("the check could not conclude: {why}"),
            };
            Err(Failure {
                at: Some(at.clone()),
                promise: promise.clone(),
                expected: format!(
                    "as {role} with no request settings, rows of tenants A ({}) and B ({}) present: SELECT * returns the same rows as once their rows are deleted; UPDATE and DELETE of their rows change nothing; a plain INSERT of a row of A is refused or changes nothing",
                    pair.a.key, pair.b.key
                ),
                found: format!(
                    "{found}\n{}\n{}",
                    why(t, role),
                    behaviour::transcript(&run.sb)
                ),
                fix: Some(
                    Repair::new(vec![Step::server(format!(
                        "REVOKE SELECT, INSERT, UPDATE, DELETE ON {} FROM {};",
                        t.name.sql(),
                        ident(role)
                    ))])
                    .note(format!(
                        "or give the policies that let {role} through a role list without it (TO authenticated), and a USING clause that needs a signed-in user"
                    ))
                    .into(),
                ),
            })
        })
        .await
    }
}

/// What the anonymous role could do.
async fn leaks(
    ctx: &Context<'_>,
    run: &mut Run<'_>,
    scope: &[interference::Scoped<'_>],
    pair: &Pair,
    who: &Who<'_>,
    t: &Table,
    col: &Column,
) -> Result<Vec<String>, String> {
    let mut leaks = Vec::new();
    let (Some(row_a), Some(row_b)) = (pair.row(&t.name, true), pair.row(&t.name, false)) else {
        return Err("no row of A and B was built".into());
    };
    let select = format!("SELECT * FROM {}", t.name.sql());
    let read = async |run: &mut Run<'_>| interference::as_user(run, who, &select, false).await;
    let gone = [pair.a.key.as_str(), pair.b.key.as_str()];
    if let Some((with, _)) = interference::depends_on(run, scope, &gone, read).await? {
        leaks.push(format!(
            "SELECT * FROM {} as the anonymous role returns tenants' rows: {}",
            ctx.show(&t.name),
            with.join("; ")
        ));
    }
    let keys = format!(
        "({}) OR ({})",
        identify(t, row_a, None),
        identify(t, row_b, None)
    );
    let other = ident(&immutable::other_column(t, col).name);
    for sql in [
        format!("UPDATE {} SET {other} = {other} WHERE {keys}", t.name.sql()),
        format!("DELETE FROM {} WHERE {keys}", t.name.sql()),
    ] {
        if let Ok(o) = interference::run_as(run, who, &sql, false).await?
            && o.affected > 0
        {
            leaks.push(format!("{sql} changed {} row(s)", o.affected));
        }
    }
    let of_a = format!(
        "SELECT count(*) FROM {} WHERE {} = {}",
        t.name.sql(),
        ident(&col.name),
        typed(Some(&pair.a.key), col)
    );
    let count = async |run: &mut Run<'_>| -> Result<i64, String> {
        let n = run
            .sb
            .value(&of_a)
            .await
            .map_err(|e| format!("{of_a} failed: {e}"))?;
        Ok(n.and_then(|n| n.parse().ok()).unwrap_or(0))
    };
    // A row of A not inserted yet (a trial: built, then undone).
    let fresh = run
        .synth
        .tenant_row(&mut run.sb, &t.name, &[], &pair.a, false)
        .await;
    let fresh = fresh.map_err(|e| format!("a new row of tenant A could not be built: {e}"))?;
    let before = count(run).await?;
    let mark = run.sb.mark();
    let insert = plain_insert(t, &fresh.written);
    let inserted = interference::run_as(run, who, &insert, true).await?;
    let after = count(run).await?;
    run.sb.back_to(&mark);
    if inserted.is_ok() && after > before {
        leaks.push(format!(
            "{insert} went through: tenant A has {after} rows instead of {before}"
        ));
    }
    Ok(leaks)
}

/// What lets the anonymous role through, from the catalog.
fn why(t: &Table, role: &str) -> String {
    if !t.rls_enabled {
        return format!(
            "row level security is disabled on the table, and {role} has privileges on it"
        );
    }
    let through: Vec<String> = (t.policies.iter())
        .filter(|p| p.roles.iter().any(|r| r == "public" || r == role))
        .map(|p| {
            format!(
                "{} ({} TO {} USING {})",
                p.name,
                p.command,
                p.roles.join(", "),
                p.using.as_deref().unwrap_or("-")
            )
        })
        .collect();
    if through.is_empty() {
        format!(
            "no policy names {role} or public: the role may still reach the rows through one of the roles it is a member of"
        )
    } else {
        format!("policies that apply to {role}: {}", through.join("; "))
    }
}
