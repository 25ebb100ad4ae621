//! What the data checks share (`orphans`, and `not_null`'s scan of the rows the chain and seed
//! left): one query on the migrated data, read-only in a transaction that is rolled back, with
//! the extended protocol; and how a sample of offending rows reads in a message.

use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, Row};

use crate::checks::Context;
use crate::sandbox::STATEMENT_TIMEOUT;

/// Runs `sql` (one row expected) with `$1` bound to `shown`, the size of its sample, in a
/// read-only transaction that is rolled back, under the behavioural `statement_timeout`; returns the count in column `n` and the sample
/// in column `sample`.
pub async fn count_and_sample(
    ctx: &Context<'_>,
    sql: &str,
    shown: i64,
) -> Result<(i64, Vec<String>), sqlx::Error> {
    let mut tx = ctx.pool.begin().await?;
    sqlx::query("SET TRANSACTION READ ONLY")
        .execute(&mut *tx)
        .await?;
    // The user's `where` (or a huge table) must not hang the run: the behavioural limit holds.
    sqlx::query(AssertSqlSafe(format!(
        "SET LOCAL statement_timeout = '{}ms'",
        STATEMENT_TIMEOUT.as_millis()
    )))
    .execute(&mut *tx)
    .await?;
    let row: PgRow = sqlx::query(AssertSqlSafe(sql.to_string()))
        .bind(shown)
        .fetch_one(&mut *tx)
        .await?;
    tx.rollback().await?;
    Ok((row.try_get("n")?, row.try_get("sample")?))
}

/// `a, b, c`, then `, …` when `count` is more than the sample shows.
pub fn listing(count: i64, sample: &[String]) -> String {
    let more = if count > sample.len() as i64 {
        ", …"
    } else {
        ""
    };
    format!("{}{more}", sample.join(", "))
}
