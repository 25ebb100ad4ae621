//! Deploy windows (`[upgrade]`, docs/deploys.md): the moment a deploy applies the new
//! migrations to the schema production runs, with rows in it, while the previous version of
//! the application keeps serving.
//!
//! On a server of its own (the chain may create roles, which are the cluster's), the run builds
//! the deployed database ([`deployed`]: the chain at `from`, or all but the last `new`), fills
//! it ([`rows`]: `data`, else synthesized rows, committed), keeps its rows, prepares the
//! application's queries ([`queries`]), then applies each new migration statement by statement
//! under observation ([`locks`]); after each, the queries again, and with `reversible` its Down
//! part and the schema compared ([`schema`]). What it found is an [`Outcome`]: verdicts as
//! values, which `checks` reads and the plan names tests after.

mod cluster;
pub mod deployed;
mod locks;
mod queries;
mod rows;
mod schema;

use sqlx::Connection;
use sqlx::postgres::{PgConnection, PgPoolOptions};

pub use deployed::Split;
pub use locks::{Finding, Touch};
pub use queries::Query;
pub use rows::Fate;

use crate::catalog;
use crate::migrate::{ApplyError, Chain, Migration};
use crate::provision::{Postgres, ProvisionError, Source};
use crate::spec::Spec;

/// What a run with `[upgrade]` will test: found before any database (exit 2 when wrong).
#[derive(Debug)]
pub struct Planned {
    pub split: Split,
    pub queries: Vec<Query>,
    /// `reversible = true` and the format has Down parts.
    pub reversible: bool,
}

/// `[upgrade]` of `spec` over `chain`, when the project has one.
pub fn plan(spec: &Spec, chain: &Chain) -> Result<Option<Planned>, String> {
    let Some(upgrade) = &spec.project.upgrade else {
        return Ok(None);
    };
    let Some(split) = deployed::split(spec, chain)? else {
        return Ok(None);
    };
    Ok(Some(Planned {
        split,
        queries: queries::read(&upgrade.queries)?,
        reversible: upgrade.reversible.is_some() && chain.format.has_down_parts(),
    }))
}

/// Everything the deploy window showed, with what names its tests.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Where `[upgrade]` is written: what its tests point at.
    pub at: crate::location::Location,
    /// Which migrations are new, and why: for the header.
    pub why: String,
    /// The new migrations' names, in order.
    pub names: Vec<String>,
    /// The application's queries.
    pub query_list: Vec<Query>,
    /// `upgrade::apply`: the failure, as its message says it.
    pub apply: Result<(), String>,
    /// Every table holding rows before the new migrations, and what became of them.
    pub tables: Vec<(String, Fate)>,
    /// Per new migration, in order.
    pub locks: Vec<Observed>,
    /// Per query, in order.
    pub queries: Vec<Prepared>,
    /// Per new migration, when reversible.
    pub reversible: Vec<Reversed>,
    /// Lines for the run's header.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    Clear,
    Blocking(Vec<Finding>),
    /// Applied, but its statements could not be watched: why.
    NotObserved(String),
    /// Not applied: `upgrade::apply` failed before it.
    NotReached,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    Always,
    /// It does not prepare against the deployed schema: the query file is wrong.
    NotOnDeployed(String),
    BrokeAfter {
        migration: String,
        error: String,
    },
    NotReached,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reversed {
    Restores,
    NoDown,
    DownFailed(String),
    /// The schema after the Down part differs from before the migration: the diff.
    Differs(String),
    UpAgainFailed(String),
    NotReached,
}

