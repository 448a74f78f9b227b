//! [`Gate`]: turns at holding nested archives inflated again. Readers share
//! it ([`Gate::shared`]) and hold their archives at once while the
//! nested-archive pool has room; a reader the pool refuses waits for a turn
//! of its own ([`Gate::exclusive`]), when no other thread holds an archive:
//! each archive fit the pool when the tree was opened, so one reader alone
//! always fits. Turns are re-entrant: a parser reading a second file while it
//! streams the first never waits for itself.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, ThreadId};

/// Who holds turns.
#[derive(Default)]
pub(super) struct Gate {
    state: Mutex<State>,
    freed: Condvar,
}

#[derive(Default)]
struct State {
    /// Turns held, per thread.
    holders: HashMap<ThreadId, usize>,
    /// The thread whose turn is its own, if any.
    exclusive: Option<ThreadId>,
    /// Threads waiting for a turn of their own: new shared turns wait too, so
    /// that they are not starved.
    waiting: usize,
}

impl State {
    fn held_by(&self, me: ThreadId) -> usize {
        self.holders.get(&me).copied().unwrap_or(0)
    }
}

/// One turn at the [`Gate`], given back when dropped.
pub(super) struct Turn(Arc<Gate>);

impl Gate {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait<'g>(&self, state: MutexGuard<'g, State>) -> MutexGuard<'g, State> {
        self.freed.wait(state).unwrap_or_else(|e| e.into_inner())
    }

    /// A turn shared with other readers: waits only while another thread has
    /// (or waits for) a turn of its own, unless this thread already holds one.
    pub(super) fn shared(self: &Arc<Self>) -> Turn {
        let me = thread::current().id();
        let mut state = self.lock();
        loop {
            let mine = state.held_by(me) > 0 || state.exclusive == Some(me);
            let blocked = state.exclusive.is_some_and(|t| t != me) || state.waiting > 0;
            if mine || !blocked {
                break;
            }
            state = self.wait(state);
        }
        *state.holders.entry(me).or_default() += 1;
        Turn(self.clone())
    }

    /// A turn of this thread's own, once no other thread holds one; `None`
    /// when this thread already holds a turn (waiting would wait for itself).
    pub(super) fn exclusive(self: &Arc<Self>) -> Option<Turn> {
        let me = thread::current().id();
        let mut state = self.lock();
        if state.held_by(me) > 0 {
            return None;
        }
        state.waiting += 1;
        while !state.holders.is_empty() || state.exclusive.is_some() {
            state = self.wait(state);
        }
        state.waiting -= 1;
        state.exclusive = Some(me);
        state.holders.insert(me, 1);
        Some(Turn(self.clone()))
    }

    /// True when this thread holds a turn of its own.
    #[cfg(test)]
    fn is_exclusive(&self) -> bool {
        self.lock().exclusive == Some(thread::current().id())
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let me = thread::current().id();
        let mut state = self.0.lock();
        if let Some(turns) = state.holders.get_mut(&me) {
            *turns -= 1;
            if *turns == 0 {
                state.holders.remove(&me);
                if state.exclusive == Some(me) {
                    state.exclusive = None;
                }
            }
        }
        self.0.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// Kills nothing: only keeps a broken gate from hanging the test run.
    const HANG: Duration = Duration::from_secs(60);

    #[test]
    fn shared_turns_are_held_at_once_and_are_re_entrant() {
        let gate = Arc::new(Gate::default());
        let first = gate.shared();
        let (done, finished) = mpsc::channel();
        let other = gate.clone();
        thread::spawn(move || {
            let _turn = other.shared();
            done.send(()).unwrap();
        });
        finished
            .recv_timeout(HANG)
            .expect("a second reader got a shared turn");
        let again = gate.shared();
        // A thread holding a turn cannot wait for one of its own.
        assert!(gate.exclusive().is_none());
        drop((first, again));
    }

    #[test]
    fn an_exclusive_turn_waits_for_the_shared_ones_and_holds_off_new_ones() {
        let gate = Arc::new(Gate::default());
        let shared = gate.shared();
        let (event, events) = mpsc::channel();
        let waiter = {
            let gate = gate.clone();
            let event = event.clone();
            thread::spawn(move || {
                let turn = gate.exclusive().expect("holds nothing");
                event.send("exclusive").unwrap();
                assert!(gate.is_exclusive());
                drop(turn);
            })
        };
        // The exclusive waiter is queued before the shared turn is given back.
        while gate.lock().waiting == 0 {
            thread::yield_now();
        }
        event.send("shared dropped").unwrap();
        drop(shared);
        waiter.join().unwrap();
        let order: Vec<_> = events.try_iter().collect();
        assert_eq!(order, ["shared dropped", "exclusive"]);
        // Free again: a shared turn is granted at once.
        let (done, finished) = mpsc::channel();
        thread::spawn(move || {
            let _turn = gate.shared();
            done.send(()).unwrap();
        });
        finished.recv_timeout(HANG).expect("the gate is free");
    }
}
