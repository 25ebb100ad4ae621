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

/// A table as it is now: its name (followed through a rename, by number) and its columns.
struct Now {
    name: String,
    columns: Vec<(i16, String)>,
}

/// Table `oid` now; `None` when it is gone.
async fn now(conn: &mut PgConnection, oid: i64) -> Result<Option<Now>, sqlx::Error> {
    let found: Option<(String, Vec<i16>, Vec<String>)> = sqlx::query_as(
        "SELECT c.oid::regclass::text, \
         ARRAY(SELECT attnum FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 \
               AND NOT attisdropped ORDER BY attnum), \
         ARRAY(SELECT attname::text FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 \
               AND NOT attisdropped ORDER BY attnum) \
         FROM pg_class c WHERE c.oid::int8 = $1",
    )
    .bind(oid)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.map(|(name, numbers, names)| Now {
        name,
        columns: numbers.into_iter().zip(names).collect(),
    }))
}

/// The tables of `kinds` (`relkind`s) in `schemas`, or outside the system schemas when
/// `None`, by name; partitions only with `partitions`.
async fn listed(
    conn: &mut PgConnection,
    kinds: &[&str],
    schemas: Option<&[String]>,
    partitions: bool,
) -> Result<Vec<(i64, TableName)>, sqlx::Error> {
    let tables: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT c.oid::int8, n.nspname::text, c.relname::text FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind::text = ANY($1) AND ($3 OR NOT c.relispartition) \
         AND CASE WHEN $2::text[] IS NULL \
             THEN n.nspname NOT IN ('pg_catalog', 'information_schema') \
                  AND n.nspname NOT LIKE 'pg\\_%' \
             ELSE n.nspname = ANY($2) END \
         ORDER BY 2, 3",
    )
    .bind(kinds)
    .bind(schemas)
    .bind(partitions)
    .fetch_all(&mut *conn)
    .await?;
    Ok((tables.into_iter())
        .map(|(oid, schema, name)| (oid, TableName::new(schema, name)))
        .collect())
}

/// How many rows each of `tables` holds (`only`: not counting its partitions), in one query.
async fn counted(
    conn: &mut PgConnection,
    tables: Vec<(i64, TableName)>,
    only: bool,
) -> Result<Vec<Holding>, sqlx::Error> {
    if tables.is_empty() {
        return Ok(Vec::new());
    }
    let only = if only { "ONLY " } else { "" };
    let counts: Vec<String> = (tables.iter())
        .map(|(_, t)| format!("SELECT count(*) FROM {only}{}", t.sql()))
        .collect();
    let sql = format!("SELECT ARRAY[({})]", counts.join("), ("));
    let rows: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await?;
    Ok((tables.into_iter().zip(rows))
        .map(|((oid, name), rows)| Holding { oid, name, rows })
        .collect())
}

/// The tables of the database holding rows now (system schemas aside), materialized views
/// included: the ones a new migration's statement can hurt.
pub async fn holding(conn: &mut PgConnection) -> Result<Vec<Holding>, sqlx::Error> {
    let tables = listed(conn, &["r", "m"], None, true).await?;
    let mut counted = counted(conn, tables, true).await?;
    counted.retain(|t| t.rows > 0);
    Ok(counted)
}

/// The tables synthesis fills (in `schemas`, ignored ones and partitions aside) that hold no
/// row: none could be built for them.
pub async fn unfilled(conn: &mut PgConnection, spec: &Spec) -> Result<Vec<Holding>, sqlx::Error> {
    let schemas = &spec.project.invariants.schemas;
    let mut tables = listed(conn, &["r", "p"], Some(schemas), false).await?;
    tables.retain(|(_, t)| !spec.is_ignored(t));
    let mut counted = counted(conn, tables, false).await?;
    counted.retain(|t| t.rows == 0);
    Ok(counted)
}

/// The tables of `schemas` holding rows now (ignored ones aside), with their rows.
pub async fn keep(conn: &mut PgConnection, spec: &Spec) -> Result<Vec<Kept>, sqlx::Error> {
    let tables = listed(conn, &["r"], Some(&spec.project.invariants.schemas), true).await?;
    let mut out = Vec::new();
    for (oid, name) in tables {
        if spec.is_ignored(&name) {
            continue;
        }
        let key: Option<Vec<i16>> = sqlx::query_scalar(
            "SELECT ARRAY(SELECT k FROM unnest(indkey::int2[]) WITH ORDINALITY AS u (k, o) ORDER BY o) \
             FROM pg_index WHERE indrelid = $1::int8::oid AND indisprimary",
        )
        .bind(oid)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(table) = now(conn, oid).await? else {
            continue;
        };
        let keyed = key.is_some();
        let columns = key.unwrap_or_else(|| table.columns.iter().map(|(n, _)| *n).collect());
        let rows = read(conn, &table, &columns).await?;
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

/// What became of `kept`'s rows, right after migration `after`.
pub async fn fate(conn: &mut PgConnection, kept: &Kept, after: &str) -> Result<Fate, sqlx::Error> {
    let Some(table) = now(conn, kept.oid).await? else {
        return Ok(Fate::Dropped(after.to_string()));
    };
    // The kept columns still there, by their place in the kept rows.
    let present: Vec<(usize, &String)> = (kept.columns.iter().enumerate())
        .filter_map(|(i, n)| {
            let name = table.columns.iter().find(|(p, _)| p == n);
            name.map(|(_, name)| (i, name))
        })
        .collect();
    let numbers: Vec<i16> = present.iter().map(|&(i, _)| kept.columns[i]).collect();
    let mut left = read(conn, &table, &numbers).await?;
    let mut missing = Vec::new();
    for row in &kept.rows {
        let projected: Vec<Option<String>> = present.iter().map(|&(i, _)| row[i].clone()).collect();
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
    let names: Vec<&str> = present.iter().map(|(_, name)| name.as_str()).collect();
    let by = if kept.keyed {
        "primary key"
    } else {
        "every column"
    };
    Ok(Fate::Lost {
        after: after.to_string(),
        missing: missing.len(),
        of: kept.rows.len(),
        shown_by: format!("{by} ({})", names.join(", ")),
        examples: missing.iter().take(10).map(shown).collect(),
    })
}

/// The rows of `table` over the columns numbered `numbers`, as text.
async fn read(
    conn: &mut PgConnection,
    table: &Now,
    numbers: &[i16],
) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
    let list: Vec<String> = (numbers.iter())
        .filter_map(|n| table.columns.iter().find(|(p, _)| p == n))
        .map(|(_, c)| format!("{}::text", crate::names::ident(c)))
        .collect();
    let sql = format!(
        "SELECT ARRAY[{}]::text[] FROM ONLY {}",
        list.join(", "),
        table.name
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await
}
