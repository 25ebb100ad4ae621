//! The rolled-back transaction every behavioural check runs in.
//!
//! Each check gets its own pooled connection and transaction, so checks run in parallel and never
//! see each other's rows; nothing is ever committed. Each statement runs under a savepoint, so an
//! expected error (the point of `not_null` or `rejects_invalid`) does not abort the transaction.
//! Deferred constraints are made immediate up front: a deferred FK fails at the statement that
//! breaks it, as it would at `SET CONSTRAINTS ALL IMMEDIATE` or at commit.
//!
//! The sandbox keeps a transcript of the statements that mattered, written with literal values
//! only, so a failure can show SQL a user pastes into psql.
//!
//! It sits below synthesis and tenancy, which both run their statements in it; [`guard`] keeps
//! a principal's statements from changing the schema, [`sqlstate`] names the codes decided on.

// An error here is the product (it ends up in a failure message), not an exception: boxing it
// would buy nothing measurable.
#![allow(clippy::result_large_err)]

mod error;
pub mod guard;
pub mod sqlstate;

pub use error::DbError;

use std::time::Duration;

use futures_util::StreamExt;
use sqlx::Either;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgPool, PgRow, Postgres};
use sqlx::{Executor, Row, TypeInfo, ValueRef};

/// How long one statement may run, and wait for a lock, before the check fails instead of hanging.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(15);
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a synthesized INSERT waits for a lock: a wait is nearly always another check's
/// uncommitted row with the same key, better answered with other values than by waiting.
pub(crate) const SYNTHESIS_LOCK_TIMEOUT: &str = "200ms";

/// The two settings that decide how PostgreSQL's lexer splits a simple-protocol message into
/// statements, put back at the start of the transaction and after every kept statement. A sample
/// is an expression and may call `set_config`: one that turned `standard_conforming_strings` off
/// (then `'\'` opens a string instead of being one) or set a `client_encoding` whose characters
/// swallow a backslash (SJIS, GBK…) would make the next message lex differently from the proof
/// that each sample is one expression, and a value returned earlier and written back as a
/// literal could then end the transaction. A trial's `ROLLBACK TO SAVEPOINT` undoes such
/// settings by itself, and so does a failed statement's error (PostgreSQL reverts the settings
/// of an aborted subtransaction when it aborts, before the next message is read, although the
/// `ROLLBACK TO` only comes at the head of that message); a kept statement's `RELEASE` keeps
/// them, hence these `SET LOCAL`s. Within one message nothing changes how it lexes: PostgreSQL parses a whole
/// message before running any of it. At the start, they also override whatever defaults a
/// migration gave the database or the role.
const LEXER_AS_PROVEN: &str =
    "SET LOCAL standard_conforming_strings = on; SET LOCAL client_encoding = 'UTF8';";

/// What the harness holds a check to, put back with [`LEXER_AS_PROVEN`] after every kept
/// statement for the same reason: a principal, a request setting or a sample that ran
/// `SET statement_timeout = 0` changes nothing past its own statement, and the schema guard,
/// armed for a principal's statement only ([`Sandbox::statement`]), is off again (whatever that
/// statement set it to). The lock timeout comes with it: see [`lock_timeout`].
fn held_to() -> String {
    format!(
        "SET LOCAL statement_timeout = '{}s'; {}",
        STATEMENT_TIMEOUT.as_secs(),
        guard::disarm()
    )
}

/// One transaction on one pooled connection, always rolled back.
pub struct Sandbox {
    conn: PoolConnection<Postgres>,
    transcript: Vec<String>,
    /// A statement was a deadlock victim or waited too long for a lock: what it proves depends
    /// on what ran beside it.
    contended: bool,
    /// Whether the lock timeout in force is the short one of synthesis.
    synthesizing: bool,
    /// What must run before the next statement and has not yet been sent: the transaction's
    /// start, or the `ROLLBACK TO SAVEPOINT` after a failed statement. It goes at the head of
    /// the next message rather than in a round trip of its own (a check's case is a handful of
    /// statements, so a round trip saved is a large share of it), and a failed statement's
    /// rollback to the savepoint is not needed at all before the final `ROLLBACK`.
    pending: String,
    /// Marks made so far (see [`Self::mark`]): each has a savepoint of its own.
    marks: usize,
    /// The first error that said the server ran out of something: whatever the check makes of
    /// the statements around it, its verdict is that it could not test.
    resource: Option<DbError>,
}

