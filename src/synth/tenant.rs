//! Rows of a tenant (docs/tenancy.md): a row of a table with a `tenant` column belongs to one
//! tenant, a real row of the tenant table; it is inserted as the superuser after a principal of
//! that tenant signed up, with the principal's request settings in force (not its role), so
//! triggers that read the request (`NEW.created_by := auth.uid()`) see one, as in production.
//! Its tenant-scoped parents belong to the same tenant. The tenant table's own rows are the
//! tenants: they are built first, with no request (no principal can be a member of a tenant that
//! does not exist yet).

use super::row::Building;
use super::{Row, Sandbox, Synth, SynthError, Want, typed};
use crate::catalog::Table;
use crate::names::TableName;
use crate::tenancy::{self, Refused};

/// A tenant: a row of the tenant table, and its key as text.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub key: String,
    pub row: Row,
}

impl<'a> Synth<'a> {
    /// A new tenant: a row of the tenant table, kept; `for_table` is the table it is for, which
    /// an error names when there is no `[tenancy]`.
    pub async fn tenant(
        &mut self,
        sb: &mut Sandbox,
        for_table: &TableName,
    ) -> Result<Tenant, SynthError> {
        self.new_tenant(sb, for_table, 0).await
    }

    /// A valid row of `table` belonging to `tenant` (its `tenant` columns set to the tenant's
    /// key), inserted under the request of a principal of the tenant; kept when `keep`.
    pub async fn tenant_row(
        &mut self,
        sb: &mut Sandbox,
        table: &TableName,
        fixed: &[(String, String)],
        tenant: &Tenant,
        keep: bool,
    ) -> Result<Row, SynthError> {
        let key = Some(tenant.key.clone());
        self.row_of(sb, table, fixed, keep, key).await
    }

    /// A kept row of `table` with a value of its own in every column that can take one,
    /// nullable ones too, of `tenant` when given: a row as an application in production leaves
    /// them (deploy windows, `upgrade`). Generated and identity columns, and those a sequence
    /// fills, keep their default: a value given there would collide with the sequence's next.
    pub async fn filled_row(
        &mut self,
        sb: &mut Sandbox,
        table: &TableName,
        tenant: Option<&Tenant>,
    ) -> Result<Row, SynthError> {
        let explicit: Vec<String> = (self.catalog.table(table).into_iter())
            .flat_map(|t| &t.columns)
            .filter(|c| !c.generated && c.identity.is_none())
            .filter(|c| !c.default.as_deref().is_some_and(|d| d.contains("nextval(")))
            .map(|c| c.name.clone())
            .collect();
        let want = Want {
            explicit: &explicit,
            tenant: tenant.map(|t| t.key.clone()),
            ..Want::row(Vec::new(), true)
        };
        self.build(sb, table, want, 0).await
    }

    /// Acts as a principal of `tenant` (signed up once per sandbox): the tenancy role and the
    /// principal's request settings, until [`Self::leave`].
    pub async fn act_as(&mut self, sb: &mut Sandbox, tenant: &Tenant) -> Result<(), Refused> {
        let n = self.fresh();
        let Some(principals) = self.principals.as_mut() else {
            return Ok(());
        };
        let principal = principals
            .sign_up(sb, &tenant.key, tenancy::user_id(n))
            .await?;
        principals.enter(sb, &principal).await
    }

    /// The user id of the principal of `tenant` that signed up in this sandbox, if one did.
    pub fn user_of(&self, tenant: &Tenant) -> Option<String> {
        let principals = self.principals.as_ref()?;
        principals.signed_up(&tenant.key).map(|p| p.user.clone())
    }

    /// Acts as `role` with no signed-in user and every request setting reset, until
    /// [`Self::leave`].
    pub async fn act_anonymously(&mut self, sb: &mut Sandbox, role: &str) -> Result<(), Refused> {
        match self.principals.as_mut() {
            Some(principals) => principals.anonymous(sb, role).await,
            None => Ok(()),
        }
    }

    /// Back to the superuser, with no request in force.
    pub async fn leave(&mut self, sb: &mut Sandbox) -> Result<(), Refused> {
        match self.principals.as_mut() {
            Some(principals) => principals.leave(sb).await,
            None => Ok(()),
        }
    }

    /// The request `row` was inserted under in force again (nothing for a row of no tenant),
    /// as the superuser: a check's statement that writes the row again (with one value
    /// changed) meets the same triggers in the same request, until [`Self::leave`].
    pub async fn request_of(&mut self, sb: &mut Sandbox, row: &Row) -> Result<(), Refused> {
        match row.tenant.as_deref() {
            Some(key) => self.settings_of(sb, key).await,
            None => Ok(()),
        }
    }

