//! Freeing the final garbage set (world running): clear, check, destroy, return memory.
//!
//! 1. `clear` every garbage object. Decrefs of garbage children reach zero while the children
//!    are collector-held, so the VM leaves them alone (contract rule 6): no refcount cascade,
//!    no recursion, whatever the shape of the garbage.
//! 2. Check every object's count is now 0. One that is still referenced proves the binding
//!    over-reported in `trace` or under-cleared in `clear`: it is released back to the VM
//!    (GARBAGE bit cleared) instead of freed, and reported. This happens before any destroy,
//!    so a released object never points at freed memory.
//! 3. `destroy` each checked object and return its memory to its owning page, one batch per
//!    page run (the garbage list is in page order), optionally deferred with crossbeam-epoch.
//!
//! With [`VmBinding::CLEAR_ON_WORKERS`] each step runs on all GC workers over slices of the
//! garbage list (a barrier between step 1 and steps 2–3); a worker frees the page runs of its
//! own slice.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::binding::VmBinding;
use crate::collector::gang::Gang;
use crate::collector::workers::for_slices;
use crate::error::{record_violation, ContractViolation};
use crate::heap::{HeapSpace, PageRef};
use crate::object::{flags, ObjRef};

/// Outcome of the free phase.
pub(crate) struct Freed {
    pub collected: u64,
    pub released: u64,
    /// Slot bytes returned to the heap.
    pub bytes: u64,
}

pub(crate) fn free_garbage<B: VmBinding>(
    binding: &B,
    space: &Arc<HeapSpace>,
    garbage: Vec<ObjRef>,
    deferred: bool,
    violations: &Mutex<Vec<ContractViolation>>,
    pool: Option<&Gang>,
    workers: usize,
) -> Freed {
    if B::CLEAR_ON_WORKERS && workers > 1 && !deferred {
        for_slices(pool, workers, &garbage, |s| {
            s.iter().for_each(|&g| binding.clear(g))
        });
        let collected = AtomicU64::new(0);
        let released = AtomicU64::new(0);
        let bytes = AtomicU64::new(0);
        for_slices(pool, workers, &garbage, |s| {
            let dead = check_and_destroy(binding, s, violations, &released);
            collected.fetch_add(dead.len() as u64, Ordering::Relaxed);
            bytes.fetch_add(free_runs(space, &dead), Ordering::Relaxed);
        });
        return Freed {
            collected: collected.into_inner(),
            released: released.into_inner(),
            bytes: bytes.into_inner(),
        };
    }
    for &g in &garbage {
        binding.clear(g);
    }
    let released = AtomicU64::new(0);
    let dead = check_and_destroy(binding, &garbage, violations, &released);
    let collected = dead.len() as u64;
    let bytes = free_memory(space, dead, deferred);
    Freed {
        collected,
        released: released.into_inner(),
        bytes,
    }
}

/// Steps 2 and 3 for `objs` (all already cleared): release what is still referenced, destroy
/// the rest and return it. Destroying one object never touches another (rule 7), so the
/// check and the destroy can share one loop.
fn check_and_destroy<B: VmBinding>(
    binding: &B,
    objs: &[ObjRef],
    violations: &Mutex<Vec<ContractViolation>>,
    released: &AtomicU64,
) -> Vec<ObjRef> {
    let mut dead = Vec::with_capacity(objs.len());
    for &g in objs {
        let rc = binding.refcount(g);
        if rc == 0 {
            binding.destroy(g);
            dead.push(g);
        } else {
            g.header().unset(flags::GARBAGE);
            released.fetch_add(1, Ordering::Relaxed);
            record_violation(
                violations,
                ContractViolation::ReferencedAfterClear {
                    object: g.addr(),
                    refcount: rc,
                },
            );
        }
    }
    dead
}

/// Return `objs` (destroyed, in page order) to their pages, one batch per page run. Returns
/// the slot bytes freed (or to be freed, when deferred).
pub(crate) fn free_memory(space: &Arc<HeapSpace>, objs: Vec<ObjRef>, deferred: bool) -> u64 {
    if deferred {
        let bytes = objs
            .iter()
            .map(|&o| PageRef::of(o).slot_size() as u64)
            .sum();
        let space = space.clone();
        let guard = crossbeam_epoch::pin();
        let f = move || free_runs(&space, &objs);
        // SAFETY: the closure owns everything it uses (an Arc of the space and the object
        // list) and only frees memory that nothing may use once every pinned reader of the
        // current epoch has unpinned: the deferred-reclamation rule of DESIGN §3.6.
        unsafe { guard.defer_unchecked(f) };
        guard.flush();
        bytes
    } else {
        free_runs(space, &objs)
    }
}

fn free_runs(space: &HeapSpace, objs: &[ObjRef]) -> u64 {
    let mut bytes = 0;
    let mut i = 0;
    while i < objs.len() {
        let page = PageRef::of(objs[i]);
        let mut j = i + 1;
        while j < objs.len() && PageRef::of(objs[j]) == page {
            j += 1;
        }
        // SAFETY: every object in the run lives on `page`, was destroyed, is unreachable
        // (final garbage with refcount 0) and is freed exactly once.
        unsafe { space.free_batch(page, &objs[i..j]) };
        bytes += ((j - i) * page.slot_size()) as u64;
        i = j;
    }
    bytes
}
