//! Applying a chain: `before` scripts, the migrations, the seed, over one session, statement by
//! statement so an error names the file, line and column of the statement that failed.
//!
//! Each migration runs in its own transaction unless its format says otherwise (then every
//! statement commits on its own, as psql would run it, and the script's own `BEGIN` / `COMMIT`
//! apply: a transaction it leaves open, or that a failed statement aborted, is rolled back; or,
//! where the tool sends the file whole, the file is one message, which PostgreSQL runs as one
//! implicit transaction). The `command` format hands the database
//! to the user's own tool instead; a sqitch chain runs each deploy script with the real psql,
//! in a session of its own, as sqitch does ([`super::psql`]). What the chain is, found without a
//! database, is [`super::chain`].

use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnection, PgDatabaseError, PgErrorPosition};

use super::chain::Chain;
use super::command;
use super::extension;
use super::limits::Limits;
use super::message;
use super::migration::Migration;
use super::placeholders::{Database, Placeholders};
use crate::location::Location;
use crate::spec::Backend;
use crate::sql::statements::{self, Statement, StatementKind};

/// Why applying failed: where, and everything PostgreSQL said.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// `location` is where the failing statement starts; `position` is where inside it
    /// PostgreSQL points, when it does (syntax errors, unknown columns).
    #[error("{location}: {}{}{}", sql_error.message, position.as_ref().map(|p| format!("\n  at {p}")).unwrap_or_default(), sql_error.details())]
    Statement {
        location: Location,
        position: Option<Location>,
        sql_error: SqlError,
    },
    #[error(
        "{}: psql meta-command `{command}` is not supported; pg-invariants runs plain SQL",
        location
    )]
    MetaCommand { location: Location, command: String },
    /// psql's own error in a script it runs (a `\\i` of a missing file, a bad `\\if`).
    #[error("{location}: psql: {message}")]
    Psql { location: Location, message: String },
    #[error("command `{command}` {status}\n{output}")]
    Command {
        command: String,
        status: String,
        output: String,
    },
    #[error("{what}: {source}")]
    Session { what: String, source: sqlx::Error },
}

/// PostgreSQL's error fields.
#[derive(Debug, Clone)]
pub struct SqlError {
    pub code: String,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
    pub statement: String,
    /// Ours, after PostgreSQL's hint, a whole line: how to get what the server lacks (an
    /// extension), or how to make room.
    pub remedy: Option<String>,
}

impl ApplyError {
    /// Names the limit when PostgreSQL cancelled the statement for reaching one of ours.
    fn explained(mut self, limits: &Limits) -> Self {
        if let Self::Statement { sql_error, .. } = &mut self {
            sql_error.message = limits.explain(&sql_error.code, &sql_error.message);
        }
        self
    }

    /// Says how to get the extension the server lacks, when that is why the statement failed
    /// (`major`: the server's major version, `backend`: where it came from).
    pub fn with_extension_remedy(mut self, major: u32, backend: Backend) -> Self {
        if let Self::Statement { sql_error, .. } = &mut self
            && let Some(name) = extension::missing(&sql_error.code, &sql_error.message)
        {
            sql_error.remedy = Some(format!(
                "to get it: {}",
                extension::remedy(&name, major, backend)
            ));
        }
        self
    }

    /// Says how to make room (`remedy`, from where the cluster lives), when the statement
    /// failed for want of space (SQLSTATE 53100, `disk_full`).
    pub fn with_space_remedy(mut self, remedy: Option<String>) -> Self {
        if let Self::Statement { sql_error, .. } = &mut self
            && sql_error.code == "53100"
            && remedy.is_some()
        {
            sql_error.remedy = remedy;
        }
        self
    }
}

