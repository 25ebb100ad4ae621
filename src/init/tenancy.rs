//! `init --tenants`: the `[tenancy]` section init proposes (docs/tenancy.md), and the tenancy
//! facts it adds to the table files: `tenant` on every column with a foreign key to the tenant
//! key, `same_tenant` on the columns of foreign keys from one tenant-scoped table to another, and
//! `purge` on the tenant table.
//!
//! The role and the request settings cannot be read from the catalog, only guessed from what
//! the policies read; they are written uncommented (the project file must be valid, and
//! `[tenancy]` requires them) with a comment asking the user to confirm them. Like every fact
//! init writes, the table facts are then checked, and a failing one is listed in `[known]`
//! (`init::baseline`): a leak is a finding, never a missing promise.

use std::fmt::Write as _;
use std::path::Path;

use super::InitError;
use super::describe::{ColumnDescription, Description};
use crate::catalog::{Catalog, Table};
use crate::location::relative;
use crate::names::{TableName, ident, toml_string};
use crate::setup::Setup;
use crate::spec::{Project, Reference, Spec, TENANT, USER};
use crate::synth::settings_read;

/// The role requests run as when nothing in the schema names one.
const TEMPLATE_ROLE: &str = "app_user";
/// The setting of the template request, when no policy reads one.
const TEMPLATE_SETTING: &str = "app.tenant_id";

/// The `[tenancy]` section init writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub tenants: Reference,
    pub role: String,
    /// Request settings, name → value with placeholders.
    pub settings: Vec<(String, String)>,
    /// What the guess of `role` and `settings` rests on, for the comment that asks to confirm.
    pub basis: String,
    /// The `principal` of the membership table the policies read: written as is when its rows
    /// (and `auth.users`') need no other column, else commented out, naming what they lack.
    pub principal: Option<Membership>,
    /// Why no role of the schema can make requests (none exists that is not a superuser and
    /// has no BYPASSRLS): the whole section is then written commented out, and init proposes
    /// no tenancy promise.
    pub unusable: Option<String>,
}

/// A principal's sign-up as a member of its tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The statements: the user, then the membership row.
    pub sql: String,
    /// Columns those rows need that init cannot know (NOT NULL, no default), as `table.column`:
    /// while any is left, the `principal` is written commented out.
    pub lacking: Vec<String>,
}

impl Proposal {
    /// The best guess from the migrated schema: a Supabase-looking schema (`auth.users`, or
    /// policies calling `auth.uid()`/`auth.jwt()`) makes requests as `authenticated` with JWT
    /// claims; policies reading `current_setting('app.…')` make them with that setting set to the
    /// tenant; otherwise a template. A role named by a policy is preferred to a made-up one.
    pub fn guess(catalog: &Catalog, tenants: Reference) -> Self {
        let policies: Vec<_> = catalog.tables.iter().flat_map(|t| &t.policies).collect();
        let mut read: Vec<String> = Vec::new();
        for expr in policies.iter().flat_map(|p| [&p.using, &p.check]).flatten() {
            for setting in settings_read(expr) {
                if !read.contains(&setting) {
                    read.push(setting);
                }
            }
        }
        let mut policy_roles: Vec<String> = Vec::new();
        for role in policies.iter().flat_map(|p| &p.roles) {
            if role != "public" && !policy_roles.contains(role) {
                policy_roles.push(role.clone());
            }
        }
        let supabase = catalog.table(&TableName::new("auth", "users")).is_some()
            || read.iter().any(|s| s.starts_with("request.jwt"));
        let preferred = match supabase {
            true => vec!["authenticated".to_string()],
            false => policy_roles,
        };
        let (role, unusable) = match request_role(catalog, &preferred) {
            Ok(role) => (role, None),
            Err(why) => (
                preferred
                    .first()
                    .cloned()
                    .unwrap_or_else(|| TEMPLATE_ROLE.into()),
                Some(why),
            ),
        };
        let guess = Self::for_role(catalog, tenants, role, supabase, &read);
        Self { unusable, ..guess }
    }

