//! The GC worker gang of one collection: the rayon pool's threads, held for the whole
//! collection, plus the collecting thread itself as worker 0.
//!
//! Why not one `broadcast` per phase: a pool thread that finished a phase goes to sleep, and
//! waking it for the next phase took up to ~2 ms on the (virtualised) development machine,
//! so the second worker often joined a phase after the first had done most of it. The gang
//! starts once per collection (`spawn_broadcast`); between phases its threads spin, then
//! yield, then sleep in short timed waits, so consecutive phases find them awake, and the
//! collecting thread runs worker 0's share at once instead of waiting.
//!
//! # Late helpers
//! A helper that is not running when a job is published (descheduled: mutators outnumber
//! cores, or a virtual CPU is slow to wake) must not hold the job up. The collecting thread
//! runs its own share at once, then *closes* the job ([`JobGate`]): helpers that had joined it
//! are waited for, helpers that come later skip it. So a phase never waits for a thread that
//! has not started on it; in the scaling workload (2 mutators, 2 cores) the slowest phases were
//! waits of 0.5–3.6 ms for a helper that joined after the collecting thread had finished.
//! Every job must therefore be correct when run by worker 0 plus *any* subset of the
//! helpers, each at most once: work is claimed dynamically (page chunks, slice and list
//! cursors, root batches), never assigned to a worker index, and the mark's termination count
//! only includes workers that joined (`termination.rs`).
//!
//! A job is `&dyn Fn(usize) + Sync`, published as a raw pointer: [`Gang::run`] does not return
//! before every helper that joined has finished it, which is what makes the borrow sound. A
//! panic in a helper is caught there and re-raised on the collecting thread after all joined
//! helpers are done.

use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

// The gate's word comes from the loom shim so its model checks the real type; `Ordering` is
// the same type either way.
use crate::primitive::sync::atomic::AtomicU64;

/// Spins before a waiting helper starts yielding, then yields before it sleeps.
const SPINS: u32 = 4_000;
const YIELDS: u32 = 2_000;

type Job = dyn Fn(usize) + Sync;

/// A published job (a borrowed closure, valid until every helper reported done).
#[derive(Clone, Copy)]
struct JobPtr(*const Job);

// SAFETY: the pointee is `Sync`, and `Gang::run` keeps it alive until every helper is done with
// it (see the module docs).
unsafe impl Send for JobPtr {}

struct Inner {
    gate: JobGate,
    /// Test knob: see `delay_helper`.
    #[cfg(feature = "fault-injection")]
    helper_delay_us: u64,
    job: Mutex<Option<JobPtr>>,
    done: AtomicUsize,
    quit: AtomicBool,
    exited: AtomicUsize,
    panic: Mutex<Option<Box<dyn Any + Send>>>,
    sleep: Mutex<()>,
    wake: Condvar,
}

/// Helpers held for one collection.
pub(crate) struct Gang {
    inner: Arc<Inner>,
    helpers: usize,
}

impl Gang {
    /// Hold `workers - 1` threads of `pool` (at most its size) as helpers 1..workers.
    /// `helper_delay_us`: the `fault-injection` test knob (see `delay_helper`); ignored
    /// otherwise.
    pub(crate) fn start(pool: &rayon::ThreadPool, workers: usize, helper_delay_us: u64) -> Gang {
        #[cfg(not(feature = "fault-injection"))]
        let _ = helper_delay_us;
        let helpers = workers.saturating_sub(1).min(pool.current_num_threads());
        let inner = Arc::new(Inner {
            gate: JobGate::new(),
            #[cfg(feature = "fault-injection")]
            helper_delay_us,
            job: Mutex::new(None),
            done: AtomicUsize::new(0),
            quit: AtomicBool::new(false),
            exited: AtomicUsize::new(0),
            panic: Mutex::new(None),
            sleep: Mutex::new(()),
            wake: Condvar::new(),
        });
        let gang = Gang { inner, helpers };
        gang.resume(pool);
        gang
    }

    /// Number of workers (helpers plus the collecting thread).
    pub(crate) fn workers(&self) -> usize {
        self.helpers + 1
    }