impl SqlError {
    fn details(&self) -> String {
        let mut out = format!(" (SQLSTATE {})", self.code);
        if let Some(d) = &self.detail {
            out.push_str(&format!("\n  DETAIL: {d}"));
        }
        if let Some(h) = &self.hint {
            out.push_str(&format!("\n  HINT: {h}"));
        }
        if let Some(r) = &self.remedy {
            out.push_str(&format!("\n  {r}"));
        }
        out.push_str(&format!("\n  statement: {}", excerpt(&self.statement)));
        out
    }
}

/// The first line of a statement, shortened: enough to recognise it in a log.
fn excerpt(statement: &str) -> String {
    let first = statement.lines().next().unwrap_or_default().trim_end();
    let mut short: String = first.chars().take(120).collect();
    if short.len() < first.len() || statement.lines().nth(1).is_some() {
        short.push_str(" …");
    }
    short
}

impl Chain {
    /// `before`, the chain and the seed, in order. `mark_roles`: SQL that marks the roles
    /// created so far (a server shared with other runs, see `provision::roles`), run in the
    /// transaction of every statement that may have created one, before it commits.
    pub async fn apply(
        &self,
        conn: &mut PgConnection,
        client_env: &[(String, String)],
        mark_roles: Option<&str>,
    ) -> Result<(), ApplyError> {
        let how = How {
            limits: &self.limits,
            mark_roles,
            replace: None,
        };
        apply_all(conn, &self.before, how).await?;
        self.apply_migrations(conn, client_env, mark_roles).await?;
        apply_all(conn, &self.seed, how).await
    }

    /// The migrations alone (the idempotency pass runs them a second time).
    pub async fn apply_migrations(
        &self,
        conn: &mut PgConnection,
        client_env: &[(String, String)],
        mark_roles: Option<&str>,
    ) -> Result<(), ApplyError> {
        if let Some((tool, dir)) = &self.command {
            return command::run(tool, dir, client_env, &self.limits).await;
        }
        if let Some(psql) = &self.psql {
            for m in &self.migrations {
                psql.run(m, client_env, &self.limits)
                    .await
                    .map_err(|e| e.explained(&self.limits))?;
            }
            return Ok(());
        }
        let placeholders = match &self.placeholders {
            Some(p) => Some((p, database(conn).await?)),
            None => None,
        };
        let how = How {
            limits: &self.limits,
            mark_roles,
            replace: placeholders.as_ref(),
        };
        let before = set_session(conn, &self.session_settings).await?;
        let applied = apply_all(conn, &self.migrations, how).await;
        let restored = set_session(conn, &before).await;
        applied?;
        restored.map(drop)
    }
}

/// Sets each of `settings` for the session (`set_config(name, value, false)`), as
/// graphile-migrate sets its `pgSettings`, and returns the values they had, to set back.
pub(super) async fn set_session(
    conn: &mut PgConnection,
    settings: &[(String, String)],
) -> Result<Vec<(String, String)>, ApplyError> {
    let mut before = Vec::with_capacity(settings.len());
    for (name, value) in settings {
        let error = |source| ApplyError::Session {
            what: format!("setting {name} for the migrations (pgSettings of .gmrc)"),
            source,
        };
        let was: String = sqlx::query_scalar("SELECT coalesce(current_setting($1, true), '')")
            .bind(name)
            .fetch_one(&mut *conn)
            .await
            .map_err(error)?;
        sqlx::query("SELECT set_config($1, $2, false)")
            .bind(name)
            .bind(value)
            .execute(&mut *conn)
            .await
            .map_err(error)?;
        before.push((name.clone(), was));
    }
    Ok(before)
}

