//! The binding calls that act on the garbage set: clearing weakrefs to it (world stopped), and
//! the VM code it may trigger, weakref callbacks and finalizers (world running). Panics in VM
//! code are caught and reported as contract violations.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::binding::{GarbageQuery, VmBinding};
use crate::collector::edges::EdgeFilter;
use crate::collector::garbage::GarbageParts;
use crate::error::{panic_message, ContractViolation};
use crate::object::{flags, ObjRef};

/// The garbage set as the binding sees it while clearing weakrefs: every held object.
struct HeldGarbage;

impl GarbageQuery for HeldGarbage {
    fn is_garbage(&self, obj: ObjRef) -> bool {
        obj.header().flags() & flags::GARBAGE != 0
    }
}

/// Clear the weakrefs to each of `objs` (world stopped), queueing their callbacks.
pub(crate) fn clear_weakrefs<B: VmBinding>(binding: &B, objs: &[ObjRef]) {
    for &g in objs {
        binding.clear_weakrefs(g, &HeldGarbage);
    }
}

/// Clear the weakrefs to what is still garbage after the recheck (a finalizer may have made
/// new ones; world stopped).
pub(crate) fn clear_weakrefs_again<B: VmBinding>(binding: &B, garbage: &GarbageParts) {
    for g in garbage.iter() {
        if binding.has_weakrefs(g) {
            binding.clear_weakrefs(g, &HeldGarbage);
        }
    }
}

/// Run the VM's queued weakref callbacks (world running), catching a panic. Returns how many
/// ran.
pub(crate) fn run_callbacks<B: VmBinding>(binding: &B, filter: &EdgeFilter<'_>) -> u64 {
    match catch_unwind(AssertUnwindSafe(|| binding.run_weakref_callbacks())) {
        Ok(n) => n as u64,
        Err(p) => {
            filter.report(ContractViolation::CallbackPanicked {
                message: panic_message(&*p),
            });
            0
        }
    }
}

/// Run the finalizer of each of `objs` not finalized before (PEP 442: at most once; the
/// FINALIZED bit is set first), world running. Returns how many ran.
pub(crate) fn finalize<B: VmBinding>(binding: &B, filter: &EdgeFilter<'_>, objs: &[ObjRef]) -> u64 {
    let mut ran = 0u64;
    for &g in objs {
        if g.header().set(flags::FINALIZED) & flags::FINALIZED != 0 {
            continue;
        }
        ran += 1;
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| binding.finalize(g))) {
            filter.report(ContractViolation::FinalizerPanicked {
                object: g.addr(),
                message: panic_message(&*p),
            });
        }
    }
    ran
}
