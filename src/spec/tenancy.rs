//! `[tenancy]` (docs/tenancy.md): who the tenants are and how a request of one of them is
//! made, so that isolation is proven as the application's own role sees the data.
//!
//! Validated here, before any database: the tenant key is a `table.column`, the role is named,
//! and the `principal` SQL holds no statement that could end the rolled-back transaction it runs
//! in (`COMMIT`, `ROLLBACK`, `PREPARE TRANSACTION`, savepoint commands): principals never escape.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_spanned::Spanned;

use super::error::SpecError;
use super::facts::{Fact, Reference};
use super::project::Preset;
use super::source::Source;
use crate::location::Location;
use crate::sql::statements::{self, StatementKind};

/// The placeholder replaced by the tenant's key (as a literal in `principal`).
pub const TENANT: &str = "{tenant}";
/// The placeholder replaced by a fresh uuid for each principal.
pub const USER: &str = "{user}";

/// `[tenancy]`, resolved.
#[derive(Debug, Clone)]
pub struct Tenancy {
    /// The `[tenancy]` header: where `tenancy::role` points.
    pub at: Location,
    /// The tenant table and its key.
    pub tenants: Fact<Reference>,
    /// The role requests run as (`SET LOCAL ROLE`).
    pub role: Fact<String>,
    /// Request settings, in file order: name → value with `{tenant}`/`{user}` placeholders.
    pub settings: IndexMap<String, Fact<String>>,
    /// SQL run as the superuser before acting as a principal, one statement per element, with
    /// `{tenant}`/`{user}` placeholders (replaced by SQL string literals).
    pub principal: Vec<String>,
    /// Where `principal` is written, for messages.
    pub principal_at: Option<Location>,
    /// `anon`: the role of requests with no signed-in user (`anon` by default with the Supabase
    /// preset); `None`: no anonymous tests.
    pub anon: Option<Fact<String>>,
    /// `shared`: views and functions every tenant may read alike, each with its reason.
    pub shared: Vec<PathEntry<String>>,
    /// `calls`: exact arguments of SECURITY DEFINER functions, SQL expressions with
    /// placeholders.
    pub calls: Vec<PathEntry<Vec<String>>>,
}

/// A `shared` or `calls` entry: the view or function it names, and what it says of it.
#[derive(Debug, Clone)]
pub struct PathEntry<T> {
    /// As written: `plans`, `api.plans`, `search_public(text)`.
    pub key: String,
    pub value: T,
    pub at: Location,
}

impl<T> PathEntry<T> {
    /// Whether the entry names `path` (a view or a function signature as test names show
    /// them): spaces in a function's argument list may be left out.
    pub fn names(&self, path: &str) -> bool {
        squeezed(&self.key) == squeezed(path)
    }
}

