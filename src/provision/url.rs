//! The url backend: a uniquely named throwaway database on a server the user points at with
//! `PG_INVARIANTS_URL`. We create it, work only inside it, and drop it at the end; no other
//! database on that server is ever written to.
//!
//! The URL is read the way libpq reads a connection URI
//! (`postgres[ql]://[user[:password]@][host][:port][,...][/dbname][?param=value&...]`): every
//! part percent-decoded, the host empty (default Unix socket), a bracketed IPv6 address, a
//! percent-encoded socket directory, or given in the query (`?host=/run/postgresql`); query
//! parameters override the parts before them. Of several hosts the first is used.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgSslMode};

use super::ProvisionError;
use crate::env;

/// The server named by the URL, connected through its own database for CREATE/DROP DATABASE.
pub struct UrlServer {
    pub url: String,
    pub admin: PgConnectOptions,
}

impl UrlServer {
    pub fn parse(url: &str) -> Result<Self, ProvisionError> {
        let admin = parse(url).map_err(|reason| ProvisionError::BadUrl { reason })?;
        Ok(Self {
            url: url.to_string(),
            admin,
        })
    }
}

/// Connection options from a libpq connection URI; libpq's environment variables (`PGHOST`,
/// `PGUSER`...) fill what the URI leaves out, as they do for libpq.
fn parse(url: &str) -> Result<PgConnectOptions, String> {
    let rest = ["postgresql://", "postgres://"]
        .iter()
        .find_map(|scheme| url.strip_prefix(scheme))
        .ok_or("it must start with postgresql:// or postgres://")?;
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (userinfo, hosts) = authority.rsplit_once('@').unwrap_or(("", authority));

    let mut options = PgConnectOptions::new();
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    if !user.is_empty() {
        options = options.username(&decode(user)?);
    } else if env::pguser().is_none() {
        options = options.username(&os_user());
    }
    if userinfo.contains(':') {
        options = options.password(&decode(password)?);
    }
    let first = hosts.split(',').next().unwrap_or("");
    options = with_host_port(options, first)?;
    if !path.is_empty() {
        options = options.database(&decode(path)?);
    }
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        options = with_parameter(options, &decode(key)?, &decode(value)?)?;
    }
    Ok(options)
}

/// `host`, `host:port`, `[v6]:port` or a percent-encoded socket directory.
fn with_host_port(options: PgConnectOptions, spec: &str) -> Result<PgConnectOptions, String> {
    let (host, port) = match spec.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']').ok_or("an IPv6 host lacks its `]`")?;
            (host, after.strip_prefix(':'))
        }
        None => match spec.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (spec, None),
        },
    };
    let mut options = with_host(options, &decode(host)?);
    if let Some(port) = port.filter(|p| !p.is_empty()) {
        options = options.port(parse_port(port)?);
    }
    Ok(options)
}

fn with_host(options: PgConnectOptions, host: &str) -> PgConnectOptions {
    match host {
        "" => options,
        dir if dir.starts_with('/') => options.socket(dir),
        host => options.host(host),
    }
}

/// The query parameters libpq knows that matter to a connection we make; others (timeouts,
/// keepalives, target_session_attrs...) change nothing for us and are accepted as they are.
fn with_parameter(
    options: PgConnectOptions,
    key: &str,
    value: &str,
) -> Result<PgConnectOptions, String> {
    let first = value.split(',').next().unwrap_or("");
    Ok(match key {
        "host" | "hostaddr" => with_host(options, first),
        "port" if !first.is_empty() => options.port(parse_port(first)?),
        "dbname" => options.database(value),
        "user" => options.username(value),
        "password" => options.password(value),
        "sslmode" => options.ssl_mode(
            PgSslMode::from_str(value).map_err(|_| format!("unknown sslmode {value:?}"))?,
        ),
        "sslrootcert" => options.ssl_root_cert(value),
        "sslcert" => options.ssl_client_cert(value),
        "sslkey" => options.ssl_client_key(value),
        "application_name" => options.application_name(value),
        "options" => options.options(server_settings(value)),
        _ => options,
    })
}

/// The `name=value` pairs of libpq's `options` (`-c name=value -cname=value ...`).
fn server_settings(options: &str) -> Vec<(String, String)> {
    let mut settings = Vec::new();
    let mut words = options.split_whitespace();
    while let Some(word) = words.next() {
        let setting = match word.strip_prefix("-c") {
            Some("") => words.next(),
            Some(inline) => Some(inline),
            None => word.strip_prefix("--"),
        };
        if let Some((name, value)) = setting.and_then(|s| s.split_once('=')) {
            settings.push((name.to_string(), value.to_string()));
        }
    }
    settings
}

fn parse_port(port: &str) -> Result<u16, String> {
    port.parse().map_err(|_| format!("invalid port {port:?}"))
}