/// A point of a sandbox's transaction that [`Sandbox::back_to`] returns to.
#[derive(Debug)]
pub struct Mark {
    n: usize,
    synthesizing: bool,
}

impl Sandbox {
    /// Takes a connection for the transaction. The transaction itself (its timeouts, every
    /// deferrable constraint immediate, and the savepoint the first statement runs under) begins
    /// with the first statement, in the same message. It begins with the lock timeout of
    /// synthesis: nearly every check builds its rows first.
    pub async fn begin(pool: &PgPool) -> Result<Self, DbError> {
        let conn = pool.acquire().await.map_err(DbError::from_sqlx)?;
        let start = format!(
            "BEGIN; {} SET LOCAL lock_timeout = '{SYNTHESIS_LOCK_TIMEOUT}'; SET CONSTRAINTS ALL IMMEDIATE; {LEXER_AS_PROVEN} SAVEPOINT pg_invariants;\n",
            held_to(),
        );
        Ok(Self {
            conn,
            transcript: vec!["BEGIN;".into(), "SET CONSTRAINTS ALL IMMEDIATE;".into()],
            contended: false,
            synthesizing: true,
            pending: start,
            marks: 0,
            resource: None,
        })
    }

    /// Runs one statement under the savepoint. On success the savepoint is released and opened
    /// again (`keep`) or rolled back to (a trial: the rows are undone, the answer kept); on error
    /// it is rolled back to and the transaction stays usable. Returns the rows as text, one
    /// `Vec` per row.
    ///
    /// One round trip: the statement and what ends its savepoint go as one simple-protocol
    /// message (a second one, `ROLLBACK TO`, only after an error). This is safe although the
    /// statement may carry `[sample]` text, because (1) every sample was first proven to be one
    /// expression through the extended protocol ([`Self::expression`]), so it holds no `;` that
    /// PostgreSQL would split the message at, and (2) every message is read by PostgreSQL's
    /// lexer in the same state as that proof: see [`LEXER_AS_PROVEN`].
    pub async fn attempt(&mut self, sql: &str, keep: bool) -> Result<Outcome, DbError> {
        self.run_one(sql, keep, false).await
    }

    /// Runs `SELECT (<sample>)::text`-style text that is not yet known to be one statement, alone
    /// through the extended protocol (Parse, Bind, Execute), which refuses several commands:
    /// `'x'); COMMIT; CREATE ROLE …` is an error here, never a second statement. A trial: the
    /// savepoint is rolled back to either way.
    pub async fn expression(&mut self, sql: &str) -> Result<Outcome, DbError> {
        self.alone(sql, false, "").await
    }

    /// A statement the user wrote whole (a `[tenancy] principal` statement), kept on success:
    /// alone through the extended protocol like [`Self::expression`], so that whatever the text
    /// holds, it is one statement and never ends the transaction. It runs with the schema guard
    /// armed ([`guard`]): a principal that changes the schema fails, naming the change.
    pub async fn statement(&mut self, sql: &str) -> Result<Outcome, DbError> {
        self.alone(sql, true, &guard::arm()).await
    }

