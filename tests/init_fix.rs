//! `pg-invariants init` and `pg-invariants fix`, end to end: the real binary on purpose-built
//! chains (in `tests/fixtures/` or written below), copied to a temporary directory, against real
//! PostgreSQL.
//!
//! - Round trip: right after `init`, `test` passes, on Prisma, diesel, sqlx, Flyway, Supabase,
//!   sqitch and Liquibase layouts, with what does not hold left out; with `--tenants`,
//!   `[tenancy]` and the tenancy facts whose tests pass (the others as comments).
//! - Closed loop: after `fix --write`, `test` passes every fact that failed before (except the
//!   orphans, whose DELETE is only ever a comment), on sqlx, dbmate, diesel, Prisma, Flyway,
//!   goose, refinery, Atlas, graphile-migrate, sqitch and Liquibase chains, each marking its
//!   no-transaction migrations its own way (drizzle and node-pg-migrate, which cannot, refuse
//!   such a repair and write the others); a recreated FK keeps its ON UPDATE, MATCH FULL and
//!   deferrability (read from `pg_constraint`); a NOT NULL over rows that hold NULL passes once
//!   the backfill is written in; the snapshots that change are named, and no helper CHECK is
//!   left.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use rstest::rstest;

/// A project in a temporary directory, removed when dropped.
struct Project {
    dir: tempfile::TempDir,
}

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Project {
    /// A copy of `tests/fixtures/<name>`.
    fn fixture(name: &str) -> Self {
        let project = Self::empty();
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        copy_dir(&from, project.path());
        project
    }

    fn empty() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    /// Writes `files` (paths relative to the project).
    fn with(self, files: &[(&str, &str)]) -> Self {
        for (path, text) in files {
            let path = self.path().join(path);
            fs::create_dir_all(path.parent().expect("parent")).expect("directory");
            fs::write(path, text).expect("file");
        }
        self
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    /// As a developer runs it on their machine: snapshots are written only outside CI (CI sets
    /// `CI=true` for the whole test run).
    fn run_outside_ci(&self, args: &[&str]) -> Run {
        self.run_with(args, &["CI", "TF_BUILD"])
    }

    fn run_with(&self, args: &[&str], unset: &[&str]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pg-invariants"));
        command
            .args(args)
            .current_dir(self.path())
            .env_remove("PG_INVARIANTS_URL")
            .env_remove("PG_INVARIANTS_BACKEND");
        for name in unset {
            command.env_remove(name);
        }
        let output = command.output().expect("the binary runs");
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn read(&self, path: &str) -> String {
        fs::read_to_string(self.path().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Every file below `dir`, relative to the project, sorted.
    fn files(&self, dir: &str) -> Vec<String> {
        let mut found = Vec::new();
        list(&self.path().join(dir), self.path(), &mut found);
        found.sort();
        found
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("directory");
    for entry in fs::read_dir(from).expect("fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("copy");
        }
    }
}

fn list(dir: &Path, root: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            list(&path, root, out);
        } else {
            let relative: PathBuf = path.strip_prefix(root).expect("inside").into();
            out.push(relative.to_string_lossy().into_owned());
        }
    }
}

impl Run {
    fn context(&self) -> String {
        format!(
            "exit {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "{}", self.context());
        self
    }

    /// `test NAME ... ok|FAILED|ignored` lines.
    fn outcomes(&self) -> BTreeMap<String, String> {
        self.stdout
            .lines()
            .filter_map(|l| {
                let (name, outcome) = l.strip_prefix("test ")?.split_once(" ... ")?;
                let word = outcome.split_whitespace().next()?;
                // A known failure: `ignored, <reason>`.
                let word = word.strip_suffix(',').unwrap_or(word);
                Some((name.trim().to_string(), word.to_string()))
            })
            .collect()
    }

    fn failed(&self) -> BTreeSet<String> {
        self.outcomes()
            .into_iter()
            .filter(|(_, o)| o == "FAILED")
            .map(|(n, _)| n)
            .collect()
    }

    fn assert_ok(&self, tests: &[&str]) {
        let outcomes = self.outcomes();
        for test in tests {
            assert_eq!(
                outcomes.get(*test).map(String::as_str),
                Some("ok"),
                "{test}\n{}",
                self.context()
            );
        }
    }
}

/// The `[known]` entries of the project file: test name → reason.
fn known(project: &Project) -> BTreeMap<String, String> {
    let config: toml::Table = toml::from_str(&project.read("pg-invariants.toml")).expect("toml");
    config
        .get("known")
        .and_then(|k| k.as_table())
        .map(|t| {
            t.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// `test` is listed in `[known]` with a reason containing `why`, and reported ignored.
fn assert_known(project: &Project, run: &Run, test: &str, why: &str) {
    let known = known(project);
    let reason = known
        .get(test)
        .unwrap_or_else(|| panic!("{test} not in [known]: {known:?}"));
    assert_contains(reason, why);
    assert_eq!(
        run.outcomes().get(test).map(String::as_str),
        Some("ignored"),
        "{test}\n{}",
        run.context()
    );
}

fn assert_contains(text: &str, needle: &str) {
    assert!(text.contains(needle), "{needle:?} not in:\n{text}");
}

/// `init`, then `test`: exit 0, every fact init wrote holding.
fn round_trip(project: &Project, init_args: &[&str]) -> Run {
    let mut args = vec!["init"];
    args.extend_from_slice(init_args);
    project.run(&args).assert_code(0);
    let test = project.run(&["test"]);
    test.assert_code(0);
    test
}

#[test]
fn init_round_trip_on_a_prisma_chain_with_camel_case_names() {
    let project = Project::fixture("init-prisma");
    let test = round_trip(&project, &[]);

    let config = project.read("pg-invariants.toml");
    assert_contains(&config, "path = \"prisma/migrations\"\n");
    assert_contains(&config, "format = \"prisma\"  # detected from the layout");
    let post = project.read("invariants/Post.toml");
    assert_contains(&post, "primary_key = [\"id\"]  # Post_pkey\n");
    assert_contains(
        &post,
        "[columns.tenantId]\ntype = \"text\"\nnot_null = true  # NOT NULL\nreferences = \"Tenant.id\"  # Post_tenantId_fkey\non_delete = \"cascade\"\nindexed = true\n",
    );
    assert_contains(
        &post,
        "[columns.authorId]\ntype = \"text\"\nreferences = \"User.id\"  # Post_authorId_fkey\non_delete = \"set null\"\nindexed = true\n",
    );
    // Promised (every FK column is proposed indexed) and failing today: the baseline says so.
    assert_known(
        &project,
        &test,
        "Post::authorId::indexed",
        "no index on authorId",
    );
    // The unique (tenantId, email) index serves tenantId.
    assert_contains(
        &project.read("invariants/User.toml"),
        "on_delete = \"cascade\"\nindexed = true\n",
    );
    test.assert_ok(&[
        "coverage::Post",
        "Post::primary_key",
        "Post::tenantId::fk",
        "Post::tenantId::indexed",
        "Post::authorId::fk",
        "User::tenantId::indexed",
        "Tenant::id::type",
    ]);
}

#[test]
fn init_round_trip_on_a_diesel_chain_leaves_out_what_does_not_hold() {
    let project = Project::fixture("init-diesel");
    let test = round_trip(&project, &[]);

    assert_eq!(
        project.files("invariants"),
        [
            "invariants/events.toml",
            "invariants/legacy_links.toml",
            "invariants/organizations.toml"
        ],
        "partitions belong to their parent"
    );
    // Structural facts are written whatever their tests say; the failing ones are known.
    let legacy = project.read("invariants/legacy_links.toml");
    assert_contains(
        &legacy,
        "references = \"organizations.id\"  # legacy_links_org_id_fkey",
    );
    assert_known(&project, &test, "legacy_links::org_id::fk", "NOT VALID");
    assert_known(
        &project,
        &test,
        "legacy_links::small_org_id::fk",
        "legacy_links.small_org_id is integer but organizations.id is bigint",
    );
    let organizations = project.read("invariants/organizations.toml");
    assert_contains(
        &organizations,
        "[columns.slug]\n# NOT NULL, but PostgreSQL writes this column itself (GENERATED ALWAYS)",
    );
    // The identity primary key: its type, no not_null an INSERT could not try.
    assert_contains(&organizations, "[columns.id]\ntype = \"bigint\"\n\n");
    assert_contains(
        &project.read("invariants/events.toml"),
        "[columns.kind]\nnot_null = true  # CHECK constraint events_kind_present\n",
    );
    test.assert_ok(&[
        "events::org_id::fk",
        "events::org_id::indexed",
        "legacy_links::org_id::exists",
    ]);
}

#[test]
fn init_round_trip_on_sqlx_with_two_schemas_and_names_that_need_quoting() {
    let project = Project::fixture("init-sqlx");
    let test = round_trip(
        &project,
        &[
            "--migrations",
            "migrations",
            "--format",
            "sqlx",
            "--schemas",
            "public,billing",
        ],
    );

    let config = project.read("pg-invariants.toml");
    assert_contains(&config, "format = \"sqlx\"  # given to init\n");
    assert_contains(&config, "schemas = [\"public\", \"billing\"]");
    let invoices = project.read("invariants/billing.invoices.toml");
    assert_contains(&invoices, "table = \"billing.invoices\"\n");
    assert_contains(
        &invoices,
        "references = \"orgs.id\"  # invoices_org_id_fkey\non_delete = \"restrict\"\n",
    );
    let items = project.read("invariants/order items.toml");
    assert_contains(&items, "primary_key = [\"order id\", \"line.no\"]");
    assert_contains(&items, "[columns.\"line.no\"]\ntype = \"integer\"\n");
    assert_contains(
        &items,
        "references = \"billing.invoices.id\"  # order items_invoice_id_fkey\non_delete = \"set default\"\nindexed = true\n",
    );
    test.assert_ok(&[
        "coverage::billing.invoices",
        "billing.invoices::org_id::fk",
        "order items::primary_key",
        "order items::invoice_id::fk",
        "order items::invoice_id::indexed",
    ]);
}

#[test]
fn init_round_trip_on_a_flyway_chain_in_its_maven_directory() {
    let project = Project::fixture("init-flyway");
    let test = round_trip(&project, &[]);
    let config = project.read("pg-invariants.toml");
    assert_contains(&config, "path = \"src/main/resources/db/migration\"\n");
    assert_contains(&config, "format = \"flyway\"");
    test.assert_ok(&[
        "orders::customer_id::fk",
        "orders::customer_id::indexed",
        "coverage::customers",
    ]);
}

#[rstest]
#[case::sqitch(
    &[
        ("sqitch.plan", "%project=shop\n\norgs 2024-01-01T00:00:00Z Dev <dev@example.com>\n"),
        ("deploy/orgs.sql", "BEGIN;\nCREATE TABLE orgs (id bigint PRIMARY KEY);\nCOMMIT;\n"),
        ("revert/orgs.sql", "DROP TABLE orgs;\n"),
    ],
    "path = \".\"\nformat = \"sqitch\""
)]
#[case::liquibase(
    &[
        (
            "src/main/resources/db/changelog/db.changelog-master.yaml",
            "databaseChangeLog:\n  - include:\n      file: orgs.sql\n      relativeToChangelogFile: true\n",
        ),
        (
            "src/main/resources/db/changelog/orgs.sql",
            "--liquibase formatted sql\n--changeset dev:1\nCREATE TABLE orgs (id bigint PRIMARY KEY);\n--rollback DROP TABLE orgs;\n",
        ),
    ],
    "path = \"src/main/resources/db/changelog/db.changelog-master.yaml\"\nformat = \"liquibase\""
)]
fn init_round_trip_on_a_plan_or_a_master_changelog(
    #[case] files: &[(&str, &str)],
    #[case] config: &str,
) {
    let project = Project::empty().with(files);
    let test = round_trip(&project, &[]);
    assert_contains(&project.read("pg-invariants.toml"), config);
    assert_contains(
        &project.read("invariants/orgs.toml"),
        "primary_key = [\"id\"]",
    );
    test.assert_ok(&["coverage::orgs", "orgs::primary_key"]);
}

/// `init --tenants` on a plain-GUC schema: `[tenancy]` guessed from the policies (role and
/// setting they read), `tenant` on the tenant columns whose isolation holds, `same_tenant` on the
/// composite key, `purge` on the tenant table; the leaking policy (`USING (true)`) and the FK by
/// id alone are comments saying which test fails. Then `test` passes, tenancy tests included.
#[test]
fn init_tenants_writes_tenancy_and_only_the_isolation_that_holds() {
    let project = Project::fixture("init-tenants");
    let test = round_trip(
        &project,
        &["--format", "sqlx", "--tenants", "organizations.id"],
    );

    let config = project.read("pg-invariants.toml");
    assert_contains(
        &config,
        "\n[tenancy]\n# Written by `pg-invariants init --tenants organizations.id`",
    );
    assert_contains(&config, "policies read current_setting('app.tenant_id')");
    assert_contains(&config, "tenants = \"organizations.id\"\n");
    assert_contains(
        &config,
        "role = \"app_user\"  # confirm: the role the application's requests run as\n",
    );
    assert_contains(&config, "settings = { \"app.tenant_id\" = '{tenant}' }\n");
    assert!(!config.contains("tenancy::role fails"), "{config}");

    assert_contains(
        &project.read("invariants/organizations.toml"),
        "\npurge = true\n",
    );
    assert_contains(
        &project.read("invariants/projects.toml"),
        "on_delete = \"cascade\"\nindexed = true\ntenant = true\n",
    );
    let tasks = project.read("invariants/tasks.toml");
    assert_contains(&tasks, "indexed = true\ntenant = true\n");
    assert_contains(
        &tasks,
        "[columns.project_id]\ntype = \"uuid\"\nnot_null = true  # NOT NULL\nsame_tenant = true\n",
    );
    // The leak is written as a promise and known to fail: visible in every run.
    let comments = project.read("invariants/comments.toml");
    assert_contains(&comments, "\ntenant = true");
    assert_contains(&comments, "\nsame_tenant = true");
    assert_known(&project, &test, "comments::org_id::isolated", "");
    assert_known(&project, &test, "comments::task_id::same_tenant", "");

    test.assert_ok(&[
        "tenancy::role",
        "organizations::purge",
        "projects::rls",
        "projects::org_id::isolated",
        "tasks::org_id::isolated",
        "tasks::project_id::same_tenant",
        "comments::org_id::fk",
    ]);
}

/// `init --tenants` tests the paths around the policies too: a SECURITY DEFINER function that
/// returns another tenant's projects is listed in `[known]` and counted in what init prints; a
/// correct one passes; one in a schema outside `schemas` is named with the schema to add.
#[test]
fn init_tenants_lists_the_functions_that_leak_and_the_schemas_they_hide_in() {
    let rpcs = "CREATE FUNCTION project_names(p_org_id uuid) RETURNS SETOF text\n\
        LANGUAGE sql SECURITY DEFINER AS $$ SELECT name FROM projects WHERE org_id = p_org_id $$;\n\
        CREATE FUNCTION own_project_names(p_org_id uuid) RETURNS SETOF text\n\
        LANGUAGE sql SECURITY DEFINER AS $$ SELECT name FROM projects WHERE org_id = p_org_id\n\
          AND p_org_id = current_setting('app.tenant_id', true)::uuid $$;\n\
        CREATE SCHEMA api;\nGRANT USAGE ON SCHEMA api TO app_user;\n\
        CREATE FUNCTION api.project_count(p_org_id uuid) RETURNS bigint\n\
        LANGUAGE sql SECURITY DEFINER AS $$ SELECT count(*) FROM public.projects WHERE org_id = p_org_id $$;\n";
    let project =
        Project::fixture("init-tenants").with(&[("migrations/20240103000000_rpcs.sql", rpcs)]);
    let init = project.run(&["init", "--format", "sqlx", "--tenants", "organizations.id"]);
    init.assert_code(0);
    assert_contains(
        &init.stderr,
        "besides the tables, [tenancy] reaches 0 view(s) and 2 SECURITY DEFINER function(s) (own_project_names(uuid), project_names(uuid)); 1 of their tests fail today (listed in [known])",
    );
    assert_contains(
        &init.stderr,
        "schema api is not in `schemas`, so no test covers 1 view(s) and SECURITY DEFINER function(s) of it that requests may use (api.project_count(uuid)): add \"api\" to `schemas`",
    );
    let test = project.run(&["test"]);
    test.assert_code(0);
    assert_known(
        &project,
        &test,
        "project_names(uuid)::isolated",
        "it returned other rows once tenant B's rows were deleted",
    );
    test.assert_ok(&["own_project_names(uuid)::isolated"]);
}

/// A tenant table without row level security says `rls` (not each `isolated`) fails, and a
/// forgotten `NO ACTION` takes `purge` back; without `--tenants`, init writes no tenancy.
#[test]
fn init_tenants_comments_what_fails_and_writes_nothing_without_the_flag() {
    let audit = "CREATE TABLE audit (\n    id bigserial PRIMARY KEY,\n    org_id uuid NOT NULL REFERENCES organizations (id)\n);\nCREATE INDEX audit_org_id_idx ON audit (org_id);\nGRANT SELECT, INSERT, UPDATE, DELETE ON audit TO app_user;\n";
    let plain =
        Project::fixture("init-tenants").with(&[("migrations/20240102000000_audit.sql", audit)]);
    round_trip(&plain, &["--format", "sqlx"]);
    assert!(!plain.read("pg-invariants.toml").contains("[tenancy]"));
    let misspelt = plain.run(&["init", "--tenants", "organisations.id"]);
    misspelt.assert_code(2);
    assert_contains(
        &misspelt.stderr,
        "error: --tenants organisations.id: no table public.organisations after the migration chain",
    );
    assert!(!plain.read("pg-invariants.toml").contains("[tenancy]"));
    for file in plain.files("invariants") {
        let text = plain.read(&file);
        assert!(!text.contains("tenant = true"), "{file}:\n{text}");
        assert!(!text.contains("purge"), "{file}:\n{text}");
    }

    let project =
        Project::fixture("init-tenants").with(&[("migrations/20240102000000_audit.sql", audit)]);
    let test = round_trip(
        &project,
        &["--format", "sqlx", "--tenants", "organizations.id"],
    );
    let audit = project.read("invariants/audit.toml");
    assert_contains(&audit, "\ntenant = true");
    assert_known(&project, &test, "audit::rls", "");
    assert_known(&project, &test, "audit::org_id::isolated", "");
    let organizations = project.read("invariants/organizations.toml");
    assert_contains(&organizations, "\npurge = true");
    assert_known(&project, &test, "organizations::purge", "");
    test.assert_ok(&["projects::org_id::isolated", "audit::org_id::fk"]);
}

/// The tenancy tests of `init-tenants-supabase` that pass once a principal is a member.
const MEMBERSHIP_TENANCY: [&str; 5] = [
    "tenancy::role",
    "documents::rls",
    "documents::org_id::isolated",
    "members::org_id::isolated",
    "organizations::purge",
];

/// A Supabase-looking schema with membership policies: `[tenancy]` is `authenticated` with JWT
/// claims, and the principal signs up as a member of the table the policies read, written as is
/// because its rows need nothing else: isolation is proven by the first `test`, not left as a
/// finding the principal would have made pass.
#[test]
fn init_tenants_on_supabase_writes_the_membership_principal() {
    // The platform stub of examples/saas (auth.users, auth.uid() reading the JWT's claims).
    let project = Project::fixture("init-tenants-supabase").with(&[(
        "supabase/auth_stub.sql",
        include_str!("../examples/saas/auth_stub.sql"),
    )]);
    let first = round_trip(&project, &["--tenants", "organizations.id"]);
    let config = project.read("pg-invariants.toml");
    assert_contains(
        &config,
        "role = \"authenticated\"  # confirm: the role the application's requests run as\n",
    );
    assert_contains(
        &config,
        r#"settings = { "request.jwt.claims" = '{"sub": "{user}", "role": "authenticated"}' }"#,
    );
    assert_contains(
        &config,
        "\nprincipal = \"\"\"\nINSERT INTO auth.users (id) VALUES ({user}::uuid);\nINSERT INTO \"public\".\"members\" (\"org_id\", \"user_id\") VALUES ({tenant}::uuid, {user}::uuid);\n\"\"\"\n",
    );
    assert_contains(
        &project.read("invariants/documents.toml"),
        "indexed = true\ntenant = true\n",
    );
    assert_contains(&project.read("invariants/members.toml"), "tenant = true\n");
    assert!(!known(&project).contains_key("documents::org_id::isolated"));
    first.assert_ok(&MEMBERSHIP_TENANCY);
}

/// A membership row that needs a column init cannot know (NOT NULL, no default): the principal
/// is offered commented out, naming it; without a member no principal sees its rows, so
/// isolation is a finding in [known] (a deny-everything view is no pass). Once the user
/// completes and uncomments it, `init --force` takes the finding out and `test` proves it.
#[test]
fn init_tenants_comments_out_a_membership_principal_that_lacks_a_column() {
    let project = Project::fixture("init-tenants-supabase").with(&[
        (
            "supabase/auth_stub.sql",
            include_str!("../examples/saas/auth_stub.sql"),
        ),
        (
            "supabase/migrations/20240102000000_member_role.sql",
            "ALTER TABLE public.members ADD COLUMN role text NOT NULL;\n",
        ),
    ]);
    let first = round_trip(&project, &["--tenants", "organizations.id"]);
    let config = project.read("pg-invariants.toml");
    let principal = "literals): members.role\n# principal = \"\"\"\n# INSERT INTO auth.users (id) VALUES ({user}::uuid);\n# INSERT INTO \"public\".\"members\" (\"org_id\", \"user_id\") VALUES ({tenant}::uuid, {user}::uuid);\n# \"\"\"\n";
    assert_contains(&config, principal);
    assert_known(&project, &first, "documents::org_id::isolated", "");

    let member = "literals): members.role\nprincipal = \"\"\"\nINSERT INTO auth.users (id) VALUES ({user}::uuid);\nINSERT INTO \"public\".\"members\" (\"org_id\", \"user_id\", \"role\") VALUES ({tenant}::uuid, {user}::uuid, 'owner');\n\"\"\"\n";
    fs::write(
        project.path().join("pg-invariants.toml"),
        config.replace(principal, member),
    )
    .expect("project file");
    let again = project.run(&["init", "--force", "--tenants", "organizations.id"]);
    again.assert_code(0);
    assert_contains(&again.stderr, "already has [tenancy]");
    // What passes now is taken out of the baseline by init --force.
    assert_contains(
        &again.stderr,
        "documents::org_id::isolated passes now: removed from [known]",
    );
    assert!(!known(&project).contains_key("documents::org_id::isolated"));
    assert_contains(
        &project.read("invariants/documents.toml"),
        "indexed = true\ntenant = true\n",
    );
    let test = project.run(&["test"]);
    test.assert_code(0);
    test.assert_ok(&MEMBERSHIP_TENANCY);
}

#[test]
fn init_uses_an_existing_project_file_and_keeps_table_files_unless_forced() {
    let project = Project::fixture("init-supabase");
    let config = project.read("pg-invariants.toml");
    let own = project.read("invariants/profiles.toml");

    let init = project.run(&["init"]);
    init.assert_code(0);
    assert_contains(
        &init.stdout,
        "kept invariants/profiles.toml (it exists; --force rewrites it)",
    );
    assert_contains(&init.stdout, "wrote invariants/posts.toml");
    assert_eq!(
        project.read("pg-invariants.toml"),
        config,
        "never rewritten"
    );
    assert_eq!(project.read("invariants/profiles.toml"), own);
    assert_eq!(
        project.files("invariants"),
        ["invariants/posts.toml", "invariants/profiles.toml"],
        "audit_log is ignored"
    );
    project.run(&["test"]).assert_code(0);

    let forced = project.run(&["init", "--force"]);
    forced.assert_code(0);
    assert_contains(&forced.stdout, "rewrote invariants/profiles.toml");
    assert_eq!(
        project.read("pg-invariants.toml"),
        config,
        "never rewritten"
    );
    let profiles = project.read("invariants/profiles.toml");
    // The rule says `references = "auth.users.id"`: the file adds only what the rule does not.
    assert!(!profiles.contains("references ="), "{profiles}");
    assert_contains(
        &profiles,
        "[columns.id]\ntype = \"uuid\"\nnot_null = true  # NOT NULL\non_delete = \"cascade\"\nindexed = true\n",
    );
    let test = project.run(&["test"]);
    test.assert_code(0);
    test.assert_ok(&[
        "profiles::id::fk",
        "posts::author_id::fk",
        "posts::author_id::indexed",
    ]);
}

#[test]
fn init_describes_no_schema_when_the_chain_does_not_apply() {
    let project = Project::empty().with(&[
        ("migrations/001_orgs.sql", "CREATE TABLE orgs (id bigint PRIMARY KEY);\n"),
        (
            "migrations/002_projects.sql",
            "CREATE TABLE projects (id bigint PRIMARY KEY);\n\nALTER TABLE projets ADD COLUMN org_id bigint;\n",
        ),
    ]);
    let init = project.run(&["init"]);
    init.assert_code(2);
    assert_contains(&init.stderr, "the chain does not apply");
    assert_contains(
        &init.stderr,
        "migrations/002_projects.sql:3:1: relation \"projets\" does not exist",
    );
    assert_eq!(project.files("invariants"), Vec::<String>::new());
    // The project file stays, to take what the chain needs (`before`) before the next init.
    assert_contains(&project.read("pg-invariants.toml"), "format = \"sql-dir\"");
}

#[test]
fn init_without_a_chain_says_where_it_looked_and_writes_nothing() {
    let project = Project::empty();
    let init = project.run(&["init"]);
    init.assert_code(2);
    assert_contains(&init.stderr, "no migration chain found");
    assert_contains(&init.stderr, "prisma/migrations");
    assert_contains(&init.stderr, "--migrations PATH");
    assert_eq!(project.files("."), Vec::<String>::new());
}

/// The broken chain of the `fix` tests: `projects.org_id` has no FK and no index, `tasks.org_id`
/// has SET NULL where CASCADE is promised and no index, `tasks.project_id`'s FK is NOT VALID, and
/// an event points at an organization that does not exist. Every statement can run twice, so
/// `idempotent = true` applies the chain again, the fix migrations included: they must be
/// re-runnable too.
const INIT_SQL: &str = "CREATE TABLE IF NOT EXISTS organizations (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE IF NOT EXISTS projects (id bigint PRIMARY KEY, org_id bigint NOT NULL, name text NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE SET NULL,
    project_id bigint
);
CREATE TABLE IF NOT EXISTS events (id bigint PRIMARY KEY, subject_id bigint NOT NULL);
";
const LINKS_SQL: &str = "DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'tasks_project_id_fkey') THEN
        ALTER TABLE tasks ADD CONSTRAINT tasks_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects (id) NOT VALID;
    END IF;
END $$;
CREATE INDEX IF NOT EXISTS tasks_project_id_idx ON tasks (project_id);
";
const SEED_SQL: &str = "INSERT INTO organizations VALUES (1, 'acme'), (2, 'globex');
INSERT INTO projects VALUES (10, 1, 'rockets');
INSERT INTO tasks VALUES (100, 1, 10), (101, 2, NULL);
INSERT INTO events VALUES (1000, 1), (1001, 999);
";

/// `atlas.sum` of INIT_SQL and LINKS_SQL as `20240101000000_init.sql` and
/// `20240102000000_links.sql`, computed independently (Python's hashlib) as Atlas computes it.
const ATLAS_SUM: &str = "h1:ICVsJ9LIxEmDII2Fc0x1EikjuP1jataTYdBMqhZW1nY=\n\
20240101000000_init.sql h1:05md3u/Jk7cxYcFCTSj3Hj2reVjANIYwhg2qmcmr76s=\n\
20240102000000_links.sql h1:PSdxWTqNCmWnSfPilI3bd9Lhm+3qcz1Gsxwlefjwjng=\n";
/// graphile-migrate's hashes of INIT_SQL, then LINKS_SQL after it (Node's crypto, as its
/// `calculateHash`).
const GRAPHILE_INIT: &str = "sha1:34b32943667e743fefff77c3477f6188cf77fec5";
const GRAPHILE_LINKS: &str = "sha1:253356ba87561ea07fbd26f52bc066a45670eb6c";
const DRIZZLE_JOURNAL: &str = r#"{
  "version": "7",
  "dialect": "postgresql",
  "entries": [
    { "idx": 0, "version": "7", "when": 1700000000000, "tag": "0000_init", "breakpoints": true },
    { "idx": 1, "version": "7", "when": 1700000001000, "tag": "0001_links", "breakpoints": true }
  ]
}
"#;

