//! Freeing the final garbage set (world running): clear, check, destroy, return memory.
//!
//! 1. `clear` every garbage object. Decrefs of garbage children reach zero while the children
//!    are collector-held, so the VM leaves them alone (contract rule 6): no refcount cascade,
//!    no recursion, whatever the shape of the garbage.
//! 2. Check every object's count is now 0 (skipped with
//!    [`VmBinding::CLEAR_SKIPS_GARBAGE`], whose `clear` leaves garbage counts alone). One
//!    that is still referenced proves the binding over-reported in `trace` or under-cleared
//!    in `clear`: it is released back to the VM (GARBAGE bit cleared) instead of freed, and
//!    reported. Every clear happens before any destroy, so a released object, whose
//!    references were all dropped, never points at freed memory.
//! 3. `destroy` each checked object and return its memory to its owning page, one batch per
//!    page run (each part of the garbage set is in page order), optionally deferred with
//!    crossbeam-epoch: then each worker defers its slice's dead objects as one function, so
//!    the destroys stay parallel and the deferred frees come in slice-sized pieces.
//!
//! Steps 2 and 3 share one loop per page run (destroying one object never touches another,
//! rule 7), so the garbage is read twice in all: once to clear, once to check, destroy and
//! free. With [`VmBinding::CLEAR_ON_WORKERS`] every step runs on all GC workers over slices
//! of the garbage (a barrier between step 1 and the rest). Without it the collecting thread
//! clears, checks and destroys alone, and the workers then return the memory (gc-core's own
//! work, thread-safe whatever the binding).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;

use crate::binding::VmBinding;
use crate::collector::gang::Gang;
use crate::collector::garbage::{GarbageParts, Slices};
use crate::collector::workers::{for_each_slice, SpanLog};
use crate::error::{record_violation, ContractViolation};
use crate::heap::{HeapSpace, PageRef};
use crate::object::{flags, ObjRef};

/// Outcome of the free phase.
#[derive(Default)]
pub(crate) struct Freed {
    pub collected: u64,
    pub released: u64,
    /// Slot bytes returned to the heap.
    pub bytes: u64,
}

/// Totals added up by the workers.
#[derive(Default)]
struct Tally {
    collected: AtomicU64,
    released: AtomicU64,
    bytes: AtomicU64,
}

impl Tally {
    fn into_freed(self) -> Freed {
        Freed {
            collected: self.collected.into_inner(),
            released: self.released.into_inner(),
            bytes: self.bytes.into_inner(),
        }
    }
}

/// Where the free phase runs and what it may use.
pub(crate) struct FreeCtx<'a, B: VmBinding> {
    pub binding: &'a B,
    pub space: &'a Arc<HeapSpace>,
    pub deferred: bool,
    pub violations: &'a Mutex<Vec<ContractViolation>>,
    pub pool: Option<&'a Gang>,
    pub workers: usize,
    /// The mark bit's current "not marked" value, for objects released back to the VM.
    pub unmarked: u32,
    /// Where each worker's busy span of the free phase is recorded.
    pub span: SpanLog<'a>,
}

