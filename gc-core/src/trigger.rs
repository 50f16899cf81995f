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

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Condvar, Mutex, MutexGuard};

use crate::config::GcConfig;
use crate::record::{CollectionKind, TriggerReason};
use crate::safepoint::{Safepoints, ThreadSlot, ThreadState};

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

/// How often a thread waiting for a collection that runs VM code on an attached thread
/// checks whether that thread has detached (see [`Trigger::admit`]).
const VM_CODE_RECHECK: Duration = Duration::from_millis(1);

/// A collection in progress: admitted, not finished.
struct Active {
    id: u64,
    /// Its collecting thread.
    slot: Arc<ThreadSlot>,
    /// Running finalizers or weakref callbacks, without the collection lock.
    vm_code: bool,
}

/// A collection's admission: the collection lock (held, except inside
/// [`unlocked`](Self::unlocked)) and its entry among the collections in progress, removed when
/// it drops (also on unwind).
pub(crate) struct Admission<'a> {
    trigger: &'a Trigger,
    lock: &'a Mutex<()>,
    guard: RefCell<Option<MutexGuard<'a, ()>>>,
    id: u64,
}

impl Admission<'_> {
    /// Run `f` (VM code: finalizers, weakref callbacks) without the collection lock, marked
    /// as running VM code; take the lock back afterwards, detached (another collection may
    /// hold it and stop the world meanwhile), also on unwind. The caller has made its state
    /// safe for another collection to run meanwhile (see `Collection::without_lock`).
    pub(crate) fn unlocked<R>(
        &self,
        sp: &Safepoints,
        slot: &ThreadSlot,
        f: impl FnOnce() -> R,
    ) -> R {
        struct Relock<'a, 'b> {
            adm: &'a Admission<'b>,
            sp: &'a Safepoints,
            slot: &'a ThreadSlot,
        }
        impl Drop for Relock<'_, '_> {
            fn drop(&mut self) {
                // No longer in VM code *before* waiting for the lock: a waiter must not take
                // this collection for one blocked in VM code while it finishes.
                self.adm.trigger.set_vm_code(self.adm.id, false);
                let g = self.sp.detached(self.slot, || self.adm.lock.lock());
                *self.adm.guard.borrow_mut() = Some(g);
            }
        }
        self.trigger.set_vm_code(self.id, true);
        drop(self.guard.borrow_mut().take());
        let _relock = Relock {
            adm: self,
            sp,
            slot,
        };
        f()
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.trigger.active.lock().retain(|a| a.id != self.id);
        self.trigger.changed.notify_all();
        // The lock (if held) is released after this, when `guard` drops.
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
    /// Objects (tracked or not) in use after the last collection: the walk visits them all.
    live_after_last: AtomicU64,
    /// A pending request's reason (TriggerReason as u8 + 1; 0 = none).
    request: AtomicU8,
    /// Mutators flush their counts every this many (`GcConfig::flush_batch`).
    flush_batch: u32,
    /// Below this many expected objects a collection runs on one worker.
    parallel_min_objects: u64,
    /// The collections in progress (see [`Trigger::admit`]), and their changes.
    active: Mutex<Vec<Active>>,
    changed: Condvar,
    next_id: AtomicU64,
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
            active: Mutex::new(Vec::new()),
            changed: Condvar::new(),
            next_id: AtomicU64::new(0),
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
    /// A manual collect that finds a collection in progress waits for it (detached, so the
    /// running one can stop the world) and then runs its own. An automatic trigger is
    /// satisfied by the running one, but still waits for it to end: the thread has allocated a
    /// whole threshold's worth since that collection started, and waiting is the back-pressure
    /// that keeps mutators from outrunning the collector (heap growth stays bounded when
    /// mutators outnumber cores).
    ///
    /// The wait is deadlock-free (docs/design.md, "Re-entrancy"). A collection holds the lock
    /// except while it runs finalizers and weakref callbacks ([`Admission::unlocked`]). A
    /// collection in that state whose thread is attached is still waited for (its VM code
    /// runs on, or polls into a stop); one whose thread is *detached* may be blocked on
    /// something the waiter holds (a lock, a join), so the waiter stops waiting for it: a
    /// manual collect then runs its own collection alongside, an automatic trigger returns.
    pub(crate) fn admit<'a>(
        &'a self,
        lock: &'a Mutex<()>,
        req: Request,
        sp: &Safepoints,
        slot: &Arc<ThreadSlot>,
    ) -> Option<Admission<'a>> {
        let mut waited = false;
        loop {
            let guard = match lock.try_lock() {
                Some(g) => g,
                None => {
                    waited = true;
                    sp.detached(slot, || lock.lock())
                }
            };
            let mut active = self.active.lock();
            let blocked = |a: &Active| a.vm_code && a.slot.state() != ThreadState::Attached;
            if active.iter().all(blocked) {
                if waited && req.reason != TriggerReason::Manual {
                    return None;
                }
                let id = self.next_id.fetch_add(1, Ordering::Relaxed);
                active.push(Active {
                    id,
                    slot: slot.clone(),
                    vm_code: false,
                });
                return Some(Admission {
                    trigger: self,
                    lock,
                    guard: RefCell::new(Some(guard)),
                    id,
                });
            }
            // A collection runs VM code on an attached thread: wait for it to end, detach
            // (re-checked every millisecond) or take the lock back.
            drop(guard);
            waited = true;
            // `active` is released before re-attaching (which may wait for a stopped world
            // whose collector may need it).
            sp.detached(slot, move || {
                self.changed.wait_for(&mut active, VM_CODE_RECHECK);
                drop(active);
            });
        }
    }

    /// Mark collection `id` as running VM code without the lock (or not any more).
    fn set_vm_code(&self, id: u64, on: bool) {
        if let Some(a) = self.active.lock().iter_mut().find(|a| a.id == id) {
            a.vm_code = on;
        }
        self.changed.notify_all();
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

    /// End a collection: `live` objects (tracked or not) survived it (the next threshold's
    /// base).
    pub(crate) fn end(&self, live: u64) {
        self.live_after_last.store(live, Ordering::Relaxed);
    }

    /// Objects the next collection will see, roughly: last survivors plus allocations since.
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
