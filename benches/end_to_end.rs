//! End-to-end timings of the release binary, as a user sees them: `cargo bench`.
//!
//! 1. `pg-invariants test` on the repo's example (`examples/saas`), whole process wall time.
//! 2. A generated chain of 337 migrations (the size of the largest public chain we target),
//!    to see how applying scales with the number of migrations, and how its 336 behavioural
//!    checks (each in its own rolled-back transaction) run on one thread and in parallel.
//! 3. A generated tenant schema of 100 tables under row level security (JWT claims, as Supabase),
//!    each with `tenant = true` and a `same_tenant` composite key: the tenancy phase alone
//!    (`tenancy::role`, `rls`, `isolated`, `same_tenant`; the other tests are skipped).
//!
//! `BENCH_SCENARIOS=example,chain,tenancy` picks scenarios (default: all).
//! Prints medians with min and max over `BENCH_RUNS` runs (default 5): the machine is shared and
//! noisy, so single runs mean little. Phase times (server start, chain applied) come from the
//! binary's own summary line on stderr.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// One run: total wall time, the server-ready and applied times the binary reports, and how
/// long the checks took (libtest's "finished in").
struct Run {
    total: Duration,
    provision: f64,
    apply: f64,
    checks: f64,
}

fn run(dir: &Path, extra: &[&str]) -> Run {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_pg-invariants"))
        .args([
            "test",
            "--config",
            "pg-invariants.toml",
            "--format",
            "terse",
        ])
        .args(extra)
        .current_dir(dir)
        .output()
        .expect("pg-invariants runs");
    let total = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "pg-invariants failed in {}:\n{stderr}\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let seconds_after = |text: &str, label: &str| -> f64 {
        text.split(label)
            .nth(1)
            .and_then(|rest| rest.trim_start().split('s').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(f64::NAN)
    };
    Run {
        total,
        provision: seconds_after(&stderr, "server ready in"),
        apply: seconds_after(&stderr, "chain and seed applied in"),
        checks: seconds_after(&stdout, "finished in"),
    }
}

fn median(mut xs: Vec<f64>) -> (f64, f64, f64) {
    xs.sort_by(f64::total_cmp);
    (xs[xs.len() / 2], xs[0], xs[xs.len() - 1])
}

fn report(name: &str, runs: &[Run]) {
    let (t, tmin, tmax) = median(runs.iter().map(|r| r.total.as_secs_f64()).collect());
    let (p, _, _) = median(runs.iter().map(|r| r.provision).collect());
    let (a, amin, amax) = median(runs.iter().map(|r| r.apply).collect());
    let (c, cmin, cmax) = median(runs.iter().map(|r| r.checks).collect());
    println!(
        "{name}: wall median {t:.2}s (min {tmin:.2}, max {tmax:.2}) | server ready median {p:.2}s | chain+seed applied median {a:.2}s (min {amin:.2}, max {amax:.2}) | checks median {c:.2}s (min {cmin:.2}, max {cmax:.2}) | n={}",
        runs.len()
    );
}

/// The tenant schema of scenario 3: organizations; `projects`, the parent every table points at
/// with a composite key `(org_id, project_id) → projects (org_id, id)`; `tables` tables with an
/// `org_id` (RLS enabled, one policy for `authenticated` reading the tenant from the JWT's
/// `app_metadata`), each in its own migration. Every table file says `tenant = true` on `org_id`
/// and `same_tenant = true` on `project_id`.
fn generate_tenant_schema(dir: &Path, tables: usize) {
    let mdir = dir.join("migrations");
    let idir = dir.join("invariants");
    std::fs::create_dir_all(&mdir).expect("mkdir");
    std::fs::create_dir_all(&idir).expect("mkdir");
    let policy = |t: &str| {
        format!(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO authenticated;\n\
             ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;\n\
             CREATE POLICY tenant ON {t} TO authenticated\n  \
             USING (org_id = (current_setting('request.jwt.claims', true)::jsonb -> 'app_metadata' ->> 'org_id')::uuid);\n"
        )
    };
    std::fs::write(
        mdir.join("20240101000000_tenants.sql"),
        format!(
            "DO $$ BEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN\n    CREATE ROLE authenticated NOLOGIN;\n  END IF;\nEND $$;\n\
             CREATE TABLE organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);\n\
             CREATE TABLE projects (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n  \
             org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,\n  \
             name text NOT NULL,\n  UNIQUE (org_id, id));\n{}",
            policy("projects")
        ),
    )
    .expect("write");
    std::fs::write(idir.join("organizations.toml"), "primary_key = [\"id\"]\n").expect("write");
    std::fs::write(
        idir.join("projects.toml"),
        "[columns.org_id]\ntenant = true\n",
    )
    .expect("write");
    for t in 0..tables {
        let sql = format!(
            "CREATE TABLE t{t} (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n  \
             org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,\n  \
             project_id uuid NOT NULL,\n  title text NOT NULL,\n  \
             FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id) ON DELETE CASCADE);\n\
             CREATE INDEX t{t}_org_id_project_id_idx ON t{t} (org_id, project_id);\n{}",
            policy(&format!("t{t}"))
        );
        std::fs::write(mdir.join(format!("2025{:010}_t{t}.sql", t + 1)), sql).expect("write");
        std::fs::write(
            idir.join(format!("t{t}.toml")),
            "[columns.org_id]\ntenant = true\n\n[columns.project_id]\nsame_tenant = true\n",
        )
        .expect("write");
    }
    std::fs::write(
        dir.join("pg-invariants.toml"),
        r#"[migrations]
format = "supabase"

[snapshots]
enabled = false

[tenancy]
tenants = "organizations.id"
role = "authenticated"
settings = { "request.jwt.claims" = '{"sub": "{user}", "role": "authenticated", "app_metadata": {"org_id": "{tenant}"}}' }
"#,
    )
    .expect("write");
}