impl Outcome {
    fn unreached(spec: &Spec, planned: &Planned) -> Self {
        let n = planned.split.new.len();
        Self {
            at: (spec.project.upgrade.as_ref())
                .map(|u| u.at.clone())
                .unwrap_or_else(|| crate::location::Location {
                    path: spec.project.file.clone(),
                    line: 1,
                    column: 1,
                }),
            why: planned.split.why.clone(),
            names: planned.split.names.clone(),
            query_list: planned.queries.clone(),
            apply: Ok(()),
            tables: Vec::new(),
            locks: vec![Observed::NotReached; n],
            queries: vec![Prepared::NotReached; planned.queries.len()],
            reversible: if planned.reversible {
                vec![Reversed::NotReached; n]
            } else {
                Vec::new()
            },
            notes: Vec::new(),
        }
    }
}

/// Builds the deploy window on a server of its own, started from `source`.
pub async fn run(
    spec: &Spec,
    planned: &Planned,
    source: &Source,
) -> Result<Outcome, ProvisionError> {
    let mut outcome = Outcome::unreached(spec, planned);
    if let Some(refused) = not_built(planned, source) {
        outcome.apply = Err(refused);
        return Ok(outcome);
    }
    let started = std::time::Instant::now();
    let keyed = cluster::key(spec, planned, source);
    let building = keyed.as_ref().and_then(|k| k.building());
    let (postgres, database, hit) = cluster::start(source, keyed.as_ref()).await?;
    let roles = postgres.role_phase().await?;
    let conn = cluster::connect(&postgres, &database).await?;
    let mark = roles.as_ref().map(|r| r.marking_sql());
    let env = postgres.client_env(&database);
    let mut window = Window {
        spec,
        planned,
        conn,
        env: &env,
        mark: mark.as_deref(),
        unfilled: Vec::new(),
    };
    let mut result = Ok(());
    if !hit {
        result = window.build(&postgres, &database, &mut outcome).await;
    }
    if let (Ok(()), Some(keyed), false) = (&result, &keyed, hit)
        && let Some(fresh) = cluster::keep(&postgres, &database, keyed).await?
    {
        // The server restarted to be copied: the connection made before is gone.
        window.conn = fresh;
    }
    drop(building);
    outcome.notes.push(format!(
        "upgrade: deployed database {} in {:.2}s",
        match (hit, &keyed) {
            (true, Some(k)) => format!("from cache {}", k.key),
            (false, Some(k)) if result.is_ok() => format!("built, kept in the cache as {}", k.key),
            _ => "built".to_string(),
        },
        started.elapsed().as_secs_f64()
    ));
    if result.is_ok() {
        result = window.deploy(&mut outcome).await;
    }
    if let Err(e) = result {
        outcome.apply = Err(e);
    }
    let _ = window.conn.close().await;
    if let Some(roles) = roles {
        roles.end().await;
    }
    Ok(outcome)
}

/// Why the window is not built at all: history rewritten since `from`, or a backend without a
/// server of the window's own.
fn not_built(planned: &Planned, source: &Source) -> Option<String> {
    let split = &planned.split;
    if !split.rewritten.is_empty() {
        let named: Vec<String> = (split.rewritten.iter())
            .map(|(name, how)| format!("{name} ({how})"))
            .collect();
        return Some(format!(
            "deployed migrations were changed or deleted since they were deployed (history \
             rewritten: production ran what the chain no longer says): {}; put the change in a \
             new migration instead",
            named.join(", ")
        ));
    }
    (source.backend() == crate::spec::Backend::Url).then(|| {
        "could not test: the deploy window needs a server of its own (roles belong to the \
         whole server, and the checks' database has created the chain's already), which the \
         url backend does not give: run [upgrade] on the local or docker backend"
            .to_string()
    })
}

/// The deploy window being built.
struct Window<'w> {
    spec: &'w Spec,
    planned: &'w Planned,
    conn: PgConnection,
    env: &'w [(String, String)],
    mark: Option<&'w str>,
    /// Tables no row could be synthesized for (see [`rows::unfilled`]).
    unfilled: Vec<locks::Holding>,
}

/// An observation query failed: the run cannot say what happened.
fn observing(what: &str, e: sqlx::Error) -> String {
    format!("could not test: {what}: {e}")
}

