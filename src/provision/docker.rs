//! The docker backend: the configured image in a container started by testcontainers' async
//! runner. Any image that behaves like the official `postgres` image works (the official one,
//! `supabase/postgres`, the one `ci/postgres-image` builds without a registry): we rely on
//! `POSTGRES_PASSWORD` (a random one per run) / `POSTGRES_HOST_AUTH_METHOD` (`scram-sha-256`:
//! no trust, even from inside the container's network), a `postgres` role that may create
//! databases, port 5432, and the image's command taking `-c name=value` server options.
//!
//! - **Offline.** The image must already be in the engine. testcontainers pulls an image the
//!   engine lacks, so we look it up first; a missing image is an error that says how to get it.
//! - **No reaper, no side container.** testcontainers-rs starts none (we enable neither its
//!   `watchdog` nor `reusable-containers`). Removal is ours: the container's name is chosen before
//!   it exists and its removal registered with [`cleanup`] first, so Ctrl-C while the container
//!   is being created removes it too.
//! - **Loopback only.** Port 5432 is published on 127.0.0.1, on a port the engine picks, so
//!   parallel runs never collide and nothing outside this machine can reach the server; on this
//!   machine, only who knows the run's random password can log in.
//! - **Ready means a connection succeeds.** The official image runs its init scripts on a
//!   temporary server and then restarts; the first "ready to accept connections" is not the one
//!   that counts, a successful connection is.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use testcontainers::bollard::Docker;
use testcontainers::bollard::errors::Error as DockerError;
use testcontainers::bollard::models::{HostConfig, PortBinding};
use testcontainers::bollard::query_parameters::{LogsOptions, RemoveContainerOptionsBuilder};
use testcontainers::core::IntoContainerPort;
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt, TestcontainersError};

use super::{ProvisionError, block_on_own_runtime, cleanup, owner};

/// The role every postgres-like image creates.
pub const SUPERUSER: &str = "postgres";
const PORT: u16 = 5432;
/// Initialisation can be slow in images that run many init scripts (Supabase's).
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// A local engine answers a ping in milliseconds; one that does not answer in this long is not
/// going to run anything for us.
const ENGINE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long removal keeps asking for a container whose creation may still be in flight.
const REMOVAL_PATIENCE: Duration = Duration::from_secs(8);
/// Lines of the container's log quoted when it fails to start.
const LOG_TAIL: &str = "40";

/// A running container. Dropping it removes the container.
pub struct DockerServer {
    pub port: u16,
    /// The superuser's password, random per run.
    pub password: String,
    container: Arc<Container>,
    _cleanup: cleanup::Guard,
}

/// What removing the container needs; shared with the cleanup action, which may run at any moment
/// on the signal handler's thread.
pub struct Container {
    name: String,
    engine: Docker,
    /// True while testcontainers may be creating the container: "no such container" is then not
    /// a final answer.
    starting: AtomicBool,
    /// testcontainers' handle once it returned one; removing through it also tells
    /// testcontainers that its own drop-time removal is done.
    handle: Mutex<Option<ContainerAsync<GenericImage>>>,
}

