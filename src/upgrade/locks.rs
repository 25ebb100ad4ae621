//! What a new migration's statements really do to the tables that hold rows, observed
//! (docs/deploys.md "How locks are observed"):
//!
//! - **rewrite**: the table's `relfilenode` changed (`ALTER COLUMN TYPE`, a volatile default,
//!   `VACUUM FULL`, `CLUSTER`, `SET TABLESPACE`). `TRUNCATE` also gets a new file, but reads no
//!   row: what it loses is `upgrade::<table>::rows`' business.
//! - **scan**: the statement read at least as many rows of the table as it held when the
//!   migration started, counted by PostgreSQL itself in the transaction's own statistics: rows
//!   the table's scans returned or fetched (`pg_stat_get_xact_tuples_returned` + `_fetched`:
//!   sequential scans, index builds, constraint validations, `SET NOT NULL`'s check, bitmap
//!   scans), or index entries its indexes returned (an index or index-only scan counts its
//!   fetches on the index), whichever grew more during the statement. DML plans are made with `enable_seqscan = off`,
//!   so that a selective `WHERE` on an indexed column is not counted as a read of every row.
//! - **lock**: the strongest lock the transaction holds on the table right after the statement
//!   (`pg_locks` of the session), earlier statements' included. SHARE and stronger block writes.
//!
//! A rewrite or a scan under a lock that blocks writes fails the migration's `locks` test. A
//! statement that PostgreSQL refuses in a transaction block (`CREATE INDEX CONCURRENTLY`,
//! `VACUUM`) runs alone: only its rewrite is seen, and it is taken as under ACCESS EXCLUSIVE,
//! the lock every rewriting command takes.

use std::collections::HashMap;

use sqlx::postgres::PgConnection;

use crate::location::Location;
use crate::migrate::{Watch, Watched};
use crate::names::{TableName, ident};

/// A table that holds rows as a migration starts: the ones a statement can hurt. `rows` is 0
/// for a table that should hold rows but none could be synthesized for it: a lock that blocks
/// its writes cannot be judged, and says so.
#[derive(Debug, Clone)]
pub struct Holding {
    pub oid: i64,
    pub name: TableName,
    pub rows: i64,
}

/// What a statement did that blocks the application's writes for as long as it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub at: Location,
    pub table: String,
    pub mode: String,
    pub touch: Touch,
    /// The first line of the statement.
    pub statement: String,
    /// The zero-downtime form, with its SQL.
    pub instead: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touch {
    Rewrite,
    Scan,
    /// A lock that blocks writes on a table that holds no rows because none could be
    /// synthesized: what the statement would do to real rows is not known.
    Unobserved,
}

impl Touch {
    pub fn word(self) -> &'static str {
        match self {
            Self::Rewrite => "rewrites every row",
            Self::Scan => "reads every row",
            Self::Unobserved => "could not be observed",
        }
    }
}

/// Watches the statements of one migration over `holding`, the tables holding rows as it
/// started (a table it creates is not among them: exempt for the rest of the migration).
pub struct Observer<'h> {
    holding: &'h [Holding],
    default_schema: &'h str,
    before: HashMap<i64, Seen>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Default)]
struct Seen {
    file: i64,
    /// Rows the table's own scans returned or fetched so far (the session's unflushed
    /// statistics: only differences mean anything).
    heap: i64,
    /// Entries its indexes returned so far.
    index: i64,
    /// The strongest lock the transaction held on the table.
    lock: Option<&'static str>,
}

/// Lock modes in order of strength; from SHARE on they block writes.
const MODES: [&str; 8] = [
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
];
const BLOCKS_WRITES: usize = 4;

fn strength(mode: &str) -> usize {
    MODES.iter().position(|m| *m == mode).unwrap_or(0)
}

