//! End-to-end timings of the release binary, as a user sees them: `cargo bench`.
//!
//! 1. `example`: `pg-invariants test` on the repo's example (`examples/saas`), whole process
//!    wall time.
//! 2. `tenants`: the tenant schema of issue 12 at `BENCH_SIZES` (default `100,500`) tables:
//!    organizations and N tables whose `org_id` references it (`ON DELETE CASCADE`, NOT NULL,
//!    indexed), checked by one rule (`fk`, `rejects_invalid`, `on_delete`, `indexed`, `not_null`
//!    per table).
//! 3. `pgtap`: pgTAP on the very same generated chain at each size, as its users run it (see
//!    `end_to_end/pgtap.rs`): initdb + start, one `psql` for the chain and `CREATE EXTENSION
//!    pgtap`, `pg_prove` of 6 assertions per table (the same promises), stop and clean up. With
//!    `tenants` as well, prints per size pgTAP cold beside pg-invariants cold and warm and their
//!    ratios. Skipped, saying why, without pgTAP or `pg_prove` (`ci/install-pgtap`).
//! 4. `chain`: a generated chain of 337 migrations (the size of the largest public chain we
//!    target), to see how applying scales with the number of migrations, and how its 336
//!    behavioural checks (each in its own rolled-back transaction) run on one thread and in
//!    parallel. `BENCH_CHAIN=0` skips it even when named.
//! 5. `tenancy`: a generated tenant schema of 100 tables under row level security (JWT claims,
//!    as Supabase), each with `tenant = true` and a `same_tenant` composite key: the tenancy
//!    phase alone (`tenancy::role`, `rls`, `isolated`, `same_tenant`; the other tests skipped).
//! 6. `nextest`: wall time of `cargo nextest run --test invariants` against `cargo test --test
//!    invariants` in the repo root (both built first), their ratio, and whether both ran the
//!    same test names to the same verdicts (see `end_to_end/nextest.rs`). Not in the default
//!    set: it builds and runs the repository's own tests. Skipped, saying so, without
//!    cargo-nextest.
//!
//! 7. `init`: `pg-invariants init --no-cache` on the generated chain of `chain` (no project
//!    file, no table files: init writes them, checks every fact it proposes and lists what fails
//!    in `[known]`) against a cold `test` of what it wrote, and their ratio (goal: init ≤ test).
//!
//! 8. `paths`: the tenant schema of `tenancy` with 100 views (`security_invoker`) and 100
//!    SECURITY DEFINER functions (each with a membership check) over `projects`: the 200
//!    `<path>::isolated` tests alone (goal: under 2 s of checks on two cores).
//!
//! 9. `upgrade`: `examples/saas` with `[upgrade] new = 2` (the deploy window: a second server,
//!    the deployed chain, synthesized rows, the two new migrations observed, the queries)
//!    against the same project without `[upgrade]`, both warm, and their ratio (goal ≤ 1.5×).
//!
//! `BENCH_SCENARIOS=example,tenants,pgtap,chain,tenancy,init,paths,upgrade,nextest` picks
//! scenarios (default: all but `nextest`). pg-invariants is measured cold (`--no-cache`: initdb and the whole chain, as
//! a first run), on a first run with an empty cache (a miss, the cluster kept), and warm (a
//! cache hit: the migrated cluster copied from a cache filled by one run before), with a private
//! cache directory (`PG_INVARIANTS_CACHE_DIR`) so the user's cache is never touched.
//!
//! Prints medians with min and max over `BENCH_RUNS` runs (default 5): the machine is shared and
//! noisy, so single runs mean little. Phase times (server start, chain applied) come from the
//! binary's own summary line on stderr. The harness's peak memory is its own high-water resident
//! set (`VmHWM` of `/proc/<pid>/status`, sampled every 10 ms while it runs: the servers it starts
//! are not counted; goal < 50 MB at N=500). When `BENCH_SIZES` has both 500 and 1000, the
//! ratio of their medians says how cost grows (goal ≤ 2.2× for twice the tables).

#[path = "end_to_end/nextest.rs"]
mod nextest;
#[path = "end_to_end/pgtap.rs"]
mod pgtap;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One run: total wall time, the server-ready and applied times the binary reports, and how
/// long the checks took (libtest's "finished in").
struct Run {
    total: Duration,
    provision: f64,
    apply: f64,
    /// Keeping the migrated cluster in the cache (a miss), 0 otherwise.
    keep: f64,
    checks: f64,
    /// The harness process's peak resident set, in MB.
    peak_mb: f64,
}