    /// The request of `role`: JWT claims on a Supabase-looking schema, else the first setting the
    /// policies read, else a template.
    fn for_role(
        catalog: &Catalog,
        tenants: Reference,
        role: String,
        supabase: bool,
        read: &[String],
    ) -> Self {
        if supabase {
            let principal = membership(catalog, &tenants);
            return Self {
                role,
                settings: vec![(
                    "request.jwt.claims".into(),
                    format!(r#"{{"sub": "{USER}", "role": "authenticated"}}"#),
                )],
                basis: "the schema looks like Supabase's (auth.users, or policies calling \
                        auth.uid()/auth.jwt()): requests carry JWT claims"
                    .into(),
                principal,
                tenants,
                unusable: None,
            };
        }
        if let Some(setting) = read.first() {
            return Self {
                role,
                settings: vec![(setting.clone(), TENANT.into())],
                basis: format!(
                    "policies read current_setting('{setting}'): a request sets it to its tenant's id"
                ),
                principal: None,
                tenants,
                unusable: None,
            };
        }
        Self {
            role,
            settings: vec![(TEMPLATE_SETTING.into(), TENANT.into())],
            basis: "no policy reads a request setting (no row level security yet?): a template \
                    to adapt"
                .into(),
            principal: None,
            tenants,
            unusable: None,
        }
    }

    /// The section, appended to the project file: commented out, with why, when no role of the
    /// schema can make requests.
    pub fn write(&self, default_schema: &str) -> String {
        let section = self.render(default_schema);
        let Some(why) = &self.unusable else {
            return section;
        };
        let mut out = format!(
            "\n# [tenancy] is commented out: {why}.\n\
             # Create the role your application's requests run as (not a superuser, no BYPASSRLS) in\n\
             # the chain or a `before` file, then uncomment this and run `pg-invariants init --tenants` again.\n"
        );
        for line in section.lines().skip_while(|l| l.is_empty()) {
            match line.starts_with('#') {
                true => out.push_str(&format!("{line}\n")),
                false => out.push_str(&format!("# {line}\n")),
            }
        }
        out
    }

    /// The section, as written when it is usable.
    fn render(&self, default_schema: &str) -> String {
        let tenants = self.tenants.display(default_schema);
        let mut out = format!(
            "\n[tenancy]\n\
             # Written by `pg-invariants init --tenants {tenants}` (docs/tenancy.md of pg-invariants).\n\
             # `role` and `settings` are a guess to confirm:\n\
             # {}.\n",
            self.basis
        );
        let _ = writeln!(out, "tenants = {}", toml_string(&tenants));
        let _ = writeln!(
            out,
            "role = {}  # confirm: the role the application's requests run as",
            toml_string(&self.role)
        );
        out.push_str(
            "# confirm: what a request of a principal sets (set_config(name, value, true)); {tenant} is\n\
             # the tenant's id, {user} a fresh uuid for each principal\n",
        );
        let settings: Vec<String> = (self.settings.iter())
            .map(|(name, value)| format!("{} = {}", toml_string(name), toml_literal(value)))
            .collect();
        let _ = writeln!(out, "settings = {{ {} }}", settings.join(", "));
        let Some(member) = &self.principal else {
            return out;
        };
        if member.lacking.is_empty() {
            out.push_str(
                "# confirm: a principal signs up as a member of its tenant, in the membership table\n\
                 # the policies read ({tenant} and {user} become SQL string literals)\n\
                 principal = \"\"\"\n",
            );
            let _ = writeln!(out, "{}\n\"\"\"", member.sql);
            return out;
        }
        let _ = writeln!(
            out,
            "# the policies read a membership table, so a principal must be a member: uncomment, and\n\
             # give what its rows need ({{tenant}} and {{user}} become SQL string literals): {}\n\
             # principal = \"\"\"",
            member.lacking.join(", ")
        );
        for line in member.sql.lines() {
            let _ = writeln!(out, "# {line}");
        }
        out.push_str("# \"\"\"\n");
        out
    }
}

/// A TOML string that shows JSON as written: a literal string unless the text holds a `'`.
fn toml_literal(text: &str) -> String {
    if text.contains('\'') || text.chars().any(char::is_control) {
        toml_string(text)
    } else {
        format!("'{text}'")
    }
}

/// The role requests run as: the first of `preferred` (the roles the policies name, or
/// Supabase's `authenticated`) that exists and can be one, else the only role of the schema that
/// can; `Err` says why there is none. A superuser or a BYPASSRLS role would pass every isolation
/// test without a policy doing anything.
fn request_role(catalog: &Catalog, preferred: &[String]) -> Result<String, String> {
    let eligible = |name: &str| {
        (catalog.roles.iter()).any(|r| r.name == name && !r.superuser && !r.bypass_rls)
    };
    if let Some(role) = preferred.iter().find(|r| eligible(r)) {
        return Ok(role.clone());
    }
    let others: Vec<&str> = (catalog.roles.iter())
        .filter(|r| !r.superuser && !r.bypass_rls && !r.name.starts_with("pg_"))
        .map(|r| r.name.as_str())
        .collect();
    match (preferred, others.as_slice()) {
        ([], [only]) => Ok(only.to_string()),
        ([], []) => Err("no role after the migration chain can make requests (every role is a superuser or has BYPASSRLS)".into()),
        ([], many) => Err(format!(
            "no policy names the role requests run as, and several roles could: {}",
            many.join(", ")
        )),
        (named, _) => Err(format!(
            "{} {} no role after the migration chain that can make requests (it does not exist, is a superuser or has BYPASSRLS)",
            named.join(", "),
            if named.len() == 1 { "is" } else { "are" }
        )),
    }
}

/// The `principal` of a membership table: a table with a foreign key to the tenant key and one to
/// `auth.users`, the user inserted first.
fn membership(catalog: &Catalog, tenants: &Reference) -> Option<Membership> {
    let users = TableName::new("auth", "users");
    // What the policies of tenant-scoped tables read: a membership table they join comes first.
    let read: Vec<&str> = (catalog.tables.iter())
        .filter(|t| !tenant_columns(t, tenants).is_empty() || t.name == tenants.table)
        .flat_map(|t| &t.policies)
        .flat_map(|p| [&p.using, &p.check])
        .flatten()
        .map(String::as_str)
        .collect();
    let mut candidates: Vec<&Table> = catalog.tables.iter().collect();
    candidates.sort_by_key(|t| {
        !read
            .iter()
            .any(|expr| crate::names::mentions(expr, &t.name.name))
    });
    candidates.into_iter().find_map(|table| {
        let tenant = single_fks_to(table, &tenants.table, &tenants.column).next()?;
        let user = single_fks_to(table, &users, "id").next()?;
        let cast = |name: &str| {
            (table.columns.iter())
                .find(|c| c.name == name)
                .map(|c| c.type_.clone())
                .unwrap_or_else(|| "uuid".into())
        };
        let sql = format!(
            "INSERT INTO auth.users (id) VALUES ({USER}::uuid);\n\
             INSERT INTO {} ({}, {}) VALUES ({TENANT}::{}, {USER}::{});",
            table.name.sql(),
            ident(tenant),
            ident(user),
            cast(tenant),
            cast(user)
        );
        let mut lacking = catalog
            .table(&users)
            .map(|u| lacks(u, &["id"]))
            .unwrap_or_default();
        lacking.extend(lacks(table, &[tenant, user]));
        Some(Membership { sql, lacking })
    })
}

/// The columns of `table` an INSERT writing only `written` leaves NULL where NOT NULL forbids
/// it (no default, no identity, not generated), as `table.column`.
fn lacks(table: &Table, written: &[&str]) -> Vec<String> {
    (table.columns.iter())
        .filter(|c| c.not_null && c.default.is_none() && c.identity.is_none() && !c.generated)
        .filter(|c| !written.contains(&c.name.as_str()))
        .map(|c| format!("{}.{}", table.name.name, c.name))
        .collect()
}

/// The columns of `table` with a single-column foreign key to `target`.`column`.
fn single_fks_to<'a>(
    table: &'a Table,
    target: &'a TableName,
    column: &'a str,
) -> impl Iterator<Item = &'a str> {
    table
        .foreign_keys()
        .filter_map(move |(c, fk)| match c.columns.as_slice() {
            [own] if fk.target == *target && fk.target_columns == [column] => Some(own.as_str()),
            _ => None,
        })
}

