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
//! A job is `&dyn Fn(usize) + Sync`, published as a raw pointer: [`Gang::run`] does not return
//! before every helper has finished it, which is what makes the borrow sound. A panic in a
//! helper is caught there and re-raised on the collecting thread after all helpers are done.

use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

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
    seq: AtomicU64,
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
    pub(crate) fn start(pool: &rayon::ThreadPool, workers: usize) -> Gang {
        let helpers = workers.saturating_sub(1).min(pool.current_num_threads());
        let inner = Arc::new(Inner {
            seq: AtomicU64::new(0),
            job: Mutex::new(None),
            done: AtomicUsize::new(0),
            quit: AtomicBool::new(false),
            exited: AtomicUsize::new(0),
            panic: Mutex::new(None),
            sleep: Mutex::new(()),
            wake: Condvar::new(),
        });
        let shared = inner.clone();
        pool.spawn_broadcast(move |ctx| {
            if ctx.index() < helpers {
                helper_loop(&shared, ctx.index() + 1);
            }
        });
        Gang { inner, helpers }
    }

    /// Number of workers (helpers plus the collecting thread).
    pub(crate) fn workers(&self) -> usize {
        self.helpers + 1
    }

    /// Run `f(w)` for every worker `w` (0 on this thread) and wait for all of them.
    pub(crate) fn run<'f>(&self, f: &'f (dyn Fn(usize) + Sync + 'f)) {
        let inner = &*self.inner;
        inner.done.store(0, Ordering::Relaxed);
        // SAFETY (lifetime extension): the pointer is dereferenced only by helpers between
        // the `seq` bump below and their `done` increment, and this function waits for all
        // `done` increments before returning, so `f` outlives every use.
        let ptr: *const Job =
            unsafe { std::mem::transmute::<&'f (dyn Fn(usize) + Sync + 'f), &'static Job>(f) };
        *inner.job.lock() = Some(JobPtr(ptr));
        inner.seq.fetch_add(1, Ordering::Release);
        {
            let _g = inner.sleep.lock();
            inner.wake.notify_all();
        }
        let mine = catch_unwind(AssertUnwindSafe(|| f(0)));
        let mut spins = 0u32;
        while inner.done.load(Ordering::Acquire) < self.helpers {
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

impl Drop for Gang {
    fn drop(&mut self) {
        let inner = &*self.inner;
        inner.quit.store(true, Ordering::Release);
        {
            let _g = inner.sleep.lock();
            inner.wake.notify_all();
        }
        // Give the pool threads back before the next collection asks for them.
        while inner.exited.load(Ordering::Acquire) < self.helpers {
            std::thread::yield_now();
        }
    }
}

fn helper_loop(inner: &Inner, w: usize) {
    let mut seen = 0u64;
    loop {
        let mut waited = 0u32;
        loop {
            if inner.quit.load(Ordering::Acquire) {
                inner.exited.fetch_add(1, Ordering::Release);
                return;
            }
            let s = inner.seq.load(Ordering::Acquire);
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
                if inner.seq.load(Ordering::Acquire) == seen && !inner.quit.load(Ordering::Acquire)
                {
                    inner.wake.wait_for(&mut g, Duration::from_millis(1));
                }
            }
        }
        let job = (*inner.job.lock()).expect("a job is published with every sequence bump");
        // SAFETY: see `Gang::run`: the job stays alive until this helper reports done below.
        let r = catch_unwind(AssertUnwindSafe(|| unsafe { (*job.0)(w) }));
        if let Err(p) = r {
            inner.panic.lock().get_or_insert(p);
        }
        inner.done.fetch_add(1, Ordering::Release);
    }
}
