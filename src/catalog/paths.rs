//! Paths to a tenant's rows besides its tables: views (which run with their owner's rights
//! unless `security_invoker`) and SECURITY DEFINER functions (which always do). Both can read
//! around row level security; the tenancy checks test every one the request roles may use, so
//! the catalog says what each reads and who may use it.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgRow};

use super::ValueType;
use super::load::{roles_that, user_schema, value_type, value_type_columns, value_type_joins};
use crate::names::TableName;

/// A view or materialized view.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct View {
    pub name: TableName,
    pub materialized: bool,
    pub owner: String,
    /// `WITH (security_invoker = true)` (PostgreSQL 15+): the view reads with the rights of the
    /// role that queries it, so the tables' policies apply to that role.
    pub security_invoker: bool,
    /// The tables it reads, directly or through other views, sorted.
    pub reads: Vec<TableName>,
    /// The bodies of the functions it (or a view it reads) calls, where the language has one
    /// to read (`sql`, `plpgsql`): the tables they name are read too.
    pub bodies: Vec<String>,
    /// Roles other than superusers that may SELECT it (USAGE on its schema included), sorted.
    pub readers: Vec<String>,
}

/// A function or procedure (trigger functions aside).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Function {
    /// Schema and name.
    pub name: TableName,
    /// The argument types as `oidvectortypes(proargtypes)` prints them: `uuid, text`.
    pub args: String,
    /// A procedure (`CALL`), not a function (`SELECT`).
    pub procedure: bool,
    /// It runs with its owner's rights: a path around row level security.
    pub security_definer: bool,
    pub owner: String,
    pub language: String,
    /// `prosrc`: the tables it names are the ones it may read or change.
    pub body: String,
    /// Roles other than superusers that may EXECUTE it (USAGE on its schema, PUBLIC's grant and
    /// default privileges included), sorted.
    pub callers: Vec<String>,
    /// Its input arguments, in order (read for SECURITY DEFINER ones only).
    pub arguments: Vec<Argument>,
    /// How many of the last arguments have a default (`pronargdefaults`).
    pub defaults: usize,
    /// Returns `record` with no OUT columns: `SELECT * FROM` it needs a column list, so it is
    /// called in the select list.
    pub bare_record: bool,
}

/// An input argument of a function.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Argument {
    /// Empty for an unnamed argument.
    pub name: String,
    /// As `format_type()` prints it.
    pub type_: String,
    pub value: ValueType,
}

impl Function {
    /// `name(argtypes)` as test names show it: schema-qualified outside `default_schema`.
    pub fn signature(&self, default_schema: &str) -> String {
        format!("{}({})", self.name.shown(default_schema), self.args)
    }

    /// The statement that calls it with `args` (SQL expressions): `CALL` for a procedure, else
    /// a `SELECT` whose rows are what it returns.
    pub fn call(&self, args: &[String]) -> String {
        let call = format!("{}({})", self.name.sql(), args.join(", "));
        if self.procedure {
            format!("CALL {call}")
        } else if self.bare_record {
            format!("SELECT {call}")
        } else {
            format!("SELECT * FROM {call}")
        }
    }
}

/// Views with what they read (relation oids; the tables among them are named from the tables
/// already read), through other views: `pg_depend` records what a view's rule reads, so a view
/// over a view is followed to its tables.
const VIEWS: &str = concat!(
    r#"
WITH RECURSIVE reads(view, rel) AS (
  SELECT r.ev_class, d.refobjid
  FROM pg_rewrite r
  JOIN pg_class v ON v.oid = r.ev_class AND v.relkind IN ('v', 'm')
  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
   AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class
  UNION
  SELECT reads.view, d.refobjid
  FROM reads
  JOIN pg_class m ON m.oid = reads.rel AND m.relkind IN ('v', 'm')
  JOIN pg_rewrite r ON r.ev_class = m.oid
  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
   AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class
)
SELECT n.nspname::text AS schema, c.relname::text AS name, c.relkind = 'm' AS materialized,
       pg_get_userbyid(c.relowner)::text AS owner,
       COALESCE((SELECT lower(o.option_value) IN ('true', 'on', '1', 'yes')
                 FROM pg_options_to_table(c.reloptions) o
                 WHERE o.option_name = 'security_invoker'), false) AS security_invoker,
       ARRAY(SELECT reads.rel::int8 FROM reads WHERE reads.view = c.oid) AS reads,
       ARRAY(SELECT DISTINCT p.prosrc FROM pg_rewrite r
             JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
              AND d.refclassid = 'pg_proc'::regclass
             JOIN pg_proc p ON p.oid = d.refobjid
             JOIN pg_language l ON l.oid = p.prolang AND l.lanname IN ('sql', 'plpgsql')
             WHERE r.ev_class = c.oid
                OR r.ev_class IN (SELECT rel FROM reads WHERE reads.view = c.oid)) AS bodies, "#,
    roles_that!("has_table_privilege(r.oid, c.oid, 'SELECT')"),
    r#" AS readers
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND "#,
    user_schema!()
);

