//! `tenancy::role`: the role the application's requests run as exists, is not a superuser and
//! has no BYPASSRLS; and the anonymous role `anon` names, if any, exists (else no `::anon`
//! test is planned, and its absence must not read as a pass). Row level security never applies to a superuser or a BYPASSRLS role: every
//! policy of every table would be decoration, and every `isolated` test would prove nothing of
//! production.
//!
//! Attributes are not inherited, so a role that is merely a member of a superuser (or BYPASSRLS)
//! role is not one itself; but one `SET ROLE` turns its requests into that role's, and a request
//! (or an injected statement) may run it. Such a membership fails the test too, naming the role.

use super::machinery::repair::{Fix, Repair, Step};
use super::{Check, Context, Failure, Verdict};
use crate::catalog::Role;
use crate::location::Location;
use crate::names::{ident, literal};

/// `tenancy::role`, as the plan states it: where `[tenancy]` was written.
pub struct Promise<'a>(pub &'a Location);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(at) = *self;
        let tenancy = ctx.tenancy(at)?;
        let name = &tenancy.role.value;
        let promise = format!(
            "requests run as role {name}, to which row level security applies: it exists, is not a superuser and has no BYPASSRLS"
        );
        let fail = |found: String, fix: Fix| Failure {
            at: Some(tenancy.role.at.clone()),
            promise: promise.clone(),
            expected: format!(
                "role {name} NOSUPERUSER NOBYPASSRLS, a member of no role that is either"
            ),
            found,
            fix: Some(fix),
        };
        let Some(role) = ctx.catalog.role(name) else {
            return Err(fail(
                format!("no role {name} on the server after `before`, the migrations and the seed"),
                Fix::Advice(format!(
                    "create it in a `before` file or a migration, and grant it what requests need:\nCREATE ROLE {} NOLOGIN NOSUPERUSER NOBYPASSRLS;\nGRANT USAGE ON SCHEMA <schema> TO {0};\nGRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA <schema> TO {0};",
                    ident(name)
                )),
            ));
        };
        let mut found = Vec::new();
        if role.superuser {
            found.push(format!("{name} is a superuser (rolsuper)"));
        }
        if role.bypass_rls {
            found.push(format!("{name} has BYPASSRLS (rolbypassrls)"));
        }
        let above: Vec<&Role> = (role.member_of.iter())
            .filter_map(|r| ctx.catalog.role(r))
            .filter(|r| r.superuser || r.bypass_rls)
            .collect();
        for r in &above {
            let what = if r.superuser {
                "a superuser"
            } else {
                "BYPASSRLS"
            };
            found.push(format!(
                "{name} is a member of {} ({what}): one SET ROLE and row level security no longer applies",
                r.name
            ));
        }
        if !found.is_empty() {
            return Err(fail(found.join("\n"), fix(role, &above).into()));
        }
        match &tenancy.anon {
            Some(anon) if ctx.catalog.role(&anon.value).is_none() => Err(Failure {
                at: Some(anon.at.clone()),
                promise: format!(
                    "requests with no signed-in user run as role {}, which exists",
                    anon.value
                ),
                expected: format!("role {}", anon.value),
                found: format!(
                    "no role {} on the server after `before`, the migrations and the seed: `anon` names no role, so no anonymous test could run",
                    anon.value
                ),
                fix: Some(Fix::Advice(format!(
                    "create it (CREATE ROLE {} NOLOGIN;), or remove `anon` from [tenancy]",
                    ident(&anon.value)
                ))),
            }),
            _ => Ok(()),
        }
    }
}

/// `ALTER ROLE … NOSUPERUSER NOBYPASSRLS`, and the memberships revoked.
fn fix(role: &Role, above: &[&Role]) -> Repair {
    let mut steps = Vec::new();
    if role.superuser || role.bypass_rls {
        steps.push(Step::server(format!(
            "ALTER ROLE {} NOSUPERUSER NOBYPASSRLS;",
            ident(&role.name)
        )));
    }
    for r in above {
        // Guarded: the membership may be indirect, through a role between them.
        steps.push(Step::server(format!(
            "DO $$\nBEGIN\n  IF EXISTS (SELECT 1 FROM pg_auth_members WHERE roleid = {}::regrole AND member = {}::regrole) THEN\n    REVOKE {} FROM {};\n  END IF;\nEND $$;",
            literal(&ident(&r.name)),
            literal(&ident(&role.name)),
            ident(&r.name),
            ident(&role.name)
        )));
    }
    let mut repair = Repair::new(steps);
    if !above.is_empty() {
        repair = repair.note(
            "a membership through another role is revoked from that role instead: see pg_auth_members",
        );
    }
    repair
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{Fixture, TENANCY, catalog, in_project, role};

    async fn verdict(roles: Vec<Role>) -> (Fixture, Verdict) {
        let f = Fixture::with(catalog(Vec::new(), roles), TENANCY, &[]);
        let at = in_project("pg-invariants.toml", 4);
        let verdict = Promise(&at).check(&f.ctx()).await;
        (f, verdict)
    }

    #[tokio::test]
    async fn a_plain_role_holds() {
        let (_, verdict) = verdict(vec![role("app", false, false)]).await;
        assert_eq!(verdict, Ok(()));
    }

    #[tokio::test]
    async fn a_missing_role_is_advice_to_create_it() {
        let (f, verdict) = verdict(vec![role("admin", true, false)]).await;
        insta::assert_snapshot!(f.shown(&verdict.unwrap_err()));
    }

    #[tokio::test]
    async fn a_superuser_or_a_member_of_a_bypassrls_role_is_altered_and_revoked() {
        let mut app = role("app", true, false);
        app.member_of = vec!["service".into()];
        let (f, verdict) = verdict(vec![app, role("service", false, true)]).await;
        insta::assert_snapshot!(f.shown(&verdict.unwrap_err()));
    }
}
