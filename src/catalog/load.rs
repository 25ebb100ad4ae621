//! The introspection queries. Nine queries in one read-only snapshot, whatever the number of
//! tables or checks: checks never query the catalog themselves.

use std::collections::HashMap;

use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{Connection, Row};

use super::{
    Catalog, Column, Constraint, ConstraintKind, ForeignKey, Index, Policy, Role, Table, TableKind,
    Trigger, ValueType,
};
use crate::names::TableName;
use crate::referential::OnDelete;

/// The columns [`value_type`] reads: a type seen through its domains (with its typmod), its
/// category, enum labels, the domains' CHECKs and an array's element type. Shared by table
/// columns and function arguments; the query joins [`value_type_joins`] as `b` and `el`.
macro_rules! value_type_columns {
    () => {
        r#"
       format_type(b.oid, base.typmod) AS base_type, format_type(b.oid, NULL) AS base_name,
       b.typcategory::text AS category,
       CASE WHEN b.typtype = 'e' OR el.typtype = 'e' THEN
         ARRAY(SELECT e.enumlabel::text FROM pg_enum e
               WHERE e.enumtypid = CASE WHEN b.typcategory = 'A' THEN b.typelem ELSE b.oid END
               ORDER BY e.enumsortorder)
       ELSE '{}' END AS labels,
       CASE WHEN cardinality(base.domains) > 0 THEN
         ARRAY(SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
               WHERE c.contypid = ANY(base.domains) AND c.contype = 'c' ORDER BY c.conname)
       ELSE '{}' END AS domain_checks,
       CASE WHEN b.typcategory = 'A' THEN format_type(b.typelem, NULL) END AS element,
       el.typcategory::text AS element_category"#
    };
}

/// The joins under [`value_type_columns`] for the type `$oid` with typmod `$typmod` (SQL
/// expressions): the chain of domains down to the base type.
macro_rules! value_type_joins {
    ($oid:literal, $typmod:literal) => {
        concat!(
            r#"
CROSS JOIN LATERAL (
  WITH RECURSIVE chain(oid, typmod, depth, domains) AS (
    SELECT "#,
            $oid,
            ", ",
            $typmod,
            r#", 0, ARRAY[]::oid[]
    UNION ALL
    SELECT t.typbasetype, t.typtypmod, chain.depth + 1, chain.domains || t.oid
    FROM chain JOIN pg_type t ON t.oid = chain.oid
    WHERE t.typtype = 'd'
  )
  SELECT oid, typmod, domains FROM chain ORDER BY depth DESC LIMIT 1
) base
JOIN pg_type b ON b.oid = base.oid
LEFT JOIN pg_type el ON el.oid = b.typelem AND b.typcategory = 'A'"#
        )
    };
}
/// Outside the system schemas, for a query whose schema is `n`.
macro_rules! user_schema {
    () => {
        r#"n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'"#
    };
}

/// The roles, superusers and `pg_*` aside, with USAGE on the schema `n` and for which
/// `$privilege` (an SQL condition on the role `r`) holds, sorted: who may use an object.
macro_rules! roles_that {
    ($privilege:literal) => {
        concat!(
            "ARRAY(SELECT r.rolname::text FROM pg_roles r
             WHERE NOT r.rolsuper AND r.rolname !~ '^pg_'
               AND has_schema_privilege(r.oid, n.oid, 'USAGE') AND ",
            $privilege,
            " ORDER BY 1)"
        )
    };
}
pub(super) use {roles_that, user_schema, value_type_columns, value_type_joins};

/// Ordinary and partitioned tables outside the system schemas, with their partition parent.
const TABLES: &str = concat!(
    r#"
SELECT c.oid::int8 AS oid, n.nspname::text AS schema, c.relname::text AS name,
       c.relkind::text AS kind,
       pn.nspname::text AS parent_schema, p.relname::text AS parent_name,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       pg_get_userbyid(c.relowner)::text AS owner,
       c.relrowsecurity AS rls_enabled, c.relforcerowsecurity AS rls_forced, "#,
    roles_that!("has_table_privilege(r.oid, c.oid, 'SELECT, INSERT, UPDATE, DELETE')"),
    r#" AS users
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_inherits i ON c.relispartition AND i.inhrelid = c.oid
LEFT JOIN pg_class p ON p.oid = i.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = p.relnamespace
WHERE c.relkind IN ('r', 'p') AND "#,
    user_schema!()
);