const INVARIANTS: [(&str, &str); 4] = [
    ("invariants/organizations.toml", "primary_key = [\"id\"]\n"),
    (
        "invariants/projects.toml",
        "[columns.org_id]\nreferences = \"organizations.id\"\non_delete = \"cascade\"\nindexed = true\n",
    ),
    (
        "invariants/tasks.toml",
        "[columns.org_id]\nreferences = \"organizations.id\"\non_delete = \"cascade\"\nindexed = true\n\n[columns.project_id]\nreferences = \"projects.id\"\nindexed = true\n",
    ),
    (
        "invariants/events.toml",
        "[columns.subject_id]\nno_fk = \"polymorphic\"\norphans = { references = \"organizations.id\" }\n",
    ),
];

const FAILING: [&str; 9] = [
    "events::subject_id::orphans",
    "projects::org_id::fk",
    "projects::org_id::indexed",
    "projects::org_id::on_delete",
    "projects::org_id::rejects_invalid",
    "tasks::org_id::fk",
    "tasks::org_id::indexed",
    "tasks::org_id::on_delete",
    "tasks::project_id::fk",
];

/// The broken project in `format`'s layout, and its chain's directory: its files are the chain.
fn broken(format: &str) -> (Project, &'static str) {
    let dbmate = |sql: &str| format!("-- migrate:up\n{sql}\n-- migrate:down\n");
    // goose cannot split a DO block: the statements are one block, as its users write them.
    let goose = |sql: &str| {
        format!(
            "-- +goose Up\n-- +goose StatementBegin\n{sql}-- +goose StatementEnd\n\n-- +goose Down\nDROP TABLE tasks;\n"
        )
    };
    let node =
        |sql: &str| format!("-- Up Migration\n{sql}\n-- Down Migration\nDROP TABLE tasks;\n");
    let (dir, chain): (&str, Vec<(String, String)>) = match format {
        "sqlx" => (
            "migrations",
            vec![
                ("1_init.sql".into(), INIT_SQL.into()),
                ("2_links.sql".into(), LINKS_SQL.into()),
            ],
        ),
        "dbmate" => (
            "db/migrations",
            vec![
                ("20240101000000_init.sql".into(), dbmate(INIT_SQL)),
                ("20240102000000_links.sql".into(), dbmate(LINKS_SQL)),
            ],
        ),
        "diesel" => (
            "migrations",
            vec![
                ("2024-01-01-000000_init/up.sql".into(), INIT_SQL.into()),
                ("2024-01-01-000000_init/down.sql".into(), String::new()),
                ("2024-01-02-000000_links/up.sql".into(), LINKS_SQL.into()),
                ("2024-01-02-000000_links/down.sql".into(), String::new()),
            ],
        ),
        "prisma" => (
            "prisma/migrations",
            vec![
                ("20240101000000_init/migration.sql".into(), INIT_SQL.into()),
                (
                    "20240102000000_links/migration.sql".into(),
                    LINKS_SQL.into(),
                ),
                (
                    "migration_lock.toml".into(),
                    "provider = \"postgresql\"\n".into(),
                ),
            ],
        ),
        "flyway" => (
            "db/migration",
            vec![
                ("V1__init.sql".into(), INIT_SQL.into()),
                ("V1_1__links.sql".into(), LINKS_SQL.into()),
            ],
        ),
        "goose" => (
            "db/migrations",
            vec![
                ("00001_init.sql".into(), goose(INIT_SQL)),
                ("00002_links.sql".into(), goose(LINKS_SQL)),
            ],
        ),
        "refinery" => (
            "migrations",
            vec![
                ("V1__init.sql".into(), INIT_SQL.into()),
                ("V2__links.sql".into(), LINKS_SQL.into()),
            ],
        ),
        "atlas" => (
            "migrations",
            vec![
                ("20240101000000_init.sql".into(), INIT_SQL.into()),
                ("20240102000000_links.sql".into(), LINKS_SQL.into()),
                ("atlas.sum".into(), ATLAS_SUM.into()),
            ],
        ),
        "graphile-migrate" => (
            "migrations",
            vec![
                (
                    "committed/000001.sql".into(),
                    format!("--! Previous: -\n--! Hash: {GRAPHILE_INIT}\n\n{INIT_SQL}"),
                ),
                (
                    "committed/000002.sql".into(),
                    format!(
                        "--! Previous: {GRAPHILE_INIT}\n--! Hash: {GRAPHILE_LINKS}\n\n{LINKS_SQL}"
                    ),
                ),
            ],
        ),
        "drizzle" => (
            "drizzle",
            vec![
                ("meta/_journal.json".into(), DRIZZLE_JOURNAL.into()),
                ("0000_init.sql".into(), INIT_SQL.into()),
                ("0001_links.sql".into(), LINKS_SQL.into()),
            ],
        ),
        "node-pg-migrate" => (
            "migrations",
            vec![
                ("1700000000000_init.sql".into(), node(INIT_SQL)),
                ("1700000000001_links.sql".into(), node(LINKS_SQL)),
            ],
        ),
        "sqitch" => (
            "db",
            vec![
                (
                    "sqitch.plan".into(),
                    "%syntax-version=1.0.0\n%project=shop\n\ninit 2024-01-01T00:00:00Z Dev <dev@example.com> # Tables.\nlinks [init] 2024-01-02T00:00:00Z Dev <dev@example.com> # Links.\n".into(),
                ),
                ("deploy/init.sql".into(), format!("BEGIN;\n{INIT_SQL}COMMIT;\n")),
                ("deploy/links.sql".into(), LINKS_SQL.into()),
                ("revert/init.sql".into(), "DROP TABLE tasks;\n".into()),
            ],
        ),
        "liquibase" => (
            "db/changelog",
            vec![
                (
                    "db.changelog-master.xml".into(),
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<databaseChangeLog xmlns=\"http://www.liquibase.org/xml/ns/dbchangelog\">\n    <include file=\"changes/001-init.sql\" relativeToChangelogFile=\"true\"/>\n    <include file=\"changes/002-links.sql\" relativeToChangelogFile=\"true\"/>\n</databaseChangeLog>\n".into(),
                ),
                (
                    "changes/001-init.sql".into(),
                    format!("--liquibase formatted sql\n\n--changeset dev:init\n{INIT_SQL}--rollback DROP TABLE tasks;\n"),
                ),
                (
                    "changes/002-links.sql".into(),
                    format!("--liquibase formatted sql\n\n--changeset dev:links\n{LINKS_SQL}"),
                ),
            ],
        ),
        other => panic!("no layout for {other}"),
    };
    let path = match format {
        "liquibase" => format!("{dir}/db.changelog-master.xml"),
        _ => dir.to_string(),
    };
    let config = format!(
        "[migrations]\npath = \"{path}\"\nformat = \"{format}\"\nseed = [\"seed.sql\"]\nidempotent = true\n\n[snapshots]\nenabled = false\n"
    );
    let mut files: Vec<(String, String)> = chain
        .into_iter()
        .map(|(name, text)| (format!("{dir}/{name}"), text))
        .collect();
    files.push(("pg-invariants.toml".into(), config));
    files.push(("seed.sql".into(), SEED_SQL.into()));
    files.extend(
        INVARIANTS
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string())),
    );
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    (Project::empty().with(&refs), dir)
}

