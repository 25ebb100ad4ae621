//! Whether the server is still there. A server that dies under the checks (OOM killer,
//! `kill -9`, a stopped container, a dropped network) must end the run at once with what
//! happened, not as a failure of every remaining check after each waited for a connection.
//!
//! - local: the postmaster is our child: its exit status, and the end of its log.
//! - docker: the container's state, and the end of its output.
//! - url: a connection to the server fails at the network level (a server that answers with
//!   an error, say "too many connections", is alive).

#[cfg(feature = "docker")]
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};

#[cfg(feature = "docker")]
use super::docker;
use super::local;

/// How often [`Probe::until_exit`] looks.
const PERIOD: Duration = Duration::from_millis(250);
/// A server that takes longer than this to accept a connection is taken for gone.
const URL_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What tells whether the server of a run still runs; cheap to clone into a task.
#[derive(Clone)]
pub enum Probe {
    Local(local::Probe),
    #[cfg(feature = "docker")]
    Docker(Arc<docker::Container>),
    Url(Box<PgConnectOptions>),
}

impl Probe {
    /// `None` while the server runs; once it is gone, how (`<status>, last lines of its log:
    /// ...`), as one line.
    pub async fn exited(&self) -> Option<String> {
        match self {
            Probe::Local(probe) => probe.exited(),
            #[cfg(feature = "docker")]
            Probe::Docker(container) => container.exited().await,
            Probe::Url(options) => url_unreachable(options).await,
        }
    }

    /// Returns once the server is gone, with [`exited`](Self::exited)'s description.
    pub async fn until_exit(self) -> String {
        let period = match self {
            // Each look at a server that is not ours costs it a connection.
            Probe::Url(_) => PERIOD * 8,
            _ => PERIOD,
        };
        loop {
            if let Some(exit) = self.exited().await {
                return exit;
            }
            tokio::time::sleep(period).await;
        }
    }
}

async fn url_unreachable(options: &PgConnectOptions) -> Option<String> {
    let failure = match tokio::time::timeout(URL_CONNECT_TIMEOUT, options.connect()).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            return None;
        }
        Ok(Err(sqlx::Error::Database(_))) => return None,
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("no connection within {}s", URL_CONNECT_TIMEOUT.as_secs()),
    };
    Some(format!(
        "the server of PG_INVARIANTS_URL cannot be reached ({failure}), last lines of its log: not ours to read"
    ))
}

/// The last `n` lines of `log` on one line.
pub fn tail(log: &str, n: usize) -> String {
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}