    /// Run `f(0)` on this thread and `f(w)` on every helper `w` that starts on the job before
    /// `f(0)` has returned; wait for those (see "Late helpers" in the module docs).
    pub(crate) fn run<'f>(&self, f: &'f (dyn Fn(usize) + Sync + 'f)) {
        let inner = &*self.inner;
        inner.done.store(0, Ordering::Relaxed);
        // SAFETY (lifetime extension): the pointer is dereferenced only by helpers that joined
        // the job through the gate, between their join and their `done` increment, and this
        // function waits for as many `done` increments as helpers joined before returning, so
        // `f` outlives every use.
        let ptr: *const Job =
            unsafe { std::mem::transmute::<&'f (dyn Fn(usize) + Sync + 'f), &'static Job>(f) };
        *inner.job.lock() = Some(JobPtr(ptr));
        inner.gate.open_next();
        {
            let _g = inner.sleep.lock();
            inner.wake.notify_all();
        }
        let mine = catch_unwind(AssertUnwindSafe(|| f(0)));
        let joined = inner.gate.close();
        let mut spins = 0u32;
        while inner.done.load(Ordering::Acquire) < joined {
            spins += 1;
            if spins < SPINS {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
        *inner.job.lock() = None;
        if let Some(p) = inner.panic.lock().take() {
            resume_unwind(p);
        }
        if let Err(p) = mine {
            resume_unwind(p);
        }
    }
}

impl Gang {
    /// Give the pool's threads back (between jobs): every helper exits its loop. A collection
    /// does this before it runs VM code without its lock, so that another collection started
    /// meanwhile (by that VM code, or by a thread it waits for) finds the pool free instead of
    /// waiting for this one to end (see "Re-entrancy" in docs/design.md).
    pub(crate) fn pause(&self) {
        let inner = &*self.inner;
        inner.quit.store(true, Ordering::Release);
        {
            let _g = inner.sleep.lock();
            inner.wake.notify_all();
        }
        while inner.exited.load(Ordering::Acquire) < self.helpers {
            std::thread::yield_now();
        }
    }

    /// Hold `pool`'s threads again after [`pause`](Self::pause). A helper that starts late
    /// finds the last job closed and waits for the next one (the gate), as any late helper.
    pub(crate) fn resume(&self, pool: &rayon::ThreadPool) {
        let inner = &self.inner;
        inner.exited.store(0, Ordering::Relaxed);
        inner.quit.store(false, Ordering::Release);
        let (shared, helpers) = (inner.clone(), self.helpers);
        pool.spawn_broadcast(move |ctx| {
            if ctx.index() < helpers {
                helper_loop(&shared, ctx.index() + 1);
            }
        });
    }
}

impl Drop for Gang {
    fn drop(&mut self) {
        // Give the pool threads back before the next collection asks for them.
        self.pause();
    }
}

fn helper_loop(inner: &Inner, w: usize) {
    let mut seen = 0u32;
    loop {
        let mut waited = 0u32;
        loop {
            if inner.quit.load(Ordering::Acquire) {
                inner.exited.fetch_add(1, Ordering::Release);
                return;
            }
            let s = inner.gate.current();
            if s != seen {
                seen = s;
                break;
            }
            waited = waited.saturating_add(1);
            if waited < SPINS {
                std::hint::spin_loop();
            } else if waited < SPINS + YIELDS {
                std::thread::yield_now();
            } else {
                let mut g = inner.sleep.lock();
                if inner.gate.current() == seen && !inner.quit.load(Ordering::Acquire) {
                    inner.wake.wait_for(&mut g, Duration::from_millis(1));
                }
            }
        }
        #[cfg(feature = "fault-injection")]
        delay_helper(inner.helper_delay_us, seen, w);
        if !inner.gate.try_join(seen) {
            // Worker 0 finished this job before we got here: it is done without us.
            continue;
        }
        let job = (*inner.job.lock()).expect("a job is published before its gate opens");
        // SAFETY: see `Gang::run`: the job stays alive until this helper reports done below.
        let r = catch_unwind(AssertUnwindSafe(|| unsafe { (*job.0)(w) }));
        if let Err(p) = r {
            inner.panic.lock().get_or_insert(p);
        }
        inner.done.fetch_add(1, Ordering::Release);
    }
}

/// Admission to the current job: its sequence number (high 32 bits), whether it is closed,
/// and how many helpers joined it (low bits), in one word, so that a helper's join and the
/// collecting thread's close are ordered: a helper either joined before the close (and is
/// counted, so waited for) or sees the job closed (and skips it).
pub(crate) struct JobGate {
    state: AtomicU64,
}

const CLOSED: u64 = 1 << 31;
const JOINED: u64 = CLOSED - 1;

impl JobGate {
    pub(crate) fn new() -> Self {
        JobGate {
            state: AtomicU64::new(0),
        }
    }

    /// The current job's sequence number (0 before the first).
    pub(crate) fn current(&self) -> u32 {
        (self.state.load(Ordering::Acquire) >> 32) as u32
    }

    /// Collecting thread: open the next job (after publishing it, before waking helpers).
    /// The previous job is closed and every helper that joined it is done.
    pub(crate) fn open_next(&self) {
        let next = self.current().wrapping_add(1).max(1);
        self.state.store(u64::from(next) << 32, Ordering::Release);
    }

    /// Helper: join job `seq` if it is still the current one and open.
    pub(crate) fn try_join(&self, seq: u32) -> bool {
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            if (cur >> 32) as u32 != seq || cur & CLOSED != 0 {
                return false;
            }
            match self.state.compare_exchange_weak(
                cur,
                cur + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(now) => cur = now,
            }
        }
    }

    /// Collecting thread: close the current job; returns how many helpers joined it.
    pub(crate) fn close(&self) -> usize {
        (self.state.fetch_or(CLOSED, Ordering::AcqRel) & JOINED) as usize
    }
}

/// Test knob (`fault-injection`): helper `w` waits before job `seq` for `us * ((seq + w) % 3)
/// / 2` microseconds (none, half, or all of `us`), so some jobs see every helper, some late
/// helpers, and some none.
#[cfg(feature = "fault-injection")]
fn delay_helper(us: u64, seq: u32, w: usize) {
    if us > 0 {
        let k = (u64::from(seq) + w as u64) % 3;
        std::thread::sleep(Duration::from_micros(us * k / 2));
    }
}

#[cfg(all(test, loom))]
mod loom_model {
    //! Model of the gate: a collecting thread runs two jobs, each a shared list of items
    //! claimed from a cursor, and one helper joins whichever it can. Checks: every item of
    //! each job is done exactly once, and when the collecting thread moves on no helper is
    //! still inside the job (the borrow the job pointer extends is then over).
    use super::JobGate;
    use loom::sync::atomic::{AtomicUsize, Ordering};
    use loom::sync::Arc;