/// Percent-decoding, as libpq does for every part of a URI.
fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("invalid percent-encoding in {text:?}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{text:?} does not decode to UTF-8"))
}

/// libpq's default user: the name of the OS user we run as.
fn os_user() -> String {
    // SAFETY: getpwuid with our own uid; the name is copied out at once.
    unsafe {
        let pw = libc::getpwuid(libc::geteuid());
        if pw.is_null() {
            return String::new();
        }
        std::ffi::CStr::from_ptr((*pw).pw_name)
            .to_string_lossy()
            .into_owned()
    }
}

/// The user's URL with its database replaced by `database`, for external tools:
/// `postgres://user@host:port/db?params` keeps everything but `db` (and a `dbname` parameter,
/// which would override it).
pub fn with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgresql", url));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let params: Vec<&str> = tail
        .split_once('?')
        .map_or("", |(_, q)| q)
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("dbname="))
        .collect();
    let query = if params.is_empty() {
        String::new()
    } else {
        format!("?{}", params.join("&"))
    };
    format!("{scheme}://{authority}/{database}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use sqlx::ConnectOptions;

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
    #[case("postgres://u@/db?host=/dir", "postgres://u@/tmp1?host=/dir")]
    #[case("postgres://u@/?dbname=app&host=/dir", "postgres://u@/tmp1?host=/dir")]
    fn the_database_is_replaced(#[case] url: &str, #[case] expected: &str) {
        assert_eq!(with_database(url, "tmp1"), expected);
    }

    /// (host, socket, port, user, database) as parsed.
    fn parts(url: &str) -> (String, Option<String>, u16, String, Option<String>) {
        let o = parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
        (
            o.get_host().to_string(),
            o.get_socket().map(|s| s.display().to_string()),
            o.get_port(),
            o.get_username().to_string(),
            o.get_database().map(String::from),
        )
    }

    #[test]
    fn a_socket_directory_in_the_query() {
        let (_, socket, port, user, db) = parts("postgres://user@/db?host=/dir");
        assert_eq!(socket.as_deref(), Some("/dir"));
        assert_eq!(
            (port, user.as_str(), db.as_deref()),
            (5432, "user", Some("db"))
        );
    }

    #[test]
    fn a_percent_encoded_socket_directory_as_host() {
        let (_, socket, _, _, db) = parts("postgresql://%2Fvar%2Frun%2Fpostgresql:5433/db");
        assert_eq!(socket.as_deref(), Some("/var/run/postgresql"));
        assert_eq!(db.as_deref(), Some("db"));
    }

    #[test]
    fn percent_encoded_user_password_and_database() {
        let o = parse("postgres://u%40x:p%2Fw%3A@h/d%20b?sslmode=disable").expect("parses");
        assert_eq!(o.get_username(), "u@x");
        assert_eq!(o.get_database(), Some("d b"));
        assert_eq!(o.get_host(), "h");
        assert!(matches!(o.get_ssl_mode(), PgSslMode::Disable));
        // The password is not readable back; a URL built from the options carries it.
        assert!(
            o.to_url_lossy().as_str().contains("p%2Fw%3A"),
            "{}",
            o.to_url_lossy()
        );
    }

    #[rstest]
    #[case("postgresql://", None)]
    #[case("postgresql:///db", Some("db"))]
    #[case("postgres://h:6543,h2:7000/db", Some("db"))]
    fn hostless_and_multi_host_urls(#[case] url: &str, #[case] db: Option<&str>) {
        assert_eq!(parts(url).4.as_deref(), db);
    }

    #[test]
    fn the_first_of_several_hosts_with_its_port() {
        let (host, _, port, _, _) = parts("postgres://h:6543,h2:7000/db");
        assert_eq!((host.as_str(), port), ("h", 6543));
    }

    #[test]
    fn a_bracketed_ipv6_host() {
        let (host, _, port, _, _) = parts("postgres://u@[::1]:5433/db");
        assert_eq!((host.as_str(), port), ("::1", 5433));
    }

    #[test]
    fn query_parameters_override_the_parts_before() {
        let (host, _, port, user, db) =
            parts("postgres://a@h/x?user=b&port=6000&dbname=y&hostaddr=10.0.0.1");
        assert_eq!(
            (host.as_str(), port, user.as_str(), db.as_deref()),
            ("10.0.0.1", 6000, "b", Some("y"))
        );
    }

    #[test]
    fn a_user_defaults_to_the_os_user() {
        if env::pguser().is_none() {
            assert_eq!(parts("postgres://h/db").3, os_user());
        }
    }

    #[rstest]
    #[case("mysql://h/db")]
    #[case("postgres://h:notaport/db")]
    #[case("postgres://h/db%zz")]
    #[case("postgres://h/db?sslmode=sometimes")]
    fn what_libpq_refuses_is_refused(#[case] url: &str) {
        assert!(parse(url).is_err(), "{url}");
    }
}