fn run(dir: &Path, cache: &Path, extra: &[&str]) -> Run {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_pg-invariants"))
        .env("PG_INVARIANTS_CACHE_DIR", cache)
        .env_remove("PG_INVARIANTS_CACHE")
        .args([
            "test",
            "--config",
            "pg-invariants.toml",
            "--format",
            "terse",
        ])
        .args(extra)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pg-invariants runs");
    let peak = peak_rss(child.id());
    let out = child.wait_with_output().expect("pg-invariants runs");
    let total = started.elapsed();
    let peak_kb = peak.join().expect("peak memory sampler");
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
    // A cache hit applies nothing; a miss that keeps its cluster says how long that took.
    let apply = if stderr.contains("chain and seed from cache") {
        0.0
    } else {
        seconds_after(&stderr, "chain and seed applied in")
    };
    let keep = match stderr.split("kept in the cache as").nth(1) {
        Some(rest) => seconds_after(rest, " in"),
        None => 0.0,
    };
    Run {
        total,
        provision: seconds_after(&stderr, "server ready in"),
        apply,
        keep,
        checks: seconds_after(&stdout, "finished in"),
        peak_mb: peak_kb as f64 / 1024.0,
    }
}

/// Samples `VmHWM` (the high-water resident set, in kB) of process `pid` every 10 ms until it
/// exits (a zombie has none); the last sample is its peak, give or take its last 10 ms.
fn peak_rss(pid: u32) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let status = format!("/proc/{pid}/status");
        let mut peak = 0;
        while let Some(kb) = std::fs::read_to_string(&status).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        }) {
            peak = kb;
            std::thread::sleep(Duration::from_millis(10));
        }
        peak
    })
}

/// A median with the min and max it was taken from.
#[derive(Clone, Copy)]
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2}s ({:.2}–{:.2})", self.median, self.min, self.max)
    }
}

fn median(mut xs: Vec<f64>) -> (f64, f64, f64) {
    xs.sort_by(f64::total_cmp);
    (xs[xs.len() / 2], xs[0], xs[xs.len() - 1])
}

fn spread(xs: Vec<f64>) -> Spread {
    let (median, min, max) = median(xs);
    Spread { median, min, max }
}

/// What a size's comparison needs of pg-invariants' runs: wall times and peak memory.
struct Measured {
    cold: Spread,
    warm: Spread,
    peak_mb: f64,
}

/// Runs `dir` `runs` times each: cold without a cache (`--no-cache`: initdb and the whole
/// chain), first run on an empty cache (initdb and the chain, then the cluster is kept), and warm
/// (a cache hit), and prints the three.
fn cold_and_warm(name: &str, dir: &Path, runs: usize, extra: &[&str]) -> Measured {
    let cold_args: Vec<&str> = extra.iter().copied().chain(["--no-cache"]).collect();
    let unused = tempfile::tempdir().expect("tempdir");
    let cold: Vec<Run> = (0..runs)
        .map(|_| run(dir, unused.path(), &cold_args))
        .collect();
    report(&format!("{name}, cold (--no-cache)"), &cold);
    let caches: Vec<tempfile::TempDir> = (0..runs)
        .map(|_| tempfile::tempdir().expect("tempdir"))
        .collect();
    let first: Vec<Run> = caches.iter().map(|c| run(dir, c.path(), extra)).collect();
    report(
        &format!("{name}, first run (empty cache: miss, kept)"),
        &first,
    );
    let warm: Vec<Run> = (0..runs)
        .map(|_| run(dir, caches[0].path(), extra))
        .collect();
    report(&format!("{name}, warm (cache hit)"), &warm);
    let all = cold.iter().chain(&first).chain(&warm);
    Measured {
        cold: walls(&cold),
        warm: walls(&warm),
        peak_mb: all.map(|r| r.peak_mb).fold(0.0, f64::max),
    }
}

fn walls(runs: &[Run]) -> Spread {
    spread(runs.iter().map(|r| r.total.as_secs_f64()).collect())
}