/// `ShareRowExclusiveLock` as the documentation writes it: SHARE ROW EXCLUSIVE.
fn shown(mode: &str) -> String {
    let bare = mode.trim_end_matches("Lock");
    let mut out = String::new();
    for (i, c) in bare.char_indices() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

impl<'h> Observer<'h> {
    pub fn new(holding: &'h [Holding], default_schema: &'h str) -> Self {
        Self {
            holding,
            default_schema,
            before: HashMap::new(),
            findings: Vec::new(),
        }
    }

    async fn seen(&self, conn: &mut PgConnection) -> Result<HashMap<i64, Seen>, sqlx::Error> {
        let oids: Vec<i64> = self.holding.iter().map(|h| h.oid).collect();
        let rows: Vec<(i64, i64, i64, i64, Option<String>)> = sqlx::query_as(
            "WITH held AS (SELECT relation, string_agg(mode, ',') AS modes FROM pg_locks \
               WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted \
               GROUP BY relation) \
             SELECT c.oid::int8, c.relfilenode::int8, \
             (coalesce(pg_stat_get_xact_tuples_returned(c.oid), 0) \
              + coalesce(pg_stat_get_xact_tuples_fetched(c.oid), 0))::int8, \
             (SELECT coalesce(sum(pg_stat_get_xact_tuples_returned(i.indexrelid)), 0) \
              FROM pg_index i WHERE i.indrelid = c.oid)::int8, \
             held.modes \
             FROM pg_class c LEFT JOIN held ON held.relation = c.oid \
             WHERE c.oid::int8 = ANY($1)",
        )
        .bind(&oids)
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(oid, file, heap, index, modes)| {
                let lock = (modes.unwrap_or_default().split(','))
                    .filter(|m| !m.is_empty())
                    .max_by_key(|m| strength(m))
                    .and_then(|m| MODES.iter().copied().find(|k| *k == m));
                let seen = Seen {
                    file,
                    heap,
                    index,
                    lock,
                };
                (oid, seen)
            })
            .collect())
    }

    fn judge(&mut self, statement: &Watched<'_>, after: &HashMap<i64, Seen>) {
        let first = statement.sql.trim_start().to_ascii_uppercase();
        if first.starts_with("TRUNCATE") {
            return;
        }
        for table in self.holding {
            let (Some(was), Some(now)) = (self.before.get(&table.oid), after.get(&table.oid))
            else {
                continue;
            };
            if table.rows == 0 {
                self.unobserved(statement, table, now);
                continue;
            }
            let rewrite = now.file != was.file;
            let read = (now.heap - was.heap).max(now.index - was.index);
            let scan = statement.in_transaction && read >= table.rows;
            let lock = match (statement.in_transaction, rewrite) {
                (true, _) => now.lock,
                (false, true) => Some("AccessExclusiveLock"),
                (false, false) => None,
            };
            let Some(lock) = lock.filter(|l| strength(l) >= BLOCKS_WRITES) else {
                continue;
            };
            let touch = match (rewrite, scan) {
                (true, _) => Touch::Rewrite,
                (false, true) => Touch::Scan,
                (false, false) => continue,
            };
            let earlier = was.lock.is_some_and(|l| strength(l) >= BLOCKS_WRITES);
            let name = table.name.shown(self.default_schema);
            self.findings.push(Finding {
                at: statement.at.clone(),
                table: name,
                mode: shown(lock),
                touch,
                statement: first_line(statement.sql),
                instead: instead(statement.sql, &table.name, touch, earlier),
            });
        }
    }
}

impl Observer<'_> {
    /// A lock that blocks writes on a table without rows: said once per table.
    fn unobserved(&mut self, statement: &Watched<'_>, table: &Holding, now: &Seen) {
        let Some(lock) = now.lock.filter(|l| strength(l) >= BLOCKS_WRITES) else {
            return;
        };
        let name = table.name.shown(self.default_schema);
        if (self.findings.iter()).any(|f| f.table == name && f.touch == Touch::Unobserved) {
            return;
        }
        self.findings.push(Finding {
            at: statement.at.clone(),
            table: name,
            mode: shown(lock),
            touch: Touch::Unobserved,
            statement: first_line(statement.sql),
            instead:
                "give the table's rows in [upgrade] data: no valid row could be synthesized for it"
                    .into(),
        });
    }
}

impl Watch for Observer<'_> {
    async fn before(&mut self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        self.before = self.seen(conn).await?;
        Ok(())
    }

    async fn after(
        &mut self,
        conn: &mut PgConnection,
        statement: &Watched<'_>,
    ) -> Result<(), sqlx::Error> {
        let after = self.seen(conn).await?;
        self.judge(statement, &after);
        Ok(())
    }
}

fn first_line(sql: &str) -> String {
    let line = sql.trim().lines().next().unwrap_or_default().trim_end();
    let short: String = line.chars().take(100).collect();
    if short.len() < line.len() || sql.trim().lines().nth(1).is_some() {
        format!("{short} …")
    } else {
        short
    }
}

/// The zero-downtime form of `sql`, with its SQL where it can be written from the statement,
/// after the lock an earlier statement of the transaction took, when `earlier`.
fn instead(sql: &str, table: &TableName, touch: Touch, earlier: bool) -> String {
    let form = form(sql, table, touch);
    match earlier {
        true => format!(
            "an earlier statement of this migration's transaction holds the lock: put this \
             statement in a migration of its own; {form}"
        ),
        false => form,
    }
}