    /// The request settings of a principal of tenant `key` (signed up first, once) in force.
    async fn settings_of(&mut self, sb: &mut Sandbox, key: &str) -> Result<(), Refused> {
        let n = self.fresh();
        let Some(principals) = self.principals.as_mut() else {
            return Ok(());
        };
        let principal = principals.sign_up(sb, key, tenancy::user_id(n)).await?;
        principals.settings(sb, &principal).await
    }

    /// The `tenant` columns of `table` (none for the tenant table).
    fn tenant_columns(&mut self, table: &Table) -> Vec<String> {
        let spec = self.spec;
        (self.tenant_columns.entry(table.name.clone()))
            .or_insert_with(|| tenancy::tenant_columns(spec, table))
            .clone()
    }

    /// The tenant a row of `table` belongs to, its `tenant` columns added to `fixed`: the one
    /// wanted, else the one a fixed `tenant` column holds, else a new one. `None` for a table
    /// with no `tenant` column, or a tenant column fixed to NULL.
    pub(super) async fn tenant_of(
        &mut self,
        sb: &mut Sandbox,
        table: &'a Table,
        fixed: &mut Vec<(String, String)>,
        wanted: Option<String>,
        depth: usize,
    ) -> Result<Option<String>, SynthError> {
        let columns = self.tenant_columns(table);
        if columns.is_empty() {
            return Ok(None);
        }
        let given = fixed.iter().find(|(c, _)| columns.contains(c)).cloned();
        let key = match (wanted, given) {
            (Some(key), _) => Some(key),
            (None, Some((column, expr))) => {
                let sql = format!("SELECT ({expr})::text");
                sb.value(&sql).await.map_err(|e| SynthError {
                    last: Some((sql.clone(), e)),
                    ..SynthError::plain(
                        &table.name,
                        Some(&column),
                        "the tenant the row was given could not be read",
                    )
                })?
            }
            (None, None) => Some(self.new_tenant(sb, &table.name, depth).await?.key),
        };
        if let Some(key) = &key {
            for name in columns {
                let Some(column) = table.column(&name) else {
                    continue;
                };
                if !fixed.iter().any(|(c, _)| *c == name) {
                    fixed.push((name, typed(Some(key), column)));
                }
            }
        }
        Ok(key)
    }

    async fn new_tenant(
        &mut self,
        sb: &mut Sandbox,
        for_table: &TableName,
        depth: usize,
    ) -> Result<Tenant, SynthError> {
        let Some(tenancy) = &self.spec.project.tenancy else {
            return Err(SynthError::plain(
                for_table,
                None,
                "a tenant is needed, and pg-invariants.toml has no [tenancy]",
            ));
        };
        let tenants = &tenancy.tenants.value;
        let want = Want::row(Vec::new(), true);
        let row = self.build(sb, &tenants.table, want, depth + 1).await?;
        let key = row
            .text(&tenants.column)
            .map(str::to_string)
            .ok_or_else(|| {
                SynthError::plain(
                    &tenants.table,
                    Some(&tenants.column),
                    "the tenant key of a new tenant row is NULL (or no such column)",
                )
            })?;
        Ok(Tenant { key, row })
    }

    /// The request of a principal of the row's tenant in force (signed up first, once), as the
    /// superuser: nothing for a row of no tenant.
    pub(super) async fn request(
        &mut self,
        sb: &mut Sandbox,
        row: &Building<'_>,
    ) -> Result<(), SynthError> {
        let Some(key) = row.tenant.as_deref() else {
            return Ok(());
        };
        (self.settings_of(sb, key).await).map_err(|e| refused_request(&row.table.name, key, e))
    }

    /// No request in force any more (after a row of `table`).
    pub(super) async fn no_request(
        &mut self,
        sb: &mut Sandbox,
        table: &TableName,
    ) -> Result<(), SynthError> {
        let tenant = self.in_force().unwrap_or_default();
        self.leave(sb)
            .await
            .map_err(|e| refused_request(table, &tenant, e))
    }

    /// The tenant whose request is in force.
    pub(super) fn in_force(&self) -> Option<String> {
        self.principals
            .as_ref()?
            .in_force()
            .map(|p| p.tenant.clone())
    }
}

/// The error for a principal statement PostgreSQL refused while a row of `table` was built.
fn refused_request(table: &TableName, tenant: &str, e: Refused) -> SynthError {
    SynthError {
        last: Some((e.sql, e.error)),
        ..SynthError::plain(
            table,
            None,
            format!(
                "the request of a principal of tenant {tenant} could not be made ([tenancy] `principal` or `settings` in pg-invariants.toml)"
            ),
        )
    }
}