impl Window<'_> {
    /// The deployed chain, then its rows.
    async fn build(
        &mut self,
        postgres: &Postgres,
        database: &str,
        outcome: &mut Outcome,
    ) -> Result<(), String> {
        let split = &self.planned.split;
        (split
            .deployed
            .apply(&mut self.conn, self.env, self.mark)
            .await)
            .map_err(|e| format!("the deployed chain does not apply: {e}"))?;
        self.fill(postgres, database, outcome).await
    }

    /// On the deployed database with its rows: the rows kept, the queries prepared, each new
    /// migration observed, the rows looked for.
    async fn deploy(&mut self, outcome: &mut Outcome) -> Result<(), String> {
        let split = &self.planned.split;
        let kept = rows::keep(&mut self.conn, self.spec)
            .await
            .map_err(|e| observing("reading the deployed rows", e))?;
        let upgrade = self.spec.project.upgrade.as_ref();
        if upgrade.is_some_and(|u| u.data.is_empty()) {
            self.unfilled = (rows::unfilled(&mut self.conn, self.spec).await)
                .map_err(|e| observing("looking for tables without rows", e))?;
        }
        for table in &self.unfilled {
            outcome.notes.push(format!(
                "upgrade: {} holds no rows (none could be synthesized): a new migration's lock \
                 that blocks its writes cannot be judged, and fails its locks test; give its \
                 rows in [upgrade] data",
                table.name.shown(self.spec.default_schema())
            ));
        }
        for (i, query) in self.planned.queries.iter().enumerate() {
            outcome.queries[i] = match queries::prepare(&mut self.conn, query).await {
                Ok(()) => Prepared::Always,
                Err(e) => Prepared::NotOnDeployed(e),
            };
        }
        // Plans as a selective WHERE on an indexed column would get on a table of real size.
        sqlx::raw_sql("SET enable_seqscan = off")
            .execute(&mut self.conn)
            .await
            .map_err(|e| observing("planning as on a large table", e))?;
        // Named now, so that a failing migration still lists them (pointing at upgrade::apply).
        let schema = self.spec.default_schema();
        outcome.tables = (kept.iter())
            .map(|t| (t.name.shown(schema), Fate::Kept))
            .collect();
        for (i, m) in split.new.iter().enumerate() {
            let name = &split.names[i];
            self.migrate(i, m, outcome).await?;
            self.look_for_rows(&kept, name, outcome).await?;
            for (q, query) in self.planned.queries.iter().enumerate() {
                if outcome.queries[q] != Prepared::Always {
                    continue;
                }
                if let Err(error) = queries::prepare(&mut self.conn, query).await {
                    outcome.queries[q] = Prepared::BrokeAfter {
                        migration: name.clone(),
                        error,
                    };
                }
            }
        }
        Ok(())
    }

    /// After migration `name`: the rows of each table still kept whole, looked for. The first
    /// migration after which rows are missing, or the table is gone, is the one named.
    async fn look_for_rows(
        &mut self,
        kept: &[rows::Kept],
        name: &str,
        outcome: &mut Outcome,
    ) -> Result<(), String> {
        for (table, (shown, fate)) in kept.iter().zip(outcome.tables.iter_mut()) {
            if *fate != Fate::Kept {
                continue;
            }
            *fate = rows::fate(&mut self.conn, table, name)
                .await
                .map_err(|e| observing("reading the deployed rows again", e))?;
            if let Fate::Dropped(by) = &fate {
                outcome
                    .notes
                    .push(format!("upgrade: {shown} is dropped by {by}"));
            }
        }
        Ok(())
    }

    /// `data`, or synthesized rows.
    async fn fill(
        &mut self,
        postgres: &Postgres,
        database: &str,
        outcome: &mut Outcome,
    ) -> Result<(), String> {
        let upgrade = self.spec.project.upgrade.as_ref();
        let data = upgrade.map(|u| u.data.clone()).unwrap_or_default();
        if !data.is_empty() {
            let mut filling = self.planned.split.deployed.clone();
            filling.before.clear();
            filling.migrations.clear();
            filling.seed = Chain::scripts(&data).map_err(|e| e.to_string())?;
            return (filling.apply(&mut self.conn, self.env, self.mark).await)
                .map_err(|e| format!("[upgrade] data does not apply: {e}"));
        }
        let catalog = catalog::load(&mut self.conn)
            .await
            .map_err(|e| observing("reading the deployed catalog", e))?;
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(postgres.options(database))
            .await
            .map_err(|e| observing("connecting to the deployed database", e))?;
        for (table, why) in rows::synthesize(&pool, &catalog, self.spec).await {
            outcome.notes.push(format!(
                "upgrade: no rows synthesized for {table} (give them in [upgrade] data): {why}"
            ));
        }
        pool.close().await;
        Ok(())
    }

    /// New migration `i`, observed; then its Down part and the schema compared, when
    /// reversible.
    async fn migrate(
        &mut self,
        i: usize,
        m: &Migration,
        outcome: &mut Outcome,
    ) -> Result<(), String> {
        let schemas = &self.spec.project.invariants.schemas;
        let before = match self.planned.reversible {
            true => Some(
                schema::render(&mut self.conn, schemas)
                    .await
                    .map_err(|e| observing("rendering the schema", e))?,
            ),
            false => None,
        };
        outcome.locks[i] = self.observed(m).await?;
        if let Some(before) = before {
            outcome.reversible[i] = self.reversed(m, &before).await?;
        }
        Ok(())
    }

    async fn observed(&mut self, m: &Migration) -> Result<Observed, String> {
        let chain = &self.planned.split.deployed;
        let failed = |e: ApplyError| format!("a new migration does not apply: {e}");
        if !deployed::observable(chain.format) {
            self.unwatched(m).await.map_err(failed)?;
            return Ok(Observed::NotObserved(format!(
                "{} migrations are applied by their tool's own client, whole: their statements \
                 cannot be watched one by one",
                chain.format.name()
            )));
        }
        let mut holding = rows::holding(&mut self.conn)
            .await
            .map_err(|e| observing("counting the rows of each table", e))?;
        holding.extend(self.unfilled.iter().cloned());
        let mut observer = locks::Observer::new(&holding, self.spec.default_schema());
        (chain.apply_watched(&mut self.conn, m, &mut observer).await).map_err(failed)?;
        Ok(match observer.findings.is_empty() {
            true => Observed::Clear,
            false => Observed::Blocking(observer.findings),
        })
    }

    /// `m` applied as the chain's tool applies it, unwatched.
    async fn unwatched(&mut self, m: &Migration) -> Result<(), ApplyError> {
        let mut one = self.planned.split.deployed.clone();
        one.before.clear();
        one.migrations = vec![m.clone()];
        one.apply_migrations(&mut self.conn, self.env, self.mark)
            .await
    }

    async fn reversed(&mut self, m: &Migration, before: &str) -> Result<Reversed, String> {
        let Some(down) = m.down.as_deref() else {
            return Ok(Reversed::NoDown);
        };
        if let Err(e) = self.unwatched(down).await {
            return Ok(Reversed::DownFailed(e.to_string()));
        }
        let schemas = &self.spec.project.invariants.schemas;
        let after = schema::render(&mut self.conn, schemas)
            .await
            .map_err(|e| observing("rendering the schema", e))?;
        let again = self.unwatched(m).await;
        Ok(match (after == before, again) {
            (true, Ok(())) => Reversed::Restores,
            (true, Err(e)) => Reversed::UpAgainFailed(e.to_string()),
            (false, Ok(())) => Reversed::Differs(schema::diff(before, &after)),
            (false, Err(e)) => Reversed::Differs(format!(
                "{}and the migration then does not apply again: {e}",
                schema::diff(before, &after)
            )),
        })
    }
}