/// The migrations `fix --write` reported, relative to the project.
fn written(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .filter_map(|l| l.strip_prefix("wrote "))
        .map(str::to_string)
        .collect()
}

#[rstest]
#[case::sqlx("sqlx")]
#[case::dbmate("dbmate")]
#[case::diesel("diesel")]
#[case::prisma("prisma")]
#[case::flyway("flyway")]
#[case::goose("goose")]
#[case::refinery("refinery")]
#[case::atlas("atlas")]
#[case::graphile_migrate("graphile-migrate")]
#[case::sqitch("sqitch")]
#[case::liquibase("liquibase")]
fn fix_write_then_test_passes_every_fact_that_failed(#[case] format: &str) {
    let (project, dir) = broken(format);
    let before = project.run(&["test"]);
    before.assert_code(101);
    assert_eq!(
        before.failed(),
        FAILING.map(String::from).into(),
        "{}",
        before.context()
    );
    let chain = project.files(dir);

    let fix = project.run(&["fix", "--write"]);
    fix.assert_code(0);
    assert_contains(
        &fix.stderr,
        "9 failing tests; 5 repairs (covering 8 tests) written to ",
    );
    assert_contains(&fix.stderr, &format!(" new {format} migration(s)"));
    assert_contains(&fix.stderr, "; 1 test needs you (below)");
    assert_contains(
        &fix.stderr,
        "  events::subject_id::orphans (invariants/events.toml:3:11)",
    );
    assert_contains(&fix.stderr, "-- DELETE FROM \"public\".\"events\"");
    let files = written(&fix);
    let mut expected = chain.clone();
    expected.extend(files.iter().cloned());
    expected.sort();
    // atlas.sum, sqitch's plan and Liquibase's master changelog are rewritten, not added.
    expected.dedup();
    assert_eq!(
        project.files(dir),
        expected,
        "the chain gained exactly the files reported, and kept every old one"
    );
    assert_format_marks(format, &project, &files);

    let after = project.run(&["test"]);
    after.assert_code(101);
    after.assert_ok(&["migrations::idempotent"]);
    assert_eq!(
        after.failed(),
        BTreeSet::from(["events::subject_id::orphans".to_string()]),
        "only the orphans remain: their DELETE is a comment\n{}",
        after.context()
    );
}

