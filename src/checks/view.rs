//! `<view>::isolated` and `<view>::anon`: a view that reads a tenant's rows shows a principal of
//! tenant A the same rows (as a multiset) with and without tenant B's rows; the anonymous role
//! the same rows with and without A's and B's. A view runs with its owner's rights unless it has
//! `security_invoker`, so a view over a table with row level security shows every tenant's rows
//! to whoever may read it; a per-tenant aggregate shows B's counts. A materialized view is
//! refreshed (as the superuser) before each read: it holds what its owner's query saw.

use super::machinery::behaviour::{self, Run};
use super::machinery::interference::{self, Pair, Who, gone, user, whose_short};
use super::machinery::repair::{Fix, Repair, Step};
use super::{Check, Context, Failure, Verdict};
use crate::catalog::{Catalog, View};
use crate::location::Location;
use crate::names::TableName;
use crate::plan::{Acting, reads};

/// `<view>::isolated` / `<view>::anon`, as the plan states it.
pub struct Promise<'a>(pub &'a TableName, pub Acting);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(name, acting) = *self;
        let tenancy = (ctx.spec.project.tenancy.as_ref())
            .ok_or_else(|| super::vocabulary::unchecked(None))?;
        let (at, role) = user(tenancy, acting);
        let shown = ctx.show(name);
        let promise = match acting {
            Acting::Principal => format!(
                "what view {shown} shows a principal of one tenant does not depend on another tenant's rows"
            ),
            Acting::Anonymous => {
                format!("view {shown} shows the anonymous role {role} no tenant's rows")
            }
        };
        let Some(view) = ctx.catalog.views.iter().find(|v| &v.name == name) else {
            return Err(Failure {
                at: Some(at.clone()),
                promise,
                expected: format!("view {shown}"),
                found: format!("no view {shown} after the migrations"),
                fix: None,
            });
        };
        let scope = crate::tenancy::scoped(ctx.spec, ctx.catalog);
        let tables: Vec<&TableName> = (scope.iter())
            .filter(|s| reads(view, s.table))
            .map(|s| &s.table.name)
            .collect();
        let probe = Probe {
            view,
            acting,
            role,
            at,
            promise: &promise,
        };
        behaviour::one_case(ctx, async |run: &mut Run<'_>| {
            let pair = interference::populate(ctx, run, &tables, at, &promise).await?;
            let who = match acting {
                Acting::Principal => Who::Principal(&pair.a),
                Acting::Anonymous => Who::Anonymous(role),
            };
            let gone = gone(&pair, acting);
            let read = async |run: &mut Run<'_>| probe.read(run, &who).await;
            match interference::depends_on(run, &scope, &gone, read).await {
                Ok(None) => Ok(()),
                Ok(Some(rows)) => Err(probe.failure(ctx, run, &pair, Ok(rows))),
                Err(why) => Err(probe.failure(ctx, run, &pair, Err(why))),
            }
        })
        .await
    }
}

struct Probe<'p> {
    view: &'p View,
    acting: Acting,
    role: &'p str,
    at: &'p Location,
    promise: &'p str,
}

impl Probe<'_> {
    /// `SELECT *` as `who`, a materialized view refreshed first.
    async fn read(&self, run: &mut Run<'_>, who: &Who<'_>) -> Result<interference::Answer, String> {
        let name = self.view.name.sql();
        if self.view.materialized {
            let refresh = format!("REFRESH MATERIALIZED VIEW {name}");
            let done = run.sb.attempt(&refresh, true).await;
            run.sb.record(
                &refresh,
                done.as_ref()
                    .err()
                    .map(|e| format!("failed: {e}"))
                    .as_deref(),
            );
            done.map_err(|e| format!("`{refresh}` failed: {e}"))?;
        }
        interference::as_user(run, who, &format!("SELECT * FROM {name}"), false).await
    }

    /// The failure: the rows only one answer had, or why the check could not conclude.
    fn failure(
        &self,
        ctx: &Context<'_>,
        run: &Run<'_>,
        pair: &Pair,
        found: Result<(Vec<String>, Vec<String>), String>,
    ) -> Failure {
        let shown = ctx.show(&self.view.name);
        let (whose, who) = match self.acting {
            Acting::Principal => (
                format!("tenant B's ({})", pair.b.key),
                format!(
                    "a principal of tenant A ({}) in role {}",
                    pair.a.key, self.role
                ),
            ),
            Acting::Anonymous => (
                format!("tenant A's ({}) and B's ({})", pair.a.key, pair.b.key),
                format!("the anonymous role {} with no request settings", self.role),
            ),
        };
        let leak = found.is_ok();
        let found = match found {
            Err(why) => format!("the check could not conclude: {why}"),
            Ok((only_with, only_without)) => {
                let mut lines = vec![format!(
                    "SELECT * FROM {shown} returned other rows once {} rows were deleted: {}",
                    whose_short(self.acting),
                    owner_rights(ctx.catalog, self.view, self.role)
                )];
                lines.extend(only_with.iter().map(|r| format!("  only with them: {r}")));
                lines.extend(
                    only_without
                        .iter()
                        .map(|r| format!("  only without them: {r}")),
                );
                lines.join("\n")
            }
        };
        Failure {
            at: Some(self.at.clone()),
            promise: self.promise.to_string(),
            expected: format!(
                "as {who}: SELECT * FROM {shown} returns the same rows (as a multiset) with and without {whose} rows"
            ),
            found: format!("{found}\n{}", behaviour::transcript(&run.sb)),
            fix: leak.then(|| repair(self.view, self.role)),
        }
    }
}

/// Why the view shows what it should not: whose rights it reads with.
fn owner_rights(catalog: &Catalog, view: &View, role: &str) -> String {
    if view.materialized {
        return format!(
            "it is a materialized view: it holds what its owner's query saw ({} refreshed it), every tenant's rows, and row level security never applies to it",
            view.owner
        );
    }
    if view.security_invoker {
        return format!(
            "it has security_invoker, so it reads with {role}'s rights: the policies of the tables it reads, or a function it calls, let those rows through"
        );
    }
    let owner = catalog.role(&view.owner);
    let how = match owner {
        Some(r) if r.superuser => "a superuser: row level security never applies to it",
        Some(r) if r.bypass_rls => "a role with BYPASSRLS: row level security never applies to it",
        _ => {
            "so the policies of the tables it reads apply to its owner, not to the role that queries it"
        }
    };
    format!(
        "the view has no security_invoker and runs with the rights of its owner {}, {how}",
        view.owner
    )
}

/// What closes the path.
fn repair(view: &View, role: &str) -> Fix {
    let name = view.name.sql();
    let revoke = format!(
        "REVOKE SELECT ON {name} FROM {};",
        crate::names::ident(role)
    );
    if view.materialized {
        return Repair::new(vec![Step::server(revoke).note(
            "a materialized view cannot apply row level security: keep it from the role, and read it through a security_invoker view or a function that filters by the request's tenant",
        )])
        .into();
    }
    if view.security_invoker {
        return Fix::Advice(format!(
            "{name} reads with {role}'s rights: fix the policies of the tables it reads (see their isolated tests), or {revoke}"
        ));
    }
    Repair::new(vec![
        Step::server(format!("ALTER VIEW {name} SET (security_invoker = true);")).note(
            "PostgreSQL 15+: the view then reads with the rights of the role that queries it, so the tables' policies apply",
        ),
    ])
    .note(format!("or, if no request should read it: {revoke}"))
    .into()
}
