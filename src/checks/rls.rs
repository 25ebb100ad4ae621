//! `<table>::rls`: a table with a `tenant` column keeps tenants apart with row level security
//! that applies to the tenancy role: RLS enabled; forced when the role owns the table or has its
//! owner's privileges (a table's owner bypasses RLS unless it is forced, and the usual setup, the
//! application's role running the migrations, makes it the owner); and at least one policy that
//! applies to the role (its own name, `PUBLIC`, or a role whose privileges it has: a policy for
//! another role leaves the table's rows invisible, or, without RLS, all visible).
//!
//! Structural, from the catalog: the `isolated` test proves what the policies do.

use super::machinery::repair::{Repair, Step};
use super::{Check, Context, Failure, On, Verdict};
use crate::catalog::{Catalog, Policy, Table};
use crate::location::Location;
use crate::names::{ident, literal};
use crate::spec::{TENANT, Tenancy};

/// `<table>::rls`, as the plan states it: the table and its (first) tenant column, for the
/// policy the fix suggests.
pub struct Promise<'a>(pub On<'a>, pub &'a Location);

impl Check for Promise<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Verdict {
        let Self(On { table, column }, at) = *self;
        let tenancy = ctx.tenancy(at)?;
        let role = &tenancy.role.value;
        let promise = format!(
            "row level security keeps tenants of {} apart for role {role}",
            ctx.show(table)
        );
        let t = ctx.table(table, at, &promise)?;
        let mut found = Vec::new();
        if !t.rls_enabled {
            found.push(
                "row level security is disabled: every row is visible to every tenant".into(),
            );
        }
        let bypass = owner_bypass(ctx.catalog, t, role);
        if let Some(why) = &bypass
            && !t.rls_forced
        {
            found.push(format!(
                "row level security is not forced, and {why}: a table's owner bypasses its policies unless FORCE ROW LEVEL SECURITY"
            ));
        }
        let applying = applying(ctx.catalog, t, role, None);
        if applying.is_empty() {
            let others = if t.policies.is_empty() {
                "the table has none".to_string()
            } else {
                let all: Vec<String> = t.policies.iter().map(describe).collect();
                format!(
                    "the table's policies are for other roles:\n  {}",
                    all.join("\n  ")
                )
            };
            found.push(format!("no policy applies to {role}: {others}"));
        }
        if found.is_empty() {
            return Ok(());
        }
        Err(Failure {
            at: Some(at.clone()),
            promise,
            expected: format!(
                "ENABLE ROW LEVEL SECURITY{}, and a policy TO {role} (or PUBLIC, or a role {role} has the privileges of)",
                if bypass.is_some() {
                    ", FORCE ROW LEVEL SECURITY (the role owns the table)"
                } else {
                    ""
                }
            ),
            found: found.join("\n"),
            fix: repair(ctx.catalog, t, column, tenancy).map(Into::into),
        })
    }
}

/// The repair of the table's row level security, when it lacks any of what `rls` asks.
pub(super) fn repair(
    catalog: &Catalog,
    table: &Table,
    column: &str,
    tenancy: &Tenancy,
) -> Option<Repair> {
    let role = &tenancy.role.value;
    let force = owner_bypass(catalog, table, role).is_some();
    let template = applying(catalog, table, role, None).is_empty();
    let sound = table.rls_enabled && (table.rls_forced || !force) && !template;
    (!sound).then(|| fix(table, column, tenancy, force, template))
}

/// Why `role` bypasses the table's policies as its owner, if it does.
fn owner_bypass(catalog: &Catalog, table: &Table, role: &str) -> Option<String> {
    if table.owner == role {
        return Some(format!("the tenancy role {role} owns the table"));
    }
    let inherits = catalog
        .role(role)
        .is_some_and(|r| r.privileges_of.contains(&table.owner));
    inherits.then(|| {
        format!(
            "the tenancy role {role} has the privileges of the table's owner {}",
            table.owner
        )
    })
}

/// The policies that apply to `role` (by name, PUBLIC, or a role whose privileges it has) for
/// `command` (`r` SELECT, `a` INSERT, `w` UPDATE, `d` DELETE; `None`: any).
pub(super) fn applying<'t>(
    catalog: &Catalog,
    table: &'t Table,
    role: &str,
    command: Option<char>,
) -> Vec<&'t Policy> {
    let inherited = catalog.role(role).map(|r| r.privileges_of.as_slice());
    let to_role = |p: &&Policy| {
        p.roles
            .iter()
            .any(|r| r == "public" || r == role || inherited.is_some_and(|i| i.contains(r)))
    };
    let for_command = |p: &&Policy| match command {
        None => true,
        Some(c) => p.command == "*" || p.command.starts_with(c),
    };
    table
        .policies
        .iter()
        .filter(to_role)
        .filter(for_command)
        .collect()
}

/// A policy as `CREATE POLICY` reads.
pub(super) fn describe(p: &Policy) -> String {
    let command = match p.command.as_str() {
        "r" => "SELECT",
        "a" => "INSERT",
        "w" => "UPDATE",
        "d" => "DELETE",
        _ => "ALL",
    };
    let mut out = format!(
        "policy {}{} FOR {command} TO {}",
        ident(&p.name),
        if p.permissive { "" } else { " AS RESTRICTIVE" },
        p.roles.join(", ")
    );
    if let Some(u) = &p.using {
        out.push_str(&format!(" USING ({})", one_line(u)));
    }
    if let Some(c) = &p.check {
        out.push_str(&format!(" WITH CHECK ({})", one_line(c)));
    }
    out
}