/// The tenant columns of `table`: those with a foreign key to the tenant key (none on the tenant
/// table itself).
fn tenant_columns<'a>(table: &'a Table, tenants: &'a Reference) -> Vec<&'a str> {
    if table.name == tenants.table {
        return Vec::new();
    }
    single_fks_to(table, &tenants.table, &tenants.column)
        .filter(|column| !per_user(table, column))
        .collect()
}

/// A table whose policies all key on the signed-in user (`auth.uid()`) and never read `column`:
/// a per-user table (a user's settings naming their selected workspace), whose foreign key to
/// the tenant key is a preference, not the row's tenant. A policy that reads neither (`USING
/// (true)`) keeps the column a tenant column: that leak is a finding.
fn per_user(table: &Table, column: &str) -> bool {
    let expressions: Vec<&str> = (table.policies.iter())
        .flat_map(|p| [&p.using, &p.check])
        .flatten()
        .map(String::as_str)
        .collect();
    !expressions.is_empty()
        && expressions.iter().all(|e| e.contains("uid()"))
        && !expressions
            .iter()
            .any(|e| crate::names::mentions(e, column))
}

/// `--tenants`: the tenant key, checked against the migrated schema, and `[tenancy]` appended to
/// the project file when it has none (then read back into `spec`, so that the tenancy facts are
/// checked exactly as `test` will check them). An existing `[tenancy]` is kept, and its tenant key
/// used. Only a role that exists and can make requests is proposed; without one the section is
/// written commented out, saying why, and no tenancy promise is proposed (`None`).
pub(super) fn section(
    file: &Path,
    spec: &mut Spec,
    setup: &Setup,
    given: &str,
) -> Result<Option<Reference>, InitError> {
    let catalog = setup.catalog.as_ref();
    let schema = spec.default_schema().to_string();
    let error = |why: String| InitError::Tenants {
        given: given.into(),
        why,
    };
    let tenants = Reference::parse(given, &schema).ok_or_else(|| {
        error(
            "name the tenant table and its key, as \"table.column\" or \"schema.table.column\""
                .into(),
        )
    })?;
    let table = catalog
        .and_then(|c| c.table(&tenants.table))
        .ok_or_else(|| {
            error(format!(
                "no table {} after the migration chain",
                tenants.table
            ))
        })?;
    if !table.columns.iter().any(|c| c.name == tenants.column) {
        return Err(error(format!(
            "{} has no column {:?}",
            tenants.table, tenants.column
        )));
    }
    if let Some(existing) = &spec.project.tenancy {
        eprintln!(
            "pg-invariants init: {} already has [tenancy] (tenants = {:?}); it is kept",
            relative(file).display(),
            existing.tenants.value.display(&schema)
        );
        return Ok(Some(existing.tenants.value.clone()));
    }
    let Some(catalog) = catalog else {
        return Ok(Some(tenants));
    };
    let proposal = Proposal::guess(catalog, tenants.clone());
    super::append(file, &proposal.write(&schema))?;
    if let Some(why) = &proposal.unusable {
        eprintln!(
            "pg-invariants init: [tenancy] written commented out in {}: {why}; no tenancy promise is proposed",
            relative(file).display()
        );
        return Ok(None);
    }
    println!(
        "added [tenancy] to {} (confirm its role and settings)",
        relative(file).display()
    );
    spec.project.tenancy = Project::load(file)?.tenancy;
    Ok(Some(tenants))
}

