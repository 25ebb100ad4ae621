//! How long a process waits on its run's keeper: never forever. A keeper may be gone (killed),
//! stopped (SIGSTOP, a debugger: it runs but answers nobody), or stuck; the process then gives up
//! and, before the set-up, sets up on its own, or, waiting for a verdict, fails saying why
//! (never a pass).

use std::time::{Duration, Instant};

use crate::env;
use crate::provision::Owner;

/// How long a process waits for its keeper's set-up, and then for each answer, unless
/// `PG_INVARIANTS_SHARED_WAIT_MS` says otherwise: a set-up applies a whole chain, a check may
/// hold a statement for minutes.
pub const WAIT: Duration = Duration::from_secs(600);
/// How long a keeper may stay stopped before its processes give up on it.
const STOPPED: Duration = Duration::from_secs(2);
/// How often the keeper is looked at while waiting.
pub const LOOK: Duration = Duration::from_millis(100);

/// Waiting on the keeper `keeper`, since [`Patience::new`].
pub(super) struct Patience {
    keeper: Owner,
    wait: Duration,
    deadline: Instant,
    stopped_since: Option<Instant>,
}

impl Patience {
    pub fn new(keeper: Owner) -> Self {
        let wait = env::shared_wait_ms().map_or(WAIT, Duration::from_millis);
        Self {
            keeper,
            wait,
            deadline: Instant::now() + wait,
            stopped_since: None,
        }
    }

    /// `Err(why)` once waiting longer makes no sense: the keeper is gone, has been stopped for
    /// [`STOPPED`], or the wait passed its deadline.
    pub fn check(&mut self) -> Result<(), String> {
        let pid = self.keeper.pid;
        if !self.keeper.is_alive() {
            return Err(format!("the run's keeper (pid {pid}) is gone"));
        }
        if self.keeper.is_stopped() {
            let since = *self.stopped_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= STOPPED {
                return Err(format!(
                    "the run's keeper (pid {pid}) is stopped (SIGSTOP or a debugger) and \
                     answers nobody"
                ));
            }
        } else {
            self.stopped_since = None;
        }
        if Instant::now() >= self.deadline {
            return Err(format!(
                "the run's keeper (pid {pid}) did not answer within {} s \
                 (PG_INVARIANTS_SHARED_WAIT_MS)",
                self.wait.as_secs()
            ));
        }
        Ok(())
    }
}