/// Each layout's naming, and its own way of running CREATE INDEX CONCURRENTLY outside a
/// transaction, alone in its migration.
fn assert_format_marks(format: &str, project: &Project, files: &[String]) {
    let concurrently = |text: &str| text.matches("CREATE INDEX CONCURRENTLY").count();
    let mut outside = 0;
    for file in files {
        let text = project.read(file);
        assert!(concurrently(&text) <= 1, "{file}:\n{text}");
        let alone = concurrently(&text) == 1;
        outside += usize::from(alone);
        let name = Path::new(file)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        match format {
            "sqlx" => {
                assert!(
                    name.ends_with(".sql") && name.contains("_pg_invariants_fix_"),
                    "{file}"
                );
                assert_eq!(
                    text.starts_with("-- no-transaction\n"),
                    alone,
                    "{file}:\n{text}"
                );
            }
            "dbmate" => {
                let up = if alone {
                    "-- migrate:up transaction:false\n"
                } else {
                    "-- migrate:up\n"
                };
                assert!(text.starts_with(up), "{file}:\n{text}");
                assert_contains(&text, "\n-- migrate:down\n");
            }
            "diesel" => {
                let folder = Path::new(file).parent().unwrap();
                let metadata = project.path().join(folder).join("metadata.toml");
                if name == "up.sql" {
                    assert_eq!(metadata.is_file(), alone, "{file}");
                    assert!(project.path().join(folder).join("down.sql").is_file());
                    let version = folder.file_name().unwrap().to_string_lossy();
                    assert_eq!(
                        version.as_bytes()[4],
                        b'-',
                        "diesel's dashed version: {version}"
                    );
                }
            }
            "prisma" => {
                assert_eq!(name, "migration.sql", "{file}");
                let folder = Path::new(file)
                    .parent()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let (version, description) = folder.split_once('_').unwrap();
                assert!(
                    version.len() == 14 && description.starts_with("pg_invariants_fix_"),
                    "{folder}"
                );
            }
            "flyway" => {
                assert!(
                    name.starts_with("V1_") && name.contains("__pg_invariants_fix_"),
                    "{file}"
                );
            }
            "goose" => {
                assert!(name.contains("_pg_invariants_fix_"), "{file}");
                let up = "-- +goose Up\n-- +goose StatementBegin\n";
                let mode = if alone {
                    "-- +goose NO TRANSACTION\n"
                } else {
                    ""
                };
                assert!(text.starts_with(&format!("{mode}{up}")), "{file}:\n{text}");
                assert_contains(&text, "-- +goose StatementEnd\n\n-- +goose Down\n");
            }
            "refinery" => {
                assert!(
                    name.starts_with('V') && name.contains("__pg_invariants_fix_"),
                    "{file}"
                );
                assert_eq!(
                    text.starts_with("-- refinery:noTransaction\n"),
                    alone,
                    "{file}:\n{text}"
                );
            }
            "atlas" if name == "atlas.sum" => assert!(text.starts_with("h1:"), "{text}"),
            "atlas" => {
                assert!(name.len() > 15 && name.as_bytes()[14] == b'_', "{file}");
                assert_eq!(
                    text.starts_with("-- atlas:txmode none\n\n"),
                    alone,
                    "{file}:\n{text}"
                );
            }
            "graphile-migrate" => {
                assert!(file.contains("/committed/00000"), "{file}");
                assert!(text.starts_with("--! Previous: sha1:"), "{file}:\n{text}");
                assert_eq!(
                    text.contains("\n\n--! no-transaction\n"),
                    alone,
                    "{file}:\n{text}"
                );
            }
            "sqitch" => match name.as_str() {
                "sqitch.plan" => {
                    assert_eq!(
                        text.matches("_pg_invariants_fix_").count(),
                        files.iter().filter(|f| f.contains("/deploy/")).count(),
                        "one plan line per change:\n{text}"
                    );
                    assert_contains(&text, " pg-invariants <pg-invariants@localhost> # ");
                }
                _ if file.contains("/deploy/") => {
                    assert_eq!(!text.contains("BEGIN;"), alone, "{file}:\n{text}");
                    for other in ["revert", "verify"] {
                        let twin = file.replace("/deploy/", &format!("/{other}/"));
                        assert!(files.contains(&twin), "{twin} in {files:?}");
                    }
                }
                _ => assert!(
                    file.contains("/revert/") || file.contains("/verify/"),
                    "{file}"
                ),
            },
            "liquibase" => match name.as_str() {
                "db.changelog-master.xml" => {
                    let new = files.iter().filter(|f| f.ends_with(".sql")).count();
                    assert_eq!(
                        text.matches("relativeToChangelogFile=\"true\"/>").count(),
                        2 + new,
                        "{text}"
                    );
                }
                _ => {
                    assert!(text.starts_with("--liquibase formatted sql\n"), "{file}");
                    assert_eq!(
                        text.contains(" runInTransaction:false\n"),
                        alone,
                        "{file}:\n{text}"
                    );
                    assert_contains(&text, "--changeset pg-invariants:");
                }
            },
            _ => unreachable!(),
        }
    }
    assert_eq!(
        outside, 2,
        "one migration for each of the two indexes: {files:?}"
    );
}

