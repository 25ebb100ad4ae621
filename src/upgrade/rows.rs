//! The rows of the deployed database: made (synthesized, when `[upgrade] data` gives none),
//! kept before the new migrations, and looked for after them (`upgrade::<table>::rows`).
//!
//! A row is identified by the primary key it had before (its columns followed by number, so a
//! renamed column or table is followed); a table without one compares the multiset of its rows
//! over the columns present before and after.

use sqlx::postgres::{PgConnection, PgPool};

use super::locks::Holding;
use crate::catalog::Catalog;
use crate::names::TableName;
use crate::sandbox::Sandbox;
use crate::spec::Spec;
use crate::synth::{Synth, Tenant};

/// Synthesized rows, committed: two per table of `schemas` (ignored ones aside), one per tenant
/// A and B for tenant-scoped tables, parents first. Returns the tables that could not be given
/// rows, each with why.
pub async fn synthesize(pool: &PgPool, catalog: &Catalog, spec: &Spec) -> Vec<(String, String)> {
    let schema = spec.default_schema();
    let mut sb = match Sandbox::begin(pool).await {
        Ok(sb) => sb,
        Err(e) => return vec![("every table".into(), e.to_string())],
    };
    let mut synth = Synth::new(catalog, spec, 0);
    let mut missing = Vec::new();
    let tenancy = spec.project.tenancy.as_ref();
    let tenant_table = tenancy.map(|t| &t.tenants.value.table);
    let scoped: Vec<&TableName> = (crate::tenancy::scoped(spec, catalog).iter())
        .map(|s| &s.table.name)
        .collect();
    let mut tenants = Vec::new();
    if let Some(table) = tenant_table.filter(|t| catalog.table(t).is_some()) {
        for _ in 0..2 {
            match synth.tenant(&mut sb, table).await {
                Ok(t) => tenants.push(t),
                Err(e) => missing.push((table.shown(schema), e.to_string())),
            }
        }
    }
    let tables = (catalog.tables.iter()).filter(|t| {
        t.parent.is_none()
            && spec.project.invariants.schemas.contains(&t.name.schema)
            && !spec.is_ignored(&t.name)
            && tenant_table != Some(&t.name)
    });
    for table in tables {
        let of_tenant = scoped.contains(&&table.name) && tenants.len() == 2;
        // One row per tenant A and B on a tenant-scoped table, else two of no tenant.
        let owners: Vec<Option<&Tenant>> = match of_tenant {
            true => tenants.iter().map(Some).collect(),
            false => vec![None, None],
        };
        for tenant in owners {
            // Every column filled when the table lets us; else the columns a row needs.
            let built = match synth.filled_row(&mut sb, &table.name, tenant).await {
                Ok(row) => Ok(row),
                Err(_) => match tenant {
                    Some(t) => synth.tenant_row(&mut sb, &table.name, &[], t, true).await,
                    None => synth.row(&mut sb, &table.name, &[], true).await,
                },
            };
            if let Err(e) = built {
                let why = e.to_string();
                let first = why.lines().next().unwrap_or_default().to_string();
                missing.push((table.name.shown(schema), first));
                break;
            }
        }
    }
    if let Err(e) = sb.commit().await {
        return vec![("every table".into(), e.to_string())];
    }
    missing
}

/// A table's rows before the new migrations.
#[derive(Debug, Clone)]
pub struct Kept {
    pub oid: i64,
    pub name: TableName,
    /// The primary key's columns (by number), or every column.
    columns: Vec<i16>,
    keyed: bool,
    rows: Vec<Vec<Option<String>>>,
}

/// What became of a table's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    Kept,
    /// The table is gone: dropped by this migration.
    Dropped(String),
    /// Rows no longer there after migration `after`: how many of how many, the first ten of
    /// them, and the columns they are shown by.
    Lost {
        after: String,
        missing: usize,
        of: usize,
        shown_by: String,
        examples: Vec<String>,
    },
}

/// The tables of `schemas` holding rows now (ignored ones aside), with their rows.
pub async fn keep(conn: &mut PgConnection, spec: &Spec) -> Result<Vec<Kept>, sqlx::Error> {
    let tables: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT c.oid::int8, n.nspname::text, c.relname::text FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind = 'r' AND n.nspname = ANY($1) ORDER BY 2, 3",
    )
    .bind(&spec.project.invariants.schemas)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for (oid, schema, name) in tables {
        let name = TableName::new(schema, name);
        if spec.is_ignored(&name) || crate::spec::is_bookkeeping(&name) {
            continue;
        }
        let key: Option<Vec<i16>> = sqlx::query_scalar(
            "SELECT ARRAY(SELECT k FROM unnest(indkey::int2[]) WITH ORDINALITY AS u (k, o) ORDER BY o) \
             FROM pg_index WHERE indrelid = $1::int8::oid AND indisprimary",
        )
        .bind(oid)
        .fetch_optional(&mut *conn)
        .await?;
        let keyed = key.is_some();
        let columns = match key {
            Some(key) => key,
            None => columns(conn, oid)
                .await?
                .into_iter()
                .map(|(n, _)| n)
                .collect(),
        };
        let rows = read(conn, oid, &columns).await?.unwrap_or_default();
        if !rows.is_empty() {
            out.push(Kept {
                oid,
                name,
                columns,
                keyed,
                rows,
            });
        }
    }
    Ok(out)
}