/// The zero-downtime form of `sql` on its own.
fn form(sql: &str, table: &TableName, touch: Touch) -> String {
    let upper = sql.to_ascii_uppercase();
    let words: Vec<&str> = upper.split_whitespace().collect();
    let t = word_after(sql, "ALTER TABLE").unwrap_or_else(|| table.sql());
    let has = |w: &str| words.contains(&w);
    let dml = matches!(
        words.first().copied(),
        Some("UPDATE" | "INSERT" | "DELETE" | "MERGE" | "WITH")
    );
    if dml {
        return "a backfill in batches: UPDATE ... WHERE id IN (SELECT id ... LIMIT 1000), \
                repeated"
            .into();
    }
    if words.first() == Some(&"CREATE") && has("INDEX") {
        let at = upper.find("INDEX").unwrap_or(0);
        let concurrently = format!("{}INDEX CONCURRENTLY{}", &sql[..at], &sql[at + 5..]);
        return format!(
            "CREATE INDEX CONCURRENTLY, alone in a migration that runs outside a transaction: {}",
            concurrently.trim().trim_end_matches(';')
        );
    }
    if has("NOT") && upper.contains("SET NOT NULL") {
        let column = word_after(sql, "ALTER COLUMN").unwrap_or_else(|| "<column>".into());
        let check = ident(&format!(
            "{}_{}_not_null",
            table.name,
            column.trim_matches('"')
        ));
        return format!(
            "a CHECK first, then SET NOT NULL (PostgreSQL 12+ skips the scan): \
             ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID; \
             then, in a migration of its own, ALTER TABLE {t} VALIDATE CONSTRAINT {check}; \
             then ALTER TABLE {t} ALTER COLUMN {column} SET NOT NULL; \
             ALTER TABLE {t} DROP CONSTRAINT {check};"
        );
    }
    if (has("FOREIGN") || has("REFERENCES") || has("CHECK")) && !has("VALID") {
        let name = word_after(sql, "ADD CONSTRAINT").unwrap_or_else(|| "<name>".into());
        return format!(
            "ADD the constraint NOT VALID (new rows are checked at once), then, in a migration \
             of its own, VALIDATE it (SHARE UPDATE EXCLUSIVE: writes go on): {} NOT VALID; \
             ALTER TABLE {t} VALIDATE CONSTRAINT {name};",
            sql.trim().trim_end_matches(';')
        );
    }
    if has("UNIQUE") || (has("PRIMARY") && has("KEY")) {
        return format!(
            "CREATE UNIQUE INDEX CONCURRENTLY <name> ON {t} (...) in a migration of its own, \
             then ALTER TABLE {t} ADD CONSTRAINT <name> UNIQUE USING INDEX <name>;"
        );
    }
    if has("REFRESH") && has("MATERIALIZED") {
        return "REFRESH MATERIALIZED VIEW CONCURRENTLY (it needs a unique index on the view): \
                readers keep the old rows until it ends"
            .into();
    }
    if has("TYPE") && has("ALTER") {
        return "add a column of the new type, backfill it in batches, move reads and writes \
                over, then drop the old column (each step a migration of its own)"
            .into();
    }
    if has("ADD") && has("DEFAULT") {
        return format!(
            "add the column without the volatile default (or with a constant one: PostgreSQL \
             11+ writes no row), then backfill in batches and SET DEFAULT: \
             ALTER TABLE {t} ADD COLUMN ...; ALTER TABLE {t} ALTER COLUMN ... SET DEFAULT ...;"
        );
    }
    match touch {
        Touch::Rewrite => "change the table so that no row is rewritten: a new column or table \
                           filled in batches, then switched to"
            .into(),
        Touch::Scan | Touch::Unobserved => "split the change so that no statement reads every \
                                            row under a lock that blocks writes (NOT VALID \
                                            then VALIDATE, CONCURRENTLY)"
            .into(),
    }
}

/// The identifier after `keyword` in `sql` (as written, quotes kept), past `IF EXISTS` and
/// `ONLY`.
fn word_after(sql: &str, keyword: &str) -> Option<String> {
    let upper = sql.to_ascii_uppercase();
    let at = upper.find(keyword)? + keyword.len();
    let skip = ["IF", "EXISTS", "ONLY"];
    sql[at..]
        .split_whitespace()
        .find(|w| !skip.contains(&w.to_ascii_uppercase().as_str()))
        .map(|w| w.trim_end_matches([';', ',']).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_are_shown_as_the_documentation_writes_them() {
        assert_eq!(shown("ShareRowExclusiveLock"), "SHARE ROW EXCLUSIVE");
        assert_eq!(shown("AccessExclusiveLock"), "ACCESS EXCLUSIVE");
        assert!(strength("ShareLock") >= BLOCKS_WRITES);
        assert!(strength("ShareUpdateExclusiveLock") < BLOCKS_WRITES);
    }

    #[test]
    fn an_index_is_advised_concurrently() {
        let t = TableName::new("public", "orders");
        let advice = instead(
            "create index orders_org on orders (org_id);",
            &t,
            Touch::Scan,
            false,
        );
        assert!(
            advice.ends_with("create INDEX CONCURRENTLY orders_org on orders (org_id)"),
            "{advice}"
        );
    }
}