/// drizzle and node-pg-migrate run every SQL migration in a transaction: `fix --write` refuses
/// a repair that must run outside one (CREATE INDEX CONCURRENTLY) and writes nothing; without
/// index repairs it writes the others in the tool's own layout (a journal entry, `-- Up
/// Migration`), and then `test` passes.
#[rstest]
#[case::drizzle("drizzle")]
#[case::node_pg_migrate("node-pg-migrate")]
fn fix_write_on_layouts_that_always_run_in_a_transaction(#[case] format: &str) {
    let (project, dir) = broken(format);
    let chain = project.files(dir);
    let refused = project.run(&["fix", "--write"]);
    refused.assert_code(2);
    assert_contains(
        &refused.stderr,
        &format!("format = \"{format}\": {format} runs every SQL migration inside a transaction"),
    );
    assert_eq!(project.files(dir), chain, "nothing written");

    for file in ["invariants/projects.toml", "invariants/tasks.toml"] {
        let text = project.read(file).replace("indexed = true\n", "");
        fs::write(project.path().join(file), text).unwrap();
    }
    let fix = project.run(&["fix", "--write"]);
    fix.assert_code(0);
    let files = written(&fix);
    assert!(!files.is_empty(), "{}", fix.context());
    for file in &files {
        let text = project.read(file);
        match format {
            "drizzle" if file.ends_with("_journal.json") => {
                assert_contains(&text, "\"tag\": \"0002_pg_invariants_fix");
            }
            "drizzle" => assert!(
                file.contains("/0002_pg_invariants_fix")
                    || file.contains("/0003_pg_invariants_fix"),
                "{file}"
            ),
            _ => assert!(text.starts_with("-- Up Migration\n"), "{file}:\n{text}"),
        }
    }
    let after = project.run(&["test"]);
    after.assert_code(101);
    assert_eq!(
        after.failed(),
        BTreeSet::from(["events::subject_id::orphans".to_string()]),
        "only the orphans remain: their DELETE is a comment\n{}",
        after.context()
    );
}

