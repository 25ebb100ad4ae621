//! The docker backend's promises beyond verdicts (tests/verdicts.rs runs every case on docker
//! too): without an engine or an image the run ends with exit 2 and says why, fast and without
//! pulling; the server gets the project's settings and is published on 127.0.0.1 only; the
//! container is removed on normal exit, on panic, and on SIGINT whenever it arrives.
//!
//! A libtest-mimic target so that trials needing Docker are reported ignored, with the reason,
//! where there is none (see tests/support/docker.rs).

#[path = "support/docker.rs"]
mod docker_support;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use docker_support::Availability;
use libtest_mimic::{Arguments, Failed, Trial};
use pg_invariants::provision::{Postgres, Source};
use pg_invariants::spec::{Backend, DatabaseConfig, Preset};
use sqlx::{ConnectOptions, Connection, Row};

const BIN: &str = env!("CARGO_BIN_EXE_pg-invariants");
const CASE: &str = "tests/cases/fk-type-mismatch";

/// Names of the containers (running or not) that the process `pid` started.
pub fn containers_of(pid: u32) -> Vec<String> {
    let out = Command::new("docker")
        .args([
            "ps",
            "-a",
            "--filter",
            &format!("name=pg_invariants_{pid}_"),
            "--format",
            "{{.Names}}",
        ])
        .output()
        .expect("docker ps runs");
    assert!(out.status.success(), "docker ps: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<(), Failed> {
    if condition {
        Ok(())
    } else {
        Err(message().into())
    }
}

/// `pg-invariants test --backend docker` in `dir`, with nothing from the caller's environment
/// choosing another backend.
fn docker_run(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(["test", "--backend", "docker"])
        .current_dir(dir)
        .env_remove("PG_INVARIANTS_URL")
        .env_remove("PG_INVARIANTS_BACKEND");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn no_engine_exits_2_and_says_so() -> Result<(), Failed> {
    let started = Instant::now();
    let out = docker_run(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join(CASE),
        &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
    )
    .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure(out.status.code() == Some(2), || describe(&out))?;
    ensure(stderr.contains("no Docker engine"), || describe(&out))?;
    ensure(started.elapsed() < Duration::from_secs(10), || {
        format!("took {:?}", started.elapsed())
    })
}

fn a_missing_image_exits_2_naming_it_without_pulling(_image: &str) -> Result<(), Failed> {
    const ABSENT: &str = "pg-invariants/absent:never-built";
    let since = unix_now();
    let started = Instant::now();
    let out = docker_run(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join(CASE),
        &[("PG_INVARIANTS_IMAGE", ABSENT)],
    )
    .output()?;
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure(out.status.code() == Some(2), || describe(&out))?;
    for needle in [
        &format!("docker image {ABSENT} is not in the local Docker engine"),
        &format!("docker pull {ABSENT}"),
        "ci/postgres-image",
    ] {
        ensure(stderr.contains(needle), || {
            format!("no {needle:?} in:\n{stderr}")
        })?;
    }
    ensure(elapsed < Duration::from_secs(10), || {
        format!("took {elapsed:?}")
    })?;
    // The engine's own record: no pull (nor any other image event) during the run.
    let events = Command::new("docker")
        .args([
            "events",
            "--since",
            &since.to_string(),
            "--until",
            &(unix_now() + 1).to_string(),
            "--filter",
            "type=image",
            "--format",
            "{{.Action}} {{.ID}}",
        ])
        .output()?;
    let events = String::from_utf8_lossy(&events.stdout);
    ensure(!events.contains("pull"), || {
        format!("image events: {events}")
    })
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The container of this process that publishes `port`, and what `docker port` says of it.
fn container_publishing(port: u16) -> Result<(String, Vec<String>), Failed> {
    for name in containers_of(std::process::id()) {
        let out = Command::new("docker").args(["port", &name]).output()?;
        let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        if lines.iter().any(|l| l.ends_with(&format!(":{port}"))) {
            return Ok((name, lines));
        }
    }
    Err(format!("no container of ours publishes port {port}").into())
}

fn exists(name: &str) -> bool {
    Command::new("docker")
        .args(["container", "inspect", name])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

fn config(image: &str, settings: &[(&str, &str)]) -> DatabaseConfig {
    DatabaseConfig {
        backend: Backend::Docker,
        preset: Preset::None,
        image: image.to_string(),
        settings: settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn the_server_has_the_settings_and_listens_on_loopback_only(image: &str) -> Result<(), Failed> {
    let rt = runtime();
    let config = config(image, &[("wal_level", "logical"), ("fsync", "on")]);
    let postgres = rt.block_on(Postgres::start(&Source::new(Backend::Docker, config, None)))?;
    let options = postgres.options("postgres");
    let (name, ports) = container_publishing(options.get_port())?;
    ensure(
        ports == [format!("5432/tcp -> 127.0.0.1:{}", options.get_port())],
        || format!("docker port {name}: {ports:?}"),
    )?;
    let (wal_level, fsync, synchronous_commit) = rt.block_on(async {
        let mut conn = options.connect().await?;
        let row = sqlx::query(
            "SELECT current_setting('wal_level') AS w, current_setting('fsync') AS f, \
             current_setting('synchronous_commit') AS s",
        )
        .fetch_one(&mut conn)
        .await?;
        conn.close().await?;
        Ok::<_, sqlx::Error>((
            row.get::<String, _>("w"),
            row.get::<String, _>("f"),
            row.get::<String, _>("s"),
        ))
    })?;
    ensure(wal_level == "logical", || format!("wal_level {wal_level}"))?;
    // The project's settings come after ours, so they win.
    ensure(fsync == "on", || format!("fsync {fsync}"))?;
    ensure(synchronous_commit == "off", || {
        format!("synchronous_commit {synchronous_commit}")
    })?;
    // Outside any runtime: removal must not depend on the caller having one.
    drop(rt);
    drop(postgres);
    ensure(!exists(&name), || format!("{name} survived the drop"))
}

fn a_panic_removes_the_container(image: &str) -> Result<(), Failed> {
    let image = image.to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    let panicked = std::thread::spawn(move || {
        let rt = runtime();
        rt.block_on(async move {
            let postgres =
                Postgres::start(&Source::new(Backend::Docker, config(&image, &[]), None))
                    .await
                    .expect("a container");
            let port = postgres.options("postgres").get_port();
            let (name, _) = container_publishing(port).expect("our container");
            let _ = tx.send(name);
            panic!("a check panicked while the container ran");
        })
    })
    .join();
    ensure(panicked.is_err(), || "the thread did not panic".into())?;
    let name = rx.recv()?;
    ensure(!exists(&name), || format!("{name} survived the panic"))
}

/// A project whose chain sleeps, so that the run is still going when the signal comes.
fn slow_project(dir: &Path) -> Result<(), Failed> {
    std::fs::create_dir_all(dir.join("migrations"))?;
    std::fs::create_dir_all(dir.join("invariants"))?;
    std::fs::write(
        dir.join("migrations/1_slow.sql"),
        "CREATE TABLE t (id int PRIMARY KEY);\nSELECT pg_sleep(60);\n",
    )?;
    std::fs::write(dir.join("invariants/t.toml"), "[columns.id]\n")?;
    std::fs::write(
        dir.join("pg-invariants.toml"),
        "[migrations]\nformat = \"sql-dir\"\n",
    )?;
    Ok(())
}

/// Sends SIGINT to `child` and waits at most `limit` for it to end; kills it past that.
fn interrupt(child: &mut Child, limit: Duration) -> Result<(Option<i32>, Duration), Failed> {
    let sent = Instant::now();
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok((status.code(), sent.elapsed()));
        }
        if sent.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running {limit:?} after SIGINT").into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts a docker-backed run on a slow chain, sends SIGINT once `moment` says so (given the
/// containers of the run), and checks that it exits with 130 within 10 s leaving no container.
fn interrupt_when(image: &str, moment: impl Fn(&[String], Duration) -> bool) -> Result<(), Failed> {
    let scratch = tempfile::tempdir()?;
    slow_project(scratch.path())?;
    let mut child = docker_run(scratch.path(), &[("PG_INVARIANTS_IMAGE", image)])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let started = Instant::now();
    let before = loop {
        let containers = containers_of(pid);
        if moment(&containers, started.elapsed()) {
            break containers;
        }
        if started.elapsed() > Duration::from_secs(60) || child.try_wait()?.is_some() {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the moment to interrupt never came".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    ensure(before.len() <= 1, || {
        format!("containers before SIGINT: {before:?}")
    })?;
    let (code, took) = interrupt(&mut child, Duration::from_secs(10))?;
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        std::io::Read::read_to_string(&mut pipe, &mut stderr)?;
    }
    ensure(code == Some(130), || {
        format!("exit {code:?} after {took:?}; containers before SIGINT: {before:?}\n{stderr}")
    })?;
    let after = containers_of(pid);
    ensure(after.is_empty(), || {
        format!("left behind: {after:?}\n{stderr}")
    })
}

/// The acceptance test: by then the container normally runs the chain, but on a busy engine it
/// may still be being created; either way nothing may be left.
fn sigint_after_5s_removes_the_container_and_exits_within_10s(image: &str) -> Result<(), Failed> {
    interrupt_when(image, |_, elapsed| elapsed >= Duration::from_secs(5))
}

fn sigint_while_the_container_starts_removes_it(image: &str) -> Result<(), Failed> {
    // The container is there from the moment the engine created it, before its server starts.
    interrupt_when(image, |containers, _| !containers.is_empty())
}

fn main() -> std::process::ExitCode {
    let args = Arguments::from_args();
    let docker = Availability::detect("tests/docker.rs");
    type DockerTest = fn(&str) -> Result<(), Failed>;
    let with_docker: [(&str, DockerTest); 5] = [
        (
            "a_missing_image_exits_2_naming_it_without_pulling",
            a_missing_image_exits_2_naming_it_without_pulling,
        ),
        (
            "the_server_has_the_settings_and_listens_on_loopback_only",
            the_server_has_the_settings_and_listens_on_loopback_only,
        ),
        (
            "a_panic_removes_the_container",
            a_panic_removes_the_container,
        ),
        (
            "sigint_after_5s_removes_the_container_and_exits_within_10s",
            sigint_after_5s_removes_the_container_and_exits_within_10s,
        ),
        (
            "sigint_while_the_container_starts_removes_it",
            sigint_while_the_container_starts_removes_it,
        ),
    ];
    let mut trials = vec![Trial::test(
        "no_engine_exits_2_and_says_so",
        no_engine_exits_2_and_says_so,
    )];
    trials.extend(
        with_docker
            .into_iter()
            .map(|(name, test)| docker.trial(name.to_string(), test)),
    );
    libtest_mimic::run(&args, trials).exit_code()
}
