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

use std::sync::Arc;

use parking_lot::Mutex;

use crate::binding::VmBinding;
use crate::error::ContractViolation;
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
) -> Freed {
    for &g in &garbage {
        binding.clear(g);
    }
    let mut dead = Vec::with_capacity(garbage.len());
    let mut released = 0u64;
    for g in garbage {
        let rc = binding.refcount(g);
        if rc == 0 {
            dead.push(g);
        } else {
            g.header().unset(flags::GARBAGE);
            released += 1;
            let mut v = violations.lock();
            if v.len() < 1000 {
                v.push(ContractViolation::ReferencedAfterClear {
                    object: g.addr(),
                    refcount: rc,
                });
            }
        }
    }
    for &g in &dead {
        binding.destroy(g);
    }
    let collected = dead.len() as u64;
    let bytes = dead
        .iter()
        .map(|&o| PageRef::of(o).slot_size() as u64)
        .sum();
    free_memory(space, dead, deferred);
    Freed {
        collected,
        released,
        bytes,
    }
}

/// Return `objs` (destroyed, in page order) to their pages, one batch per page run.
pub(crate) fn free_memory(space: &Arc<HeapSpace>, objs: Vec<ObjRef>, deferred: bool) {
    if deferred {
        let space = space.clone();
        let guard = crossbeam_epoch::pin();
        let f = move || free_runs(&space, &objs);
        // SAFETY: the closure owns everything it uses (an Arc of the space and the object
        // list) and only frees memory that nothing may use once every pinned reader of the
        // current epoch has unpinned: the deferred-reclamation rule of DESIGN §3.6.
        unsafe { guard.defer_unchecked(f) };
        guard.flush();
    } else {
        free_runs(space, &objs);
    }
}

fn free_runs(space: &HeapSpace, objs: &[ObjRef]) {
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
        i = j;
    }
}
