//! What a test process and its run's keeper say to each other: one JSON document per line on
//! the keeper's Unix socket (in the run's private directory), one question per connection.

use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

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

/// Reads one line as a `T`; an end of stream before it is an error.
pub(super) fn receive<T: DeserializeOwned>(stream: &UnixStream) -> io::Result<T> {
    let mut line = String::new();
    if BufReader::new(stream).read_line(&mut line)? == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    serde_json::from_str(&line).map_err(io::Error::other)
}