/// The tables synthesis fills (in `schemas`, ignored ones and partitions aside) that hold no
/// row: none could be built for them.
pub async fn unfilled(conn: &mut PgConnection, spec: &Spec) -> Result<Vec<Holding>, sqlx::Error> {
    let tables: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT c.oid::int8, n.nspname::text, c.relname::text FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1) \
         ORDER BY 2, 3",
    )
    .bind(&spec.project.invariants.schemas)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for (oid, schema, name) in tables {
        let name = TableName::new(schema, name);
        if spec.is_ignored(&name) {
            continue;
        }
        let sql = format!("SELECT EXISTS (SELECT FROM {})", name.sql());
        let any: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *conn)
            .await?;
        if !any {
            out.push(Holding { oid, name, rows: 0 });
        }
    }
    Ok(out)
}

/// Whether the table is still there (by number: a rename is followed).
async fn exists(conn: &mut PgConnection, oid: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT FROM pg_class WHERE oid::int8 = $1)")
        .bind(oid)
        .fetch_one(&mut *conn)
        .await
}

/// What became of `kept`'s rows, right after migration `after`.
pub async fn fate(conn: &mut PgConnection, kept: &Kept, after: &str) -> Result<Fate, sqlx::Error> {
    if !exists(conn, kept.oid).await? {
        return Ok(Fate::Dropped(after.to_string()));
    }
    let present: Vec<(i16, String)> = columns(conn, kept.oid).await?;
    let kept_columns: Vec<usize> = (kept.columns.iter().enumerate())
        .filter(|(_, n)| present.iter().any(|(p, _)| p == *n))
        .map(|(i, _)| i)
        .collect();
    let numbers: Vec<i16> = kept_columns.iter().map(|&i| kept.columns[i]).collect();
    let names: Vec<String> = (numbers.iter())
        .filter_map(|n| {
            present
                .iter()
                .find(|(p, _)| p == n)
                .map(|(_, name)| name.clone())
        })
        .collect();
    let now = read(conn, kept.oid, &numbers).await?.unwrap_or_default();
    let mut left = now;
    let mut missing = Vec::new();
    for row in &kept.rows {
        let projected: Vec<Option<String>> = kept_columns.iter().map(|&i| row[i].clone()).collect();
        match left.iter().position(|r| *r == projected) {
            Some(i) => {
                left.swap_remove(i);
            }
            None => missing.push(projected),
        }
    }
    if missing.is_empty() {
        return Ok(Fate::Kept);
    }
    let shown = |row: &Vec<Option<String>>| {
        let values: Vec<String> = (row.iter())
            .map(|v| v.as_deref().map_or("NULL".into(), crate::names::literal))
            .collect();
        format!("({})", values.join(", "))
    };
    Ok(Fate::Lost {
        after: after.to_string(),
        missing: missing.len(),
        of: kept.rows.len(),
        shown_by: format!(
            "{} ({})",
            if kept.keyed {
                "primary key"
            } else {
                "every column"
            },
            names.join(", ")
        ),
        examples: missing.iter().take(10).map(shown).collect(),
    })
}

/// The table's columns now, by number.
async fn columns(conn: &mut PgConnection, oid: i64) -> Result<Vec<(i16, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT attnum, attname::text FROM pg_attribute WHERE attrelid = $1::int8::oid \
         AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
    )
    .bind(oid)
    .fetch_all(&mut *conn)
    .await
}

/// The rows of table `oid` over the columns numbered `numbers`, as text; `None` when the
/// table is gone.
async fn read(
    conn: &mut PgConnection,
    oid: i64,
    numbers: &[i16],
) -> Result<Option<Vec<Vec<Option<String>>>>, sqlx::Error> {
    let now = columns(conn, oid).await?;
    let name: Option<String> = sqlx::query_scalar(
        "SELECT $1::int8::oid::regclass::text FROM pg_class WHERE oid::int8 = $1",
    )
    .bind(oid)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(name) = name else {
        return Ok(None);
    };
    let list: Vec<String> = (numbers.iter())
        .filter_map(|n| now.iter().find(|(p, _)| p == n))
        .map(|(_, c)| format!("{}::text", crate::names::ident(c)))
        .collect();
    let sql = format!("SELECT ARRAY[{}]::text[] FROM ONLY {name}", list.join(", "));
    let rows: Vec<Vec<Option<String>>> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?;
    Ok(Some(rows))
}