impl DockerServer {
    /// Starts `image` with the server `settings` and returns once a connection succeeds.
    pub async fn start(image: &str, settings: &[(String, String)]) -> Result<Self, ProvisionError> {
        let engine = connect_engine().await?;
        let (name, tag) = split_reference(image);
        let reference = format!("{name}:{tag}");
        let image_command = image_command(&engine, &reference).await?;

        let password = owner::random_secret()
            .map_err(|e| ProvisionError::io("drawing a password for the server", e))?;
        let container = Arc::new(Container {
            name: unique_container_name(),
            engine,
            starting: AtomicBool::new(true),
            handle: Mutex::new(None),
        });
        let guard = {
            let container = container.clone();
            cleanup::on_exit(move || block_on_own_runtime(async move { container.remove().await }))
        };
        let mut command = image_command;
        command.extend(
            super::server_options(settings)
                .into_iter()
                .flat_map(|o| ["-c".to_string(), o]),
        );
        let request = GenericImage::new(name, tag)
            .with_exposed_port(PORT.tcp())
            .with_container_name(container.name.as_str())
            .with_env_var("POSTGRES_PASSWORD", password.as_str())
            .with_env_var("POSTGRES_HOST_AUTH_METHOD", "scram-sha-256")
            // The data is thrown away: flushing initdb's files to disk only costs time.
            .with_env_var("POSTGRES_INITDB_ARGS", "--no-sync")
            .with_cmd(command)
            .with_host_config_modifier(publish_on_loopback_only);
        let started = async {
            let handle = request.start().await?;
            Ok::<_, TestcontainersError>((handle.get_host_port_ipv4(PORT).await?, handle))
        }
        .await;
        container.starting.store(false, Ordering::SeqCst);
        let (port, handle) = started.map_err(|source| ProvisionError::Container {
            what: format!("starting a container of {reference}"),
            source,
        })?;
        *lock(&container.handle) = Some(handle);
        let server = Self {
            port,
            password,
            container,
            _cleanup: guard,
        };
        server.wait_ready().await?;
        Ok(server)
    }

    /// What tells whether the container still runs.
    pub fn probe(&self) -> Arc<Container> {
        self.container.clone()
    }

