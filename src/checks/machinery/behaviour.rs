//! What the four behavioural checks share: the sandbox each case runs in, the property-based
//! variation of cases, and how a row that cannot be built becomes a failure.
//!
//! A check is a function from a [`Case`] to a verdict. It runs first on the minimal case (two
//! referenced rows, one row each), then on cases proptest generates (more parents and children,
//! other synthesized values) from a fixed seed, so a verdict never changes between runs. A
//! failing generated case is shrunk to the smallest one that still fails, and its SQL is shown.

use indexmap::IndexMap;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use super::batch;
use crate::catalog::Table;
use crate::checks::{Context, Failure, Verdict};
use crate::location::Location;
use crate::names::TableName;
use crate::sandbox::{DbError, Outcome, Sandbox};
use crate::synth::{Advice, Overwrite, Row, Synth, SynthError, insert_sql};

/// Generated cases after the minimal one, unless `PG_INVARIANTS_CASES` says otherwise.
const CASES: u32 = 3;

/// One variation: the values synthesized, and how many rows `on_delete` builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    /// Varies every number and string synthesized.
    pub seed: u64,
    /// Referenced rows, the first of which is deleted (at least 2).
    pub parents: usize,
    /// Rows per referenced row (at least 1).
    pub children: usize,
}

impl Case {
    const MINIMAL: Self = Self {
        seed: 0,
        parents: 2,
        children: 1,
    };

    fn describe(&self) -> String {
        format!(
            "case: {} referenced row(s) × {} row(s) each, value seed {}",
            self.parents, self.children, self.seed
        )
    }
}

/// What a check needs for one case: the sandbox and a synthesizer over it.
pub struct Run<'c> {
    pub sb: Sandbox,
    pub synth: Synth<'c>,
}