fn report(name: &str, runs: &[Run]) {
    let (t, tmin, tmax) = median(runs.iter().map(|r| r.total.as_secs_f64()).collect());
    let (p, _, _) = median(runs.iter().map(|r| r.provision).collect());
    let (a, amin, amax) = median(runs.iter().map(|r| r.apply).collect());
    let (k, _, _) = median(runs.iter().map(|r| r.keep).collect());
    let (c, cmin, cmax) = median(runs.iter().map(|r| r.checks).collect());
    let (m, _, mmax) = median(runs.iter().map(|r| r.peak_mb).collect());
    println!(
        "{name}: wall median {t:.2}s (min {tmin:.2}, max {tmax:.2}) | server ready median {p:.2}s | chain+seed applied median {a:.2}s (min {amin:.2}, max {amax:.2}) | kept in cache median {k:.2}s | checks median {c:.2}s (min {cmin:.2}, max {cmax:.2}) | peak RSS median {m:.1} MB (max {mmax:.1}) | n={}",
        runs.len()
    );
}

/// Issue 12's tenant schema: organizations, then one migration per table `t<i>` with a tenant
/// FK (`ON DELETE CASCADE`, NOT NULL) and its index; one rule states the promises of every
/// `org_id`.
fn generate_tenants(dir: &Path, tables: usize) {
    let mdir = dir.join("migrations");
    std::fs::create_dir_all(&mdir).expect("mkdir");
    std::fs::create_dir_all(dir.join("invariants")).expect("mkdir");
    std::fs::write(
        mdir.join("20240101000000_organizations.sql"),
        "CREATE TABLE organizations (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);\n",
    )
    .expect("write");
    for t in 0..tables {
        std::fs::write(
            mdir.join(format!("2025{:010}_t{t}.sql", t + 1)),
            format!(
                "CREATE TABLE t{t} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,\n  title text NOT NULL);\nCREATE INDEX t{t}_org_id_idx ON t{t} (org_id);\n"
            ),
        )
        .expect("write");
    }
    std::fs::write(
        dir.join("pg-invariants.toml"),
        "[migrations]\nformat = \"supabase\"\n\n[invariants]\ncoverage = false\n\n[snapshots]\nenabled = false\n\n[[rule]]\nname = \"tenant\"\ncolumns = [\"org_id\"]\nreferences = \"organizations.id\"\non_delete = \"cascade\"\nnot_null = true\nindexed = true\n",
    )
    .expect("write");
}

/// The tenant schema of scenario 4: organizations; `projects`, the parent every table points at
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

/// Scenario 8: the tenancy schema with no extra tables, then `n` views and `n` functions over
/// `projects`, all correct (a view reading with the caller's rights, a function refusing a
/// caller whose JWT names another organization), in one migration.
fn generate_paths(dir: &Path, n: usize) {
    generate_tenant_schema(dir, 0);
    let mut sql = String::new();
    for i in 0..n {
        sql.push_str(&format!(
            "CREATE VIEW path_v{i} WITH (security_invoker = true) AS SELECT id, org_id, name FROM projects;\n\
             GRANT SELECT ON path_v{i} TO authenticated;\n\
             CREATE FUNCTION path_f{i}(p_org_id uuid) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER AS $$\n\
             BEGIN\n  IF p_org_id IS DISTINCT FROM (current_setting('request.jwt.claims', true)::jsonb -> 'app_metadata' ->> 'org_id')::uuid THEN\n    \
             RAISE EXCEPTION 'not a member' USING ERRCODE = '42501';\n  END IF;\n  \
             RETURN (SELECT count(*) FROM projects WHERE org_id = p_org_id);\nEND $$;\n"
        ));
    }
    let migrations = dir.join("migrations");
    std::fs::write(migrations.join("20260101000000_paths.sql"), sql).expect("write");
}

/// The tests of scenario 4 that are not tenancy tests: skipped, so that "finished in" is the
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

/// pgTAP's cold runs of the tenant schema in `dir` with `tables` tables: printed, and their wall
/// times returned.
fn pgtap_runs(tools: &pgtap::Tools, dir: &Path, tables: usize, runs: usize) -> Spread {
    let tests = tempfile::tempdir().expect("tempdir");
    let file = tests.path().join("tenants_test.sql");
    std::fs::write(&file, pgtap::test_file(tables)).expect("write");
    let assertions = pgtap::assertions(tables);
    let all: Vec<pgtap::Run> = (0..runs)
        .map(|_| tools.run(dir, &file, assertions))
        .collect();
    let wall = spread(all.iter().map(|r| r.total.as_secs_f64()).collect());
    let phase = |f: fn(&pgtap::Run) -> f64| spread(all.iter().map(f).collect());
    println!(
        "tenant schema, N={tables} tables, pgTAP cold ({assertions} assertions): wall median {wall} | initdb+start {} | psql chain+extension {} | pg_prove {} | stop+cleanup {} | n={runs}",
        phase(|r| r.server),
        phase(|r| r.apply),
        phase(|r| r.prove),
        phase(|r| r.stop),
    );
    wall
}