/// The database `conn` is connected to, and its owner: the built-in placeholders' values.
pub(super) async fn database(conn: &mut PgConnection) -> Result<Database, ApplyError> {
    let (name, owner): (String, String) = sqlx::query_as(
        "SELECT current_database()::text, pg_get_userbyid(datdba)::text FROM pg_database \
         WHERE datname = current_database()",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(|source| ApplyError::Session {
        what: "reading the database's name and owner for the placeholders".into(),
        source,
    })?;
    Ok(Database { name, owner })
}

/// Placeholders to replace in each statement, with the values of the built-in ones.
pub(super) type Replace<'a> = Option<&'a (&'a Placeholders, Database)>;

/// How the statements of a run of files are sent: under the time limits, set again before each
/// one; with the roles' marking (a server shared with other runs, see [`Chain::apply`]); with
/// the placeholders replaced (graphile-migrate's migrations only).
#[derive(Clone, Copy)]
struct How<'a> {
    limits: &'a Limits,
    mark_roles: Option<&'a str>,
    replace: Replace<'a>,
}

async fn apply_all(
    conn: &mut PgConnection,
    migrations: &[Migration],
    how: How<'_>,
) -> Result<(), ApplyError> {
    for m in migrations {
        apply_one(conn, m, how)
            .await
            .map_err(|e| e.explained(how.limits))?;
    }
    Ok(())
}

/// Sets the limits, before every statement: the one before may have turned them off
/// (`SET statement_timeout = 0`, pg_dump's first line, or `set_config` in a function), and a
/// limit the project can lift is none. A round trip of its own, since a statement that refuses
/// a transaction block (`CREATE INDEX CONCURRENTLY`) refuses a message of several statements.
pub(super) async fn set_limits(conn: &mut PgConnection, limits: &Limits) -> Result<(), ApplyError> {
    sqlx::raw_sql(AssertSqlSafe(limits.set_sql()))
        .execute(&mut *conn)
        .await
        .map(drop)
        .map_err(|source| ApplyError::Session {
            what: "setting statement_timeout and lock_timeout".into(),
            source,
        })
}

async fn apply_one(conn: &mut PgConnection, m: &Migration, how: How<'_>) -> Result<(), ApplyError> {
    let body_start = m.body.start;
    let statements = m.statements();
    if m.transaction {
        execute(conn, "BEGIN", "starting the migration's transaction").await?;
    }
    // Outside a transaction, after every statement: in the script's own transaction if it
    // opened one, else right after the statement commits (a `CREATE ROLE` itself carries the
    // marking in its own implicit transaction, see `run_statement`).
    let after_each = how.mark_roles.filter(|_| !m.transaction);
    for statement in &statements {
        let mut ran = match set_limits(conn, how.limits).await {
            Ok(()) => run_statement(conn, m, body_start, statement, after_each, how.replace).await,
            Err(e) => Err(e),
        };
        if let (Ok(()), Some(mark)) = (&ran, after_each) {
            ran = mark_created_roles(conn, mark).await;
        }
        if let Err(e) = ran {
            let _ = execute(conn, "ROLLBACK", "rolling back").await;
            return Err(message::locate_in_message(conn, m, statement, e).await);
        }
    }
    if let Some(mark) = how.mark_roles.filter(|_| m.transaction) {
        mark_created_roles(conn, mark).await?;
    }
    if !m.transaction {
        // A script run outside a transaction may open its own (sqitch's `BEGIN;` ... `COMMIT;`);
        // one it leaves open ends with it, rolled back, as when psql exits after `psql -f`.
        // Outside a transaction block PostgreSQL only warns.
        return execute(conn, "ROLLBACK", "ending the script's session").await;
    }
    // Deferred constraints are checked here: the error points at the end of the file.
    sqlx::raw_sql("COMMIT")
        .execute(&mut *conn)
        .await
        .map_err(|e| statement_error(m, m.body.end, "COMMIT", e, &|at| at))?;
    Ok(())
}

/// Runs the roles' marking (see [`Chain::apply`]).
async fn mark_created_roles(conn: &mut PgConnection, mark: &str) -> Result<(), ApplyError> {
    sqlx::raw_sql(AssertSqlSafe(mark))
        .execute(&mut *conn)
        .await
        .map(drop)
        .map_err(|source| ApplyError::Session {
            what: "marking the roles the chain created".into(),
            source,
        })
}

/// Runs one statement, its placeholders replaced (`replace`). With `mark_roles` (a statement
/// outside a transaction), a statement that creates a role is sent together with the marking:
/// one query string runs as one implicit transaction, so the role never exists without its mark.
pub(super) async fn run_statement(
    conn: &mut PgConnection,
    m: &Migration,
    body_start: usize,
    s: &Statement,
    mark_roles: Option<&str>,
    replace: Replace<'_>,
) -> Result<(), ApplyError> {
    let start = body_start + s.range.start;
    let sql = &m.text[start..body_start + s.range.end];
    match &s.kind {
        StatementKind::Sql => {
            let replaced = replace.map(|(p, database)| p.substitute(sql, database));
            let sql = replaced.as_ref().map_or(sql, |r| r.sql.as_str());
            let sent = match mark_roles {
                Some(mark) if statements::creates_role(sql) => format!("{sql};\n{mark}").into(),
                _ => std::borrow::Cow::Borrowed(sql),
            };
            sqlx::raw_sql(AssertSqlSafe(&*sent))
                .execute(&mut *conn)
                .await
                .map(drop)
                .map_err(|e| {
                    let original = |at: usize| replaced.as_ref().map_or(at, |r| r.original(at));
                    statement_error(m, start, sql, e, &original)
                })
        }
        StatementKind::CopyFromStdin { data } => {
            let rows = &m.text[body_start + data.start..body_start + data.end];
            copy_in(conn, sql, rows)
                .await
                .map_err(|e| statement_error(m, start, sql, e, &|at| at))
        }
        StatementKind::MetaCommand => Err(ApplyError::MetaCommand {
            location: Location::at(&m.path, &m.text, start),
            command: sql.lines().next().unwrap_or_default().to_string(),
        }),
    }
}

async fn copy_in(conn: &mut PgConnection, sql: &str, rows: &str) -> Result<(), sqlx::Error> {
    let mut copy = conn.copy_in_raw(sql).await?;
    if let Err(e) = copy.send(rows.as_bytes()).await {
        let _ = copy.abort("pg-invariants: sending COPY data failed").await;
        return Err(e);
    }
    copy.finish().await.map(drop)
}

/// Locates a failed statement: where it starts, and PostgreSQL's own position inside it when it
/// gives one (a syntax error, an unknown column). `sql` is what was sent; `original` maps an
/// offset in it back to the file's text (placeholders replaced change lengths).
fn statement_error(
    m: &Migration,
    start: usize,
    sql: &str,
    error: sqlx::Error,
    original: &dyn Fn(usize) -> usize,
) -> ApplyError {
    let Some(pg) = error
        .as_database_error()
        .and_then(|e| e.try_downcast_ref::<PgDatabaseError>())
    else {
        return ApplyError::Session {
            what: format!(
                "{}: running a statement",
                Location::at(&m.path, &m.text, start)
            ),
            source: error,
        };
    };
    let position = match pg.position() {
        Some(PgErrorPosition::Original(chars)) => {
            let offset = start
                + original(
                    sql.char_indices()
                        .nth(chars.saturating_sub(1))
                        .map_or(sql.len(), |(i, _)| i),
                );
            Some(Location::at(&m.path, &m.text, offset))
        }
        _ => None,
    };
    ApplyError::Statement {
        location: Location::at(&m.path, &m.text, start),
        position,
        sql_error: SqlError {
            code: pg.code().to_string(),
            message: pg.message().to_string(),
            detail: pg.detail().map(str::to_string),
            hint: pg.hint().map(str::to_string),
            statement: sql.to_string(),
            remedy: None,
        },
    }
}

pub(super) async fn execute(
    conn: &mut PgConnection,
    sql: &'static str,
    what: &str,
) -> Result<(), ApplyError> {
    sqlx::raw_sql(sql)
        .execute(&mut *conn)
        .await
        .map(drop)
        .map_err(|source| ApplyError::Session {
            what: what.to_string(),
            source,
        })
}
