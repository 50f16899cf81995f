//! Termination detection for the parallel mark, separated from the deques so that loom can
//! check it (see the tests at the bottom, run by `.ci/loom.sh`).
//!
//! `active` counts workers that may still produce work. It starts at 0: a worker *joins*
//! (`active += 1`) when it starts on the mark, before it takes any seed, so a GC helper that
//! is late (or never comes: the gang lets a job finish without helpers that had not started
//! it, see `gang.rs`) holds no work and holds nobody up. The protocol, for a worker:
//!
//! 0. Join: `active += 1`.
//! 1. Take seeds from the shared seed source (root list, page chunks) and work while it has
//!    local work or can steal some.
//! 2. Go idle: `active -= 1` (only with an empty local deque, after a failed steal, and after
//!    the seed source ran dry).
//! 3. While idle: if `active == 0`, stop. If work is visible somewhere, `active += 1` *before*
//!    stealing; on failure `active -= 1` and keep waiting.
//!
//! Claim: when a worker reads `active == 0`, no work item exists and none can appear. Work is
//! only in the seed source, which only shrinks and which every idle worker saw empty, or on
//! the deque of a worker counted in `active` (items are pushed only by such a worker, onto
//! its own deque); a worker decrements `active` only when its deque is empty, and an idle
//! worker pushes nothing until it has incremented `active` again. So `active == 0` means every
//! deque is empty and every worker that joined is idle, and that state is stable: a worker
//! that joins afterwards finds nothing and leaves. All operations are SeqCst so the reads of
//! `active` and of the deques are ordered with the increments.
//!
//! Panics: a worker that unwinds out of the mark (the binding's `trace` panicked) sets
//! `aborted`; idle workers stop when they see it, busy ones once their own work runs out, so
//! the collection can unwind instead of waiting forever for the lost worker to go idle.

use crate::primitive::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The shared counter of one parallel mark.
pub(crate) struct Termination {
    active: AtomicUsize,
    aborted: AtomicBool,
}

impl Termination {
    /// No worker has joined yet.
    pub(crate) fn new() -> Self {
        Termination {
            active: AtomicUsize::new(0),
            aborted: AtomicBool::new(false),
        }
    }

    /// Step 0: this worker starts on the mark (before it takes any seed).
    #[inline]
    pub(crate) fn join(&self) {
        self.active.fetch_add(1, Ordering::SeqCst);
    }

    /// Step 2: this worker has no local work and found none to steal.
    #[inline]
    pub(crate) fn go_idle(&self) {
        self.active.fetch_sub(1, Ordering::SeqCst);
    }

    /// Step 3: whether every worker is idle (then all work is done), or a worker panicked.
    #[inline]
    pub(crate) fn all_idle(&self) -> bool {
        self.active.load(Ordering::SeqCst) == 0 || self.aborted.load(Ordering::Relaxed)
    }

    /// Step 3: an idle worker saw work and is about to steal it.
    #[inline]
    pub(crate) fn resume(&self) {
        self.active.fetch_add(1, Ordering::SeqCst);
    }

    /// A worker is unwinding out of the mark: the others must not wait for it.
    pub(crate) fn abort(&self) {
        self.aborted.store(true, Ordering::Relaxed);
    }
}

#[cfg(all(test, loom))]
mod loom_model {
    //! Model: a small graph marked by 2 workers with per-worker stacks (Mutex<Vec>, standing in
    //! for crossbeam-deque, whose own correctness is crossbeam's business), a shared seed list,
    //! mark bits claimed with fetch_or, and the termination protocol above. Worker 1 may join
    //! at any point, before worker 0 or after it has finished. Checks: every reachable node is
    //! traced exactly once, and no worker stops while work remains (when worker 0 returns,
    //! every node is traced, whatever worker 1 is doing).
    use super::Termination;
    use loom::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
    use loom::sync::{Arc, Mutex};

    const EDGES: [&[usize]; 4] = [&[1, 2], &[3], &[3], &[0]];

    struct Shared {
        marks: Vec<AtomicU32>,
        traced: Vec<AtomicUsize>,
        stacks: Vec<Mutex<Vec<usize>>>,
        seeds: Mutex<Vec<usize>>,
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
        s.term.join();
        loop {
            let seed = s.seeds.lock().unwrap().pop();
            match seed {
                Some(n) if claim(s, n) => s.stacks[w].lock().unwrap().push(n),
                Some(_) => {}
                None => break,
            }
        }
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
                seeds: Mutex::new(vec![0]),
                term: Termination::new(),
            });
            let s2 = s.clone();
            let t = loom::thread::spawn(move || worker(&s2, 1));
            worker(&s, 0);
            for n in 0..4 {
                assert_eq!(
                    s.traced[n].load(Ordering::Relaxed),
                    1,
                    "node {n} at worker 0's end"
                );
            }
            t.join().unwrap();
            for n in 0..4 {
                assert_eq!(s.traced[n].load(Ordering::Relaxed), 1, "node {n}");
            }
        });
    }
}
