//! Principals: how a request of a principal of tenant T is made (docs/tenancy.md), for
//! synthesis (rows of a tenant are inserted with one of its principals' request in force) and
//! for the isolation checks (which act as one).
//!
//! Everything happens inside a behavioural check's rolled-back [`Sandbox`], one statement per
//! call through the extended protocol, each recorded in the transcript, so that the user's text
//! (`principal`, setting values) can never end the transaction and a failure shows the psql
//! session that reproduces it:
//!
//! 1. **Sign-up** (once per principal and sandbox), as the superuser: every `settings` name reset
//!    to `''` (a sign-up carries no request), then the `principal` statements with `{tenant}` and
//!    `{user}` replaced by SQL string literals.
//! 2. **Request settings** (`set_config(name, value, true)`, `{tenant}`/`{user}` replaced as
//!    plain text): all synthesis needs, still as the superuser.
//! 3. **Acting** as the principal: `SET LOCAL ROLE <role>`, then the settings.
//! 4. **Leaving**: `RESET ROLE` and the settings reset.

use std::collections::HashMap;

use crate::catalog::{Catalog, Table};
use crate::names::{ident, literal};
use crate::sandbox::{DbError, Sandbox};
use crate::spec::{Spec, TENANT, Tenancy, USER};

/// A principal of a tenant: the tenant's key as text and the user id it signed up with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub tenant: String,
    pub user: String,
}

/// A statement of a principal that PostgreSQL refused.
#[derive(Debug, Clone)]
pub struct Refused {
    pub sql: String,
    pub error: DbError,
}

/// The principals of one sandbox: who signed up, and whose request is in force.
pub struct Principals<'a> {
    tenancy: &'a Tenancy,
    /// Tenant key (as text) → the principal that signed up for it.
    signed_up: HashMap<String, Principal>,
    /// Whose settings are in force, and whether the role is too.
    in_force: Option<(Principal, bool)>,
    /// The settings are known to be reset (not only unset: a database may give them a default).
    reset: bool,
    /// Acting as the anonymous role (see [`Self::anonymous`]).
    anonymous: bool,
}

impl<'a> Principals<'a> {
    pub fn new(tenancy: &'a Tenancy) -> Self {
        Self {
            tenancy,
            signed_up: HashMap::new(),
            in_force: None,
            reset: false,
            anonymous: false,
        }
    }

    /// The principal of `tenant` (its key as text) that signed up, if one did.
    pub fn signed_up(&self, tenant: &str) -> Option<&Principal> {
        self.signed_up.get(tenant)
    }

    /// The principal whose request is in force, if any.
    pub fn in_force(&self) -> Option<&Principal> {
        self.in_force.as_ref().map(|(p, _)| p)
    }

    /// The tenancy role.
    pub fn role(&self) -> &str {
        &self.tenancy.role.value
    }

    /// The principal of `tenant` (its key as text), signing one up with user id `user` the
    /// first time: the settings reset, then `principal` as the superuser.
    pub async fn sign_up(
        &mut self,
        sb: &mut Sandbox,
        tenant: &str,
        user: String,
    ) -> Result<Principal, Refused> {
        if let Some(p) = self.signed_up.get(tenant) {
            return Ok(p.clone());
        }
        // A sign-up carries no request: the settings are reset even when none is in force (a
        // database default such as `ALTER DATABASE … SET app.tenant` would otherwise leak in).
        let always = !self.reset;
        self.reset(sb, always).await?;
        let principal = Principal {
            tenant: tenant.to_string(),
            user,
        };
        for statement in &self.tenancy.principal {
            run(sb, &sign_up_sql(statement, &principal)).await?;
        }
        self.signed_up.insert(tenant.to_string(), principal.clone());
        Ok(principal)
    }