/// One size's comparison: pg-invariants cold and warm as ratios of pgTAP cold, and the
/// harness's peak memory.
fn side_by_side(tables: usize, pgtap: Spread, ours: &Measured) {
    let ratio = |s: Spread| s.median / pgtap.median;
    println!(
        "tenant schema, N={tables}, side by side (medians, min–max): pgTAP cold {pgtap} | pg-invariants cold {} = {:.2}× pgTAP (goal ≤ 1.0×) | pg-invariants warm {} = {:.2}× pgTAP (goal ≤ 0.5×) | harness peak RSS {:.1} MB (goal < 50 MB at N=500)",
        ours.cold,
        ratio(ours.cold),
        ours.warm,
        ratio(ours.warm),
        ours.peak_mb,
    );
}

/// How cost grows from N=500 to N=1000 tables (twice the work), when both were measured: the
/// ratio of medians, goal ≤ 2.2× for pg-invariants.
fn growth(by_size: &[(usize, Option<Spread>, Option<Measured>)]) {
    let at = |n: usize| by_size.iter().find(|(size, ..)| *size == n);
    let (Some((_, pgtap_500, ours_500)), Some((_, pgtap_1000, ours_1000))) = (at(500), at(1000))
    else {
        return;
    };
    let mut parts = Vec::new();
    if let (Some(a), Some(b)) = (pgtap_500, pgtap_1000) {
        parts.push(format!("pgTAP cold {:.2}×", b.median / a.median));
    }
    if let (Some(a), Some(b)) = (ours_500, ours_1000) {
        parts.push(format!(
            "pg-invariants cold {:.2}× (goal ≤ 2.2×), warm {:.2}×",
            b.cold.median / a.cold.median,
            b.warm.median / a.warm.median
        ));
    }
    println!("growth N=1000 / N=500 (medians): {}", parts.join(" | "));
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "100,500".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let scenarios = std::env::var("BENCH_SCENARIOS").unwrap_or_default();
    let wanted = |name: &str| {
        let by_default = name != "nextest";
        match scenarios.as_str() {
            "" => by_default,
            named => named.split(',').any(|s| s.trim() == name),
        }
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));

    if wanted("example") {
        cold_and_warm(
            "examples/saas (19 migrations + seed, [upgrade] new = 1)",
            root,
            runs,
            &[],
        );
    }
    let pgtap = wanted("pgtap")
        .then(|| {
            pgtap::Tools::find()
                .inspect_err(|why| println!("pgtap: skipped, {why}"))
                .ok()
        })
        .flatten();
    if wanted("tenants") || pgtap.is_some() {
        let mut by_size = Vec::new();
        for &n in &sizes {
            let scratch = tempfile::tempdir().expect("tempdir");
            generate_tenants(scratch.path(), n);
            let theirs = pgtap
                .as_ref()
                .map(|tools| pgtap_runs(tools, scratch.path(), n, runs));
            let ours = wanted("tenants").then(|| {
                cold_and_warm(
                    &format!("tenant schema, N={n} tables ({} checks)", 5 * n),
                    scratch.path(),
                    runs,
                    &[],
                )
            });
            if let (Some(theirs), Some(ours)) = (theirs, &ours) {
                side_by_side(n, theirs, ours);
            }
            by_size.push((n, theirs, ours));
        }
        growth(&by_size);
    }
    if wanted("chain") && !std::env::var("BENCH_CHAIN").is_ok_and(|v| v == "0") {
        let scratch = tempfile::tempdir().expect("tempdir");
        generate_chain(scratch.path(), 337);
        let name = "generated chain (337 migrations, 112 tables, 336 behavioural checks)";
        cold_and_warm(&format!("{name}, parallel"), scratch.path(), runs, &[]);
        cold_and_warm(
            &format!("{name}, one thread"),
            scratch.path(),
            runs,
            &["--test-threads", "1"],
        );
    }
    if wanted("tenancy") {
        let scratch = tempfile::tempdir().expect("tempdir");
        generate_tenant_schema(scratch.path(), 100);
        cold_and_warm(
            "tenant schema (100 tables + projects, RLS with JWT claims): tenancy::role, 101 rls, 101 isolated, 100 same_tenant; checks = the tenancy phase",
            scratch.path(),
            runs,
            &NOT_TENANCY,
        );
    }
    if wanted("init") {
        init_against_test(runs);
    }
    if wanted("paths") {
        let scratch = tempfile::tempdir().expect("tempdir");
        generate_paths(scratch.path(), 100);
        cold_and_warm(
            "100 views + 100 SECURITY DEFINER functions over a tenant table: 200 path tests; checks = the path tests",
            scratch.path(),
            runs,
            &["path_"],
        );
    }
    if wanted("upgrade") {
        upgrade_against_plain(root, runs);
    }
    if wanted("nextest") {
        nextest::compare(root);
    }
}

