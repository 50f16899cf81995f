//! When to collect, and which kind (DESIGN §3.5): the one place that owns the allocation
//! counters, the thresholds and the stress knob, the request word that `poll` reads, the
//! back-pressure on automatic triggers and the number of workers a collection gets.
//!
//! ```text
//! Mutator::count --flush every flush_batch--> note_allocations --fires--> request word
//!                                                                          + PENDING_COLLECT
//! Mutator::poll (one relaxed load) --bit set--> take_request --> collect(Request)
//! Mutator::collect -------------------------------------------> collect(Request::manual())
//! collect: admit (lock / back-pressure) -> begin (workers, reset young) -> ... -> end (live)
//! ```
//!
//! Invariants: the pending bit is set whenever the request word is (see [`Trigger::take_request`]);
//! only a collection holding `collect_lock` calls [`Trigger::begin`] and [`Trigger::end`].

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicU8, Ordering};

use parking_lot::{Mutex, MutexGuard};

use crate::config::GcConfig;
use crate::record::{CollectionKind, TriggerReason};
use crate::safepoint::{Safepoints, ThreadSlot};

/// Pending bit (in the safepoint word) asking the next polling thread to collect.
pub(crate) const PENDING_COLLECT: u32 = 1 << 1;

/// What the trigger asks for: why a collection runs, and over which part of the heap.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Request {
    pub(crate) reason: TriggerReason,
    pub(crate) kind: CollectionKind,
}

impl Request {
    /// The kind each reason collects. Only full collections exist; a young kind (DESIGN §7)
    /// is chosen here.
    pub(crate) fn for_reason(reason: TriggerReason) -> Self {
        Request {
            reason,
            kind: CollectionKind::Full,
        }
    }

    /// An explicit `collect()`.
    pub(crate) fn manual() -> Self {
        Request::for_reason(TriggerReason::Manual)
    }
}

/// The trigger state of one runtime.
pub(crate) struct Trigger {
    enabled: AtomicBool,
    threshold: AtomicU64,
    stress_every: AtomicU64,
    /// Net allocations (allocations minus frees by mutators) since the last collection.
    young: AtomicI64,
    /// Allocations ever counted (for the stress knob).
    allocated: AtomicU64,
    /// Tracked objects that survived the last collection.
    live_after_last: AtomicU64,
    /// A pending request's reason (TriggerReason as u8 + 1; 0 = none).
    request: AtomicU8,
    /// Mutators flush their counts every this many (`GcConfig::flush_batch`).
    flush_batch: u32,
    /// Below this many expected objects a collection runs on one worker.
    parallel_min_objects: u64,
}

impl Trigger {
    pub(crate) fn new(config: &GcConfig) -> Self {
        Trigger {
            enabled: AtomicBool::new(config.enabled),
            threshold: AtomicU64::new(config.threshold),
            stress_every: AtomicU64::new(config.stress_every),
            young: AtomicI64::new(0),
            allocated: AtomicU64::new(0),
            live_after_last: AtomicU64::new(0),
            request: AtomicU8::new(0),
            flush_batch: config.flush_batch,
            parallel_min_objects: config.parallel_min_objects,
        }
    }

    #[inline]
    pub(crate) fn flush_batch(&self) -> u32 {
        self.flush_batch
    }

    /// Add `n` net allocations (negative: frees) to the young count and request a
    /// collection when a trigger fires.
    pub(crate) fn note_allocations(&self, n: i64, sp: &Safepoints) {
        let before = self.young.fetch_add(n, Ordering::Relaxed);
        let now = before + n;
        if n > 0 {
            // The stress knob counts allocations, not net growth.
            let stress = self.stress_every.load(Ordering::Relaxed);
            let total = self.allocated.fetch_add(n as u64, Ordering::Relaxed);
            if stress > 0 && total / stress != (total + n as u64) / stress {
                self.request(TriggerReason::Stress, sp);
                return;
            }
        }
        if now <= 0 {
            return;
        }
        let now = now as u64;
        if !self.enabled.load(Ordering::Relaxed) {
            return;
        }
        let threshold = self
            .threshold
            .load(Ordering::Relaxed)
            .max(self.live_after_last.load(Ordering::Relaxed) / 4);
        if now >= threshold {
            self.request(TriggerReason::Allocation, sp);
        }
    }

