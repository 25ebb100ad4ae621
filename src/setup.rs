//! The shared set-up every check needs: a PostgreSQL, a database of our own, the chain and seed
//! applied once, the idempotency pass on a clone, one catalog read and a pool for data checks.

use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};

use crate::catalog::{self, Catalog};
use crate::checks::SetupOutcome;
use crate::migrate::{ApplyError, Chain};
use crate::provision::{Postgres, ProvisionError};
use crate::spec::{Backend, Spec};

/// A migrated database, ready for checks. Dropping it removes everything it created.
pub struct Setup {
    pub outcome: SetupOutcome,
    /// `None` when the chain did not apply.
    pub catalog: Option<Catalog>,
    pub pool: Option<PgPool>,
    /// Wall time of provisioning and of applying the chain and seed.
    pub timings: Timings,
    // Dropped last: the server outlives the pool.
    pub postgres: Postgres,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    pub provision: Duration,
    pub apply: Duration,
}

impl Setup {
    /// Provisions and migrates. Only provisioning problems are errors; a chain that fails to
    /// apply is an outcome (`migrations::apply` fails, with the file and line).
    pub async fn run(
        spec: &Spec,
        chain: &Chain,
        backend: Backend,
        connections: u32,
    ) -> Result<Self, ProvisionError> {
        let started = Instant::now();
        let postgres = Postgres::start(backend, &spec.project.database).await?;
        let database = postgres.create_database(None).await?;
        let provision = started.elapsed();

        let started = Instant::now();
        let apply = apply_once(&postgres, &database, chain).await?;
        let apply_time = started.elapsed();
        let idempotent = match (&apply, spec.project.migrations.idempotent) {
            (Ok(()), true) => Some(second_pass(&postgres, &database, chain).await?),
            _ => None,
        };

        let (catalog, pool) = if apply.is_ok() {
            let pool = PgPoolOptions::new()
                .max_connections(connections.max(1))
                .connect_with(postgres.options(&database))
                .await
                .map_err(|e| db_error("connecting to the migrated database", e))?;
            let mut conn = pool
                .acquire()
                .await
                .map_err(|e| db_error("connecting to the migrated database", e))?;
            let catalog = catalog::load(&mut conn)
                .await
                .map_err(|e| db_error("reading the catalog", e))?;
            (Some(catalog), Some(pool))
        } else {
            (None, None)
        };
        Ok(Self {
            outcome: SetupOutcome { apply, idempotent },
            catalog,
            pool,
            timings: Timings {
                provision,
                apply: apply_time,
            },
            postgres,
        })
    }

    /// Closes the pool, then drops the server (and with it every database we created).
    pub async fn close(self) {
        if let Some(pool) = &self.pool {
            pool.close().await;
        }
    }
}

fn db_error(what: &str, source: sqlx::Error) -> ProvisionError {
    ProvisionError::Database {
        what: what.to_string(),
        source,
    }
}

async fn connect(postgres: &Postgres, database: &str) -> Result<PgConnection, ProvisionError> {
    let options = postgres.options(database);
    options
        .connect()
        .await
        .map_err(|e| db_error(&format!("connecting to database {database}"), e))
}

/// `before`, chain and seed on a fresh connection to `database`.
async fn apply_once(
    postgres: &Postgres,
    database: &str,
    chain: &Chain,
) -> Result<Result<(), ApplyError>, ProvisionError> {
    let mut conn = connect(postgres, database).await?;
    let result = chain.apply(&mut conn, &postgres.client_env(database)).await;
    let _ = conn.close().await;
    Ok(result)
}

/// The chain applied again, on a clone of the migrated database so the checks still see the
/// state after one application, whatever the second pass did.
async fn second_pass(
    postgres: &Postgres,
    database: &str,
    chain: &Chain,
) -> Result<Result<(), ApplyError>, ProvisionError> {
    let clone = postgres.create_database(Some(database)).await?;
    let mut conn = connect(postgres, &clone).await?;
    let result = chain
        .apply_migrations(&mut conn, &postgres.client_env(&clone))
        .await;
    let _ = conn.close().await;
    postgres.drop_database(&clone).await?;
    Ok(result)
}