    /// Runs `sql` alone through the extended protocol, after `setup` (under the savepoint),
    /// then keeps its effects (`keep`, on success) or rolls back to the savepoint.
    async fn alone(&mut self, sql: &str, keep: bool, setup: &str) -> Result<Outcome, DbError> {
        // The extended protocol takes one statement: what is pending, the lock timeout of a
        // check's statement and `setup` go first in a message of their own.
        let before = format!(
            "{}{}{setup}",
            std::mem::take(&mut self.pending),
            lock_wait_prefix(self.synthesizing, false)
        );
        if !before.is_empty() {
            self.run(before).await?;
        }
        let query = sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).persistent(false);
        let result = self.fetch(query).await;
        let kept = keep && result.is_ok();
        self.run(savepoint_end(kept, false)).await?;
        self.lock_wait_set(false, kept);
        self.outcome(result)
    }

    /// [`Self::attempt`] for a synthesized row: a lock wait ends after a short timeout, an error
    /// synthesis repairs with other values.
    pub(super) async fn attempt_row(&mut self, sql: &str, keep: bool) -> Result<Outcome, DbError> {
        self.run_one(sql, keep, true).await
    }

    /// Notes the lock timeout in force after a statement that ran under
    /// [`lock_wait_prefix`]`(_, synthesizing)`: that one if the statement was kept, else the
    /// one before.
    fn lock_wait_set(&mut self, synthesizing: bool, kept: bool) {
        if kept {
            self.synthesizing = synthesizing;
        }
    }

    /// See [`Self::attempt`]: [`Self::attempt_all`] of one statement.
    async fn run_one(
        &mut self,
        sql: &str,
        keep: bool,
        synthesizing: bool,
    ) -> Result<Outcome, DbError> {
        let statement = Statement {
            sql,
            keep,
            synthesizing,
        };
        let mut ran = self.attempt_all(&[statement]).await;
        match ran.failed {
            Some(e) => Err(e),
            None => Ok(ran.done.pop().unwrap_or_default()),
        }
    }

    /// Runs `statements` in order, each under the savepoint as [`Self::attempt`] runs one, in ONE
    /// message: what a case can send at once (rows of many tables, reads of many tables) costs
    /// one round trip instead of one each. The message is `[pending;]` then, per statement,
    /// `[lock timeout;] <sql>; <end of its savepoint>`; the newline before each `;` ends a
    /// trailing `--` comment. When a statement fails, PostgreSQL skips the rest of the message:
    /// the statements after it did not run (see [`Ran`]), and the rollback to the savepoint is
    /// left pending, for the head of the next message.
    pub async fn attempt_all(&mut self, statements: &[Statement<'_>]) -> Ran {
        if statements.is_empty() {
            return Ran::default();
        }
        let pending = std::mem::take(&mut self.pending);
        // Every statement of the message ends with a CommandComplete: how many belong to each
        // of ours (the lock timeout before it, itself, the end of its savepoint) splits the
        // answers between them; the pending statements come first.
        let mut message = pending.clone();
        let mut segments = Vec::with_capacity(statements.len());
        let mut lock = self.synthesizing;
        for s in statements {
            let prefix = lock_wait_prefix(lock, s.synthesizing);
            let end = savepoint_end(s.keep, s.synthesizing);
            message.push_str(&format!("{prefix}{}\n; {end};\n", s.sql));
            segments.push(Segment {
                main: own_statements(&prefix) + 1,
                total: own_statements(&prefix) + 1 + own_statements(&end),
            });
            if s.keep {
                lock = s.synthesizing;
            }
        }
        let mut ran = Ran::default();
        let mut skip = own_statements(&pending);
        let (mut seen, mut current, mut rows) = (0, Outcome::default(), Vec::new());
        let mut stream = self
            .conn
            .fetch_many(sqlx::raw_sql(sqlx::AssertSqlSafe(message)));
        // Read to the end even past a failure of ours: the connection stays in step.
        while let Some(item) = stream.next().await {
            let segment = segments
                .get(ran.done.len())
                .filter(|_| ran.failed.is_none());
            match (item, segment) {
                (Err(e), _) => ran.failed = ran.failed.or(Some(DbError::from_sqlx(e))),
                (_, None) => {}
                (Ok(Either::Right(row)), _) => rows.push(row),
                (Ok(Either::Left(_)), _) if skip > 0 => skip -= 1,
                (Ok(Either::Left(done)), Some(segment)) => {
                    seen += 1;
                    if seen == segment.main {
                        current.affected = done.rows_affected();
                        match rows.drain(..).map(|r| texts(&r)).collect() {
                            Ok(texts) => current.rows = texts,
                            Err(e) => ran.failed = Some(e),
                        }
                    }
                    if seen == segment.total && ran.failed.is_none() {
                        ran.done.push(std::mem::take(&mut current));
                        seen = 0;
                    }
                }
            }
        }
        drop(stream);
        if ran.failed.is_none() && ran.done.len() < statements.len() {
            ran.failed = Some(DbError::unanswered());
        }
        for s in &statements[..ran.done.len()] {
            self.lock_wait_set(s.synthesizing, s.keep);
        }
        if let Some(e) = &ran.failed {
            self.contended |= e.is_contention();
            self.note_resource(e);
            self.pending = "ROLLBACK TO SAVEPOINT pg_invariants;\n".into();
        }
        ran
    }

    /// A statement's result as the checks read it, noting a lost lock wait or deadlock.
    fn outcome(
        &mut self,
        result: Result<(Vec<PgRow>, u64), sqlx::Error>,
    ) -> Result<Outcome, DbError> {
        let result = result.map_err(DbError::from_sqlx);
        self.contended |= result.as_ref().is_err_and(DbError::is_contention);
        if let Err(e) = &result {
            self.note_resource(e);
        }
        let (rows, affected) = result?;
        Ok(Outcome {
            rows: rows.iter().map(texts).collect::<Result<_, _>>()?,
            affected,
        })
    }

    /// The rows a statement returned and the rows it changed (an UPDATE without RETURNING
    /// returns none, yet says how many it changed).
    async fn fetch<'q>(
        &mut self,
        query: impl sqlx::Execute<'q, Postgres> + 'q,
    ) -> Result<(Vec<PgRow>, u64), sqlx::Error> {
        let mut stream = self.conn.fetch_many(query);
        let (mut rows, mut affected) = (Vec::new(), 0);
        while let Some(item) = stream.next().await {
            match item? {
                Either::Left(done) => affected += done.rows_affected(),
                Either::Right(row) => rows.push(row),
            }
        }
        Ok((rows, affected))
    }

    /// Whether a statement lost to another session (deadlock, lock timeout): the case is worth
    /// running again rather than concluding.
    pub fn contended(&self) -> bool {
        self.contended
    }

    /// The first resource error a statement met, if any (see [`sqlstate::is_resource`]).
    pub fn resource(&self) -> Option<&DbError> {
        self.resource.as_ref()
    }

    fn note_resource(&mut self, e: &DbError) {
        if e.is_resource() && self.resource.is_none() {
            self.resource = Some(e.clone());
        }
    }

    /// Sets what [`Self::contended`] says: synthesis forgets a contention it repaired.
    pub(super) fn set_contended(&mut self, contended: bool) {
        self.contended = contended;
    }

    /// Marks this point of the transaction: [`Self::back_to`] undoes everything kept after it,
    /// role and settings included, so a check compares two branches of one state (a call kept
    /// to see what it changed, then the same call after other rows are gone). Its savepoint goes
    /// below the one each statement runs under, at the head of the next message.
    pub fn mark(&mut self) -> Mark {
        self.marks += 1;
        let n = self.marks;
        self.pending.push_str(&format!(
            "RELEASE SAVEPOINT pg_invariants; SAVEPOINT pg_invariants_mark_{n}; SAVEPOINT pg_invariants;\n"
        ));
        self.transcript.push(format!("SAVEPOINT mark_{n};"));
        Mark {
            n,
            synthesizing: self.synthesizing,
        }
    }

    /// Back to `mark`: what was kept after it is undone, and the lock timeout is the one then.
    pub fn back_to(&mut self, mark: &Mark) {
        let n = mark.n;
        self.pending.push_str(&format!(
            "ROLLBACK TO SAVEPOINT pg_invariants_mark_{n}; SAVEPOINT pg_invariants;\n"
        ));
        self.synthesizing = mark.synthesizing;
        self.transcript
            .push(format!("ROLLBACK TO SAVEPOINT mark_{n};"));
    }

    /// A query whose answer is one text value (or NULL); not recorded.
    pub async fn value(&mut self, sql: &str) -> Result<Option<String>, DbError> {
        let out = self.attempt(sql, false).await?;
        Ok(out
            .rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten()))
    }

    /// Runs SQL of this module's own (never user text) with the simple protocol.
    async fn run(&mut self, sql: String) -> Result<(), DbError> {
        self.conn
            .execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql)))
            .await
            .map(|_| ())
            .map_err(DbError::from_sqlx)
    }

    /// Adds a statement (and, for one expected to fail, what happened) to the transcript.
    pub fn record(&mut self, sql: &str, note: Option<&str>) {
        let mut line = format!("{sql};");
        if let Some(note) = note {
            line.push_str(&format!("  -- {note}"));
        }
        self.transcript.push(line);
    }

    /// The statements that mattered, as a psql session: `BEGIN; … ROLLBACK;`.
    pub fn transcript(&self) -> String {
        let mut lines = self.transcript.clone();
        lines.push("ROLLBACK;".into());
        lines.join("\n")
    }

    /// Commits the rows kept: only on a database that exists to hold them (the deployed
    /// database of deploy windows, `upgrade`), never on the one the checks share. What is
    /// pending (a failed statement's `ROLLBACK TO SAVEPOINT`) goes first, so the transaction
    /// commits rather than ends rolled back.
    pub async fn commit(mut self) -> Result<(), DbError> {
        let sql = format!("{}COMMIT", std::mem::take(&mut self.pending));
        self.run(sql).await
    }

    /// Rolls everything back and returns the connection to the pool.
    pub async fn rollback(mut self) {
        // A connection whose rollback fails is closed rather than returned in a transaction.
        if self.run("ROLLBACK".into()).await.is_err() {
            let _ = self.conn.close().await;
        }
    }
}

