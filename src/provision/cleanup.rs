//! Cleanup that runs whatever happens: on drop, on panic (unwinding drops), and on
//! Ctrl-C/SIGTERM/SIGHUP, where Rust runs no destructors by itself.
//!
//! Each server registers what removes it; the signal handler runs every registered action,
//! newest first, then exits with 130 like a shell would after SIGINT.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, Once};

type Action = Box<dyn FnOnce() + Send>;

static ACTIONS: Mutex<BTreeMap<u64, Action>> = Mutex::new(BTreeMap::new());
static NEXT: AtomicU64 = AtomicU64::new(0);
static HANDLER: Once = Once::new();
/// Set by the signal handler before it runs any action: from then on the process is ending.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// Held while an action runs on drop: the signal handler waits for it, so that a signal
/// arriving as teardown starts cannot report "removed" (and exit) while the removal is
/// half done.
static RUNNING: Mutex<()> = Mutex::new(());

/// Runs its action when dropped, unless a signal ran it first.
#[derive(Debug)]
pub struct Guard(u64);

/// Registers `action` to run exactly once: when the guard drops or on a termination signal.
pub fn on_exit(action: impl FnOnce() + Send + 'static) -> Guard {
    HANDLER.call_once(|| {
        // Fails only when the embedding program installed its own handler; then its
        // handler owns shutdown and our guards still run on drop.
        let _ = ctrlc::set_handler(run_all_and_exit);
    });
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    actions().insert(id, Box::new(action));
    Guard(id)
}

impl Drop for Guard {
    fn drop(&mut self) {
        let running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
        let action = actions().remove(&self.0);
        match action {
            Some(action) => {
                action();
                drop(running);
            }
            // The signal handler took it and is still running it: returning now could let the
            // process exit before the server is stopped and its directory removed. The
            // handler ends the process when it is done.
            None if interrupted() => wait_for_exit(),
            None => {}
        }
    }
}

/// True once a termination signal arrived: work in progress is being torn down.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Blocks the calling thread while the signal handler cleans up and ends the process.
pub fn wait_for_exit() -> ! {
    loop {
        std::thread::park();
    }
}

fn actions() -> MutexGuard<'static, BTreeMap<u64, Action>> {
    ACTIONS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs every registered action now, newest first, as a signal would, but returns: a run's
/// keeper ends this way, whatever its threads still hold (see `keeper`).
pub fn run_all() {
    let _running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
    let pending = std::mem::take(&mut *actions());
    for (_, action) in pending.into_iter().rev() {
        action();
    }
}

fn run_all_and_exit() {
    INTERRUPTED.store(true, Ordering::SeqCst);
    // An action already running on drop finishes before we report anything.
    let _running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
    let pending = std::mem::take(&mut *actions());
    for (_, action) in pending.into_iter().rev() {
        action();
    }
    eprintln!("pg-invariants: interrupted; ephemeral PostgreSQL removed");
    std::process::exit(130);
}
