//! The deployed application's queries (`[upgrade] queries`): read from its SQL files, and
//! prepared (parsed and analysed, `$n` parameters allowed) against a database.
//!
//! A file with sqlc's `-- name: X :kind` lines holds one query per such line, up to the next;
//! any other file one query per statement, named `#1`, `#2`, ... sqlc's own parameter syntax
//! (`sqlc.arg(x)`, `sqlc.narg(x)`, `sqlc.slice(x)`, `@x`) is read as the `$n` it becomes.

use sqlx::postgres::{PgConnection, PgDatabaseError};

use crate::location::{Location, TextError};
use crate::spec::QueryFile;
use crate::sql::statements;

/// One query of the application.
#[derive(Debug, Clone)]
pub struct Query {
    /// The file's name in test names.
    pub file: String,
    /// sqlc's name, or `#<n>`.
    pub name: String,
    pub at: Location,
    /// As sent: sqlc's parameters made `$n`.
    pub sql: String,
}

/// The queries of `files`, in file order; an unreadable file is the configuration's error.
pub fn read(files: &[QueryFile]) -> Result<Vec<Query>, String> {
    let mut out = Vec::new();
    for file in files {
        let text = crate::location::read_text(&file.path).map_err(|e| match e {
            TextError::Io(e) => format!("error: {}: {e}", file.path.display()),
            TextError::NotUtf8(e) => format!("error: {e}"),
        })?;
        out.extend(split(file, &text));
    }
    Ok(out)
}

fn split(file: &QueryFile, text: &str) -> Vec<Query> {
    let names: Vec<(usize, String)> = (text.match_indices("-- name:"))
        .filter(|(at, _)| *at == 0 || text[..*at].ends_with('\n'))
        .filter_map(|(at, _)| {
            let line = text[at..].lines().next()?;
            let name = line
                .trim_start_matches("-- name:")
                .split_whitespace()
                .next()?;
            Some((at, name.to_string()))
        })
        .collect();
    let query = |name: String, start: usize, sql: &str| Query {
        file: file.name.clone(),
        name,
        at: Location::at(&file.path, text, start),
        sql: sqlc_parameters(sql.trim().trim_end_matches(';').trim()),
    };
    if names.is_empty() {
        return (statements::split(text).iter().enumerate())
            .map(|(i, s)| query(format!("#{}", i + 1), s.range.start, &text[s.range.clone()]))
            .collect();
    }
    (names.iter().enumerate())
        .map(|(i, (start, name))| {
            let end = names.get(i + 1).map_or(text.len(), |(next, _)| *next);
            let body_start = text[*start..]
                .find('\n')
                .map_or(end, |n| start + n + 1)
                .min(end);
            query(name.clone(), *start, &text[body_start..end])
        })
        .collect()
}

/// sqlc's parameters as PostgreSQL's: `sqlc.arg(x)` / `sqlc.narg(x)` / `sqlc.slice(x)` / `@x`
/// become `$n`, numbered after the `$n` the query already has, one number per name.
fn sqlc_parameters(sql: &str) -> String {
    let mut names: Vec<String> = Vec::new();
    let highest = (sql.match_indices('$'))
        .filter_map(|(at, _)| {
            let digits: String = sql[at + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse::<usize>().ok()
        })
        .max()
        .unwrap_or(0);
    let number = |name: &str, names: &mut Vec<String>| {
        let i = names.iter().position(|n| n == name).unwrap_or_else(|| {
            names.push(name.to_string());
            names.len() - 1
        });
        format!("${}", highest + i + 1)
    };
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    let mut quoted: Option<char> = None;
    while let Some(c) = rest.chars().next() {
        if let Some(q) = quoted {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            if c == q {
                quoted = None;
            }
            continue;
        }
        let lower = rest.to_ascii_lowercase();
        let call = ["sqlc.arg(", "sqlc.narg(", "sqlc.slice("]
            .iter()
            .find(|p| lower.starts_with(**p));
        if let Some(prefix) = call
            && let Some(close) = rest.find(')')
        {
            let name = rest[prefix.len()..close].trim().trim_matches(['\'', '"']);
            out.push_str(&number(name, &mut names));
            rest = &rest[close + 1..];
            continue;
        }
        let previous = out.chars().last();
        if c == '@' && !previous.is_some_and(|p| p.is_alphanumeric() || p == '@') {
            let name: String = rest[1..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
                out.push_str(&number(&name, &mut names));
                rest = &rest[1 + name.len()..];
                continue;
            }
        }
        if c == '\'' || c == '"' {
            quoted = Some(c);
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Prepares `query` on `conn` (and forgets it): PostgreSQL's error when it does not.
pub async fn prepare(conn: &mut PgConnection, query: &Query) -> Result<(), String> {
    let sql = format!("PREPARE pg_invariants_query AS {}", query.sql);
    let prepared = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut *conn)
        .await;
    if prepared.is_ok() {
        // Only ours: sqlx keeps its own statements prepared on the connection.
        let _ = sqlx::raw_sql("DEALLOCATE pg_invariants_query")
            .execute(&mut *conn)
            .await;
    }
    prepared.map(drop).map_err(|e| {
        match e
            .as_database_error()
            .and_then(|d| d.try_downcast_ref::<PgDatabaseError>())
        {
            Some(pg) => format!("{} (SQLSTATE {})", pg.message(), pg.code()),
            None => e.to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> QueryFile {
        QueryFile {
            path: "queries/app.sql".into(),
            name: "queries/app.sql".into(),
        }
    }

    #[test]
    fn sqlc_blocks_are_named_and_plain_files_numbered() {
        let text = "-- name: GetUser :one\nSELECT * FROM users WHERE id = $1;\n\n\
                    -- name: ListUsers :many\nSELECT * FROM users\nORDER BY id;\n";
        let queries = split(&file(), text);
        let names: Vec<&str> = queries.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(names, ["GetUser", "ListUsers"]);
        assert_eq!(queries[1].sql, "SELECT * FROM users\nORDER BY id");
        assert_eq!(queries[1].at.line, 4);
        let plain = split(&file(), "SELECT 1;\nSELECT 2;\n");
        let names: Vec<&str> = plain.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(names, ["#1", "#2"]);
        assert_eq!(plain[1].at.line, 2);
    }

    #[test]
    fn sqlc_parameters_become_numbered_ones() {
        assert_eq!(
            sqlc_parameters(
                "SELECT * FROM t WHERE a = sqlc.arg(a) AND b = @b AND c = $1 AND a2 = @a"
            ),
            "SELECT * FROM t WHERE a = $2 AND b = $3 AND c = $1 AND a2 = $2"
        );
        assert_eq!(
            sqlc_parameters("SELECT '@x', tags @> $1 FROM t"),
            "SELECT '@x', tags @> $1 FROM t"
        );
    }
}