/// Live columns of those tables, in order, with the type as format_type() prints it, and what
/// row synthesis needs to write a value of it: the type under any domains (with its typmod), its
/// category, enum labels, the domains' CHECKs and an array's element type. The labels and the
/// CHECKs are looked up only for an enum (or an array of one) and a domain: unguarded, each
/// subquery scans all of `pg_enum` / `pg_constraint` once per column, which at 500 tables
/// (`EXPLAIN ANALYZE`) took 420 ms of the 430 this query takes. PostgreSQL 18's NOT NULL
/// constraints (`contype = 'n'`) are looked up only for a NOT NULL column, by `conrelid`'s
/// index: the name of one that is `NOT VALID` (no such row before 18).
const COLUMNS: &str = concat!(
    r#"
SELECT a.attrelid::int8 AS rel, a.attname::text AS name,
       format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
       pg_get_expr(d.adbin, d.adrelid) AS "default",
       a.attidentity::text AS identity, a.attgenerated::text AS generated,
       CASE WHEN a.attnotnull THEN
         (SELECT c.conname::text FROM pg_constraint c
          WHERE c.conrelid = a.attrelid AND c.contype = 'n' AND c.conkey[1] = a.attnum
            AND NOT c.convalidated)
       END AS not_null_not_valid,"#,
    value_type_columns!(),
    r#"
FROM pg_attribute a
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"#,
    value_type_joins!("a.atttypid", "a.atttypmod"),
    r#"
WHERE a.attrelid = ANY($1::int8[]::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"#
);

/// Constraints with their columns by name (FK target columns too), in order; an FK's actions,
/// match type and deferrability, which a repair that recreates it keeps.
const CONSTRAINTS: &str = r#"
SELECT con.conrelid::int8 AS rel, con.conname::text AS name, con.contype::text AS kind,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o) AS columns,
       fn.nspname::text AS target_schema, fc.relname::text AS target_name,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o) AS target_columns,
       con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
       con.confmatchtype = 'f' AS match_full,
       con.convalidated AS validated, con.condeferrable AS deferrable, con.condeferred AS deferred,
       con.conparentid <> 0 AS inherited, pg_get_constraintdef(con.oid) AS definition
FROM pg_constraint con
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE con.conrelid = ANY($1::int8[]::oid[])
ORDER BY con.conrelid, con.conname
"#;

/// Indexes with their key columns by name ('' for an expression), INCLUDE columns left out.
const INDEXES: &str = r#"
SELECT i.indrelid::int8 AS rel, ic.relname::text AS name, i.indisvalid AS valid,
       i.indisunique AS "unique", i.indisprimary AS "primary", i.indpred IS NOT NULL AS partial,
       ARRAY(SELECT COALESCE(a.attname::text, '') FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
             WHERE k.o <= i.indnkeyatts ORDER BY k.o) AS key_columns,
       pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE i.indrelid = ANY($1::int8[]::oid[])
ORDER BY i.indrelid, ic.relname
"#;

/// User triggers (not the ones PostgreSQL creates for FKs).
const TRIGGERS: &str = r#"
SELECT t.tgrelid::int8 AS rel, t.tgname::text AS name, t.tgenabled::text AS enabled,
       pg_get_triggerdef(t.oid) AS definition
FROM pg_trigger t
WHERE t.tgrelid = ANY($1::int8[]::oid[]) AND NOT t.tgisinternal
ORDER BY t.tgrelid, t.tgname
"#;

/// Row-level security policies.
const POLICIES: &str = r#"
SELECT p.polrelid::int8 AS rel, p.polname::text AS name, p.polcmd::text AS command,
       p.polpermissive AS permissive,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END
             FROM unnest(p.polroles) r ORDER BY 1) AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
FROM pg_policy p
WHERE p.polrelid = ANY($1::int8[]::oid[])
ORDER BY p.polrelid, p.polname
"#;

/// Roles other than the built-in `pg_*` ones, with the roles whose privileges each has (USAGE:
/// inherited membership, what policies and ownership go by) and the roles it can become
/// (MEMBER).
const ROLES: &str = r#"
SELECT r.rolname::text AS name, r.rolsuper AS superuser, r.rolbypassrls AS bypass_rls,
       ARRAY(SELECT o.rolname::text FROM pg_roles o
             WHERE o.oid <> r.oid AND pg_has_role(r.oid, o.oid, 'USAGE') ORDER BY 1) AS privileges_of,
       ARRAY(SELECT o.rolname::text FROM pg_roles o
             WHERE o.oid <> r.oid AND pg_has_role(r.oid, o.oid, 'MEMBER') ORDER BY 1) AS member_of