impl<B: VmBinding> FreeCtx<'_, B> {
    /// Free `garbage`. `to_clear`: only these objects need `clear` (see
    /// `ScanResult::to_clear`); `None`: all of them.
    pub(crate) fn free_garbage(
        &self,
        garbage: &GarbageParts,
        to_clear: Option<&[ObjRef]>,
    ) -> Freed {
        let slices = garbage.slices();
        if slices.is_empty() {
            // Nothing to free: do not wake the workers (two phases cost about 1 ms at 16).
            return Freed::default();
        }
        let on_workers = B::CLEAR_ON_WORKERS && self.workers > 1;
        let (pool, workers) = if on_workers {
            (self.pool, self.workers)
        } else {
            (None, 1)
        };
        let clear = |s: &[ObjRef]| s.iter().for_each(|&g| self.binding.clear(g));
        match to_clear {
            None => for_each_slice(pool, workers, &slices, Some(self.span), clear),
            Some(list) => {
                let chunks = Slices::new([list]);
                for_each_slice(pool, workers, &chunks, Some(self.span), clear)
            }
        }
        let tally = Tally::default();
        if on_workers || self.workers <= 1 {
            for_each_slice(pool, workers, &slices, Some(self.span), |s| {
                self.destroy_and_free(s, &tally, true)
            });
        } else {
            // Check and destroy here (the binding asked for its thread), then let the workers
            // return the memory of what was destroyed (still marked GARBAGE; released objects
            // no longer are).
            let start = Instant::now();
            for s in slices.iter() {
                for &g in s {
                    self.check_and_destroy(g, &tally);
                }
            }
            self.span.record(0, start);
            for_each_slice(self.pool, self.workers, &slices, Some(self.span), |s| {
                self.destroy_and_free(s, &tally, false)
            });
        }
        tally.into_freed()
    }

    /// Step 2 and the destroy of step 3 for one cleared object: true if it was destroyed,
    /// false if it is still referenced (released back to the VM and reported).
    #[inline]
    fn check_and_destroy(&self, g: ObjRef, tally: &Tally) -> bool {
        if B::CLEAR_SKIPS_GARBAGE {
            // Counts of garbage were not brought down: nothing to check (see the constant).
            self.binding.destroy(g);
            return true;
        }
        let rc = self.binding.refcount(g);
        if rc == 0 {
            self.binding.destroy(g);
            return true;
        }
        // Back to the VM: never marked in this collection, so its mark bit needs the current
        // "not marked" value.
        g.header().set_mark_bit(self.unmarked);
        g.header().unset(flags::GARBAGE | flags::PENDING);
        tally.released.fetch_add(1, Ordering::Relaxed);
        record_violation(
            self.violations,
            ContractViolation::ReferencedAfterClear {
                object: g.addr(),
                refcount: rc,
            },
        );
        false
    }

    /// Return the memory of the garbage in `objs` (one slice, in page order), one batch per
    /// page run, or with deferred reclamation hand the slice's dead objects to
    /// crossbeam-epoch (one deferred function per slice, from the worker that destroyed
    /// them). With `destroy`, each object is first checked and destroyed here; without, the
    /// objects were checked and destroyed already and those still marked GARBAGE are freed.
    fn destroy_and_free(&self, objs: &[ObjRef], tally: &Tally, destroy: bool) {
        let dead = |g: ObjRef| {
            if destroy {
                self.check_and_destroy(g, tally)
            } else {
                g.header().flags() & flags::GARBAGE != 0
            }
        };
        let (collected, bytes) = if self.deferred {
            let mut later = Vec::with_capacity(objs.len());
            for &g in objs {
                if dead(g) {
                    // No longer this collection's: a collection that runs before the epoch
                    // frees it must not take it for its own garbage.
                    g.header().unset(flags::PENDING);
                    later.push(g);
                }
            }
            (later.len() as u64, free_deferred(self.space, later))
        } else {
            free_page_runs(self.space, objs, dead)
        };
        tally.collected.fetch_add(collected, Ordering::Relaxed);
        tally.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
}

/// Free the objects of `objs` (in page order) for which `dead` is true, one batch per page
/// run. `dead` is called once per object, in order; it must return true only for a
/// destroyed, unreachable garbage object (final garbage with refcount 0). Returns (objects,
/// slot bytes) freed.
fn free_page_runs(
    space: &HeapSpace,
    objs: &[ObjRef],
    mut dead: impl FnMut(ObjRef) -> bool,
) -> (u64, u64) {
    let (mut collected, mut bytes) = (0u64, 0u64);
    let mut run: Vec<ObjRef> = Vec::new();
    let mut i = 0;
    while i < objs.len() {
        let page = PageRef::of(objs[i]);
        run.clear();
        while i < objs.len() && PageRef::of(objs[i]) == page {
            if dead(objs[i]) {
                run.push(objs[i]);
            }
            i += 1;
        }
        // SAFETY: every object in the run lives on `page` and is dead (`dead`'s contract); it
        // is freed exactly once: each object is in exactly one slice (or one deferred list),
        // handled by one worker.
        unsafe { space.free_batch(page, &run) };
        collected += run.len() as u64;
        bytes += (run.len() * page.slot_size()) as u64;
    }
    (collected, bytes)
}

/// Return `objs` (destroyed, in page order) to their pages once every thread pinned now has
/// unpinned (crossbeam-epoch). Returns the slot bytes to be freed.
fn free_deferred(space: &Arc<HeapSpace>, objs: Vec<ObjRef>) -> u64 {
    if objs.is_empty() {
        return 0;
    }
    let bytes = objs
        .iter()
        .map(|&o| PageRef::of(o).slot_size() as u64)
        .sum();
    let space = space.clone();
    let guard = crossbeam_epoch::pin();
    let f = move || {
        free_page_runs(&space, &objs, |_| true);
    };
    // SAFETY: the closure owns everything it uses (an Arc of the space and the object list)
    // and only frees memory that nothing may use once every pinned reader of the current
    // epoch has unpinned: the deferred-reclamation rule of DESIGN §3.6.
    unsafe { guard.defer_unchecked(f) };
    guard.flush();
    bytes
}