    /// `principal`'s request settings in force, as the superuser: what a trigger reading the
    /// request sees while synthesis inserts a row of its tenant.
    pub async fn settings(
        &mut self,
        sb: &mut Sandbox,
        principal: &Principal,
    ) -> Result<(), Refused> {
        if self.in_force == Some((principal.clone(), false)) {
            return Ok(());
        }
        // Every setting is set anew: another principal's need not be reset first.
        if self.in_force.take().is_some_and(|(_, acting)| acting) || self.anonymous {
            run(sb, "RESET ROLE").await?;
            self.anonymous = false;
        }
        self.reset = false;
        if let Some(sql) = self.set_settings(Some(principal)) {
            run(sb, &sql).await?;
        }
        self.in_force = Some((principal.clone(), false));
        Ok(())
    }

    /// Acts as `principal`: `SET LOCAL ROLE` to the tenancy role, then its request settings.
    pub async fn enter(&mut self, sb: &mut Sandbox, principal: &Principal) -> Result<(), Refused> {
        if self.in_force == Some((principal.clone(), true)) {
            return Ok(());
        }
        if !matches!(self.in_force.take(), Some((_, true))) {
            run(sb, &format!("SET LOCAL ROLE {}", ident(self.role()))).await?;
        }
        self.anonymous = false;
        self.in_force = Some((principal.clone(), true));
        self.reset = false;
        if let Some(sql) = self.set_settings(Some(principal)) {
            run(sb, &sql).await?;
        }
        Ok(())
    }

    /// Back to the superuser with no request: `RESET ROLE` when acting, and the settings reset.
    pub async fn leave(&mut self, sb: &mut Sandbox) -> Result<(), Refused> {
        self.reset(sb, false).await
    }

    /// Acts as `role` making a request with no signed-in user (`[tenancy] anon`): every
    /// setting reset (a database default too), then `SET LOCAL ROLE`, until [`Self::leave`].
    pub async fn anonymous(&mut self, sb: &mut Sandbox, role: &str) -> Result<(), Refused> {
        self.reset(sb, true).await?;
        run(sb, &format!("SET LOCAL ROLE {}", ident(role))).await?;
        self.anonymous = true;
        Ok(())
    }

    /// [`Self::leave`]; with `always`, the settings are reset even when none is in force.
    async fn reset(&mut self, sb: &mut Sandbox, always: bool) -> Result<(), Refused> {
        let in_force = self.in_force.take();
        if matches!(in_force, Some((_, true))) || self.anonymous {
            run(sb, "RESET ROLE").await?;
            self.anonymous = false;
        }
        if in_force.is_none() && !always {
            return Ok(());
        }
        if let Some(sql) = self.set_settings(None) {
            run(sb, &sql).await?;
        }
        self.reset = true;
        Ok(())
    }

    /// One `SELECT set_config(…), …` setting every request setting for `principal`, or to `''`
    /// for none; `None` when `[tenancy]` has no settings.
    fn set_settings(&self, principal: Option<&Principal>) -> Option<String> {
        let calls: Vec<String> = (self.tenancy.settings.iter())
            .map(|(name, value)| {
                let value = match principal {
                    Some(p) => value
                        .value
                        .replace(TENANT, &p.tenant)
                        .replace(USER, &p.user),
                    None => String::new(),
                };
                format!("set_config({}, {}, true)", literal(name), literal(&value))
            })
            .collect();
        (!calls.is_empty()).then(|| format!("SELECT {}", calls.join(", ")))
    }
}

/// A `principal` statement for `principal`: `{tenant}` and `{user}` as SQL string literals.
fn sign_up_sql(statement: &str, principal: &Principal) -> String {
    statement
        .trim()
        .replace(TENANT, &literal(&principal.tenant))
        .replace(USER, &literal(&principal.user))
}

/// Runs one statement of a principal, keeping its effects, and records it.
async fn run(sb: &mut Sandbox, sql: &str) -> Result<(), Refused> {
    match sb.statement(sql).await {
        Ok(_) => {
            sb.record(sql, None);
            Ok(())
        }
        Err(error) => {
            sb.record(sql, Some(&format!("failed: {error}")));
            Err(Refused {
                sql: sql.to_string(),
                error,
            })
        }
    }
}