/// One statement of [`Sandbox::attempt_all`]: kept or a trial, and whether it is a synthesized
/// row (the short lock timeout) or a check's own statement.
#[derive(Debug, Clone, Copy)]
pub struct Statement<'s> {
    pub sql: &'s str,
    pub keep: bool,
    pub synthesizing: bool,
}

/// What [`Sandbox::attempt_all`] did: the outcomes of the statements that succeeded, in order,
/// and the error of the one after them, if one failed; the statements after a failed one did
/// not run.
#[derive(Debug, Default)]
pub struct Ran {
    pub done: Vec<Outcome>,
    pub failed: Option<DbError>,
}

/// Where one statement's answers end in a message: the CommandComplete of the statement itself
/// (its rows come before it), and of the last statement ending its savepoint (both counted
/// from the first statement of its own).
struct Segment {
    main: usize,
    total: usize,
}

/// How many statements this module's own SQL text holds: none of it has a `;` but between
/// statements.
fn own_statements(sql: &str) -> usize {
    sql.split(';').filter(|s| !s.trim().is_empty()).count()
}

/// What ends a statement's savepoint: released and opened again (`keep`), with what the
/// harness holds checks to put back (the lock timeout of synthesis or of checks, as
/// `synthesizing` says the statement ran under), or rolled back to.
fn savepoint_end(keep: bool, synthesizing: bool) -> String {
    if keep {
        format!(
            "RELEASE SAVEPOINT pg_invariants; {LEXER_AS_PROVEN} {} SET LOCAL lock_timeout = '{}'; SAVEPOINT pg_invariants",
            held_to(),
            lock_timeout(synthesizing)
        )
    } else {
        "ROLLBACK TO SAVEPOINT pg_invariants".to_string()
    }
}

