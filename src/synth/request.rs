//! Triggers that read the request: a BEFORE INSERT trigger that sets a column from the request
//! (`NEW.invited_by_user_id = auth.uid()`) overwrites whatever synthesis wrote, with NULL when no
//! request is in force. No `[sample]` can help such a row; a request principal can (`[tenancy]`
//! with `settings`, docs/tenancy.md). This module finds those triggers and the settings
//! their functions read, for the failure to name them.

use super::row::Building;
use super::{DbError, Sandbox};
use crate::names::literal;
use crate::sandbox::sqlstate::NOT_NULL_VIOLATION;

/// A BEFORE INSERT trigger that overwrote a column this tool wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overwrite {
    pub column: String,
    pub trigger: String,
    /// The trigger's function, as `regprocedure` prints it: `public.set_inviter()`.
    pub function: String,
    /// The request settings the function reads (`request.jwt.claims`, `app.tenant`).
    pub settings: Vec<String>,
}

/// The triggers behind `e`, when it is a NOT NULL violation of a column the row wrote a value
/// to (so a BEFORE trigger replaced it) and some of them read the request.
pub(super) async fn overwrites(
    sb: &mut Sandbox,
    row: &Building<'_>,
    e: &DbError,
) -> Vec<Overwrite> {
    let Some(column) = e.column.as_deref() else {
        return Vec::new();
    };
    let written = row.expr(column).is_some_and(|x| x != "NULL");
    if e.code != NOT_NULL_VIOLATION || !written {
        return Vec::new();
    }
    let sql = format!(
        "SELECT t.tgname::text, t.tgfoid::regprocedure::text, p.prosrc \
         FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid \
         WHERE t.tgrelid = {}::regclass AND NOT t.tgisinternal AND t.tgenabled <> 'D' \
         AND t.tgtype & 7 = 7 ORDER BY t.tgname",
        literal(&row.table.name.sql())
    );
    let Ok(out) = sb.attempt(&sql, false).await else {
        return Vec::new();
    };
    let triggers: Vec<(String, String, String)> = (out.rows.into_iter())
        .filter_map(|r| match r.as_slice() {
            [Some(t), Some(f), Some(src)] => Some((t.clone(), f.clone(), src.clone())),
            _ => None,
        })
        .collect();
    let reading: Vec<_> = (triggers.iter())
        .map(|(t, f, src)| (t, f, src, settings_read(src)))
        .filter(|(.., settings)| !settings.is_empty())
        .collect();
    let assigning: Vec<_> = (reading.iter())
        .filter(|(_, _, src, _)| assigns(src, column))
        .collect();
    let chosen = if assigning.is_empty() {
        reading.iter().collect()
    } else {
        assigning
    };
    chosen
        .into_iter()
        .map(|(t, f, _, settings)| Overwrite {
            column: column.to_string(),
            trigger: (*t).clone(),
            function: (*f).clone(),
            settings: settings.clone(),
        })
        .collect()
}

/// Whether a PL/pgSQL body assigns `NEW.<column>` (`NEW.x := …`, `NEW.x = …`) as a statement,
/// not in a comparison (`IF NEW.x = …`).
fn assigns(source: &str, column: &str) -> bool {
    let lower = source.to_lowercase();
    let target = format!("new.{}", column.to_lowercase());
    let quoted = format!("new.\"{}\"", column.to_lowercase());
    lower.lines().any(|line| {
        [&target, &quoted].iter().any(|t| {
            line.match_indices(t.as_str()).any(|(i, _)| {
                let before = line[..i].trim_end();
                let after = line[i + t.len()..].trim_start();
                let statement_start = before.is_empty()
                    || before.ends_with(';')
                    || ["then", "else", "begin", "loop"]
                        .iter()
                        .any(|w| before.ends_with(w));
                let assignment =
                    after.starts_with(":=") || (after.starts_with('=') && !after.starts_with("=="));
                statement_start && assignment
            })
        })
    })
}

/// The request settings a function body reads: `current_setting('x'…)` by name, and those behind
/// Supabase's `auth.uid()`, `auth.jwt()`, `auth.role()` and `auth.email()`.
pub(crate) fn settings_read(source: &str) -> Vec<String> {
    let lower = source.to_lowercase();
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        if !out.iter().any(|x| x == s) {
            out.push(s.to_string());
        }
    };
    for (i, _) in lower.match_indices("current_setting") {
        let rest = lower[i + "current_setting".len()..].trim_start();
        let Some(rest) = rest.strip_prefix('(').map(str::trim_start) else {
            continue;
        };
        if let Some(name) = rest.strip_prefix('\'').and_then(|r| r.split_once('\'')) {
            push(name.0);
        }
    }
    let jwt = [
        ("auth.uid()", "request.jwt.claim.sub"),
        ("auth.role()", "request.jwt.claim.role"),
        ("auth.email()", "request.jwt.claim.email"),
        ("auth.jwt()", ""),
    ];
    for (call, older) in jwt {
        if lower.replace(' ', "").contains(call) {
            push("request.jwt.claims");
            if !older.is_empty() {
                push(older);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_assignment_is_a_statement_not_a_comparison() {
        let body = "BEGIN\n  IF NEW.org_id = 1 THEN RETURN NEW; END IF;\n  NEW.invited_by := auth.uid();\n  RETURN NEW;\nEND";
        assert!(assigns(body, "invited_by"));
        assert!(!assigns(body, "org_id"));
        assert!(assigns("begin new.x = 1; return new; end", "x"));
    }

    #[test]
    fn settings_are_read_by_name_and_behind_auth_functions() {
        let body = "NEW.a := current_setting( 'app.tenant', true)::uuid; NEW.b := auth.uid();";
        assert_eq!(
            settings_read(body),
            vec!["app.tenant", "request.jwt.claims", "request.jwt.claim.sub"]
        );
        assert!(settings_read("NEW.a := now();").is_empty());
    }
}
