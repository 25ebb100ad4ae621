//! `format = "command"`: the user's own migration tool (alembic, knex, a script) applies the
//! chain, pointed at the ephemeral database by `DATABASE_URL` and the `PG*` variables.
//!
//! The tool must not hang the run either. It gets the statement limits through `PGOPTIONS`, and
//! runs as the leader of a process group of its own, so that when the whole command outlives
//! [`Limits::command_bound`] (or the run is interrupted) the tool and everything it started are
//! killed together.

use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Child;

use super::apply::ApplyError;
use super::limits::{COMMAND_BOUND_FACTOR, Limits};
use crate::provision;

/// Runs `command` in `dir` (the project file's directory) and waits for it, within the bound.
pub(super) async fn run(
    command: &[String],
    dir: &Path,
    client_env: &[(String, String)],
    limits: &Limits,
) -> Result<(), ApplyError> {
    let failed = |status: String, output: String| ApplyError::Command {
        command: command.join(" "),
        status,
        output,
    };
    let Some((program, args)) = command.split_first() else {
        return Err(failed("is empty".into(), String::new()));
    };
    let exited = run_bounded(Path::new(program), args, dir, client_env, limits)
        .await
        .map_err(|e| failed(e, String::new()))?;
    if exited.status.success() {
        return Ok(());
    }
    let output = [exited.stdout, exited.stderr].concat();
    Err(failed(format!("failed ({})", exited.status), tail(&output)))
}

/// How a bounded process ended.
pub(super) struct Exited {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `program` with `args` in `dir`, pointed at the database by `client_env` and given the
/// limits through `PGOPTIONS`, in a process group of its own that is killed when it outlives
/// [`Limits::command_bound`] or the run is interrupted. `Err`: why it did not run to its end.
pub(super) async fn run_bounded(
    program: &Path,
    args: &[String],
    dir: &Path,
    client_env: &[(String, String)],
    limits: &Limits,
) -> Result<Exited, String> {
    let mut child = spawn(program, args, dir, client_env, limits)?;
    let Some(group) = child.id().and_then(|id| i32::try_from(id).ok()) else {
        return Err("exited before it could be watched".into());
    };
    // Ctrl-C: the tool is not in our process group, so the terminal's signal does not reach it.
    let reaped = Arc::new(AtomicBool::new(false));
    let on_signal = {
        let reaped = reaped.clone();
        provision::on_exit(move || {
            if !reaped.load(Ordering::SeqCst) {
                kill_group(group);
            }
        })
    };
    let finished = match limits.command_bound() {
        None => Some(finish(&mut child).await),
        Some(bound) => tokio::time::timeout(bound, finish(&mut child)).await.ok(),
    };
    if finished.is_none() {
        // Killed before it is reaped: the unreaped leader keeps the group id ours.
        kill_group(group);
        let _ = child.wait().await;
    }
    reaped.store(true, Ordering::SeqCst);
    drop(on_signal);
    match finished {
        Some(result) => result.map_err(|e| format!("could not be waited for: {e}")),
        None => {
            let bound = limits.command_bound().unwrap_or_default();
            Err(out_of_time(bound, limits))
        }
    }
}

fn spawn(
    program: &Path,
    args: &[String],
    dir: &Path,
    client_env: &[(String, String)],
    limits: &Limits,
) -> Result<Child, String> {
    // A project file found in the current directory has an empty parent: run it here.
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let pgoptions = limits.pgoptions(crate::env::pgoptions().as_deref());
    tokio::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(client_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("PGOPTIONS", pgoptions)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("could not be started: {e}"))
}

/// The tool's exit status and its output, once it has exited and closed both pipes.
/// Cancel-safe: dropping it leaves the child to be killed and reaped.
async fn finish(child: &mut Child) -> std::io::Result<Exited> {
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let (status, out, err) = tokio::join!(child.wait(), read_all(stdout), read_all(stderr));
    Ok(Exited {
        status: status?,
        stdout: out?,
        stderr: err?,
    })
}

async fn read_all(pipe: Option<impl AsyncRead + Unpin>) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if let Some(mut pipe) = pipe {
        pipe.read_to_end(&mut bytes).await?;
    }
    Ok(bytes)
}

/// The last 40 lines of the tool's output: where its error is.
pub(super) fn tail(output: &[u8]) -> String {
    let text = String::from_utf8_lossy(output);
    let last: Vec<&str> = text.lines().rev().take(40).collect();
    last.into_iter().rev().collect::<Vec<_>>().join("\n")
}

fn out_of_time(bound: Duration, limits: &Limits) -> String {
    format!(
        "did not finish within {}s ({COMMAND_BOUND_FACTOR} × [migrations] statement_timeout = {}); its process group was killed",
        bound.as_secs_f64(),
        limits.statement
    )
}

/// Kills the tool and everything it started (a shell's children, a tool's workers).
fn kill_group(group: i32) {
    // SAFETY: killpg(2) with a plain signal number; `group` is the process group the tool leads,
    // and its leader is not reaped yet (or, from the signal handler, is being waited for), so the
    // id cannot have been reused by another group.
    unsafe {
        libc::killpg(group, libc::SIGKILL);
    }
}