FROM pg_roles r
WHERE r.rolname !~ '^pg_'
ORDER BY r.rolname COLLATE "C"
"#;

/// What `pg_get_expr` and the other deparsers print for timestamps and intervals (partition
/// bounds, defaults, CHECKs) depends on the session: fixed for the read, so the catalog and
/// the snapshots rendered from it are the same whatever the server's or the machine's settings
/// (sqlx sets the first two when it connects, but not `IntervalStyle`).
const SESSION: &str = "SELECT set_config('TimeZone', 'UTC', true), \
    set_config('DateStyle', 'ISO, MDY', true), set_config('IntervalStyle', 'postgres', true), \
    set_config('extra_float_digits', '1', true)";

/// Reads the whole catalog in one repeatable-read, read-only transaction.
pub async fn load(conn: &mut PgConnection) -> Result<Catalog, sqlx::Error> {
    let mut tx = conn.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await?;
    sqlx::query(SESSION).execute(&mut *tx).await?;

    let rows = sqlx::query(TABLES).fetch_all(&mut *tx).await?;
    let mut by_oid: HashMap<i64, Table> = HashMap::new();
    for row in &rows {
        by_oid.insert(row.try_get("oid")?, table(row)?);
    }
    let oids: Vec<i64> = by_oid.keys().copied().collect();

    for row in sqlx::query(COLUMNS).bind(&oids).fetch_all(&mut *tx).await? {
        if let Some(t) = by_oid.get_mut(&row.try_get("rel")?) {
            t.columns.push(column(&row)?);
        }
    }
    for row in sqlx::query(CONSTRAINTS)
        .bind(&oids)
        .fetch_all(&mut *tx)
        .await?
    {
        if let (Some(t), Some(c)) = (by_oid.get_mut(&row.try_get("rel")?), constraint(&row)?) {
            t.constraints.push(c);
        }
    }
    for row in sqlx::query(INDEXES).bind(&oids).fetch_all(&mut *tx).await? {
        if let Some(t) = by_oid.get_mut(&row.try_get("rel")?) {
            t.indexes.push(index(&row)?);
        }
    }
    for row in sqlx::query(TRIGGERS)
        .bind(&oids)
        .fetch_all(&mut *tx)
        .await?
    {
        if let Some(t) = by_oid.get_mut(&row.try_get("rel")?) {
            t.triggers.push(Trigger {
                name: row.try_get("name")?,
                enabled: first_char(&row, "enabled")?.unwrap_or('O'),
                definition: row.try_get("definition")?,
            });
        }
    }
    for row in sqlx::query(POLICIES)
        .bind(&oids)
        .fetch_all(&mut *tx)
        .await?
    {
        if let Some(t) = by_oid.get_mut(&row.try_get("rel")?) {
            t.policies.push(Policy {
                name: row.try_get("name")?,
                command: row.try_get("command")?,
                permissive: row.try_get("permissive")?,
                roles: row.try_get("roles")?,
                using: row.try_get("using_expr")?,
                check: row.try_get("check_expr")?,
            });
        }
    }
    let roles = roles(&mut tx).await?;
    let names: HashMap<i64, TableName> = (by_oid.iter())
        .map(|(oid, t)| (*oid, t.name.clone()))
        .collect();
    let (views, functions) = super::paths::load(&mut tx, &names).await?;
    tx.rollback().await?;

    let mut tables: Vec<Table> = by_oid.into_values().collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Catalog {
        tables,
        roles,
        views,
        functions,
    })
}

/// The roles, sorted as Rust compares strings, for `Catalog::role`'s binary search.
async fn roles(conn: &mut PgConnection) -> Result<Vec<Role>, sqlx::Error> {
    let mut roles = Vec::new();
    for row in sqlx::query(ROLES).fetch_all(&mut *conn).await? {
        roles.push(Role {
            name: row.try_get("name")?,
            superuser: row.try_get("superuser")?,
            bypass_rls: row.try_get("bypass_rls")?,
            privileges_of: row.try_get("privileges_of")?,
            member_of: row.try_get("member_of")?,
        });
    }
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(roles)
}