#[test]
fn fix_prints_the_sql_writes_nothing_and_finds_nothing_left_once_written() {
    let (project, dir) = broken("sqlx");
    let chain = project.files(dir);
    let fix = project.run(&["fix"]);
    fix.assert_code(1);
    assert_eq!(project.files(dir), chain, "printing writes nothing");
    let sql = &fix.stdout;
    assert_contains(
        sql,
        "-- projects::org_id::fk, projects::org_id::rejects_invalid, projects::org_id::on_delete (invariants/projects.toml:2:14)\n",
    );
    assert_contains(
        sql,
        "NOT VALID;\n  END IF;\nEND $$;\nALTER TABLE \"public\".\"projects\" VALIDATE CONSTRAINT \"projects_org_id_fkey\";",
    );
    assert_contains(
        sql,
        "ALTER TABLE \"public\".\"tasks\" DROP CONSTRAINT IF EXISTS \"tasks_org_id_fkey\";",
    );
    assert_contains(
        sql,
        "ALTER TABLE \"public\".\"tasks\" VALIDATE CONSTRAINT \"tasks_project_id_fkey\";",
    );
    assert_contains(
        sql,
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"tasks_org_id_idx\" ON \"public\".\"tasks\" (\"org_id\");",
    );
    assert_contains(sql, "-- DELETE FROM \"public\".\"events\"");
    assert_contains(
        &fix.stderr,
        "9 failing tests; 5 repairs (covering 8 tests) above; 1 test needs you (below)",
    );
    assert_contains(
        &fix.stderr,
        "`pg-invariants fix --write` adds the repairs to migrations as new migration(s)",
    );

    project.run(&["fix", "--write"]).assert_code(0);
    let again = project.run(&["fix"]);
    // Only the orphans are left, and their fix is a comment to review.
    again.assert_code(1);
    assert!(
        again.stdout.lines().all(|l| l.starts_with("--")),
        "{}",
        again.context()
    );
    assert_contains(&again.stdout, "-- events::subject_id::orphans");
}

#[test]
fn fix_has_nothing_to_do_on_a_chain_that_keeps_its_promises() {
    let project = Project::fixture("init-flyway");
    project.run(&["init"]).assert_code(0);
    let fix = project.run(&["fix", "--write"]);
    fix.assert_code(0);
    assert_contains(&fix.stderr, "nothing to fix");
    assert_eq!(fix.stdout, "");
}

#[test]
fn fix_cannot_write_into_a_chain_that_a_command_applies() {
    let project = Project::empty().with(&[
        (
            "pg-invariants.toml",
            "[migrations]\nformat = \"command\"\ncommand = [\"psql\", \"-v\", \"ON_ERROR_STOP=1\", \"-q\", \"-f\", \"schema.sql\"]\n\n[snapshots]\nenabled = false\n",
        ),
        ("schema.sql", INIT_SQL),
        INVARIANTS[0],
        INVARIANTS[1],
        (
            "invariants/tasks.toml",
            "[columns.org_id]\nreferences = \"organizations.id\"\non_delete = \"set null\"\n",
        ),
        ("invariants/events.toml", ""),
    ]);
    let fix = project.run(&["fix", "--write"]);
    fix.assert_code(2);
    assert_contains(&fix.stdout, "-- projects::org_id::fk");
    assert_contains(&fix.stderr, "format = \"command\"");
    assert_contains(&fix.stderr, "cannot add a migration");
    assert_eq!(
        project.files("."),
        [
            "invariants/events.toml",
            "invariants/organizations.toml",
            "invariants/projects.toml",
            "invariants/tasks.toml",
            "pg-invariants.toml",
            "schema.sql"
        ]
    );
}

/// The facts `fix` repairs when the catalog shows the cause: after `fix --write`, each one that
/// failed passes (behavioural ones included, when a missing or wrong FK or NOT NULL was why).
const REPAIRED: [&str; 7] = [
    "::fk",
    "::indexed",
    "::primary_key",
    "::no_fk",
    "::not_null",
    "::rejects_invalid",
    "::on_delete",
];

/// A project holding a copy of the verdict case `tests/cases/<case>`.
fn case_project(case: &str) -> Project {
    let project = Project::empty();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/cases")
            .join(case),
        project.path(),
    );
    project
}

#[rstest]
#[case::partition_drops_tenant_fk_sql_dir("partition-drops-tenant-fk")]
#[case::invalid_partitioned_index_sqlx("partition-missing-index-on-one-partition")]
#[case::wrong_on_delete_flyway("wrong-on-delete")]
#[case::not_valid_fk_diesel("not-valid-fk")]
#[case::fk_type_mismatch("fk-type-mismatch")]
#[case::fk_to_wrong_table_prisma("fk-to-wrong-table")]
#[case::rule_without_fk_dbmate("rule-org-id-without-fk")]
#[case::primary_key_golang_migrate("primary-key")]
#[case::composite_fk_against_no_fk("fk-composite")]
#[case::not_null_three_steps("behaviour-not-null")]
#[case::fk_keeps_properties_prisma("fix-fk-keeps-properties")]
fn fix_write_closes_the_loop_on_the_verdict_cases(#[case] case: &str) {
    let project = case_project(case);
    let before = project.run(&["test"]);
    before.assert_code(101);
    let repairable: BTreeSet<String> = before
        .failed()
        .into_iter()
        .filter(|name| REPAIRED.iter().any(|suffix| name.ends_with(suffix)))
        .collect();
    assert!(!repairable.is_empty(), "{}", before.context());

    project.run(&["fix", "--write"]).assert_code(0);
    let after = project.run(&["test"]);
    let still: BTreeSet<String> = after.failed().intersection(&repairable).cloned().collect();
    assert!(
        still.is_empty(),
        "{still:?} still fail\n{}",
        after.context()
    );
}

/// `path:line:column` of the first line of `text` (the file at `path`) that starts with `key`,
/// the column being where its value starts.
fn position_of(path: &str, text: &str, key: &str) -> String {
    let (line, found) = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with(key))
        .last()
        .unwrap_or_else(|| panic!("{key:?} not in:\n{text}"));
    let column = found.find(" = ").expect("a key") + 4;
    format!("{path}:{}:{column}", line + 1)
}

/// A table file `init` wrote may not silently override a rule added later: the chain's FK is
/// ON DELETE RESTRICT and a cascade rule comes after init. (a) `test` refuses the contradiction,
/// naming both keys; (b) `init --force` leaves the key to the rule, whose tests then tell the
/// truth about the schema; (c) a column that excepts the rule on purpose holds with its own key.
#[test]
fn a_rule_added_after_init_is_never_silently_overridden() {
    let project = Project::empty().with(&[(
        "migrations/0001_init.sql",
        "CREATE TABLE organizations (id bigint PRIMARY KEY);\n\
         CREATE TABLE projects (\n    id bigint PRIMARY KEY,\n    \
         org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT\n);\n",
    )]);
    project.run(&["init"]).assert_code(0);
    let table_file = project.read("invariants/projects.toml");
    assert_contains(&table_file, "on_delete = \"restrict\"");
    let rule = "\n[[rule]]\nname = \"tenant-fk\"\ncolumns = [\"org_id\"]\n\
                references = \"organizations.id\"\non_delete = \"cascade\"\n";
    let config = project.read("pg-invariants.toml") + rule;
    let project = project.with(&[("pg-invariants.toml", &config)]);

    // (a) No false pass: both places named, as file:line:column.
    let contradiction = project.run(&["test"]);
    contradiction.assert_code(2);
    let file_key = position_of("invariants/projects.toml", &table_file, "on_delete");
    let rule_key = position_of("pg-invariants.toml", &config, "on_delete");
    assert_contains(&contradiction.stderr, &file_key);
    assert_contains(&contradiction.stderr, &rule_key);

    // (b) init --force writes no key the rule states: the rule's tests now fail, as they should.
    project.run(&["init", "--force"]).assert_code(0);
    let rewritten = project.read("invariants/projects.toml");
    let states = |key: &str| rewritten.lines().any(|l| l.starts_with(key));
    assert!(!states("on_delete") && !states("references"), "{rewritten}");
    assert!(!states("except"), "init never writes except:\n{rewritten}");
    assert_contains(
        &rewritten,
        "# on_delete is left to a [[rule]], which expects cascade; the schema has restrict",
    );
    let verdicts = project.run(&["test"]);
    verdicts.assert_code(101);
    assert_eq!(
        verdicts.failed(),
        BTreeSet::from([
            "projects::org_id::fk".to_string(),
            "projects::org_id::on_delete".to_string()
        ]),
        "{}",
        verdicts.context()
    );
    verdicts.assert_ok(&["rules::tenant-fk", "projects::org_id::rejects_invalid"]);

    // (c) The column takes the rule off on purpose and states restrict: it holds.
    let excepted = rewritten.replace(
        "[columns.org_id]\n",
        "[columns.org_id]\nexcept = [\"tenant-fk\"]\nreferences = \"organizations.id\"\non_delete = \"restrict\"\n",
    );
    assert_ne!(excepted, rewritten, "{rewritten}");
    let project = project.with(&[("invariants/projects.toml", &excepted)]);
    let holds = project.run(&["test"]);
    holds.assert_code(0);
    holds.assert_ok(&[
        "rules::tenant-fk",
        "projects::org_id::fk",
        "projects::org_id::on_delete",
    ]);
}
/// What the recreated foreign keys of `fix-fk-keeps-properties` must still have, read from
/// `pg_constraint` as the last seed file: `migrations::apply` fails when a property was lost.
/// Before the fix they hold too (only ON DELETE and the target change).
const FK_PROPERTIES_SQL: &str = r#"
DO $$
BEGIN
  IF (SELECT count(*) FROM pg_constraint WHERE conrelid = '"Post"'::regclass AND conname = 'Post_tenantId_fkey'
      AND confupdtype = 'c' AND condeferrable AND condeferred) <> 1 THEN
    RAISE EXCEPTION 'Post_tenantId_fkey lost ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED';
  END IF;
  IF (SELECT count(*) FROM pg_constraint WHERE conrelid = '"Post"'::regclass AND conname = 'Post_editorId_fkey'
      AND confupdtype = 'c' AND confmatchtype = 'f' AND confdeltype = 'n' AND condeferrable AND NOT condeferred) <> 1 THEN
    RAISE EXCEPTION 'Post_editorId_fkey lost MATCH FULL, ON DELETE SET NULL, ON UPDATE CASCADE or DEFERRABLE';
  END IF;
