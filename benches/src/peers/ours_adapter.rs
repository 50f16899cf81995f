//! gc-core through the full object model of `gc-vm-adapter` (biased reference counts, per-object
//! locks, instances with attribute maps): the cost of a real VM binding next to the lean
//! [`ours`](super::ours) binding.
//!
//! A node is an instance of one class; its (at most two) edges are the attributes `a` and `b`.
//! Only the rings and tree workloads are built with it.
//! Frees are counted from the heap: objects this system allocated minus the heap's live objects
//! above the baseline taken after setup (exact whenever no thread is allocating or freeing).

use std::cell::Cell;

use gc_core::GcConfig;
use gc_vm_adapter::{Ref, Runtime, ThreadGuard};

use crate::{System, Workload};

/// A gc-vm-adapter runtime, the calling thread attached, and the node class.
pub struct OursAdapter {
    // Field order is drop order: every Ref before the thread guard, the guard before the
    // runtime.
    class: Ref,
    _guard: ThreadGuard,
    rt: Runtime,
    workers: usize,
    allocated: Cell<u64>,
    baseline: usize,
}

impl OursAdapter {
    /// A runtime with `workers` GC workers (automatic collection off); attaches this thread.
    /// Panics if the thread is already attached to a gc-vm-adapter runtime.
    pub fn new(workers: usize) -> OursAdapter {
        let rt = Runtime::new(
            GcConfig::default()
                .with_workers(workers)
                .with_enabled(false),
        );
        let guard = rt.attach_thread("bench-main");
        let class = rt.new_class("Node", None);
        let baseline = rt.gc().heap_stats().live_objects;
        OursAdapter {
            class,
            _guard: guard,
            rt,
            workers,
            allocated: Cell::new(0),
            baseline,
        }
    }
}

impl System for OursAdapter {
    type Ptr = Ref;

    fn name(&self) -> String {
        format!("ours-adapter-w{}", self.workers)
    }

    fn alloc(&self) -> Ref {
        self.allocated.set(self.allocated.get() + 1);
        self.rt.new_instance(&self.class)
    }

    fn link(&self, from: &Ref, to: &Ref) {
        let inst = from.as_instance().expect("node is an instance");
        for slot in ["a", "b"] {
            if inst.get_attr(slot).is_none() {
                inst.set_attr(slot, to.clone());
                return;
            }
        }
        panic!("ours-adapter nodes hold at most two edges");
    }

    fn collect(&self) {
        self.rt.collect();
    }

    fn freed(&self) -> u64 {
        let live = self.rt.gc().heap_stats().live_objects;
        self.allocated.get() - live.saturating_sub(self.baseline) as u64
    }

    fn supports(&self, w: Workload) -> bool {
        matches!(w, Workload::Rings | Workload::Tree)
    }
}