/// What sets the lock timeout of synthesis or of checks, to put before a statement, under its
/// savepoint: empty when the one in force (`synthesizing` now) is already the one wanted.
/// Under the savepoint, it is undone with the statement (a trial, an error) and stays in force
/// only when the statement is kept (see [`Sandbox::lock_wait_set`]): one statement, where
/// setting it outside the savepoint would take three (release, set, savepoint again).
fn lock_wait_prefix(now: bool, synthesizing: bool) -> String {
    if now == synthesizing {
        return String::new();
    }
    format!(
        "SET LOCAL lock_timeout = '{}';\n",
        lock_timeout(synthesizing)
    )
}

/// The lock timeout of synthesis or of a check's own statements.
fn lock_timeout(synthesizing: bool) -> String {
    if synthesizing {
        SYNTHESIS_LOCK_TIMEOUT.to_string()
    } else {
        format!("{}s", LOCK_TIMEOUT.as_secs())
    }
}

/// The rows a statement returned, every column as text.
#[derive(Debug, Default)]
pub struct Outcome {
    pub rows: Vec<Vec<Option<String>>>,
    /// The rows the statement inserted, updated or deleted, as its command tag says.
    pub affected: u64,
}

/// The columns of a row as text. Statements of the sandbox return text (`RETURNING col::text`)
/// or a count's placeholder (`RETURNING 1`); the extended protocol sends them in binary (the
/// simple one as text), so each is read by its type.
fn texts(row: &PgRow) -> Result<Vec<Option<String>>, DbError> {
    (0..row.len())
        .map(|i| {
            let value = row.try_get_raw(i).map_err(DbError::from_sqlx)?;
            if value.is_null() {
                return Ok(None);
            }
            let text = match value.type_info().name() {
                "INT2" => row.try_get::<i16, _>(i).map(|v| v.to_string()),
                "INT4" => row.try_get::<i32, _>(i).map(|v| v.to_string()),
                "INT8" => row.try_get::<i64, _>(i).map(|v| v.to_string()),
                "BOOL" => row.try_get::<bool, _>(i).map(|v| v.to_string()),
                _ => row.try_get_unchecked::<String, _>(i),
            };
            text.map(Some).map_err(DbError::from_sqlx)
        })
        .collect()
}