END $$;
"#;

#[test]
fn fix_recreates_a_foreign_key_with_its_on_update_match_and_deferrability() {
    let project = Project::empty();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/fix-fk-keeps-properties"),
        project.path(),
    );
    let config = project.read("pg-invariants.toml").replace(
        "seed = [\"seed.sql\"]",
        "seed = [\"seed.sql\", \"assert.sql\"]",
    );
    let project = project.with(&[
        ("pg-invariants.toml", &config),
        ("assert.sql", FK_PROPERTIES_SQL),
    ]);
    let before = project.run(&["test"]);
    before.assert_code(101);
    before.assert_ok(&["migrations::apply"]);

    let fix = project.run(&["fix", "--write"]);
    fix.assert_code(0);
    let sql: String = written(&fix).iter().map(|f| project.read(f)).collect();
    assert_contains(
        &sql,
        "REFERENCES \"public\".\"Tenant\" (\"id\") ON DELETE CASCADE ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED NOT VALID;",
    );

    let after = project.run(&["test"]);
    after.assert_code(0);
    after.assert_ok(&[
        "migrations::apply",
        "Post::tenantId::fk",
        "Post::tenantId::on_delete",
        "Post::editorId::fk",
    ]);
}

/// The seed-era NULLs of `not-null-rows-left-null`: `fix --write` writes the three steps, says
/// which repairs need the backfill first, and once the UPDATEs are written in, `test` passes.
#[test]
fn fix_write_leaves_the_backfill_to_you_then_the_not_nulls_hold() {
    let project = Project::empty();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/not-null-rows-left-null"),
        project.path(),
    );
    let fix = project.run(&["fix", "--write"]);
    fix.assert_code(0);
    assert_contains(
        &fix.stderr,
        "4 failing tests; 4 repairs (covering 4 tests) written to sql as ",
    );
    assert_contains(&fix.stderr, "these repairs need you before they can run:");
    assert_contains(
        &fix.stderr,
        "  projects::org_id::not_null: 1 row(s) of projects hold NULL in org_id: write the UPDATE before the VALIDATE runs",
    );
    let unfilled = project.run(&["test"]);
    unfilled.assert_code(101);
    assert_eq!(
        unfilled
            .outcomes()
            .get("migrations::apply")
            .map(String::as_str),
        Some("FAILED"),
        "the VALIDATE refuses the NULL rows\n{}",
        unfilled.context()
    );

    for file in written(&fix) {
        let text = project
            .read(&file)
            .replace("-- UPDATE ", "UPDATE ")
            .replace(" = ... WHERE", " = 10 WHERE");
        fs::write(project.path().join(&file), text).expect("backfill written in");
    }
    let after = project.run(&["test"]);
    after.assert_code(0);
    after.assert_ok(&[
        "projects::org_id::not_null",
        "events::org_id::not_null",
        "tasks::org_id::not_null",
        "audit::org_id::not_null",
    ]);
}

/// With snapshots on: `fix --write` names the snapshot of every table its repairs change (and
/// no other), and the NOT NULL recipe leaves no helper CHECK behind.
#[test]
fn fix_write_names_the_snapshots_that_change_and_leaves_no_helper_check() {
    let project = Project::empty().with(&[
        (
            "migrations/1_init.sql",
            "CREATE TABLE organizations (id bigint PRIMARY KEY);\nCREATE TABLE projects (id bigint PRIMARY KEY, org_id bigint, note text);\n",
        ),
        ("seed.sql", "INSERT INTO organizations VALUES (1);\nINSERT INTO projects VALUES (10, 1, NULL);\n"),
        ("pg-invariants.toml", "[migrations]\nseed = [\"seed.sql\"]\n"),
        ("invariants/organizations.toml", "primary_key = [\"id\"]\n"),
        ("invariants/projects.toml", "[columns.org_id]\nnot_null = true\n\n[columns.note]\n"),
    ]);
    project
        .run_outside_ci(&["test", "--accept"])
        .assert_code(101);
    let accepted = project.read("snapshots/projects.snap");
    assert_contains(&accepted, "  org_id bigint\n");

    let fix = project.run_outside_ci(&["fix", "--write"]);
    fix.assert_code(0);
    assert_contains(
        &fix.stderr,
        "these snapshots will differ: snapshots/projects.snap\n",
    );
    assert_contains(
        &fix.stderr,
        "`pg-invariants test --accept` (under cargo test: `cargo insta review`)",
    );
    assert!(
        !fix.stderr.contains("organizations.snap"),
        "{}",
        fix.context()
    );

    let after = project.run_outside_ci(&["test"]);
    after.assert_code(101);
    assert_eq!(
        after.failed(),
        BTreeSet::from(["projects::snapshot".to_string()]),
        "{}",
        after.context()
    );
    project.run_outside_ci(&["test", "--accept"]).assert_code(0);
    let now = project.read("snapshots/projects.snap");
    assert_contains(&now, "  org_id bigint NOT NULL\n");
    assert!(
        !now.contains("not_null"),
        "the helper CHECK is gone:\n{now}"
    );
}

/// `purge` repairs close the loop: every foreign key that refused the DELETE gets its CASCADE
/// (a composite key to a partitioned table too), an unguarded tenant column its FK; what a
/// trigger causes, or rows that cannot be built, still fail after the fix.
#[rstest]
#[case::blockers("purge-graph", &["organizations::purge", "users::purge", "sites::purge"], &["accounts::purge", "vaults::purge"])]
#[case::unguarded_tenant_columns("purge-tenant", &["organizations::purge"], &[])]
fn fix_write_makes_a_purge_hold_where_foreign_keys_were_the_cause(
    #[case] case: &str,
    #[case] repaired: &[&str],
    #[case] need_you: &[&str],
) {
    let project = case_project(case);
    let before = project.run(&["test"]);
    let failed = before.failed();
    for name in repaired.iter().chain(need_you) {
        assert!(
            failed.contains(*name),
            "{name} passes\n{}",
            before.context()
        );
    }
    project.run(&["fix", "--write"]).assert_code(0);
    let after = project.run(&["test"]);
    let failed = after.failed();
    for name in repaired {
        assert!(
            !failed.contains(*name),
            "{name} still fails\n{}",
            after.context()
        );
    }
    for name in need_you {
        assert!(failed.contains(*name), "{name} passes\n{}", after.context());
    }
}

/// A behavioural probe that fails never takes a structural fact back: `on_delete = "set null"`
/// contradicts a CHECK that the column is set (deleting an organization fails with 23514), and
/// a row refused by another CHECK once made init drop `references` too. Every fact is written;
/// the true finding, `on_delete`, is in `[known]` with its reason, and `test` passes with it
/// reported as ignored.
#[test]
fn init_keeps_structural_facts_when_a_probe_fails_and_lists_the_finding() {
    let project = Project::empty().with(&[(
        "migrations/0001_init.sql",
        "CREATE TABLE organizations (id bigint PRIMARY KEY);\n\
         CREATE TABLE tasks (\n    id bigint PRIMARY KEY,\n    \
         org_id bigint REFERENCES organizations (id) ON DELETE SET NULL,\n    \
         title text NOT NULL CHECK (length(title) > 3),\n    \
         CONSTRAINT tasks_org_set CHECK (org_id IS NOT NULL)\n);\n\
         CREATE INDEX tasks_org_id_idx ON tasks (org_id);\n",
    )]);
    let init = project.run(&["init"]);
    init.assert_code(0);
    assert_contains(&init.stderr, "1 test(s) fail today; listed in [known]");
    let tasks = project.read("invariants/tasks.toml");
    assert_contains(
        &tasks,
        "not_null = true  # CHECK constraint tasks_org_set\nreferences = \"organizations.id\"  # tasks_org_id_fkey\non_delete = \"set null\"\nindexed = true\n",
    );
    assert_eq!(
        known(&project).keys().collect::<Vec<_>>(),
        ["tasks::org_id::on_delete"]
    );
    let test = project.run(&["test"]);
    test.assert_code(0);
    assert_known(&project, &test, "tasks::org_id::on_delete", "23514");
    test.assert_ok(&["tasks::org_id::fk", "tasks::org_id::rejects_invalid"]);
    assert_contains(&test.stdout, "... ignored, ");

    // Once the CHECK goes (and with it not_null, and the snapshot changes), the known entry
    // passes: `test` fails it until the entry is removed.
    let fixed = project.with(&[(
        "migrations/0002_fix.sql",
        "ALTER TABLE tasks DROP CONSTRAINT tasks_org_set;\n",
    )]);
    let after = fixed.run(&["test"]);
    after.assert_code(101);
    assert_eq!(
        after.failed(),
        BTreeSet::from([
            "tasks::org_id::on_delete".to_string(),
            "tasks::org_id::not_null".to_string(),
            "tasks::snapshot".to_string()
        ])
    );
    assert_contains(
        &after.stdout,
        "passes now: remove it from [known] (pg-invariants.toml:",
    );
}