/// A name without its white space: `f(uuid, text)` and `f(uuid,text)` are one function.
pub fn squeezed(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTenancy {
    tenants: Spanned<String>,
    role: Option<Spanned<String>>,
    settings: Option<Spanned<IndexMap<Spanned<String>, Spanned<String>>>>,
    principal: Option<Spanned<String>>,
    anon: Option<Spanned<String>>,
    shared: Option<IndexMap<Spanned<String>, Spanned<String>>>,
    calls: Option<IndexMap<Spanned<String>, Spanned<Vec<String>>>>,
}

impl RawTenancy {
    /// `[tenancy]` resolved; `role` and `settings` default from `preset` (docs/tenancy.md)
    /// and are required without one.
    pub(super) fn resolve(
        &self,
        src: &Source,
        header: &Location,
        default_schema: &str,
        preset: Preset,
    ) -> Result<Tenancy, SpecError> {
        let tenants = Reference::parse(self.tenants.get_ref(), default_schema).ok_or_else(|| {
            src.error_at(
                &self.tenants,
                format!(
                    "`tenants` must be \"table.column\" or \"schema.table.column\" (the tenant table and its key), got {:?}",
                    self.tenants.get_ref()
                ),
            )
        })?;
        let role = match &self.role {
            Some(r) if r.get_ref().trim().is_empty() => {
                return Err(src.error_at(r, "`role` is empty: name the role requests run as"));
            }
            Some(r) => src.fact(r),
            None if preset == Preset::Supabase => Fact {
                value: SUPABASE_ROLE.to_string(),
                at: header.clone(),
            },
            None => {
                return Err(SpecError::At {
                    location: header.clone(),
                    message: "[tenancy] needs `role`: the role the application's requests run as (e.g. role = \"authenticated\")".into(),
                });
            }
        };
        let Some(settings) = &self.settings else {
            if preset == Preset::Supabase {
                return Ok(Tenancy {
                    settings: IndexMap::from([(
                        SUPABASE_CLAIMS.0.to_string(),
                        Fact {
                            value: SUPABASE_CLAIMS.1.to_string(),
                            at: header.clone(),
                        },
                    )]),
                    ..self.tenancy(src, header, tenants, role, preset)?
                });
            }
            return Err(SpecError::At {
                location: header.clone(),
                message: "[tenancy] needs `settings`: the request settings of a principal, e.g. settings = { \"app.tenant_id\" = \"{tenant}\" } (settings = {} when the role alone decides)".into(),
            });
        };
        let mut resolved = IndexMap::new();
        for (name, value) in settings.get_ref() {
            if name.get_ref().trim().is_empty() {
                return Err(src.error_at(name, "a setting name is empty"));
            }
            resolved.insert(name.get_ref().clone(), src.fact(value));
        }
        Ok(Tenancy {
            settings: resolved,
            ..self.tenancy(src, header, tenants, role, preset)?
        })
    }

    /// Everything but the settings.
    fn tenancy(
        &self,
        src: &Source,
        header: &Location,
        tenants: Reference,
        role: Fact<String>,
        preset: Preset,
    ) -> Result<Tenancy, SpecError> {
        let principal = match &self.principal {
            None => Vec::new(),
            Some(p) => principal_statements(src, p)?,
        };
        let anon = match &self.anon {
            Some(a) if a.get_ref().trim().is_empty() => {
                return Err(src.error_at(
                    a,
                    "`anon` is empty: name the role of requests with no signed-in user",
                ));
            }
            Some(a) => Some(src.fact(a)),
            None if preset == Preset::Supabase => Some(Fact {
                value: SUPABASE_ANON.to_string(),
                at: header.clone(),
            }),
            None => None,
        };
        Ok(Tenancy {
            at: header.clone(),
            tenants: Fact {
                value: tenants,
                at: src.at(&self.tenants),
            },
            role,
            settings: IndexMap::new(),
            principal,
            principal_at: self.principal.as_ref().map(|p| src.at(p)),
            anon,
            shared: self.shared(src)?,
            calls: self.calls(src)?,
        })
    }

    /// `shared`, each entry with a reason.
    fn shared(&self, src: &Source) -> Result<Vec<PathEntry<String>>, SpecError> {
        let mut out = Vec::new();
        for (key, reason) in self.shared.iter().flatten() {
            let key_text = key.get_ref().trim();
            if key_text.is_empty() {
                return Err(src.error_at(key, "a `shared` key is empty: name a view or a function as tests name it (`plans`, `search_public(text)`)"));
            }
            if reason.get_ref().trim().is_empty() {
                return Err(src.error_at(reason, format!("`shared` entry {key_text:?} needs its reason: why every tenant may see what it shows")));
            }
            out.push(PathEntry {
                key: key_text.to_string(),
                value: reason.get_ref().clone(),
                at: src.at(key),
            });
        }
        Ok(out)
    }

    /// `calls`: functions with their exact arguments, one SQL expression each.
    fn calls(&self, src: &Source) -> Result<Vec<PathEntry<Vec<String>>>, SpecError> {
        let mut out = Vec::new();
        for (key, args) in self.calls.iter().flatten() {
            let key_text = key.get_ref().trim();
            if !key_text.ends_with(')') || !key_text.contains('(') {
                return Err(src.error_at(key, format!("`calls` key {key_text:?} must name a function with its argument types, as tests name it: \"remove_member(uuid, uuid)\"")));
            }
            if let Some(empty) = args.get_ref().iter().position(|a| a.trim().is_empty()) {
                return Err(src.error_at(args, format!("argument {} of `calls` entry {key_text:?} is empty: give an SQL expression", empty + 1)));
            }
            out.push(PathEntry {
                key: key_text.to_string(),
                value: args.get_ref().clone(),
                at: src.at(key),
            });
        }
        Ok(out)
    }
}

/// `[tenancy] role` under `preset = "supabase"`: the role PostgREST switches to for a signed-in
/// user.
const SUPABASE_ROLE: &str = "authenticated";
/// `[tenancy] anon` under `preset = "supabase"`: PostgREST's role for a request without a JWT.
const SUPABASE_ANON: &str = "anon";
/// `[tenancy] settings` under `preset = "supabase"`: the JWT claims `auth.uid()` and `auth.jwt()`
/// read.
const SUPABASE_CLAIMS: (&str, &str) = (
    "request.jwt.claims",
    r#"{"sub": "{user}", "role": "authenticated"}"#,
);

/// `principal` split into the statements psql would send, refusing psql meta-commands and
/// transaction control.
fn principal_statements(src: &Source, p: &Spanned<String>) -> Result<Vec<String>, SpecError> {
    let text = p.get_ref();
    let mut out = Vec::new();
    for s in statements::split(text) {
        let sql = &text[s.range.clone()];
        let first = sql
            .split(|c: char| !c.is_ascii_alphabetic())
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let refused = match s.kind {
            StatementKind::Sql if statements::TRANSACTION_CONTROL.contains(&first.as_str()) => {
                Some(
                    "ends or escapes the transaction the principal runs in; a principal's statements always run in one that is rolled back",
                )
            }
            StatementKind::Sql => None,
            _ => Some("is not SQL (psql commands and COPY FROM stdin are not run here)"),
        };
        if let Some(why) = refused {
            return Err(src.error_at(p, format!("`principal` statement {:?} {why}", sql.trim())));
        }
        out.push(sql.to_string());
    }
    Ok(out)
}

impl Tenancy {
    /// True when `table` is the tenant table.
    pub fn is_tenant_table(&self, table: &crate::names::TableName) -> bool {
        &self.tenants.value.table == table
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn load(text: &str) -> Result<Tenancy, SpecError> {
        load_with(text, Preset::None)
    }

    fn load_with(text: &str, preset: Preset) -> Result<Tenancy, SpecError> {
        #[derive(Deserialize)]
        struct File {
            tenancy: Spanned<RawTenancy>,
        }
        let src = Source::new(Path::new("pg-invariants.toml"), text.to_string());
        let file: File = src.parse(&[])?;
        let header = src.at(&file.tenancy);
        file.tenancy
            .get_ref()
            .resolve(&src, &header, "public", preset)
    }

    #[test]
    fn the_supabase_preset_gives_role_and_settings() {
        let t = load_with(
            "[tenancy]\ntenants = \"organizations.id\"\n",
            Preset::Supabase,
        )
        .expect("defaults");
        assert_eq!(t.role.value, "authenticated");
        assert_eq!(
            t.settings["request.jwt.claims"].value,
            r#"{"sub": "{user}", "role": "authenticated"}"#
        );
    }

    #[test]
    fn a_full_tenancy_section() {
        let t = load(
            r#"[tenancy]
tenants = "organizations.id"
role = "authenticated"
settings = { "request.jwt.claims" = '{"sub": "{user}", "org": "{tenant}"}' }
principal = """
INSERT INTO auth.users (id) VALUES ({user}::uuid);
INSERT INTO members (org_id, user_id) VALUES ({tenant}::uuid, {user}::uuid);
"""
"#,
        )
        .expect("valid");
        assert_eq!(t.tenants.value.table.name, "organizations");
        assert_eq!(t.role.value, "authenticated");
        assert_eq!(t.principal.len(), 2);
        assert_eq!(
            t.settings["request.jwt.claims"].value,
            r#"{"sub": "{user}", "org": "{tenant}"}"#
        );
    }

    /// Settings are made in file order: a later one may read an earlier one.
    #[test]
    fn settings_keep_file_order() {
        let t = load(
            "[tenancy]\ntenants = \"organizations.id\"\nrole = \"app\"\nsettings = { \"z.first\" = \"{tenant}\", \"a.second\" = \"{user}\", \"m.third\" = \"x\" }\n",
        )
        .expect("valid");
        let names: Vec<&str> = t.settings.keys().map(String::as_str).collect();
        assert_eq!(names, ["z.first", "a.second", "m.third"]);
    }

    #[test]
    fn a_principal_that_commits_is_refused() {
        let err = load(
            "[tenancy]\ntenants = \"organizations.id\"\nrole = \"app\"\nsettings = {}\nprincipal = \"INSERT INTO t VALUES (1); commit; DELETE FROM t\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with(
                "pg-invariants.toml:5:13: `principal` statement \"commit\" ends or escapes"
            ),
            "{err}"
        );
    }

    #[test]
    fn role_and_settings_are_required() {
        let err = load("[tenancy]\ntenants = \"organizations.id\"\nsettings = {}\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("[tenancy] needs `role`"), "{err}");
        let err = load("[tenancy]\ntenants = \"organizations.id\"\nrole = \"app\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("[tenancy] needs `settings`"), "{err}");
    }

    #[test]
    fn tenants_must_name_a_column() {
        let err = load("[tenancy]\ntenants = \"organizations\"\nrole = \"app\"\nsettings = {}\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("pg-invariants.toml:2:11: `tenants` must be"),
            "{err}"
        );
    }
}