    struct Shared {
        gate: JobGate,
        done: AtomicUsize,
        /// Per job: cursor over its items, items done, helpers inside.
        cursor: [AtomicUsize; 2],
        items: [AtomicUsize; 2],
        inside: [AtomicUsize; 2],
    }

    const ITEMS: usize = 2;

    fn work(s: &Shared, job: usize) {
        s.inside[job].fetch_add(1, Ordering::SeqCst);
        while s.cursor[job].fetch_add(1, Ordering::Relaxed) < ITEMS {
            s.items[job].fetch_add(1, Ordering::Relaxed);
        }
        s.inside[job].fetch_sub(1, Ordering::SeqCst);
    }

    #[test]
    fn late_helpers_skip_and_joined_helpers_are_waited_for() {
        loom::model(|| {
            let s = Arc::new(Shared {
                gate: JobGate::new(),
                #[cfg(feature = "fault-injection")]
                helper_delay_us,
                done: AtomicUsize::new(0),
                cursor: [AtomicUsize::new(0), AtomicUsize::new(0)],
                items: [AtomicUsize::new(0), AtomicUsize::new(0)],
                inside: [AtomicUsize::new(0), AtomicUsize::new(0)],
            });
            let h = s.clone();
            let t = loom::thread::spawn(move || {
                // Try each job once, whenever it gets there (possibly too late).
                for seq in 1..=2u32 {
                    while h.gate.current() < seq {
                        loom::thread::yield_now();
                    }
                    if h.gate.try_join(seq) {
                        work(&h, seq as usize - 1);
                        h.done.fetch_add(1, Ordering::Release);
                    }
                }
            });
            for job in 0..2 {
                s.done.store(0, Ordering::Relaxed);
                s.gate.open_next();
                work(&s, job);
                let joined = s.gate.close();
                while s.done.load(Ordering::Acquire) < joined {
                    loom::thread::yield_now();
                }
                assert_eq!(
                    s.inside[job].load(Ordering::SeqCst),
                    0,
                    "helper still in job"
                );
                assert_eq!(s.items[job].load(Ordering::Relaxed), ITEMS);
            }
            t.join().unwrap();
        });
    }
}
