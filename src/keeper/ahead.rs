//! Verdicts worked out ahead of the questions. nextest starts its tests in the order of their
//! names, as many at once as it has slots (one per core by default): alone, the keeper would
//! work on as few checks at once, each waiting on the server in turn, where `cargo test` runs
//! two per core. So each question for a test also starts the next few tests in name order, on
//! worker threads, and their processes find their verdicts ready, or nearly.
//!
//! What this costs a run that selected fewer tests (`cargo nextest run some::filter`): at most
//! [`window`] checks no process asks for, per question and once at the start; their rows are rolled back like any
//! other check's. A verdict is handed out once: a second question for the same test (nextest's
//! `--retries`) runs the check again.

use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::wire::Verdict;

/// How many tests after the one asked for are worked out ahead: as many as `cargo test` runs
/// at once.
fn window() -> usize {
    crate::session::default_threads()
}

/// Where a test's verdict is.
enum State {
    /// Nobody works on it.
    Idle,
    /// A worker (or a question) works on it.
    Running,
    /// Worked out ahead, not yet asked for.
    Done(Verdict),
}

struct Slot {
    state: Mutex<State>,
    done: Condvar,
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The verdicts of a run's tests, by plan index.
pub(super) struct Ahead {
    /// Plan indices in name order (nextest's).
    order: Vec<usize>,
    /// Position in `order`, by plan index.
    position: Vec<usize>,
    slots: Vec<Slot>,
    /// The workers' queue of plan indices.
    queue: Mutex<Sender<usize>>,
}

impl Ahead {
    /// `names` by plan index; `work` works out the verdict of a plan index, on any thread.
    pub fn new(
        names: &[String],
        work: impl Fn(usize) -> Verdict + Send + Sync + 'static,
    ) -> Arc<Self> {
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by(|a, b| names[*a].cmp(&names[*b]));
        let mut position = vec![0; order.len()];
        for (p, &i) in order.iter().enumerate() {
            position[i] = p;
        }
        let (sender, receiver) = channel::<usize>();
        let ahead = Arc::new(Self {
            order,
            position,
            slots: (0..names.len())
                .map(|_| Slot {
                    state: Mutex::new(State::Idle),
                    done: Condvar::new(),
                })
                .collect(),
            queue: Mutex::new(sender),
        });
        let receiver = Arc::new(Mutex::new(receiver));
        let work = Arc::new(work);
        for _ in 0..window() {
            let (receiver, work, weak) = (receiver.clone(), work.clone(), Arc::downgrade(&ahead));
            std::thread::spawn(move || {
                loop {
                    let next = receiver.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    let (Ok(index), Some(ahead)) = (next, weak.upgrade()) else {
                        return;
                    };
                    let verdict = work(index);
                    let slot = &ahead.slots[index];
                    *slot.lock() = State::Done(verdict);
                    slot.done.notify_all();
                }
            });
        }
        // The first questions will be for the first names.
        ahead.start_from(0);
        ahead
    }

    /// The verdict of plan index `index`: worked out ahead (waited for if still running), or
    /// now with `work`. The next tests in name order are started meanwhile.
    pub fn verdict(&self, index: usize, work: impl FnOnce() -> Verdict) -> Verdict {
        self.start_after(index);
        let slot = &self.slots[index];
        let mut state = slot.lock();
        loop {
            match std::mem::replace(&mut *state, State::Idle) {
                State::Done(verdict) => return verdict,
                State::Running => {
                    *state = State::Running;
                    state = slot.done.wait(state).unwrap_or_else(|p| p.into_inner());
                }
                State::Idle => {
                    *state = State::Running;
                    drop(state);
                    let verdict = work();
                    *slot.lock() = State::Idle;
                    slot.done.notify_all();
                    return verdict;
                }
            }
        }
    }

    /// Queues the [`window`] tests after `index` in name order that nobody works on yet.
    fn start_after(&self, index: usize) {
        self.start_from(self.position[index] + 1);
    }

    /// Queues the [`window`] tests from `position` on in name order that nobody works on yet.
    fn start_from(&self, position: usize) {
        let queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        for &next in self.order.iter().skip(position).take(window()) {
            let mut state = self.slots[next].lock();
            if matches!(*state, State::Idle) {
                *state = State::Running;
                let _ = queue.send(next);
            }
        }
    }
}