/// An expression as `pg_get_expr` prints it, its line breaks and their indentation as one space
/// (it breaks lines around subqueries).
fn one_line(expr: &str) -> String {
    expr.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

/// ENABLE and FORCE as needed, and, when no policy applies, a policy template on the tenant
/// column for a person to finish (how a request names its tenant is theirs to say).
fn fix(table: &Table, column: &str, tenancy: &Tenancy, force: bool, template: bool) -> Repair {
    let t = table.name.sql();
    let mut steps = Vec::new();
    if !table.rls_enabled {
        steps.push(Step::new(
            &table.name,
            format!("ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;"),
        ));
    }
    if force && !table.rls_forced {
        steps.push(Step::new(
            &table.name,
            format!("ALTER TABLE {t} FORCE ROW LEVEL SECURITY;"),
        ));
    }
    let mut repair = Repair::new(steps);
    if template {
        let tenant = request_tenant(table, column, tenancy);
        let c = ident(column);
        repair = repair
            .note("no policy applies to the tenancy role; one on the tenant column, to adapt and run:")
            .note(format!(
                "CREATE POLICY {} ON {t} FOR ALL TO {}",
                ident(&format!("{}_tenant_isolation", table.name.name)),
                ident(&tenancy.role.value)
            ))
            .note(format!("  USING ({c} = {tenant})"))
            .note(format!("  WITH CHECK ({c} = {tenant});"));
    }
    repair
}

/// How a request names its tenant, as SQL: the setting whose value is exactly `{tenant}` read
/// with `current_setting`, cast to the column's type; a placeholder otherwise.
fn request_tenant(table: &Table, column: &str, tenancy: &Tenancy) -> String {
    let setting = (tenancy.settings.iter()).find(|(_, v)| v.value == TENANT);
    let type_ = table.column(column).map(|c| c.type_.as_str());
    match (setting, type_) {
        (Some((name, _)), Some(type_)) => {
            format!("current_setting({}, true)::{type_}", literal(name))
        }
        _ => {
            "<the request's tenant, e.g. (auth.jwt() -> 'app_metadata' ->> 'org_id')::uuid>".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Role, TableKind};
    use crate::checks::testing::{self, Fixture, TENANCY};

    fn policy(name: &str, command: &str, roles: &[&str]) -> Policy {
        Policy {
            name: name.into(),
            command: command.into(),
            permissive: true,
            roles: roles.iter().map(|r| r.to_string()).collect(),
            using: Some("(org_id = 1)".into()),
            check: None,
        }
    }

    fn catalog() -> Catalog {
        let role = |name: &str, of: &[&str]| Role {
            name: name.into(),
            privileges_of: of.iter().map(|r| r.to_string()).collect(),
            ..Role::default()
        };
        Catalog {
            tables: Vec::new(),
            roles: vec![
                role("admin", &[]),
                role("app", &["members"]),
                role("members", &[]),
            ],
            ..Catalog::default()
        }
    }

    #[test]
    fn a_policy_applies_by_name_public_or_inherited_privileges() {
        let mut t = Table::empty(testing::name("notes"), TableKind::Ordinary);
        t.policies = vec![
            policy("admins", "*", &["admin"]),
            policy("mine", "r", &["app"]),
            policy("everyone", "a", &["public"]),
            policy("inherited", "d", &["members"]),
        ];
        let names = |c| -> Vec<String> {
            applying(&catalog(), &t, "app", c)
                .iter()
                .map(|p| p.name.clone())
                .collect()
        };
        assert_eq!(names(None), ["mine", "everyone", "inherited"]);
        assert_eq!(names(Some('w')), Vec::<String>::new());
        assert_eq!(names(Some('d')), ["inherited"]);
    }

    #[test]
    fn the_owner_or_a_role_with_its_privileges_bypasses() {
        let mut t = Table::empty(testing::name("notes"), TableKind::Ordinary);
        t.owner = "members".into();
        assert!(owner_bypass(&catalog(), &t, "app").is_some());
        assert!(owner_bypass(&catalog(), &t, "admin").is_none());
        t.owner = "admin".into();
        assert!(owner_bypass(&catalog(), &t, "app").is_none());
    }

    async fn verdict(notes: Table) -> (Fixture, Verdict) {
        let roles = vec![testing::role("app", false, false)];
        let f = Fixture::with(testing::catalog(vec![notes], roles), TENANCY, &[]);
        let at = testing::at("notes.toml", 2);
        let promise = Promise(
            On {
                table: &testing::name("notes"),
                column: "org_id",
            },
            &at,
        );
        let verdict = promise.check(&f.ctx()).await;
        (f, verdict)
    }

    fn notes() -> Table {
        testing::table("notes", &[("id", "bigint"), ("org_id", "bigint")])
    }

    #[tokio::test]
    async fn enabled_with_a_policy_for_the_role_holds() {
        let mut t = notes();
        t.rls_enabled = true;
        t.policies = vec![Policy {
            name: "tenant".into(),
            command: "*".into(),
            permissive: true,
            roles: vec!["app".into()],
            using: Some("(org_id = (current_setting('app.tenant_id'))::bigint)".into()),
            check: None,
        }];
        assert_eq!(verdict(t).await.1, Ok(()));
    }

    #[tokio::test]
    async fn disabled_and_owned_by_the_role_without_a_policy_gets_the_template() {
        let mut t = notes();
        t.owner = "app".into();
        let (f, verdict) = verdict(t).await;
        insta::assert_snapshot!(f.shown(&verdict.unwrap_err()));
    }
}