    fn request(&self, reason: TriggerReason, sp: &Safepoints) {
        let code = match reason {
            TriggerReason::Allocation => 1,
            TriggerReason::Manual => 2,
            TriggerReason::Stress => 3,
        };
        // Whether or not this call wins the request word, make sure a poller will look at it:
        // the pending bit may have been cleared by a `take_request` racing with us. A spurious
        // bit costs one slow poll, which clears it.
        let _ = self
            .request
            .compare_exchange(0, code, Ordering::AcqRel, Ordering::Relaxed);
        sp.set_pending(PENDING_COLLECT);
    }

    /// Take a pending automatic request (first poller wins).
    ///
    /// The pending bit is cleared *before* the request word is taken: a request made in
    /// between then sets the bit again (see `request`), so no request is ever left set with
    /// its bit clear, which would stop automatic collection for good.
    pub(crate) fn take_request(&self, sp: &Safepoints) -> Option<Request> {
        sp.clear_pending(PENDING_COLLECT);
        let reason = match self.request.swap(0, Ordering::AcqRel) {
            0 => return None,
            1 => TriggerReason::Allocation,
            2 => TriggerReason::Manual,
            _ => TriggerReason::Stress,
        };
        Some(Request::for_reason(reason))
    }

    /// Take the collection lock for `req`, or return `None` when the request is already
    /// served.
    ///
    /// One collection at a time. A manual collect that finds one running waits for it
    /// (detached, so the running one can stop the world) and then runs its own. An automatic
    /// trigger is satisfied by the running one, but still waits for it to end: the thread has
    /// allocated a whole threshold's worth since that collection started, and waiting is the
    /// back-pressure that keeps mutators from outrunning the collector (heap growth stays
    /// bounded when mutators outnumber cores).
    pub(crate) fn admit<'a>(
        &self,
        lock: &'a Mutex<()>,
        req: Request,
        sp: &Safepoints,
        slot: &ThreadSlot,
    ) -> Option<MutexGuard<'a, ()>> {
        match lock.try_lock() {
            Some(g) => Some(g),
            None if req.reason != TriggerReason::Manual => {
                sp.detached(slot, || drop(lock.lock()));
                None
            }
            None => Some(sp.detached(slot, || lock.lock())),
        }
    }

    /// Start a collection (holding the lock): choose its worker count, then reset the young
    /// count and any pending request (this collection serves it). Returns the worker count.
    ///
    /// Small heaps are collected on the calling thread alone: waking the pool costs more than
    /// the work it would share (`GcConfig::parallel_min_objects`).
    pub(crate) fn begin(&self, sp: &Safepoints, pool_workers: usize) -> usize {
        let workers = if self.estimated_objects() < self.parallel_min_objects {
            1
        } else {
            pool_workers
        };
        self.young.store(0, Ordering::Relaxed);
        // Same order as `take_request`.
        sp.clear_pending(PENDING_COLLECT);
        self.request.swap(0, Ordering::AcqRel);
        workers
    }

    /// End a collection: `live` tracked objects survived it (the next threshold's base).
    pub(crate) fn end(&self, live: u64) {
        self.live_after_last.store(live, Ordering::Relaxed);
    }

    /// Tracked objects the next collection will see, roughly: last survivors plus allocations
    /// since (the allocation count includes untracked objects, so this over-estimates).
    fn estimated_objects(&self) -> u64 {
        self.live_after_last.load(Ordering::Relaxed)
            + self.young.load(Ordering::Relaxed).max(0) as u64
    }

    pub(crate) fn set_enabled(&self, on: bool) {
        self.enabled.store(on, Ordering::Relaxed);
    }

    pub(crate) fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    pub(crate) fn set_threshold(&self, n: u64) {
        self.threshold.store(n, Ordering::Relaxed);
    }

    pub(crate) fn threshold(&self) -> u64 {
        self.threshold.load(Ordering::Relaxed)
    }

    pub(crate) fn set_stress_every(&self, n: u64) {
        self.stress_every.store(n, Ordering::Relaxed);
    }

    /// Net allocations since the last collection (0 when frees outnumber them).
    pub(crate) fn young_count(&self) -> u64 {
        self.young.load(Ordering::Relaxed).max(0) as u64
    }
}