/// Functions and procedures, trigger and event-trigger functions aside.
const FUNCTIONS: &str = concat!(
    r#"
SELECT p.oid::int8 AS oid, n.nspname::text AS schema, p.proname::text AS name,
       oidvectortypes(p.proargtypes) AS args, p.prokind = 'p' AS procedure,
       p.prosecdef AS security_definer, p.pronargdefaults::int8 AS defaults,
       pg_get_userbyid(p.proowner)::text AS owner, l.lanname::text AS language,
       COALESCE(p.prosrc, '') AS body,
       p.prorettype = 'record'::regtype
         AND NOT COALESCE(p.proargmodes && ARRAY['o', 'b', 't']::"char"[], false) AS bare_record, "#,
    roles_that!("has_function_privilege(r.oid, p.oid, 'EXECUTE')"),
    r#" AS callers
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE p.prokind IN ('f', 'p')
  AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype) AND "#,
    user_schema!()
);

/// The input arguments (IN, INOUT, VARIADIC) of those functions, in order, with what a value of
/// each is made of.
const ARGUMENTS: &str = concat!(
    r#"
SELECT p.oid::int8 AS fn, COALESCE(p.proargnames[a.o], '') AS name,
       format_type(a.t, NULL) AS type,"#,
    value_type_columns!(),
    r#"
FROM pg_proc p
CROSS JOIN LATERAL unnest(COALESCE(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY a(t, o)"#,
    value_type_joins!("a.t", "-1"),
    r#"
WHERE p.oid = ANY($1::int8[]::oid[])
  AND (p.proargmodes IS NULL OR p.proargmodes[a.o] IN ('i', 'b', 'v'))
ORDER BY p.oid, a.o
"#
);

/// Views and functions, each sorted (views by name, functions by schema, name and arguments).
/// `tables` names the catalog's tables by oid.
pub(super) async fn load(
    conn: &mut PgConnection,
    tables: &HashMap<i64, TableName>,
) -> Result<(Vec<View>, Vec<Function>), sqlx::Error> {
    let mut views = Vec::new();
    for row in sqlx::query(VIEWS).fetch_all(&mut *conn).await? {
        views.push(view(&row, tables)?);
    }
    views.sort_by(|a, b| a.name.cmp(&b.name));

    let mut by_oid: HashMap<i64, Function> = HashMap::new();
    for row in sqlx::query(FUNCTIONS).fetch_all(&mut *conn).await? {
        by_oid.insert(row.try_get("oid")?, function(&row)?);
    }
    let oids: Vec<i64> = (by_oid.iter())
        .filter(|(_, f)| f.security_definer)
        .map(|(oid, _)| *oid)
        .collect();
    if !oids.is_empty() {
        let rows = sqlx::query(ARGUMENTS)
            .bind(&oids)
            .fetch_all(&mut *conn)
            .await?;
        for row in rows {
            if let Some(f) = by_oid.get_mut(&row.try_get("fn")?) {
                f.arguments.push(Argument {
                    name: row.try_get("name")?,
                    type_: row.try_get("type")?,
                    value: value_type(&row)?,
                });
            }
        }
    }
    let mut functions: Vec<Function> = by_oid.into_values().collect();
    functions.sort_by(|a, b| (&a.name, &a.args).cmp(&(&b.name, &b.args)));
    Ok((views, functions))
}

fn view(row: &PgRow, tables: &HashMap<i64, TableName>) -> Result<View, sqlx::Error> {
    let reads: Vec<i64> = row.try_get("reads")?;
    let mut reads: Vec<TableName> = reads
        .iter()
        .filter_map(|o| tables.get(o).cloned())
        .collect();
    reads.sort();
    reads.dedup();
    Ok(View {
        name: TableName::new(
            row.try_get::<String, _>("schema")?,
            row.try_get::<String, _>("name")?,
        ),
        materialized: row.try_get("materialized")?,
        owner: row.try_get("owner")?,
        security_invoker: row.try_get("security_invoker")?,
        reads,
        bodies: row.try_get("bodies")?,
        readers: row.try_get("readers")?,
    })
}

fn function(row: &PgRow) -> Result<Function, sqlx::Error> {
    Ok(Function {
        name: TableName::new(
            row.try_get::<String, _>("schema")?,
            row.try_get::<String, _>("name")?,
        ),
        args: row.try_get("args")?,
        procedure: row.try_get("procedure")?,
        security_definer: row.try_get("security_definer")?,
        defaults: usize::try_from(row.try_get::<i64, _>("defaults")?).unwrap_or(0),
        owner: row.try_get("owner")?,
        language: row.try_get("language")?,
        body: row.try_get("body")?,
        callers: row.try_get("callers")?,
        arguments: Vec::new(),
        bare_record: row.try_get("bare_record")?,
    })
}

/// Whether `body` (a function's source) names `table` as a word, in any case, quoted or not:
/// where a function's reads can be told without running it. Dynamic SQL that builds the name
/// is not seen.
pub fn mentions(body: &str, table: &TableName) -> bool {
    let body = body.to_lowercase();
    let name = table.name.to_lowercase();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
    body.match_indices(&name).any(|(i, _)| {
        !word(body[..i].chars().next_back()) && !word(body[i + name.len()..].chars().next())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_mentions_a_table_as_a_word() {
        let projects = TableName::new("public", "projects");
        assert!(mentions("select * from public.projects p", &projects));
        assert!(mentions(
            "DELETE FROM \"Projects\" WHERE id = $1",
            &projects
        ));
        assert!(!mentions("select * from projects_archive", &projects));
        assert!(!mentions("select my_projects from t", &projects));
    }
}