fn table(row: &PgRow) -> Result<Table, sqlx::Error> {
    let parent_schema: Option<String> = row.try_get("parent_schema")?;
    let parent_name: Option<String> = row.try_get("parent_name")?;
    let kind: String = row.try_get("kind")?;
    Ok(Table {
        name: TableName::new(
            row.try_get::<String, _>("schema")?,
            row.try_get::<String, _>("name")?,
        ),
        kind: if kind == "p" {
            TableKind::Partitioned
        } else {
            TableKind::Ordinary
        },
        parent: parent_schema
            .zip(parent_name)
            .map(|(s, n)| TableName::new(s, n)),
        partition_key: row.try_get("partition_key")?,
        partition_bound: row.try_get("partition_bound")?,
        owner: row.try_get("owner")?,
        rls_enabled: row.try_get("rls_enabled")?,
        rls_forced: row.try_get("rls_forced")?,
        users: row.try_get("users")?,
        columns: Vec::new(),
        constraints: Vec::new(),
        indexes: Vec::new(),
        triggers: Vec::new(),
        policies: Vec::new(),
    })
}

fn column(row: &PgRow) -> Result<Column, sqlx::Error> {
    // `s` STORED, `v` VIRTUAL (PostgreSQL 18), empty for a plain column.
    let generated = first_char(row, "generated")?;
    Ok(Column {
        name: row.try_get("name")?,
        type_: row.try_get("type")?,
        not_null: row.try_get("not_null")?,
        not_null_not_valid: row.try_get("not_null_not_valid")?,
        default: row.try_get("default")?,
        identity: first_char(row, "identity")?,
        generated: generated.is_some(),
        generated_virtual: generated == Some('v'),
        value: value_type(row)?,
    })
}

/// What a value of a column or an argument is made of, from [`value_type_columns`]'s columns.
pub(super) fn value_type(row: &PgRow) -> Result<ValueType, sqlx::Error> {
    Ok(ValueType {
        base: row.try_get("base_type")?,
        base_name: row.try_get("base_name")?,
        category: first_char(row, "category")?.unwrap_or('X'),
        labels: row.try_get("labels")?,
        domain_checks: row.try_get("domain_checks")?,
        element: row
            .try_get::<Option<String>, _>("element")?
            .map(|e| Ok::<_, sqlx::Error>((e, first_char(row, "element_category")?.unwrap_or('X'))))
            .transpose()?,
    })
}

/// A constraint, or `None` for kinds no check looks at (constraint triggers, PG 18's NOT NULL rows).
fn constraint(row: &PgRow) -> Result<Option<Constraint>, sqlx::Error> {
    let kind = match first_char(row, "kind")? {
        Some('p') => ConstraintKind::PrimaryKey,
        Some('u') => ConstraintKind::Unique,
        Some('c') => ConstraintKind::Check,
        Some('x') => ConstraintKind::Exclusion,
        Some('f') => {
            let action = |col: &str| -> Result<OnDelete, sqlx::Error> {
                let code: String = row.try_get(col)?;
                OnDelete::from_catalog(&code)
                    .ok_or_else(|| sqlx::Error::Protocol(format!("unknown FK action {code:?}")))
            };
            ConstraintKind::ForeignKey(ForeignKey {
                target: TableName::new(
                    row.try_get::<String, _>("target_schema")?,
                    row.try_get::<String, _>("target_name")?,
                ),
                target_columns: row.try_get("target_columns")?,
                on_delete: action("on_delete")?,
                on_update: action("on_update")?,
                match_full: row.try_get("match_full")?,
            })
        }
        _ => return Ok(None),
    };
    Ok(Some(Constraint {
        name: row.try_get("name")?,
        kind,
        columns: row.try_get("columns")?,
        validated: row.try_get("validated")?,
        deferrable: row.try_get("deferrable")?,
        deferred: row.try_get("deferred")?,
        inherited: row.try_get("inherited")?,
        definition: row.try_get("definition")?,
    }))
}

fn index(row: &PgRow) -> Result<Index, sqlx::Error> {
    let keys: Vec<String> = row.try_get("key_columns")?;
    Ok(Index {
        name: row.try_get("name")?,
        valid: row.try_get("valid")?,
        unique: row.try_get("unique")?,
        primary: row.try_get("primary")?,
        partial: row.try_get("partial")?,
        key_columns: keys
            .into_iter()
            .map(|k| Some(k).filter(|k| !k.is_empty()))
            .collect(),
        definition: row.try_get("definition")?,
    })
}

/// A `"char"` column (cast to text): `None` when empty, as `attidentity` is for plain columns.
fn first_char(row: &PgRow, col: &str) -> Result<Option<char>, sqlx::Error> {
    let text: Option<String> = row.try_get(col)?;
    Ok(text.and_then(|t| t.chars().next()))
}
