//! What a test process and its run's keeper say to each other: one JSON document per line on
//! the keeper's Unix socket (in the run's private directory), one question per connection.

use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::patience::LOOK;
use crate::report::{Listed, Outcome};
use crate::spec::Backend;

/// What decides a run's set-up and plan, besides the executable and the environment: the
/// options of `pg-invariants test` (or of a test target) that are not about which tests run or
/// how they are printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    /// Where to look for `pg-invariants.toml`.
    pub start: PathBuf,
    /// `--backend B`.
    pub backend: Option<Backend>,
    /// `--no-cache`.
    pub no_cache: bool,
    /// `--accept`.
    pub accept: bool,
}

/// A question to the keeper.
#[derive(Debug, Serialize, Deserialize)]
pub(super) enum Ask {
    /// The set-up's header and the tests of the run; with `only` (an `--exact` filter), the
    /// one test of that name, if there is one.
    Tests { only: Option<String> },
    /// The verdict of the test `name`.
    Verdict { name: String },
}

/// The answer to [`Ask::Tests`] (an error: why the process must set up on its own).
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Tests {
    /// What the set-up printed: the lines a run of its own starts with.
    pub header: String,
    pub tests: Vec<Listed>,
}

/// The answer to [`Ask::Verdict`].
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Verdict {
    pub outcome: Outcome,
    /// What happened to the server, once it is gone: the run then ends with exit 2.
    pub server_exit: Option<String>,
}

/// Writes `value` as one line.
pub(super) fn send<T: Serialize>(stream: &mut UnixStream, value: &T) -> io::Result<()> {
    let mut line = serde_json::to_vec(value).map_err(io::Error::other)?;
    line.push(b'\n');
    stream.write_all(&line)?;
    stream.flush()
}

/// Reads one line as a `T` within `limit`; an end of stream before it is an error.
pub(super) fn receive<T: DeserializeOwned>(stream: &UnixStream, limit: Duration) -> io::Result<T> {
    let deadline = Instant::now() + limit;
    receive_patiently(stream, || {
        if Instant::now() < deadline {
            Ok(())
        } else {
            Err(io::ErrorKind::TimedOut.into())
        }
    })
}

/// Reads one line as a `T`, asking `patience` every [`LOOK`] whether to wait on: its error
/// ends the wait. An end of stream before the line is an error.
pub(super) fn receive_patiently<T: DeserializeOwned>(
    stream: &UnixStream,
    mut patience: impl FnMut() -> io::Result<()>,
) -> io::Result<T> {
    stream.set_read_timeout(Some(LOOK))?;
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        // Whatever arrived before a timeout stays in `line`.
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(_) if line.ends_with(b"\n") => break,
            Ok(_) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                patience()?;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    serde_json::from_slice(&line).map_err(io::Error::other)
}

/// Who is at the other end of a Unix socket, as the kernel says (`SO_PEERCRED`): the process
/// that connected, or that listens.
pub(super) struct Peer {
    pub pid: u32,
    pub uid: u32,
}

pub(super) fn peer(stream: &UnixStream) -> io::Result<Peer> {
    use std::os::fd::AsRawFd;
    // SAFETY: all-zero is a valid `ucred`.
    let mut cred: libc::ucred = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `cred`, a `ucred` as SO_PEERCRED needs.
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Peer {
        pid: u32::try_from(cred.pid).unwrap_or(0),
        uid: cred.uid,
    })
}
