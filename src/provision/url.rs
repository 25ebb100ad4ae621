//! The url backend: a uniquely named throwaway database on a server the user points at with
//! `PG_INVARIANTS_URL`. We create it, work only inside it, and drop it at the end; no other
//! database on that server is ever written to.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;

use super::ProvisionError;

/// The server named by the URL, connected through its own database for CREATE/DROP DATABASE.
pub struct UrlServer {
    pub url: String,
    pub admin: PgConnectOptions,
}

impl UrlServer {
    pub fn parse(url: &str) -> Result<Self, ProvisionError> {
        let admin = PgConnectOptions::from_str(url).map_err(|e| ProvisionError::BadUrl {
            reason: e.to_string(),
        })?;
        Ok(Self {
            url: url.to_string(),
            admin,
        })
    }
}

/// The user's URL with its database replaced by `database`, for external tools:
/// `postgres://user@host:port/db?params` keeps everything but `db`.
pub fn with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgresql", url));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    format!("{scheme}://{authority}/{database}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(
        "postgres://u:p@127.0.0.1:5432/app",
        "postgres://u:p@127.0.0.1:5432/tmp1"
    )]
    #[case(
        "postgres://u@localhost/app?sslmode=disable",
        "postgres://u@localhost/tmp1?sslmode=disable"
    )]
    #[case("postgresql://localhost", "postgresql://localhost/tmp1")]
    #[case(
        "postgresql://localhost?host=/run",
        "postgresql://localhost/tmp1?host=/run"
    )]
    fn the_database_is_replaced(#[case] url: &str, #[case] expected: &str) {
        assert_eq!(with_database(url, "tmp1"), expected);
    }
}