    pub fn options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .host("127.0.0.1")
            .port(self.port)
            .username(SUPERUSER)
            .password(&self.password)
            .database(database)
            // Loopback to a throwaway server: TLS would only cost time (and sqlx has none here).
            .ssl_mode(PgSslMode::Disable)
    }

    /// Polls a connection until one succeeds, the container stops, or time runs out.
    async fn wait_ready(&self) -> Result<(), ProvisionError> {
        let started = Instant::now();
        let options = self.options("postgres");
        loop {
            let attempt =
                tokio::time::timeout(Duration::from_secs(5), PgConnection::connect_with(&options));
            if let Ok(Ok(conn)) = attempt.await {
                let _ = conn.close().await;
                return Ok(());
            }
            if let Some(status) = self.container.exit_status().await {
                return Err(ProvisionError::ServerExited {
                    status,
                    log: self.container.log_tail().await,
                });
            }
            if started.elapsed() > READY_TIMEOUT {
                return Err(ProvisionError::NotReady {
                    seconds: READY_TIMEOUT.as_secs(),
                    log: self.container.log_tail().await,
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Container {
    /// Removes the container with its anonymous volumes, whatever state it is in.
    async fn remove(&self) {
        let handle = lock(&self.handle).take();
        if let Some(handle) = handle
            && handle.rm().await.is_ok()
        {
            return;
        }
        let deadline = Instant::now() + REMOVAL_PATIENCE;
        loop {
            let options = RemoveContainerOptionsBuilder::new()
                .force(true)
                .v(true)
                .build();
            match self
                .engine
                .remove_container(&self.name, Some(options))
                .await
            {
                Err(e)
                    if status(&e) == Some(404)
                        && self.starting.load(Ordering::SeqCst)
                        && Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                // Removed, never created, or (409) already being removed by the engine.
                _ => return,
            }
        }
    }

    /// `None` while the container runs; once it stopped, how, with the end of its output on
    /// one line (see [`super::watch`]).
    pub async fn exited(&self) -> Option<String> {
        let status = self.exit_status().await?;
        let log = self.log_tail().await;
        Some(format!(
            "{status}, last lines of its log: {}",
            super::watch::tail(&log, 5)
        ))
    }

    /// What happened to the container, once it no longer runs.
    async fn exit_status(&self) -> Option<String> {
        match self.engine.inspect_container(&self.name, None).await {
            Ok(info) => {
                let state = info.state?;
                if state.running == Some(true) {
                    return None;
                }
                Some(format!(
                    "container {} exited with code {}",
                    self.name,
                    state.exit_code.unwrap_or_default()
                ))
            }
            Err(e) if status(&e) == Some(404) => Some(format!("container {} is gone", self.name)),
            Err(_) => None,
        }
    }

    /// The end of the container's output (the server log of postgres images).
    async fn log_tail(&self) -> String {
        let options = LogsOptions {
            stdout: true,
            stderr: true,
            tail: LOG_TAIL.to_string(),
            ..Default::default()
        };
        let mut logs = self.engine.logs(&self.name, Some(options));
        let mut text = String::new();
        while let Some(Ok(chunk)) = logs.next().await {
            text.push_str(&chunk.to_string());
        }
        text
    }
}

/// The engine testcontainers uses (`DOCKER_HOST`, else the usual sockets), once it has
/// answered a ping.
async fn connect_engine() -> Result<Docker, ProvisionError> {
    let no_engine = |reason: String| ProvisionError::NoDockerEngine { reason };
    let engine = testcontainers::core::client::docker_client_instance()
        .await
        .map_err(|e| no_engine(e.to_string()))?;
    match tokio::time::timeout(ENGINE_TIMEOUT, engine.ping()).await {
        Ok(Ok(_)) => Ok(engine),
        Ok(Err(e)) => Err(no_engine(e.to_string())),
        Err(_) => Err(no_engine(format!(
            "no answer to a ping within {}s",
            ENGINE_TIMEOUT.as_secs()
        ))),
    }
}

/// The image's own command, which our server options are appended to: images that start the
/// server with arguments of their own (Supabase's `postgres -D /etc/postgresql`) keep them.
/// Fails when the image is not in the engine: we never pull.
async fn image_command(engine: &Docker, reference: &str) -> Result<Vec<String>, ProvisionError> {
    match engine.inspect_image(reference).await {
        Ok(image) => Ok(image.config.and_then(|c| c.cmd).unwrap_or_default()),
        Err(e) if status(&e) == Some(404) => Err(ProvisionError::ImageMissing {
            image: reference.to_string(),
        }),
        Err(source) => Err(ProvisionError::DockerApi {
            what: format!("looking up image {reference}"),
            source,
        }),
    }
}

/// 5432 on 127.0.0.1 only (testcontainers would publish on every interface), host port chosen
/// by the engine.
fn publish_on_loopback_only(config: &mut HostConfig) {
    config.publish_all_ports = Some(false);
    config.port_bindings = Some(HashMap::from([(
        format!("{PORT}/tcp"),
        Some(vec![PortBinding {
            host_ip: Some("127.0.0.1".into()),
            host_port: None,
        }]),
    )]));
}

/// `name:tag` split where Docker splits it: the tag is after the last `:` of the last path
/// component (`localhost:5000/pg` has no tag), and a reference without one means `latest`.
fn split_reference(image: &str) -> (&str, &str) {
    let last_component = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_component..].rfind(':') {
        Some(i) => (
            &image[..last_component + i],
            &image[last_component + i + 1..],
        ),
        None => (image, "latest"),
    }
}

/// `pg_invariants_<pid>_<nanos>`: recognisable in `docker ps`, unique per run.
fn unique_container_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("pg_invariants_{}_{nanos}", std::process::id())
}

fn status(e: &DockerError) -> Option<u16> {
    match e {
        DockerError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("postgres:17-alpine", "postgres", "17-alpine")]
    #[case("postgres", "postgres", "latest")]
    #[case("supabase/postgres:15.8.1.060", "supabase/postgres", "15.8.1.060")]
    #[case("localhost:5000/pg", "localhost:5000/pg", "latest")]
    #[case("localhost:5000/team/pg:15", "localhost:5000/team/pg", "15")]
    // A digest: name and tag join back into the same reference.
    #[case("postgres@sha256:ab12", "postgres@sha256", "ab12")]
    fn references_split_where_docker_splits_them(
        #[case] image: &str,
        #[case] name: &str,
        #[case] tag: &str,
    ) {
        assert_eq!(split_reference(image), (name, tag));
    }
}
