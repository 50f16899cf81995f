//! A lean benchmark binding for gc-core: a node with an atomic reference count, two inline
//! edge slots and a spill `Vec` for nodes with more references (gc_traversal's lists).
//!
//! Modelled on the test binding in `gc-core/tests/support`, minus everything a benchmark does
//! not need (canaries, locks, finalizers, weak references). Edges are written only while a
//! graph is being built, by the thread building it, before any collection can see the node;
//! the collector reads them with the world stopped (contract rules 3, 4 and 8).

use std::mem::size_of;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use gc_core::{GcConfig, GcRuntime, HeapSpace, Mutator, ObjRef, Tracer, VmBinding};

/// The payload of every benchmark object.
pub struct Node {
    rc: AtomicUsize,
    inline: [Option<ObjRef>; 2],
    more: Vec<ObjRef>,
}

/// Payload bytes of one node.
pub const NODE_SIZE: usize = size_of::<Node>();

#[inline]
fn node<'a>(obj: ObjRef) -> &'a Node {
    // SAFETY: every object of a BenchVm runtime is allocated by `new_obj` with a Node payload,
    // written before the object is tracked or shared.
    unsafe { &*(obj.as_ptr() as *const Node) }
}

/// Mutable access to a node's edges.
///
/// # Safety
/// The caller is the only thread touching `obj`'s edges (graph building, or `clear` on the
/// collecting thread for a garbage object).
#[inline]
#[allow(clippy::mut_from_ref)]
unsafe fn node_mut<'a>(obj: ObjRef) -> &'a mut Node {
    // SAFETY: see the function contract.
    unsafe { &mut *(obj.as_ptr() as *mut Node) }
}

/// The benchmark binding: counts destroyed nodes, frees nodes whose count reaches zero.
#[derive(Default)]
pub struct BenchVm {
    destroyed: AtomicU64,
    space: OnceLock<Arc<HeapSpace>>,
}

impl BenchVm {
    /// Nodes destroyed so far (by the collector or by reference counting).
    pub fn destroyed(&self) -> u64 {
        self.destroyed.load(Ordering::Relaxed)
    }

    /// Decrement `obj`'s count and free everything that reaches zero, without recursion.
    /// Objects held by the collector are left alone (contract rule 6).
    pub fn decref(&self, obj: ObjRef) {
        let mut stack = Vec::new();
        self.decref_into(obj, &mut stack);
        while let Some(o) = stack.pop() {
            // SAFETY: `o` reached zero and is not collector-held: nobody else can reach it.
            let n = unsafe { node_mut(o) };
            for e in n.inline.iter_mut().filter_map(Option::take) {
                self.decref_into(e, &mut stack);
            }
            for e in std::mem::take(&mut n.more) {
                self.decref_into(e, &mut stack);
            }
            self.destroy_payload(o);
            let space = self.space.get().expect("runtime not attached");
            // SAFETY: count zero, not collector-held, destroyed; freed exactly once.
            unsafe { space.free_remote(o) };
        }
    }

    #[inline]
    fn decref_into(&self, obj: ObjRef, stack: &mut Vec<ObjRef>) {
        let prev = node(obj).rc.fetch_sub(1, Ordering::AcqRel);
        debug_assert!(prev > 0, "refcount underflow");
        if prev == 1 && !obj.is_collector_held() {
            stack.push(obj);
        }
    }

    #[inline]
    fn destroy_payload(&self, obj: ObjRef) {
        self.destroyed.fetch_add(1, Ordering::Relaxed);
        // SAFETY: destroyed once, payload is a Node.
        unsafe { std::ptr::drop_in_place(obj.as_ptr() as *mut Node) };
    }
}

