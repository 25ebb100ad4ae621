//! The arguments a SECURITY DEFINER function is called with in its tenancy tests
//! (docs/tenancy.md): the other tenant's ids, found by the argument's name first (`org_id`,
//! `p_project_id`, `user_id`), by its type when exactly one id has that type, else a value
//! synthesized as a column's would be; or, when `[tenancy] calls` lists the function, the
//! expressions given there with their placeholders replaced.

use super::interference::{Pair, Scoped};
use crate::catalog::{Argument, Function};
use crate::names::{TableName, literal};
use crate::spec::{TENANT, USER};

/// Where an argument's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The tenant's id.
    Tenant,
    /// The tenant's principal's user.
    User,
    /// The key of the tenant's row of this table.
    Row(TableName),
    /// A value made from the type: its name and type matched no id.
    Made,
}

/// The ids one test calls with: B's for a principal of A, A's (and a fresh user) for `anon`.
pub struct Ids<'i> {
    pub tenant: &'i str,
    pub user: Option<String>,
    pub pair: &'i Pair,
    pub of_a: bool,
}

/// Each argument's source, by name, then by type.
pub fn sources(function: &Function, scope: &[Scoped<'_>]) -> Vec<Source> {
    let ids = candidates(scope);
    (function.arguments.iter())
        .map(|arg| {
            let name = bare(&arg.name);
            if let Some((source, _)) = ids.iter().find(|(_, names)| names.contains(&name)) {
                return source.clone();
            }
            let typed: Vec<&Source> = (ids.iter())
                .filter(|(source, _)| type_of(source, scope) == Some(arg.value.base_name.as_str()))
                .map(|(source, _)| source)
                .collect();
            match typed.as_slice() {
                [only] => (*only).clone(),
                _ => Source::Made,
            }
        })
        .collect()
}

/// Which arguments a call passes: all but those with a default that only a made value would
/// fill. In named notation (`named`) any of them may be left out; positionally, only a run of
/// them at the end.
pub fn passed(function: &Function, sources: &[Source], named: bool) -> Vec<bool> {
    let total = function.arguments.len();
    let required = total - function.defaults.min(total);
    let defaulted_made = |i: usize| i >= required && sources.get(i) == Some(&Source::Made);
    if named {
        return (0..total).map(|i| !defaulted_made(i)).collect();
    }
    let mut cut = total;
    while cut > required && defaulted_made(cut - 1) {
        cut -= 1;
    }
    (0..total).map(|i| i < cut).collect()
}

/// The tables whose rows the sources name.
pub fn tables(sources: &[Source]) -> Vec<&TableName> {
    (sources.iter())
        .filter_map(|s| match s {
            Source::Row(t) => Some(t),
            _ => None,
        })
        .collect()
}

/// Every id an argument can take, with the names that ask for it: the tenant, the user, and
/// the key of each tenant-scoped table with a one-column primary key.
fn candidates(scope: &[Scoped<'_>]) -> Vec<(Source, Vec<String>)> {
    let mut tenant = vec!["tenant_id".to_string()];
    let mut out = Vec::new();
    for s in scope {
        let name = s.table.name.name.to_lowercase();
        if s.tenant_table {
            tenant.extend(forms(&name));
            tenant.extend(
                s.columns
                    .iter()
                    .filter(|c| *c != "id")
                    .map(|c| c.to_lowercase()),
            );
            continue;
        }
        for c in &s.columns {
            let c = c.to_lowercase();
            // `org` asks for what `org_id` holds.
            tenant.extend(c.strip_suffix("_id").map(str::to_string));
            tenant.push(c);
        }
        if key_column(s).is_some() {
            let mut names = forms(&name);
            names.extend([singular(&name), name.clone()]);
            out.push((Source::Row(s.table.name.clone()), names));
        }
    }
    let user = vec!["user_id".to_string(), "uid".to_string(), "user".to_string()];
    let mut all = vec![(Source::Tenant, tenant), (Source::User, user)];
    all.extend(out);
    all
}

/// `<table>_id` in the singular and the plural.
fn forms(table: &str) -> Vec<String> {
    vec![format!("{}_id", singular(table)), format!("{table}_id")]
}

fn singular(name: &str) -> String {
    if let Some(stem) = name.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = name.strip_suffix('s') {
        stem.to_string()
    } else {
        name.to_string()
    }
}

/// An argument's name without the prefixes functions give them: `p_org_id` is `org_id`.
fn bare(name: &str) -> String {
    let lower = name.to_lowercase();
    for prefix in ["p_", "in_", "arg_", "_"] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    lower
}

/// The one-column primary key of a scoped table.
fn key_column<'s>(s: &'s Scoped<'_>) -> Option<&'s str> {
    match s.table.primary_key()?.columns.as_slice() {
        [column] => Some(column),
        _ => None,
    }
}

/// The base type of the id a source stands for.
fn type_of<'s>(source: &Source, scope: &'s [Scoped<'_>]) -> Option<&'s str> {
    let column =
        |s: &'s Scoped<'_>, name: &str| s.table.column(name).map(|c| c.value.base_name.as_str());
    match source {
        Source::Tenant => scope
            .iter()
            .find(|s| s.tenant_table)
            .and_then(|s| column(s, &s.columns[0])),
        Source::User => Some("uuid"),
        Source::Row(t) => {
            let s = scope.iter().find(|s| &s.table.name == t)?;
            column(s, key_column(s)?)
        }
        Source::Made => None,
    }
}

/// The SQL value of an argument from an id source (`None` for [`Source::Made`], or an id the
/// test does not have).
pub fn value(
    source: &Source,
    arg: &Argument,
    ids: &Ids<'_>,
    scope: &[Scoped<'_>],
) -> Option<String> {
    let text = match source {
        Source::Tenant => ids.tenant.to_string(),
        Source::User => ids.user.clone()?,
        Source::Row(t) => {
            let s = scope.iter().find(|s| &s.table.name == t)?;
            ids.pair.row(t, ids.of_a)?.text(key_column(s)?)?.to_string()
        }
        Source::Made => return None,
    };
    Some(format!("{}::{}", literal(&text), arg.type_))
}

/// A `calls` expression with its placeholders replaced by SQL literals: `{tenant}`, `{user}`,
/// and `{<table>}` (the key of the tenant's row of that table, as test names show the table).
/// `Err` names a placeholder that stands for nothing.
pub fn replaced(
    expression: &str,
    ids: &Ids<'_>,
    scope: &[Scoped<'_>],
    schema: &str,
) -> Result<String, String> {
    let mut out = expression.replace(TENANT, &literal(ids.tenant));
    if let Some(user) = &ids.user {
        out = out.replace(USER, &literal(user));
    }
    for s in scope.iter().filter(|s| !s.tenant_table) {
        let placeholder = format!("{{{}}}", s.table.name.shown(schema));
        if !out.contains(&placeholder) {
            continue;
        }
        let key = key_column(s)
            .and_then(|k| ids.pair.row(&s.table.name, ids.of_a)?.text(k).map(str::to_string))
            .ok_or_else(|| format!("{placeholder} has no key: the table has no one-column primary key, or no row of it was built"))?;
        out = out.replace(&placeholder, &literal(&key));
    }
    match placeholder_in(&out) {
        Some(p) => Err(format!(
            "{p} stands for nothing: placeholders are {TENANT}, {USER} and {{<table>}} for a table with a tenant column"
        )),
        None => Ok(out),
    }
}

/// The tables a `calls` entry's placeholders name.
pub fn named_tables<'s>(
    expressions: &[String],
    scope: &'s [Scoped<'_>],
    schema: &str,
) -> Vec<&'s TableName> {
    (scope.iter())
        .filter(|s| !s.tenant_table)
        .filter(|s| {
            let placeholder = format!("{{{}}}", s.table.name.shown(schema));
            expressions.iter().any(|e| e.contains(&placeholder))
        })
        .map(|s| &s.table.name)
        .collect()
}

/// A `{name}` left in the text (an identifier in braces: JSON's `{"a": 1}` is not one).
fn placeholder_in(text: &str) -> Option<&str> {
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let end = after.find('}')?;
        let inner = &after[..end];
        let ident = !inner.is_empty()
            && inner
                .chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
            && inner
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.');
        if ident {
            return Some(&rest[start..start + end + 2]);
        }
        rest = after;
    }
    None
}

/// An argument as a message names it: `p_org_id`, or `$2` when unnamed.
pub fn label(function: &Function, arg: &Argument) -> String {
    if !arg.name.is_empty() {
        return arg.name.clone();
    }
    let n = (function.arguments.iter()).position(|a| std::ptr::eq(a, arg));
    format!("${}", n.map_or(0, |n| n + 1))
}

/// The `calls` entry that settles the arguments, for a message: the placeholders the sources
/// stand for, and a hint for each made one.
pub fn entry(function: &Function, sources: &[Source], schema: &str) -> String {
    let args: Vec<String> = (function.arguments.iter().zip(sources))
        .map(|(arg, source)| match source {
            Source::Tenant => format!("\"{TENANT}\""),
            Source::User => format!("\"{USER}\""),
            Source::Row(t) => format!("\"{{{}}}\"", t.shown(schema)),
            Source::Made => format!("\"<an SQL expression of type {}>\"", arg.type_),
        })
        .collect();
    format!(
        "calls = {{ \"{}\" = [{}] }}",
        function.signature(schema),
        args.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_prefixes_and_tables_their_plural() {
        assert_eq!(bare("p_org_id"), "org_id");
        assert_eq!(bare("_project_id"), "project_id");
        assert_eq!(bare("UserId"), "userid");
        assert_eq!(singular("companies"), "company");
        assert_eq!(singular("projects"), "project");
        assert_eq!(forms("projects"), ["project_id", "projects_id"]);
    }

    /// A SECURITY DEFINER function `f` with `arguments` (name, type), the last `defaults` of
    /// them with a default.
    fn function(arguments: &[(&str, &str)], defaults: usize) -> Function {
        let arguments = (arguments.iter())
            .map(|(name, ty)| Argument {
                name: name.to_string(),
                type_: ty.to_string(),
                value: crate::checks::testing::column(name, ty).value,
            })
            .collect();
        Function {
            name: crate::names::TableName::new("public", "f"),
            args: String::new(),
            procedure: false,
            security_definer: true,
            owner: "postgres".into(),
            language: "sql".into(),
            body: String::new(),
            callers: Vec::new(),
            arguments,
            defaults,
            bare_record: false,
        }
    }

    /// By name first (prefixes aside), then by type when exactly one id has it, else made.
    #[test]
    fn arguments_take_ids_by_name_then_by_a_type_only_one_id_has() {
        use crate::checks::testing::{Build, table};
        let orgs = table("organizations", &[("id", "uuid")]).pk(&["id"]);
        let projects = table("projects", &[("id", "bigint"), ("org_id", "uuid")]).pk(&["id"]);
        let scope = [
            Scoped {
                table: &orgs,
                columns: vec!["id".into()],
                tenant_table: true,
            },
            Scoped {
                table: &projects,
                columns: vec!["org_id".into()],
                tenant_table: false,
            },
        ];
        let f = function(
            &[
                ("p_org_id", "uuid"),
                ("org", "uuid"),
                ("p_project_id", "bigint"),
                ("uid", "uuid"),
                ("id", "bigint"),
                ("x", "uuid"),
                ("label", "text"),
            ],
            0,
        );
        let projects_row = Source::Row(projects.name.clone());
        assert_eq!(
            sources(&f, &scope),
            [
                Source::Tenant,
                Source::Tenant,
                projects_row.clone(),
                Source::User,
                projects_row,
                Source::Made,
                Source::Made,
            ],
            "`id bigint`: only projects' key is a bigint; `x uuid`: the tenant's and the user's are both uuids"
        );
    }

    #[test]
    fn defaulted_arguments_only_a_made_value_fills_are_left_out() {
        let columns = [
            ("org_id", "integer"),
            ("lim", "integer"),
            ("project_id", "integer"),
        ];
        let f = function(&columns, 2);
        let sources = [Source::Tenant, Source::Made, Source::Made];
        assert_eq!(passed(&f, &sources, true), [true, false, false]);
        let sources = [Source::Tenant, Source::Made, Source::Tenant];
        assert_eq!(passed(&f, &sources, true), [true, false, true]);
        assert_eq!(
            passed(&f, &sources, false),
            [true, true, true],
            "positionally only a tail"
        );
        let all = [Source::Tenant, Source::Made, Source::Made];
        assert_eq!(
            passed(&function(&columns, 0), &all, true),
            [true, true, true]
        );
    }

    #[test]
    fn a_placeholder_is_an_identifier_in_braces() {
        assert_eq!(placeholder_in("'{\"a\": 1}'::jsonb"), None);
        assert_eq!(placeholder_in("x || {projectz}"), Some("{projectz}"));
        assert_eq!(placeholder_in("{}"), None);
    }
}