/// Runs `check` on the minimal case, then on generated ones, each in a sandbox of its own; the
/// first failure is shrunk and returned with the case it failed on. A check whose batch (see
/// [`batch`]) passed it on every one of these cases passes without running them again: a batch
/// only ever decides a pass, so every failure is found, shrunk and worded here.
pub async fn each_case<F>(ctx: &Context<'_>, mut check: F) -> Verdict
where
    F: AsyncFnMut(&mut Run<'_>, Case) -> Verdict,
{
    if batch::passed(ctx).await {
        return Ok(());
    }
    let cases = crate::env::cases().unwrap_or(CASES);
    vary(cases, async |case: Case| {
        retried(ctx, &mut check, case).await
    })
    .await
}

/// Runs `check` once, in a sandbox of its own: for a check whose rows do not vary with a case
/// (`purge` builds one row per foreign key of a whole graph; variation would multiply that).
pub async fn one_case<F>(ctx: &Context<'_>, mut check: F) -> Verdict
where
    F: AsyncFnMut(&mut Run<'_>) -> Verdict,
{
    let mut check = async |run: &mut Run<'_>, _: Case| check(run).await;
    retried(ctx, &mut check, Case::MINIMAL).await
}

/// One case, run again when it lost to a concurrent check (see [`CONTENTION_TRIES`]).
async fn retried<F>(ctx: &Context<'_>, check: &mut F, case: Case) -> Verdict
where
    F: AsyncFnMut(&mut Run<'_>, Case) -> Verdict,
{
    let mut tries = 1;
    loop {
        let alone = tries == CONTENTION_TRIES;
        let (verdict, contended) = if alone {
            let _alone = ALONE.write().await;
            once(ctx, check, case).await
        } else {
            let _beside = ALONE.read().await;
            once(ctx, check, case).await
        };
        if !contended || alone {
            return verdict;
        }
        tokio::time::sleep(backoff(tries)).await;
        tries += 1;
    }
}

/// Runs of a case that lost to a concurrent check (deadlock, lock timeout) before its verdict
/// stands: parallel checks must not decide a verdict (`--test-threads 1` and 4 agree). The last
/// run is alone: it waits for the cases running and holds the others back, as on one thread.
const CONTENTION_TRIES: u32 = 3;

/// Cases run beside each other (read) unless one runs alone (write).
static ALONE: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// Runs `together` on `case` in one sandbox, beside other cases (never alone): its answer, or
/// `None` when it could not conclude (no sandbox, a statement lost to another session). For a
/// batch, whose doubts send its members to [`each_case`], where contention is retried alone.
pub async fn shared<T, F>(ctx: &Context<'_>, case: Case, mut together: F) -> Option<T>
where
    F: AsyncFnMut(&mut Run<'_>, Case) -> Result<T, Failure>,
{
    let _beside = ALONE.read().await;
    match once(ctx, &mut together, case).await {
        (Ok(answer), false) => Some(answer),
        _ => None,
    }
}

/// One run of `check` on `case` in a sandbox of its own: its verdict, and whether a statement
/// lost to another session.
async fn once<T, F>(ctx: &Context<'_>, check: &mut F, case: Case) -> (Result<T, Failure>, bool)
where
    F: AsyncFnMut(&mut Run<'_>, Case) -> Result<T, Failure>,
{
    let sb = match Sandbox::begin(ctx.pool).await {
        Ok(sb) => sb,
        // The server out of something before the case began (another case's cascade filled the
        // lock table): run again, alone at last, like a case that met it later.
        Err(e) if e.is_resource() => return (Err(could_not_test(None, &e)), true),
        Err(e) => {
            let failure = Failure {
                at: None,
                promise: "a transaction for the check".into(),
                expected: "a connection to the migrated database".into(),
                found: e.to_string(),
                fix: None,
            };
            return (Err(failure), false);
        }
    };
    let mut run = Run {
        sb,
        synth: Synth::new(ctx.catalog, ctx.spec, case.seed),
    };
    let verdict = check(&mut run, case).await;
    // The server running out of something says nothing of the schema: the case could not test,
    // and runs again (alone, at last, when other cases' locks were what filled the table).
    let resource = run.sb.resource().cloned();
    let contended = run.sb.contended() || resource.is_some();
    run.sb.rollback().await;
    match resource {
        Some(e) => (Err(could_not_test(verdict.err(), &e)), contended),
        None => (verdict, contended),
    }
}

/// The failure of a case that met a resource error: where the promise was written and what it
/// was (from the check's own failure, when it had one), and what to raise.
fn could_not_test(failure: Option<Failure>, e: &DbError) -> Failure {
    let (at, promise) = match failure {
        Some(f) => (f.at, f.promise),
        None => (None, "the check's statements ran to a verdict".into()),
    };
    Failure {
        at,
        promise,
        expected: "a server with the resources the check needs".into(),
        found: format!(
            "could not test: the server ran out of a resource ({e}), even with the case run alone; this says nothing of the schema: {}",
            crate::sandbox::sqlstate::remedy(&e.code, &e.message)
        ),
        fix: None,
    }
}

/// The wait before try `tries + 1`: growing, with jitter so that two checks that deadlocked
/// do not meet again in step.
fn backoff(tries: u32) -> std::time::Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let jitter = u64::from(nanos % 100);
    std::time::Duration::from_millis(50 * u64::from(tries) + jitter)
}

/// The case loop: the minimal case, then `cases` generated from a fixed seed; a failing
/// generated case is shrunk the way proptest shrinks (simplify while it still fails, complicate
/// back when it passes) and the failure names it.
async fn vary<F>(cases: u32, mut one: F) -> Verdict
where
    F: AsyncFnMut(Case) -> Verdict,
{
    one(Case::MINIMAL).await?;
    if cases == 0 {
        return Ok(());
    }
    let (strategy, mut runner) = generator(cases);
    for _ in 0..cases {
        let Ok(mut tree) = strategy.new_tree(&mut runner) else {
            break;
        };
        let first = tree.current();
        let Err(mut failure) = one(first).await else {
            continue;
        };
        let mut failing = first;
        if tree.simplify() {
            loop {
                let candidate = tree.current();
                match one(candidate).await {
                    Err(f) => {
                        failure = f;
                        failing = candidate;
                        if !tree.simplify() {
                            break;
                        }
                    }
                    Ok(()) => {
                        if !tree.complicate() {
                            break;
                        }
                    }
                }
            }
        }
        failure.found = format!(
            "{}\n(failed on the generated {}; shrunk from {})",
            failure.found,
            failing.describe(),
            first.describe()
        );
        return Err(failure);
    }
    Ok(())
}

/// The generated cases and the runner that draws them, from a fixed seed: the same sequence for
/// [`vary`] and [`every_case`].
fn generator(cases: u32) -> (impl Strategy<Value = Case>, TestRunner) {
    let strategy =
        (0u64..1_000, 2usize..=4, 1usize..=3).prop_map(|(seed, parents, children)| Case {
            seed,
            parents,
            children,
        });
    let runner = TestRunner::new_with_rng(
        Config {
            cases,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    (strategy, runner)
}

/// The cases [`each_case`] runs when every one passes, in its order: the minimal one, then the
/// generated ones. A batch runs these, so that its pass stands for the cases a check alone runs.
pub fn every_case() -> Vec<Case> {
    let cases = crate::env::cases().unwrap_or(CASES);
    let mut all = vec![Case::MINIMAL];
    if cases == 0 {
        return all;
    }
    let (strategy, mut runner) = generator(cases);
    for _ in 0..cases {
        let Ok(tree) = strategy.new_tree(&mut runner) else {
            break;
        };
        all.push(tree.current());
    }
    all
}

impl Run<'_> {
    /// A valid row of `table` (kept, or tried and undone with its parents kept), or the failure
    /// saying why none could be built.
    pub async fn row(
        &mut self,
        ctx: &Context<'_>,
        table: &TableName,
        keep: bool,
        at: &Location,
        promise: &str,
    ) -> Result<Row, Failure> {
        self.synth
            .row(&mut self.sb, table, &[], keep)
            .await
            .map_err(|e| unbuildable(ctx, &e, &self.sb, at, promise))
    }

    /// A valid row of `table` (tried and undone, its parents kept) and the INSERT of it again
    /// with `column` written as `value` instead, as [`Self::insert_instead`] runs it: both in
    /// one round trip once the row is valid, unless a tenant's request must be set between them.
    pub async fn row_instead(
        &mut self,
        ctx: &Context<'_>,
        table: &Table,
        column: &str,
        value: &str,
        at: &Location,
        promise: &str,
    ) -> Result<(Row, Instead), Failure> {
        let instead =
            |written: &IndexMap<String, String>| instead_sql(table, written, column, value);
        let (row, then) = (self.synth)
            .trial_then(&mut self.sb, &table.name, &instead)
            .await
            .map_err(|e| unbuildable(ctx, &e, &self.sb, at, promise))?;
        let result = match then {
            Some(result) => self.recorded(&instead(&row.written), result),
            None => self.insert_instead(table, &row, column, value).await,
        };
        Ok((row, result))
    }

    /// The INSERT of `row` again, with `column` written as `value` instead, in the request the
    /// row was made in (if any): run under a savepoint, undone, and recorded with its outcome.
    /// Returns the outcome and its row count.
    pub async fn insert_instead(
        &mut self,
        table: &Table,
        row: &Row,
        column: &str,
        value: &str,
    ) -> Instead {
        let sql = instead_sql(table, &row.written, column, value);
        // In the request the row was made in: triggers that read it see the same one.
        let result = match self.synth.request_of(&mut self.sb, row).await {
            Ok(()) => self.sb.attempt(&sql, false).await,
            Err(refused) => Err(refused.error),
        };
        let left = self.synth.leave(&mut self.sb).await;
        let result = left.map_err(|refused| refused.error).and(result);
        self.recorded(&sql, result)
    }

    /// The outcome of `sql`, a check's statement, recorded in the transcript.
    fn recorded(&mut self, sql: &str, result: Result<Outcome, DbError>) -> Instead {
        let count = result.as_ref().map(|o| o.rows.len()).map_err(Clone::clone);
        self.sb.record(sql, Some(&outcome(&count)));
        (result, count)
    }
}

/// What an INSERT a check expects to fail did: its outcome, and how many rows it wrote.
pub type Instead = (Result<Outcome, DbError>, Result<usize, DbError>);

/// The INSERT of the columns `written`, with `column` written as `value` instead.
fn instead_sql(
    table: &Table,
    written: &IndexMap<String, String>,
    column: &str,
    value: &str,
) -> String {
    let mut written = written.clone();
    written.insert(column.to_string(), value.to_string());
    insert_sql(table, &written)
}

/// The failure for a row that could not be built: which table and column, the last error, and
/// what would help: the `[sample]` line that would decide the value, or a request principal when
/// a trigger overwrote the value from the request.
pub fn unbuildable(
    ctx: &Context<'_>,
    e: &SynthError,
    sb: &Sandbox,
    at: &Location,
    promise: &str,
) -> Failure {
    Failure {
        at: Some(at.clone()),
        promise: promise.to_string(),
        expected: "a valid row to run the check with".into(),
        found: format!("{e}{}\n{}", advice(ctx, e), transcript(sb)),
        fix: None,
    }
}

fn advice(ctx: &Context<'_>, e: &SynthError) -> String {
    let column = e.column.as_deref().unwrap_or("<column>");
    let file = || {
        ctx.spec
            .table(&e.table)
            .map(|t| t.at.path.display().to_string())
            .unwrap_or_else(|| format!("invariants/{}.toml", ctx.show(&e.table)))
    };
    let sample = |columns: &[&str]| {
        let lines: Vec<String> = (columns.iter())
            .map(|c| format!("  {c} = \"<an SQL expression, e.g. 'active' or 42>\""))
            .collect();
        format!("add to {}:\n  [sample]\n{}", file(), lines.join("\n"))
    };
    match &e.advice {
        Advice::Nothing => String::new(),
        Advice::Sample => format!("\nto decide the value, {}", sample(&[column])),
        Advice::Generated(reads) if reads.is_empty() => format!(
            "\n{column} is a generated column: a [sample] for it cannot help (no INSERT writes it)"
        ),
        Advice::Generated(reads) => {
            let reads: Vec<&str> = reads.iter().map(String::as_str).collect();
            format!(
                "\n{column} is a generated column: a [sample] for it cannot help (no INSERT writes it); its expression reads {}: to decide it, {}",
                reads.join(", "),
                sample(&reads)
            )
        }
        Advice::Principal(overwrites) => principal_advice(overwrites),
    }
}

/// Names each trigger that overwrote a column from the request, and what would help.
fn principal_advice(overwrites: &[Overwrite]) -> String {
    let mut out = String::new();
    let mut settings: Vec<&str> = Vec::new();
    for o in overwrites {
        out.push_str(&format!(
            "\ntrigger {} (function {}) sets {} from the request setting(s) {}, empty outside a request",
            o.trigger,
            o.function,
            o.column,
            o.settings.join(", ")
        ));
        for s in &o.settings {
            if !settings.contains(&s.as_str()) {
                settings.push(s);
            }
        }
    }
    out.push_str(&format!(
        "\na [sample] cannot help: the trigger overwrites the value. What helps is a request principal: [tenancy] with `settings` for {} in pg-invariants.toml (docs/tenancy.md), so rows are inserted with a request in force",
        settings.join(", ")
    ));
    out
}

/// The SQL a failure shows: paste it into psql to see the same thing happen.
pub fn transcript(sb: &Sandbox) -> String {
    format!("SQL (paste into psql):\n{}", sb.transcript())
}

/// What an INSERT that should have failed stored in `column`, told when it is not what was
/// written: a BEFORE trigger replaced it, which is why the INSERT went through.
pub fn replaced(table: &Table, column: &str, written: Option<&str>, out: &Outcome) -> String {
    let index = table.columns.iter().position(|c| c.name == column);
    let stored = index.and_then(|i| out.rows.first().and_then(|r| r.get(i).cloned().flatten()));
    if stored.as_deref() == written {
        return String::new();
    }
    format!(
        "; the row holds {column} = {}: a BEFORE INSERT trigger replaced the value written",
        stored.as_deref().unwrap_or("NULL")
    )
}

/// How a statement's outcome reads in a message.
pub fn outcome(result: &Result<usize, DbError>) -> String {
    match result {
        Ok(1) => "succeeded (1 row)".into(),
        Ok(n) => format!("succeeded ({n} rows)"),
        Err(e) => format!("failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(case: Case) -> Failure {
        Failure {
            at: None,
            promise: "p".into(),
            expected: "e".into(),
            found: format!("{case:?}"),
            fix: None,
        }
    }

    fn block_on(f: impl std::future::Future<Output = Verdict>) -> Verdict {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    #[test]
    fn a_failing_generated_case_is_shrunk_to_the_smallest_that_fails() {
        // Fails only with at least 3 parents of at least 2 rows each.
        let verdict = block_on(vary(64, async |case: Case| {
            if case.parents >= 3 && case.children >= 2 {
                Err(failure(case))
            } else {
                Ok(())
            }
        }));
        let found = verdict.expect_err("some generated case fails").found;
        assert!(
            found.contains(
                "failed on the generated case: 3 referenced row(s) × 2 row(s) each, value seed 0;"
            ),
            "{found}"
        );
    }

    #[test]
    fn the_minimal_case_runs_first_and_alone_when_cases_is_zero() {
        let mut seen = Vec::new();
        let verdict = block_on(vary(0, async |case: Case| {
            seen.push(case);
            Ok(())
        }));
        assert!(verdict.is_ok());
        assert_eq!(seen, vec![Case::MINIMAL]);
    }

    #[test]
    fn cases_are_the_same_on_every_run() {
        let run = || {
            let mut seen = Vec::new();
            let _ = block_on(vary(5, async |case: Case| {
                seen.push(case);
                Ok(())
            }));
            seen
        };
        let first = run();
        assert_eq!(first.len(), 6);
        assert_eq!(first, run());
    }
}