// SAFETY: refcount reports every strong reference (edges of other nodes plus counted roots);
// trace reports exactly the stored edges; clear drops every edge; destroy touches only the
// node's own payload; neither refcount nor trace locks, allocates or polls.
unsafe impl VmBinding for BenchVm {
    // `clear` only decrefs (atomically) and frees through the thread-safe remote path; no VM
    // code runs: safe on GC workers, so the free phase uses them.
    const CLEAR_ON_WORKERS: bool = true;

    #[inline]
    fn refcount(&self, obj: ObjRef) -> usize {
        node(obj).rc.load(Ordering::Relaxed)
    }

    #[inline]
    fn trace<T: Tracer>(&self, obj: ObjRef, tracer: &mut T) {
        let n = node(obj);
        for e in n.inline.iter().flatten() {
            tracer.edge(*e);
        }
        for &e in &n.more {
            tracer.edge(e);
        }
    }

    fn clear(&self, obj: ObjRef) {
        // SAFETY: garbage object, collecting thread, world running but unreachable by mutators.
        let n = unsafe { node_mut(obj) };
        let inline = std::mem::take(&mut n.inline);
        let more = std::mem::take(&mut n.more);
        for e in inline.into_iter().flatten().chain(more) {
            self.decref(e);
        }
    }

    fn destroy(&self, obj: ObjRef) {
        self.destroy_payload(obj);
    }
}

/// A runtime over a fresh [`BenchVm`] with `workers` GC workers and automatic collection off.
pub fn runtime(workers: usize) -> GcRuntime<BenchVm> {
    let rt = GcRuntime::new(
        BenchVm::default(),
        GcConfig::default()
            .with_workers(workers)
            .with_enabled(false),
    );
    let _ = rt.binding().space.set(rt.space().clone());
    rt
}

/// Allocate a tracked node with count 1 (the caller's reference) and no edges.
#[inline]
pub fn new_obj(m: &Mutator<BenchVm>) -> ObjRef {
    let obj = m.alloc(NODE_SIZE, false).expect("allocation failed");
    // SAFETY: fresh allocation of NODE_SIZE bytes, 8-aligned.
    unsafe {
        std::ptr::write(
            obj.as_ptr() as *mut Node,
            Node {
                rc: AtomicUsize::new(1),
                inline: [None, None],
                more: Vec::new(),
            },
        )
    };
    m.runtime().track(obj);
    obj
}

/// Add a strong edge `from -> to` (increments `to`'s count).
///
/// # Safety
/// `from` and `to` are live nodes of the same runtime, and no other thread touches `from`'s
/// edges and no collection runs while this executes (graph building).
#[inline]
pub unsafe fn link(from: ObjRef, to: ObjRef) {
    node(to).rc.fetch_add(1, Ordering::Relaxed);
    // SAFETY: see the function contract.
    let n = unsafe { node_mut(from) };
    if let Some(slot) = n.inline.iter_mut().find(|s| s.is_none()) {
        *slot = Some(to);
    } else {
        n.more.push(to);
    }
}

/// A counted reference held by the benchmark (an external reference / root).
pub struct Root {
    obj: ObjRef,
    vm: *const BenchVm,
}

// SAFETY: a Root is a counted reference; node counts are atomic and the BenchVm is Sync.
unsafe impl Send for Root {}

impl Root {
    /// Take ownership of the caller's reference to `obj` (no count change).
    pub fn adopt(rt: &GcRuntime<BenchVm>, obj: ObjRef) -> Root {
        Root {
            obj,
            vm: rt.binding() as *const BenchVm,
        }
    }

    /// The object.
    pub fn obj(&self) -> ObjRef {
        self.obj
    }
}

impl Clone for Root {
    fn clone(&self) -> Root {
        node(self.obj).rc.fetch_add(1, Ordering::Relaxed);
        Root {
            obj: self.obj,
            vm: self.vm,
        }
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        // SAFETY: the runtime (and its binding) outlives every Root the benchmarks create: roots
        // are dropped before the runtime that owns the binding.
        unsafe { &*self.vm }.decref(self.obj);
    }
}