/// The tests of scenario 3 that are not tenancy tests: skipped, so that "finished in" is the
/// tenancy phase.
const NOT_TENANCY: [&str; 10] = [
    "--skip",
    "coverage::",
    "--skip",
    "::primary_key",
    "--skip",
    "::exists",
    "--skip",
    "::fk",
    "--skip",
    "::rejects_invalid",
];

/// A Supabase-layout chain: organizations, then one migration per table with a tenant FK and
/// its index, then alterations, like a real project's history.
fn generate_chain(dir: &Path, migrations: usize) {
    let mdir = dir.join("migrations");
    let idir = dir.join("invariants");
    std::fs::create_dir_all(&mdir).expect("mkdir");
    std::fs::create_dir_all(&idir).expect("mkdir");
    std::fs::write(
        mdir.join("20240101000000_organizations.sql"),
        "CREATE TABLE organizations (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);\n",
    )
    .expect("write");
    std::fs::write(idir.join("organizations.toml"), "primary_key = [\"id\"]\n").expect("write");
    let tables = (migrations - 1) / 3;
    for n in 0..migrations - 1 {
        let t = n % tables.max(1);
        let sql = match n / tables.max(1) {
            0 => format!(
                "CREATE TABLE t{t} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,\n  title text NOT NULL,\n  created_at timestamptz NOT NULL DEFAULT now());\nCREATE INDEX t{t}_org_id_idx ON t{t} (org_id);\nCOMMENT ON TABLE t{t} IS 'generated; it''s table {t}';\n"
            ),
            1 => format!(
                "ALTER TABLE t{t} ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived'));\n"
            ),
            _ => format!(
                "DO $$ BEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 't{t}_created_at_idx') THEN\n    CREATE INDEX t{t}_created_at_idx ON t{t} (created_at);\n  END IF;\nEND $$;\n"
            ),
        };
        std::fs::write(mdir.join(format!("2025{:010}_step_{n}.sql", n + 1)), sql).expect("write");
        if n < tables {
            std::fs::write(
                idir.join(format!("t{t}.toml")),
                "[columns.org_id]\ntype = \"bigint\"\nnot_null = true\nreferences = \"organizations.id\"\non_delete = \"cascade\"\nindexed = true\n",
            )
            .expect("write");
        }
    }
    std::fs::write(
        dir.join("pg-invariants.toml"),
        "[migrations]\nformat = \"supabase\"\n\n[snapshots]\nenabled = false\n",
    )
    .expect("write");
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let scenarios = std::env::var("BENCH_SCENARIOS").unwrap_or_default();
    let wanted = |name: &str| scenarios.is_empty() || scenarios.split(',').any(|s| s == name);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));

    if wanted("example") {
        let example: Vec<Run> = (0..runs).map(|_| run(root, &[])).collect();
        report("examples/saas (17 migrations + seed)", &example);
    }
    if wanted("chain") {
        chain(runs);
    }
    if wanted("tenancy") {
        let scratch = tempfile::tempdir().expect("tempdir");
        generate_tenant_schema(scratch.path(), 100);
        let tenancy: Vec<Run> = (0..runs)
            .map(|_| run(scratch.path(), &NOT_TENANCY))
            .collect();
        report(
            "tenant schema (100 tables + projects, RLS with JWT claims): tenancy::role, 101 rls, 101 isolated, 100 same_tenant; checks = the tenancy phase",
            &tenancy,
        );
    }
}

fn chain(runs: usize) {
    let scratch = tempfile::tempdir().expect("tempdir");
    generate_chain(scratch.path(), 337);
    let large: Vec<Run> = (0..runs).map(|_| run(scratch.path(), &[])).collect();
    report(
        "generated chain (337 migrations, 112 tables, 336 behavioural checks), parallel",
        &large,
    );
    let serial: Vec<Run> = (0..runs)
        .map(|_| run(scratch.path(), &["--test-threads", "1"]))
        .collect();
    report(
        "generated chain (337 migrations, 112 tables, 336 behavioural checks), one thread",
        &serial,
    );
}
