//! Termination detection for the parallel mark, separated from the deques so that loom can
//! check it (see the tests at the bottom, run by `.ci/loom.sh`).
//!
//! `active` counts workers that may still produce work. The protocol, for a worker:
//!
//! 1. Work while it has local work or can steal some.
//! 2. Go idle: `active -= 1` (only with an empty local deque, after a failed steal).
//! 3. While idle: if `active == 0`, stop. If work is visible somewhere, `active += 1` *before*
//!    stealing; on failure `active -= 1` and keep waiting.
//!
//! Claim: when a worker reads `active == 0`, no work item exists and none can appear. Items are
//! pushed only by a worker counted in `active` (it is processing an item) onto its own deque,
//! and a worker decrements `active` only when its deque is empty; an idle worker pushes nothing
//! until it has incremented `active` again. So `active == 0` means every deque is empty and every
//! worker idle, and that state is stable. All operations are SeqCst so the reads of `active` and
//! of the deques are ordered with the increments.

use crate::primitive::sync::atomic::{AtomicUsize, Ordering};

/// The shared counter of one parallel mark.
pub(crate) struct Termination {
    active: AtomicUsize,
}

impl Termination {
    /// All `workers` start active.
    pub(crate) fn new(workers: usize) -> Self {
        Termination {
            active: AtomicUsize::new(workers),
        }
    }

    /// Step 2: this worker has no local work and found none to steal.
    #[inline]
    pub(crate) fn go_idle(&self) {
        self.active.fetch_sub(1, Ordering::SeqCst);
    }

    /// Step 3: whether every worker is idle (then all work is done).
    #[inline]
    pub(crate) fn all_idle(&self) -> bool {
        self.active.load(Ordering::SeqCst) == 0
    }

    /// Step 3: an idle worker saw work and is about to steal it.
    #[inline]
    pub(crate) fn resume(&self) {
        self.active.fetch_add(1, Ordering::SeqCst);
    }
}

#[cfg(all(test, loom))]
mod loom_model {
    //! Model: a small graph marked by 2 workers with per-worker stacks (Mutex<Vec>, standing in
    //! for crossbeam-deque, whose own correctness is crossbeam's business), mark bits claimed
    //! with fetch_or, and the termination protocol above. Checks: every reachable node is
    //! traced exactly once, and no worker stops while work remains.
    use super::Termination;
    use loom::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
    use loom::sync::{Arc, Mutex};

    const EDGES: [&[usize]; 4] = [&[1, 2], &[3], &[3], &[0]];

    struct Shared {
        marks: Vec<AtomicU32>,
        traced: Vec<AtomicUsize>,
        stacks: Vec<Mutex<Vec<usize>>>,
        term: Termination,
    }

    fn claim(s: &Shared, n: usize) -> bool {
        s.marks[n].fetch_or(1, Ordering::Relaxed) & 1 == 0
    }

    fn steal(s: &Shared, w: usize) -> Option<usize> {
        let other = 1 - w;
        let mut st = s.stacks[other].lock().unwrap();
        if st.is_empty() {
            None
        } else {
            Some(st.remove(0))
        }
    }

    fn visible(s: &Shared, w: usize) -> bool {
        !s.stacks[1 - w].lock().unwrap().is_empty()
    }

    fn process(s: &Shared, w: usize, n: usize) {
        s.traced[n].fetch_add(1, Ordering::Relaxed);
        for &c in EDGES[n] {
            if claim(s, c) {
                s.stacks[w].lock().unwrap().push(c);
            }
        }
    }

    fn worker(s: &Shared, w: usize) {
        loop {
            loop {
                let item = s.stacks[w].lock().unwrap().pop();
                match item {
                    Some(n) => process(s, w, n),
                    None => break,
                }
            }
            if let Some(n) = steal(s, w) {
                process(s, w, n);
                continue;
            }
            s.term.go_idle();
            loop {
                if s.term.all_idle() {
                    return;
                }
                if visible(s, w) {
                    s.term.resume();
                    if let Some(n) = steal(s, w) {
                        process(s, w, n);
                        break;
                    }
                    s.term.go_idle();
                }
                loom::thread::yield_now();
            }
        }
    }

    #[test]
    fn mark_claims_once_and_terminates_after_all_work() {
        loom::model(|| {
            let s = Arc::new(Shared {
                marks: (0..4).map(|_| AtomicU32::new(0)).collect(),
                traced: (0..4).map(|_| AtomicUsize::new(0)).collect(),
                stacks: (0..2).map(|_| Mutex::new(Vec::new())).collect(),
                term: Termination::new(2),
            });
            assert!(claim(&s, 0));
            s.stacks[0].lock().unwrap().push(0);
            let s2 = s.clone();
            let t = loom::thread::spawn(move || worker(&s2, 1));
            worker(&s, 0);
            t.join().unwrap();
            for n in 0..4 {
                assert_eq!(s.traced[n].load(Ordering::Relaxed), 1, "node {n}");
            }
        });
    }
}