/// The repository's project (`examples/saas`) with `[upgrade] new = 2` against the same without
/// `[upgrade]`, each in a copy of its own, warm (the migrated cluster from the cache): medians
/// and their ratio.
fn upgrade_against_plain(root: &Path, runs: usize) {
    let project = std::fs::read_to_string(root.join("pg-invariants.toml")).expect("project file");
    let at = project
        .find("[upgrade]")
        .expect("the project has [upgrade]");
    let variants = [
        project.replacen("new = 1", "new = 2", 1),
        project[..at].to_string(),
    ];
    let cache = tempfile::tempdir().expect("tempdir");
    let mut medians = Vec::new();
    for (variant, label) in variants
        .iter()
        .zip(["with [upgrade] new = 2", "without [upgrade]"])
    {
        let dir = tempfile::tempdir().expect("tempdir");
        for part in ["invariants", "snapshots", "examples"] {
            let copied = Command::new("cp")
                .arg("-r")
                .arg(root.join(part))
                .arg(dir.path())
                .status()
                .expect("cp runs");
            assert!(copied.success());
        }
        std::fs::write(dir.path().join("pg-invariants.toml"), variant).expect("write");
        run(dir.path(), cache.path(), &[]);
        let runs: Vec<Run> = (0..runs)
            .map(|_| run(dir.path(), cache.path(), &[]))
            .collect();
        report(&format!("examples/saas {label}, warm"), &runs);
        medians.push(walls(&runs).median);
    }
    println!(
        "examples/saas: with [upgrade] new = 2 / without: {:.2}× (goal ≤ 1.5×)",
        medians[0] / medians[1]
    );
}

/// `init` on the generated chain, each run in a fresh copy of the migrations alone, then a cold
/// `test` of what it wrote: their medians and ratio.
fn init_against_test(runs: usize) {
    let source = tempfile::tempdir().expect("tempdir");
    generate_chain(source.path(), 337);
    let unused = tempfile::tempdir().expect("tempdir");
    let mut inits = Vec::new();
    let mut tests = Vec::new();
    for _ in 0..runs {
        let project = tempfile::tempdir().expect("tempdir");
        let copy = Command::new("cp")
            .arg("-r")
            .arg(source.path().join("migrations"))
            .arg(project.path())
            .status()
            .expect("cp runs");
        assert!(copy.success());
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_pg-invariants"))
            .env("PG_INVARIANTS_CACHE_DIR", unused.path())
            .args(["init", "--no-cache"])
            .current_dir(project.path())
            .output()
            .expect("pg-invariants runs");
        inits.push(started.elapsed().as_secs_f64());
        assert!(
            out.status.success(),
            "init failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        tests.push(
            run(project.path(), unused.path(), &["--no-cache"])
                .total
                .as_secs_f64(),
        );
    }
    let (i, imin, imax) = median(inits);
    let (t, tmin, tmax) = median(tests);
    println!(
        "init on the generated chain (337 migrations, 112 tables), cold: wall median {i:.2}s (min {imin:.2}, max {imax:.2}) | test of what it wrote, cold: median {t:.2}s (min {tmin:.2}, max {tmax:.2}) | init / test {:.2}× (goal ≤ 1×) | n={runs}",
        i / t
    );
}