/// Never vacuous from the first run: a new project's `schemas` are where the chain made its
/// tables (here none in `public`), so init writes their files and `test` checks them, rather
/// than "0 table file(s) written" and a run that checks nothing.
#[test]
fn init_proposes_the_schemas_the_chain_made_tables_in() {
    let project = Project::empty().with(&[(
        "migrations/0001_init.sql",
        "CREATE SCHEMA app;\nCREATE TABLE app.organizations (id bigint PRIMARY KEY);\n\
         CREATE SCHEMA audit;\nCREATE TABLE audit.events (id bigint PRIMARY KEY);\n",
    )]);
    let init = project.run(&["init"]);
    init.assert_code(0);
    assert_contains(
        &project.read("pg-invariants.toml"),
        "schemas = [\"app\", \"audit\"]",
    );
    assert_eq!(
        project.files("invariants"),
        [
            "invariants/audit.events.toml",
            "invariants/organizations.toml"
        ]
    );
    let test = project.run(&["test"]);
    test.assert_code(0);
    test.assert_ok(&["coverage::organizations", "coverage::audit.events"]);
}

/// `init --tenants` guesses only a role that exists after the chain and can make requests:
/// here the policies name `app_user`, which the chain never creates. `[tenancy]` is written
/// commented out saying why, no tenancy promise is proposed, and `test` passes on the facts.
#[test]
fn init_tenants_without_a_request_role_comments_tenancy_out() {
    let project = Project::empty().with(&[(
        "migrations/0001_init.sql",
        "CREATE TABLE organizations (id uuid PRIMARY KEY);\n\
         CREATE TABLE projects (id uuid PRIMARY KEY,\n    \
         org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE);\n\
         CREATE INDEX projects_org_id_idx ON projects (org_id);\n\
         ALTER TABLE projects ENABLE ROW LEVEL SECURITY;\n\
         CREATE POLICY tenant ON projects TO PUBLIC\n    \
         USING (org_id = current_setting('app.org')::uuid);\n",
    )]);
    let init = project.run(&["init", "--tenants", "organizations.id"]);
    init.assert_code(0);
    assert_contains(&init.stderr, "[tenancy] written commented out");
    let config = project.read("pg-invariants.toml");
    assert_contains(&config, "# [tenancy] is commented out: ");
    assert_contains(&config, "\n# [tenancy]\n");
    assert_contains(&config, "\n# tenants = \"organizations.id\"\n");
    let parsed: toml::Table = toml::from_str(&config).expect("valid");
    assert!(!parsed.contains_key("tenancy"), "{config}");
    for file in project.files("invariants") {
        let text = project.read(&file);
        assert!(!text.contains("tenant = true"), "{file}:\n{text}");
        assert!(!text.contains("purge"), "{file}:\n{text}");
    }
    project.run(&["test"]).assert_code(0);
}

/// A chain written for Supabase in another tool's layout (dbmate here) uses `auth.uid()` and
/// the `authenticated` role, which only a Supabase database has before the chain: init says so
/// and writes `preset = "supabase"`, so the chain applies.
#[test]
fn init_suggests_the_supabase_preset_for_a_chain_that_uses_it() {
    let project = Project::empty().with(&[(
        "db/migrations/20240101000000_init.sql",
        "-- migrate:up\nCREATE TABLE notes (id uuid PRIMARY KEY,\n    \
         owner uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id));\n\
         ALTER TABLE notes ENABLE ROW LEVEL SECURITY;\n\
         CREATE POLICY own ON notes TO authenticated USING (owner = auth.uid());\n\n\
         -- migrate:down\nDROP TABLE notes;\n",
    )]);
    let init = project.run(&["init"]);
    init.assert_code(0);
    assert_contains(
        &init.stderr,
        "preset = \"supabase\": the chain uses what a Supabase database has before it runs (db/migrations/20240101000000_init.sql uses auth.uid())",
    );
    assert_contains(
        &project.read("pg-invariants.toml"),
        "\npreset = \"supabase\"\n",
    );
    project.run(&["test"]).assert_code(0);
}

/// A table with no `tenant` column gets no `same_tenant` (its test could never pass: noise in
/// `[known]`); `init --force` without `--tenants` on a project with `[tenancy]` keeps the
/// tenancy promises (their `[known]` entries still name tests) and removes the exact entries
/// that name no test; a re-run names every `[known]` entry that passes now (also of files it
/// keeps, and through a glob), `--force` removing the exact ones. After each `init`, `test`
/// passes (exit 0).
#[test]
fn init_keeps_the_baseline_in_step_with_the_files_it_writes() {
    let attachments = "CREATE TABLE attachments (\n    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n    task_id uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE\n);\nCREATE INDEX attachments_task_id_idx ON attachments (task_id);\nGRANT SELECT ON attachments TO app_user;\n";
    let project = Project::fixture("init-tenants")
        .with(&[("migrations/20240102000000_attachments.sql", attachments)]);
    round_trip(
        &project,
        &["--format", "sqlx", "--tenants", "organizations.id"],
    );
    let text = project.read("invariants/attachments.toml");
    assert!(!text.contains("same_tenant"), "{text}");
    assert_contains(
        &text,
        "A fact whose test failed when it was written is listed",
    );
    let baseline = known(&project);
    assert!(
        !baseline.keys().any(|k| k.starts_with("attachments::")),
        "{baseline:?}"
    );
    assert!(baseline.contains_key("comments::task_id::same_tenant"));

    let forced = project.run(&["init", "--force"]);
    forced.assert_code(0);
    assert_contains(
        &project.read("invariants/comments.toml"),
        "\nsame_tenant = true",
    );
    assert_contains(&project.read("invariants/projects.toml"), "\ntenant = true");
    assert_eq!(known(&project), baseline);
    project.run(&["test"]).assert_code(0);

    // [known] is the last table: these lines join it.
    let config = project.read("pg-invariants.toml");
    let stale = "\"attachments::task_id::same_tenant\" = \"a promise no file makes any more\"\n\
                 \"projects::org_id::fk\" = \"fixed since\"\n\"tasks::*::fk\" = \"a glob\"\n";
    fs::write(
        project.path().join("pg-invariants.toml"),
        format!("{config}{stale}"),
    )
    .expect("project file");
    project.run(&["test"]).assert_code(2);
    let kept = project.run(&["init"]);
    kept.assert_code(0);
    assert_contains(
        &kept.stderr,
        "projects::org_id::fk passes now: remove it from [known] (init --force does)",
    );
    assert_contains(
        &kept.stderr,
        "tasks::org_id::fk passes now: [known] \"tasks::*::fk\" lists it",
    );
    assert_contains(
        &kept.stderr,
        "[known] \"attachments::task_id::same_tenant\" matches no test of this project: remove it (init --force does)",
    );
    assert_eq!(known(&project).len(), baseline.len() + 3);

    let config = project.read("pg-invariants.toml");
    fs::write(
        project.path().join("pg-invariants.toml"),
        config.replace("\"tasks::*::fk\" = \"a glob\"\n", ""),
    )
    .expect("project file");
    let forced = project.run(&["init", "--force"]);
    forced.assert_code(0);
    assert_contains(
        &forced.stderr,
        "projects::org_id::fk passes now: removed from [known]",
    );
    assert_contains(
        &forced.stderr,
        "[known] \"attachments::task_id::same_tenant\" matches no test of this project: removed",
    );
    assert_eq!(known(&project), baseline);
    project.run(&["test"]).assert_code(0);
}

/// The Supabase CLI takes any `<digits>_<name>.sql` (`^([0-9]+)_(.*)\.sql$`), so a chain
/// numbered `0000_init.sql`, `0001_…` in `supabase/migrations` is Supabase's: init writes the
/// format and its preset, and the chain (which reads `auth.uid()`) applies.
#[test]
fn init_reads_a_numbered_supabase_chain_as_supabase() {
    let project = Project::empty().with(&[
        (
            "supabase/migrations/0000_init.sql",
            "CREATE TABLE notes (id uuid PRIMARY KEY,\n    \
             owner uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id));\n",
        ),
        (
            "supabase/migrations/0001_rls.sql",
            "ALTER TABLE notes ENABLE ROW LEVEL SECURITY;\n\
             CREATE POLICY own ON notes TO authenticated USING (owner = auth.uid());\n",
        ),
    ]);
    project.run(&["init"]).assert_code(0);
    let config = project.read("pg-invariants.toml");
    assert_contains(&config, "\nformat = \"supabase\"");
    assert_contains(&config, "\npreset = \"supabase\"\n");
    project.run(&["test"]).assert_code(0);
}