/// Adds the tenancy facts to the descriptions: `tenant` on tenant columns, `same_tenant` on the
/// other columns of foreign keys between tenant-scoped tables (a column of a composite key
/// qualifies; only on a table with a `tenant` column), `purge` on the tenant table. A key a `[[rule]]` states is left to the rule.
pub fn propose(
    spec: &Spec,
    catalog: &Catalog,
    tenants: &Reference,
    descriptions: &mut [&mut Description],
) {
    let scoped: Vec<&TableName> = (catalog.tables.iter())
        .filter(|t| !tenant_columns(t, tenants).is_empty())
        .map(|t| &t.name)
        .collect();
    for d in descriptions.iter_mut() {
        let Some(table) = catalog.table(&d.table) else {
            continue;
        };
        d.purge = table.name == tenants.table;
        let own = tenant_columns(table, tenants);
        for column in &own {
            if spec.rule_facts(&table.name, column).facts.tenant.is_none() {
                column_of(d, column).tenant = true;
            }
        }
        // `same_tenant` compares the row's `tenant` column with the referenced row's: a table
        // without one cannot keep that promise, whatever it references.
        let tenant_column = |column: &str| match spec.rule_facts(&table.name, column).facts.tenant {
            Some(fact) => fact.value,
            None => own.contains(&column),
        };
        if !table.columns.iter().any(|c| tenant_column(&c.name)) {
            continue;
        }
        let referencing = (table.foreign_keys())
            .filter(|(_, fk)| scoped.contains(&&fk.target))
            .flat_map(|(c, _)| &c.columns)
            .filter(|c| !own.contains(&c.as_str()));
        for column in referencing {
            if spec
                .rule_facts(&table.name, column)
                .facts
                .same_tenant
                .is_none()
            {
                column_of(d, column).same_tenant = true;
            }
        }
    }
}