/// The user id of the `n`-th principal: a version-4 uuid made of the process id and a fresh
/// number, never random: processes running checks side by side on one server (nextest) never
/// sign up the same user, and a transcript reads the same in every run but for the first group.
pub fn user_id(n: u64) -> String {
    format!(
        "{:08x}-0000-4000-8000-{:012x}",
        std::process::id(),
        n & 0xffff_ffff_ffff
    )
}

/// A tenant-scoped table and the columns that say whose its rows are: its `tenant` columns,
/// or the tenant key for the tenant table.
pub struct Scoped<'c> {
    pub table: &'c Table,
    pub columns: Vec<String>,
    pub tenant_table: bool,
}

/// Every table whose rows belong to a tenant (the tenant table and every table with a `tenant`
/// column), in the catalog's order: what the paths around the policies are tested against.
pub fn scoped<'c>(spec: &Spec, catalog: &'c Catalog) -> Vec<Scoped<'c>> {
    let Some(tenancy) = &spec.project.tenancy else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for table in &catalog.tables {
        let (columns, tenant_table) = if tenancy.is_tenant_table(&table.name) {
            (vec![tenancy.tenants.value.column.clone()], true)
        } else {
            (tenant_columns(spec, table), false)
        };
        if !columns.is_empty() {
            out.push(Scoped {
                table,
                columns,
                tenant_table,
            });
        }
    }
    out
}

/// The `tenant = true` columns of `table` (table file and rules), in column order: empty for a
/// table whose rows belong to no tenant, and for the tenant table itself, whose rows are the
/// tenants (built before any principal can be a member of one).
pub fn tenant_columns(spec: &Spec, table: &Table) -> Vec<String> {
    let Some(tenancy) = &spec.project.tenancy else {
        return Vec::new();
    };
    if tenancy.is_tenant_table(&table.name) {
        return Vec::new();
    }
    (table.columns.iter())
        .filter(|c| {
            let facts = spec.facts_of(&table.name, &c.name).facts;
            facts.tenant.is_some_and(|t| t.value)
        })
        .map(|c| c.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenancy() -> Tenancy {
        let text = r#"[tenancy]
tenants = "organizations.id"
role = "authenticated"
settings = { "request.jwt.claims" = '{"sub": "{user}", "org": "{tenant}"}', "app.tenant" = "{tenant}" }
principal = "INSERT INTO members (org_id, user_id) VALUES ({tenant}::uuid, {user}::uuid)"
"#;
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("pg-invariants.toml");
        std::fs::write(&path, text).expect("written");
        crate::spec::Project::load(&path)
            .expect("valid")
            .tenancy
            .expect("[tenancy]")
    }

    fn principal() -> Principal {
        Principal {
            tenant: "o'1".into(),
            user: user_id(7),
        }
    }

    #[test]
    fn principal_statements_get_literals_and_settings_plain_text() {
        let t = tenancy();
        let p = principal();
        assert_eq!(
            sign_up_sql(&t.principal[0], &p),
            format!(
                "INSERT INTO members (org_id, user_id) VALUES ('o''1'::uuid, '{}'::uuid)",
                p.user
            )
        );
        let principals = Principals::new(&t);
        let set = principals.set_settings(Some(&p)).expect("settings");
        assert!(set.starts_with("SELECT set_config("), "{set}");
        assert!(
            set.contains(&format!(
                r#"set_config('request.jwt.claims', '{{"sub": "{}", "org": "o''1"}}', true)"#,
                p.user
            )),
            "{set}"
        );
        assert!(
            set.contains("set_config('app.tenant', 'o''1', true)"),
            "{set}"
        );
        let reset = principals.set_settings(None).expect("settings");
        assert!(
            reset.contains("set_config('request.jwt.claims', '', true)"),
            "{reset}"
        );
        assert!(
            reset.contains("set_config('app.tenant', '', true)"),
            "{reset}"
        );
    }

    #[test]
    fn user_ids_are_uuids_of_version_4() {
        let id = user_id(42);
        assert!(id.ends_with("-0000-4000-8000-00000000002a"), "{id}");
        assert_eq!(id.len(), 36);
    }
}
