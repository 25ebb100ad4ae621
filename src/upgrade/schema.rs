//! The schema as text, for `migrations::<migration>::reversible`: one line per fact of
//! everything in `schemas` (tables and their columns, defaults, constraints, indexes, triggers,
//! row level security and policies; views, functions, types, sequences) and of the extensions,
//! sorted, so that two renderings compare line by line and a difference reads as a diff.
//! Objects an extension owns are the extension's line.

use sqlx::postgres::PgConnection;

/// Every fact, one per line, sorted.
pub async fn render(conn: &mut PgConnection, schemas: &[String]) -> Result<String, sqlx::Error> {
    let lines: Vec<String> = sqlx::query_scalar(RENDER)
        .bind(schemas)
        .fetch_all(&mut *conn)
        .await?;
    Ok(lines.iter().map(|l| format!("{l}\n")).collect())
}

/// The differing lines of two renderings, as a unified diff (`-` before, `+` after).
pub fn diff(before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(1)
        .header("before the migration", "after its Down part")
        .to_string()
}

const RENDER: &str = r#"
WITH rel AS (
  SELECT c.oid, c.relkind, c.relrowsecurity, c.relforcerowsecurity,
         format('%I.%I', n.nspname, c.relname) AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY($1)
    AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
), facts AS (
  SELECT format('%s %s%s%s', CASE relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table'
           WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
           WHEN 'f' THEN 'foreign table' WHEN 'c' THEN 'type' ELSE 'relation' END, name,
           CASE WHEN relrowsecurity THEN ' row level security' ELSE '' END,
           CASE WHEN relforcerowsecurity THEN ' forced' ELSE '' END) AS line
  FROM rel WHERE relkind <> 'i'
  UNION ALL
  SELECT format('column %s.%I %s%s%s%s', r.name, a.attname, format_type(a.atttypid, a.atttypmod),
           CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
           CASE WHEN d.adbin IS NOT NULL THEN ' default ' || pg_get_expr(d.adbin, d.adrelid) ELSE '' END,
           CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END)
  FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE r.relkind IN ('r', 'p', 'f', 'c', 'v', 'm')
  UNION ALL
  SELECT format('constraint %s %I %s%s', r.name, co.conname, pg_get_constraintdef(co.oid),
           CASE WHEN NOT co.convalidated THEN ' (not validated)' ELSE '' END)
  FROM rel r JOIN pg_constraint co ON co.conrelid = r.oid
  UNION ALL
  SELECT format('index %s', pg_get_indexdef(i.indexrelid))
  FROM rel r JOIN pg_index i ON i.indrelid = r.oid
  UNION ALL
  SELECT format('trigger %s', pg_get_triggerdef(t.oid))
  FROM rel r JOIN pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
  UNION ALL
  SELECT format('policy %s %I %s %s to %s using (%s) with check (%s)', r.name, p.polname,
           CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END, p.polcmd,
           (SELECT string_agg(CASE WHEN x = 0 THEN 'public' ELSE pg_get_userbyid(x)::text END, ', ' ORDER BY 1)
              FROM unnest(p.polroles) x),
           pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
  FROM rel r JOIN pg_policy p ON p.polrelid = r.oid
  UNION ALL
  SELECT format('view %s as %s', r.name, regexp_replace(pg_get_viewdef(r.oid), '\s+', ' ', 'g'))
  FROM rel r WHERE r.relkind IN ('v', 'm')
  UNION ALL
  SELECT format('function %s', regexp_replace(pg_get_functiondef(f.oid), '\s+', ' ', 'g'))
  FROM pg_proc f JOIN pg_namespace n ON n.oid = f.pronamespace
  WHERE n.nspname = ANY($1) AND f.prokind IN ('f', 'p', 'w')
    AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                    AND d.objid = f.oid AND d.deptype = 'e')
  UNION ALL
  SELECT format('type %I.%I %s %s', n.nspname, t.typname, t.typtype,
           CASE t.typtype
             WHEN 'e' THEN (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                            FROM pg_enum e WHERE e.enumtypid = t.oid)
             WHEN 'd' THEN format_type(t.typbasetype, t.typtypmod) || coalesce(' ' ||
               (SELECT string_agg(pg_get_constraintdef(c.oid), ' ' ORDER BY c.conname)
                FROM pg_constraint c WHERE c.contypid = t.oid), '')
                || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END
             ELSE '' END)
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE n.nspname = ANY($1) AND t.typtype IN ('e', 'd', 'r', 'm')
    AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                    AND d.objid = t.oid AND d.deptype = 'e')
  UNION ALL
  SELECT format('sequence %s %s start %s increment %s', r.name, format_type(s.seqtypid, NULL),
           s.seqstart, s.seqincrement)
  FROM rel r JOIN pg_sequence s ON s.seqrelid = r.oid
  UNION ALL
  SELECT format('extension %I %s', e.extname, e.extversion) FROM pg_extension e
)
SELECT line FROM facts ORDER BY line COLLATE "C"
"#;