/// The description of `name`, added when the table's description has none yet.
fn column_of<'a>(d: &'a mut Description, name: &str) -> &'a mut ColumnDescription {
    let at = match d.columns.iter().position(|c| c.name == name) {
        Some(at) => at,
        None => {
            d.columns.push(ColumnDescription {
                name: name.into(),
                ..Default::default()
            });
            d.columns.len() - 1
        }
    };
    &mut d.columns[at]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Column, Policy, Role, TableKind};
    use crate::referential::OnDelete;
    use crate::spec::Project;

    fn organizations() -> Reference {
        Reference::parse("organizations.id", "public").unwrap()
    }

    /// A table with single-column foreign keys `column → schema.table.column`.
    fn table(name: &str, fks: &[(&str, &str)]) -> Table {
        let mut t = Table::empty(TableName::parse(name, "public"), TableKind::Ordinary);
        for (column, target) in fks {
            let target = Reference::parse(target, "public").unwrap();
            t.add_foreign_key(
                format!("{column}_fkey"),
                column,
                target.table,
                &target.column,
                OnDelete::Cascade,
            );
        }
        t
    }

    fn policy(roles: &[&str], using: &str) -> Policy {
        Policy {
            name: "tenant".into(),
            command: "*".into(),
            permissive: true,
            roles: roles.iter().map(|r| r.to_string()).collect(),
            using: Some(using.into()),
            check: None,
        }
    }

    /// Request roles `app_user` and `authenticated`, and a superuser.
    fn catalog(mut tables: Vec<Table>) -> Catalog {
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        let role = |name: &str, superuser: bool| Role {
            name: name.into(),
            superuser,
            ..Default::default()
        };
        Catalog {
            tables,
            roles: vec![
                role("app_user", false),
                role("authenticated", false),
                role("postgres", true),
            ],
            ..Catalog::default()
        }
    }

    #[test]
    fn without_a_role_that_can_make_requests_the_section_is_commented_out() {
        let mut projects = table("projects", &[("org_id", "organizations.id")]);
        projects.policies.push(policy(
            &["app_user"],
            "(org_id = (current_setting('app.current_org'::text))::uuid)",
        ));
        let mut schema = catalog(vec![table("organizations", &[]), projects]);
        schema.roles.retain(|r| r.superuser);
        let guess = Proposal::guess(&schema, organizations());
        let why = guess.unusable.clone().expect("no request role");
        assert!(why.contains("app_user is no role"), "{why}");
        let text = format!("[migrations]\npath = \"m\"\n{}", guess.write("public"));
        assert!(text.contains("# [tenancy]\n"), "{text}");
        let parsed: toml::Table = toml::from_str(&text).expect("valid TOML");
        assert!(!parsed.contains_key("tenancy"), "{text}");
        // A bypassing role is no request role either.
        schema.roles.push(Role {
            name: "app_user".into(),
            bypass_rls: true,
            ..Default::default()
        });
        assert!(Proposal::guess(&schema, organizations()).unusable.is_some());
    }

    #[test]
    fn the_membership_table_the_policies_read_comes_first() {
        let mut documents = table("documents", &[("org_id", "organizations.id")]);
        documents.policies.push(policy(
            &["authenticated"],
            "(org_id IN ( SELECT team_members.org_id FROM team_members WHERE (team_members.user_id = auth.uid())))",
        ));
        let member_fks = [("org_id", "organizations.id"), ("user_id", "auth.users.id")];
        let guess = Proposal::guess(
            &catalog(vec![
                table("auth.users", &[]),
                table("organizations", &[]),
                // Sorted before team_members, and shaped like a membership table too.
                table("invitations", &member_fks),
                table("team_members", &member_fks),
                documents,
            ]),
            organizations(),
        );
        assert!(
            (guess.principal.as_ref()).is_some_and(|p| p.sql.contains("\"team_members\"")),
            "{:?}",
            guess.principal
        );
    }

    #[test]
    fn a_setting_the_policies_read_is_the_request_and_their_role_the_role() {
        let mut projects = table("projects", &[("org_id", "organizations.id")]);
        projects.policies.push(policy(
            &["app_user"],
            "(org_id = (current_setting('app.current_org'::text))::uuid)",
        ));
        let guess = Proposal::guess(
            &catalog(vec![table("organizations", &[]), projects]),
            organizations(),
        );
        assert_eq!(guess.role, "app_user");
        assert_eq!(
            guess.settings,
            [("app.current_org".to_string(), TENANT.to_string())]
        );
        assert!(guess.basis.contains("current_setting('app.current_org')"));
        assert_eq!(guess.principal, None);
    }

    /// A membership table: a foreign key to the tenant key and one to `auth.users`.
    fn members() -> Table {
        table(
            "members",
            &[("org_id", "organizations.id"), ("user_id", "auth.users.id")],
        )
    }

    /// The guess on a Supabase-looking schema whose `documents` policy reads `members`.
    fn supabase_guess(members: Table) -> Proposal {
        let mut documents = table("documents", &[("org_id", "organizations.id")]);
        documents.policies.push(policy(
            &["authenticated"],
            "(org_id IN ( SELECT members.org_id FROM members WHERE (members.user_id = auth.uid())))",
        ));
        Proposal::guess(
            &catalog(vec![
                table("auth.users", &[]),
                table("organizations", &[]),
                documents,
                members,
            ]),
            organizations(),
        )
    }

    #[test]
    fn a_supabase_schema_makes_jwt_requests_and_offers_its_membership_table() {
        let guess = supabase_guess(members());
        assert_eq!(guess.role, "authenticated");
        assert_eq!(guess.settings[0].0, "request.jwt.claims");
        assert_eq!(
            guess.principal,
            Some(Membership {
                sql: "INSERT INTO auth.users (id) VALUES ({user}::uuid);\n\
                      INSERT INTO \"public\".\"members\" (\"org_id\", \"user_id\") VALUES ({tenant}::uuid, {user}::uuid);"
                    .into(),
                lacking: Vec::new(),
            })
        );
    }

    #[test]
    fn without_policies_a_template_says_so() {
        let guess = Proposal::guess(
            &catalog(vec![
                table("organizations", &[]),
                table("projects", &[("org_id", "organizations.id")]),
            ]),
            organizations(),
        );
        // No policy names a role, and two could: none is guessed.
        assert!(
            guess
                .unusable
                .is_some_and(|why| why.contains("several roles"))
        );
        assert_eq!(guess.role, TEMPLATE_ROLE);
        assert_eq!(
            guess.settings,
            [(TEMPLATE_SETTING.to_string(), TENANT.to_string())]
        );
        assert!(guess.basis.contains("a template"), "{}", guess.basis);
    }

    #[test]
    fn a_per_user_table_has_no_tenant_column_but_a_leaking_one_keeps_it() {
        let mut settings = table("user_settings", &[("selected_org_id", "organizations.id")]);
        settings
            .policies
            .push(policy(&["authenticated"], "(auth.uid() = user_id)"));
        assert!(tenant_columns(&settings, &organizations()).is_empty());
        let mut leaking = table("notes", &[("org_id", "organizations.id")]);
        leaking.policies.push(policy(&["authenticated"], "true"));
        assert_eq!(tenant_columns(&leaking, &organizations()), ["org_id"]);
        let mut members = table("members", &[("org_id", "organizations.id")]);
        members.policies.push(policy(
            &["authenticated"],
            "((auth.uid() = user_id) AND (org_id IS NOT NULL))",
        ));
        assert_eq!(tenant_columns(&members, &organizations()), ["org_id"]);
    }

    #[test]
    fn tenant_columns_reference_the_tenant_key_from_other_tables() {
        let projects = table(
            "projects",
            &[("org_id", "organizations.id"), ("owner_id", "users.id")],
        );
        assert_eq!(tenant_columns(&projects, &organizations()), ["org_id"]);
        let parent = table("organizations", &[("parent_id", "organizations.id")]);
        assert!(tenant_columns(&parent, &organizations()).is_empty());
    }

    fn proposal(settings: Vec<(String, String)>, principal: Option<Membership>) -> Proposal {
        Proposal {
            tenants: Reference::parse("organizations.id", "public").unwrap(),
            role: "authenticated".into(),
            settings,
            basis: "a test".into(),
            principal,
            unusable: None,
        }
    }

    #[test]
    fn the_section_is_valid_and_reads_back_as_written() {
        let sql = "INSERT INTO auth.users (id) VALUES ({user}::uuid);";
        for lacking in [vec![], vec!["members.role".to_string()]] {
            let p = proposal(
                vec![
                    (
                        "request.jwt.claims".into(),
                        r#"{"sub": "{user}", "role": "authenticated"}"#.into(),
                    ),
                    ("app.quote".into(), "it's {tenant}".into()),
                ],
                Some(Membership {
                    sql: sql.into(),
                    lacking: lacking.clone(),
                }),
            );
            let text = format!(
                "[migrations]\npath = \"m\"\nformat = \"sqlx\"\n{}",
                p.render("public")
            );
            assert!(
                text.contains(
                    r#"settings = { "request.jwt.claims" = '{"sub": "{user}", "role": "authenticated"}', "app.quote" = "it's {tenant}" }"#
                ),
                "{text}"
            );
            let tenancy = read_back(&text);
            assert_eq!(tenancy.role.value, "authenticated");
            assert_eq!(tenancy.tenants.value, p.tenants);
            let mut settings: Vec<(&str, &str)> = (tenancy.settings.iter())
                .map(|(k, v)| (k.as_str(), v.value.as_str()))
                .collect();
            settings.sort();
            assert_eq!(
                settings,
                [
                    ("app.quote", "it's {tenant}"),
                    (
                        "request.jwt.claims",
                        r#"{"sub": "{user}", "role": "authenticated"}"#
                    )
                ]
            );
            if lacking.is_empty() {
                // Nothing else needed: the principal is written as is, and signs up.
                assert!(
                    text.contains("\nprincipal = \"\"\"\nINSERT INTO auth.users"),
                    "{text}"
                );
                assert_eq!(tenancy.principal.len(), 1);
            } else {
                // A NOT NULL column without default: commented out, naming it.
                assert!(
                    text.contains(
                        "literals): members.role\n# principal = \"\"\"\n# INSERT INTO auth.users"
                    ),
                    "{text}"
                );
                assert!(tenancy.principal.is_empty(), "the principal is a comment");
            }
        }
    }

    fn read_back(text: &str) -> crate::spec::Tenancy {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("m")).unwrap();
        let file = dir.path().join("pg-invariants.toml");
        std::fs::write(&file, text).unwrap();
        Project::load(&file)
            .expect("valid")
            .tenancy
            .expect("[tenancy]")
    }

    #[test]
    fn a_member_row_that_needs_more_names_what_it_lacks() {
        let mut members = members();
        for (name, not_null, default) in [
            ("role", true, None),
            ("since", true, Some("now()")),
            ("note", false, None),
        ] {
            members.columns.push(Column {
                name: name.into(),
                type_: "text".into(),
                not_null,
                not_null_not_valid: None,
                default: default.map(String::from),
                identity: None,
                generated: false,
                generated_virtual: false,
                value: crate::catalog::ValueType {
                    base: "text".into(),
                    base_name: "text".into(),
                    category: 'S',
                    labels: Vec::new(),
                    domain_checks: Vec::new(),
                    element: None,
                },
            });
        }
        let guess = supabase_guess(members);
        assert_eq!(
            guess.principal.map(|m| m.lacking),
            Some(vec!["members.role".to_string()])
        );
    }
}
