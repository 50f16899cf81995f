//! The lean flavor: a count and edges, nothing else (48-byte payloads). What benchmarks
//! measure the collector with: no canary, no lock, no log; `clear` and `destroy` run on GC
//! workers.
//!
//! Edges are written only while a graph is being built, by the thread building it, before
//! any collection can see the node; the collector reads them with the world stopped
//! (contract rules 3, 4 and 8).

use gc_core::{GcConfig, GcRuntime, Mutator, ObjRef};

use crate::node::{self, Flavor, NodeVm};

/// The lean flavor (see the module docs).
pub struct Lean;

impl Flavor for Lean {
    // `clear` only decrefs (atomically) and frees through the thread-safe remote path; no VM
    // code runs: safe on GC workers, so the free phase uses them.
    const CLEAR_ON_WORKERS: bool = true;
    const CLEAR_SKIPS_GARBAGE: bool = false;
    type Extra = ();
    type State = ();
}

/// The lean binding.
pub type LeanVm = NodeVm<Lean>;

/// Payload bytes of one lean node.
pub const NODE_SIZE: usize = std::mem::size_of::<node::Node<Lean>>();

// The benchmarks compare against numbers taken with the hand-written 48-byte node this flavor
// replaced: a larger payload (another size class) would move them.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(NODE_SIZE == 48);

/// A runtime over a fresh [`LeanVm`] with `workers` GC workers and automatic collection off.
pub fn runtime(workers: usize) -> GcRuntime<LeanVm> {
    NodeVm::runtime(
        (),
        GcConfig::default()
            .with_workers(workers)
            .with_enabled(false),
    )
}

/// Allocate a tracked node with count 1 (the caller's reference) and no edges.
#[inline]
pub fn new_obj(m: &Mutator<LeanVm>) -> ObjRef {
    NodeVm::alloc(m, 1, (), true)
}

/// Add a strong edge `from -> to` (increments `to`'s count).
///
/// # Safety
/// `from` and `to` are live nodes of the same lean runtime, no other thread touches `from`'s
/// edges and no collection runs while this executes (graph building).
#[inline]
pub unsafe fn link(from: ObjRef, to: ObjRef) {
    // SAFETY: forwarded caller contract.
    unsafe { node::link::<Lean>(from, to) }
}

/// A counted reference held by a benchmark (an external reference / root).
pub struct Root {
    obj: ObjRef,
    vm: *const LeanVm,
}

// SAFETY: a Root is a counted reference; node counts are atomic and the LeanVm is Sync.
unsafe impl Send for Root {}

impl Root {
    /// Take ownership of the caller's reference to `obj` (no count change).
    pub fn adopt(rt: &GcRuntime<LeanVm>, obj: ObjRef) -> Root {
        Root {
            obj,
            vm: rt.binding() as *const LeanVm,
        }
    }

    /// The object.
    pub fn obj(&self) -> ObjRef {
        self.obj
    }
}

impl Clone for Root {
    fn clone(&self) -> Root {
        // SAFETY: this counted reference keeps the node allocated.
        unsafe { node::node::<Lean>(self.obj) }.incref_by(1);
        Root {
            obj: self.obj,
            vm: self.vm,
        }
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        // SAFETY: the runtime (and its binding) outlives every Root the benchmarks create:
        // roots are dropped before the runtime that owns the binding.
        unsafe { &*self.vm }.decref(self.obj);
    }
}
