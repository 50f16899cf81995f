//! The node binding itself: one payload layout ([`Node`]), one [`VmBinding`] implementation
//! ([`NodeVm`]), and the [`Flavor`] trait that configures both.
//!
//! Everything that used to be copied into each hand-written binding lives here once: the
//! cast from an [`ObjRef`] to its payload ([`node`]), allocation ([`NodeVm::alloc`]), adding
//! a counted edge ([`link`]), the reference-count cascade that frees objects reaching zero
//! ([`NodeVm::decref`]), and the edge loop of `trace`. A flavor only adds what differs:
//! per-node extras (a canary, an id, test hooks), per-VM state (logs, root lists), and the
//! two trait constants that change how the collector drives `clear`.

use std::cell::UnsafeCell;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use crossbeam_utils::CachePadded;
use gc_core::{GarbageQuery, GcConfig, GcRuntime, HeapSpace, Mutator, ObjRef, Tracer, VmBinding};

/// A node's strong references: two inline slots (rings, trees and most test nodes need no
/// more), then a spill vector (gc_traversal's lists, hubs). Logically one list, in insertion
/// order, with `Vec`-like [`push`](Edges::push) and [`swap_remove`](Edges::swap_remove).
///
/// Inline slots are filled first and kept packed (a `None` is never followed by a `Some`), so
/// the edge loop stops at the first empty slot.
#[derive(Default)]
pub struct Edges {
    inline: [Option<ObjRef>; 2],
    more: Vec<ObjRef>,
}

impl Edges {
    /// Call `f` for every edge, in order. The one edge loop of every trace in the kit: kept
    /// inline so the collector's mark loop sees straight-line code.
    #[inline(always)]
    pub fn for_each(&self, mut f: impl FnMut(ObjRef)) {
        if let Some(a) = self.inline[0] {
            f(a);
            if let Some(b) = self.inline[1] {
                f(b);
                for &c in &self.more {
                    f(c);
                }
            }
        }
    }

    /// Number of edges.
    pub fn len(&self) -> usize {
        self.inline.iter().flatten().count() + self.more.len()
    }

    /// Whether there are no edges.
    pub fn is_empty(&self) -> bool {
        self.inline[0].is_none()
    }

    /// The edges as a vector, in order.
    pub fn to_vec(&self) -> Vec<ObjRef> {
        let mut v = Vec::with_capacity(self.len());
        self.for_each(|c| v.push(c));
        v
    }

    /// Append an edge.
    #[inline]
    pub fn push(&mut self, to: ObjRef) {
        if self.inline[0].is_none() {
            self.inline[0] = Some(to);
        } else if self.inline[1].is_none() {
            self.inline[1] = Some(to);
        } else {
            self.more.push(to);
        }
    }

    /// Remove the first edge to `to`, `Vec::swap_remove`-style (the last edge takes its
    /// place); whether one was found.
    pub fn remove_first(&mut self, to: ObjRef) -> bool {
        let Some(i) = self.to_vec().iter().position(|&c| c == to) else {
            return false;
        };
        let last = self.pop().expect("an edge was found");
        if i < self.len() {
            *self.slot_mut(i) = last;
        }
        true
    }

    fn pop(&mut self) -> Option<ObjRef> {
        self.more
            .pop()
            .or_else(|| self.inline[1].take())
            .or_else(|| self.inline[0].take())
    }

    fn slot_mut(&mut self, i: usize) -> &mut ObjRef {
        match i {
            0 | 1 => self.inline[i].as_mut().expect("packed inline slots"),
            _ => &mut self.more[i - 2],
        }
    }
}

impl IntoIterator for Edges {
    type Item = ObjRef;
    type IntoIter = std::iter::Chain<
        std::iter::Flatten<std::array::IntoIter<Option<ObjRef>, 2>>,
        std::vec::IntoIter<ObjRef>,
    >;
    /// The edges in order, by value (moving the spill vector: no allocation).
    #[inline]
    fn into_iter(self) -> Self::IntoIter {
        self.inline.into_iter().flatten().chain(self.more)
    }
}

/// The payload of every object of a [`NodeVm`]: a strong count, the edges, and the flavor's
/// extras (reachable through `Deref`, so a test writes `node(o).id`).
///
/// `repr(C)` with the count first: the field the collector reads most sits at offset 0 of
/// the payload, right after the object header.
#[repr(C)]
pub struct Node<F: Flavor> {
    rc: AtomicUsize,
    edges: UnsafeCell<Edges>,
    extra: F::Extra,
}

impl<F: Flavor> Deref for Node<F> {
    type Target = F::Extra;
    #[inline(always)]
    fn deref(&self) -> &F::Extra {
        &self.extra
    }
}

impl<F: Flavor> Node<F> {
    /// The strong count.
    #[inline(always)]
    pub fn refcount(&self) -> usize {
        self.rc.load(Ordering::Relaxed)
    }

    /// Add `n` to the count (an uncounted reference becoming counted; a handle).
    #[inline]
    pub fn incref_by(&self, n: usize) {
        self.rc.fetch_add(n, Ordering::Relaxed);
    }

    /// Subtract one from the count *without* freeing at zero: for tests that model references
    /// by hand and leave the object for the collector (see [`NodeVm::decref`] for the real
    /// thing). Returns the previous count.
    #[inline]
    pub fn decref_no_free(&self) -> usize {
        self.rc.fetch_sub(1, Ordering::Relaxed)
    }

    /// The edges, for reading.
    ///
    /// # Safety
    /// No thread writes them meanwhile: the world is stopped, or the caller holds the
    /// flavor's lock ([`Flavor::with_edges_mut`]), or owns the node exclusively.
    #[inline(always)]
    pub unsafe fn edges(&self) -> &Edges {
        // SAFETY: caller contract (no concurrent writer).
        unsafe { &*self.edges.get() }
    }

    /// The edges, for writing.
    ///
    /// # Safety
    /// The caller is the only thread touching them: it builds the node (not yet reachable by
    /// others), clears it as collector-held garbage, or holds the flavor's lock — and no
    /// collection reads them meanwhile (no poll in between).
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn edges_mut(&self) -> &mut Edges {
        // SAFETY: caller contract (exclusive access).
        unsafe { &mut *self.edges.get() }
    }
}

/// The payload of `obj`: the kit's only cast from an object to its node.
///
/// # Safety
/// `obj` is an allocated, not yet destroyed object of a `NodeVm<F>` runtime (every such
/// object is written as a `Node<F>` by [`NodeVm::alloc`] before anything can see it).
#[inline(always)]
pub unsafe fn node<'a, F: Flavor>(obj: ObjRef) -> &'a Node<F> {
    // SAFETY: caller contract; payloads are PAYLOAD_ALIGN (8)-aligned, enough for Node.
    let n = unsafe { &*(obj.as_ptr() as *const Node<F>) };
    F::check(obj, n);
    n
}

/// Add a counted edge `from -> to`.
///
/// # Safety
/// Both are live nodes of the same `NodeVm<F>` runtime, and the caller may write `from`'s
/// edges (see [`Node::edges_mut`]; [`Flavor::with_edges_mut`] takes a flavor's lock).
#[inline]
pub unsafe fn link<F: Flavor>(from: ObjRef, to: ObjRef) {
    // SAFETY: caller contract.
    unsafe { node::<F>(to) }.incref_by(1);
    // SAFETY: caller contract.
    F::with_edges_mut(unsafe { node::<F>(from) }, |e| e.push(to));
}

/// How a [`NodeVm`] differs from the plain lean binding. Every hook has a default that is the
/// lean behaviour, inlined away; a flavor overrides only what it needs.
///
/// A flavor is a marker type (no value): constants that the collector reads at compile time
/// (`CLEAR_ON_WORKERS`, `CLEAR_SKIPS_GARBAGE`) cannot vary per runtime, so each combination is
/// its own type, not a copy of the binding.
pub trait Flavor: Sized + Send + Sync + 'static {
    /// Passed through to [`VmBinding::CLEAR_ON_WORKERS`].
    const CLEAR_ON_WORKERS: bool;
    /// Passed through to [`VmBinding::CLEAR_SKIPS_GARBAGE`]; `trace` must then report exactly
    /// the counted edges (the default trace does).
    const CLEAR_SKIPS_GARBAGE: bool;
    /// Extra per-node state (reachable from the node by `Deref`).
    type Extra: Send + Sync;
    /// Per-VM state (reachable from the [`NodeVm`] by `Deref`).
    type State: Send + Sync;

    /// Called on every access through [`node`]: a place for a canary check.
    #[inline(always)]
    fn check(_obj: ObjRef, _n: &Node<Self>) {}

    /// Run `f` on the node's edges with write access. The default takes no lock: only
    /// flavors whose nodes are built by one thread and then left alone may use it.
    #[inline(always)]
    fn with_edges_mut<R>(n: &Node<Self>, f: impl FnOnce(&mut Edges) -> R) -> R {
        // SAFETY: flavor contract: a lock-free flavor's edges are written only by the thread
        // that owns the node exclusively (building it, or clearing it as garbage).
        f(unsafe { n.edges_mut() })
    }

    /// [`VmBinding::refcount`].
    #[inline(always)]
    fn refcount(n: &Node<Self>) -> usize {
        n.refcount()
    }

    /// [`VmBinding::trace`]: the edge loop by default.
    #[inline(always)]
    fn trace<T: Tracer>(_vm: &NodeVm<Self>, _obj: ObjRef, n: &Node<Self>, t: &mut T) {
        // SAFETY: trace runs with the world stopped; no edge is written meanwhile.
        unsafe { n.edges() }.for_each(|c| t.edge(c));
    }

    /// [`VmBinding::scan_roots`].
    fn scan_roots<T: Tracer>(_vm: &NodeVm<Self>, _t: &mut T) {}

    /// [`VmBinding::has_finalizer`].
    #[inline(always)]
    fn has_finalizer(_vm: &NodeVm<Self>, _obj: ObjRef) -> bool {
        false
    }

    /// [`VmBinding::finalize`].
    fn finalize(_vm: &NodeVm<Self>, _obj: ObjRef) {}

    /// [`VmBinding::has_weakrefs`].
    #[inline(always)]
    fn has_weakrefs(_vm: &NodeVm<Self>, _obj: ObjRef) -> bool {
        false
    }

    /// [`VmBinding::clear_weakrefs`].
    fn clear_weakrefs(_vm: &NodeVm<Self>, _obj: ObjRef, _garbage: &dyn GarbageQuery) {}

    /// [`VmBinding::run_weakref_callbacks`].
    fn run_weakref_callbacks(_vm: &NodeVm<Self>) -> usize {
        0
    }

    /// Called at the start of [`VmBinding::clear`] (not for deaths by reference counting).
    #[inline(always)]
    fn on_clear(_vm: &NodeVm<Self>, _obj: ObjRef) {}

    /// Called before a node's payload is dropped (by the collector or a count reaching zero).
    /// Return `false` to leave the payload alone (a broken node the flavor reported).
    #[inline(always)]
    fn on_destroy(_vm: &NodeVm<Self>, _obj: ObjRef, _n: &Node<Self>) -> bool {
        true
    }
}

/// A counter every GC worker bumps during the parallel free phase: one cache line per shard,
/// each thread on its own (one shared atomic serialised the free phase at 8–16 workers).
#[derive(Default)]
struct ShardedCounter {
    shards: [CachePadded<AtomicU64>; SHARDS],
}

const SHARDS: usize = 32;

impl ShardedCounter {
    #[inline]
    fn add(&self, n: u64) {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        thread_local! {
            static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
        }
        let i = SHARD.with(|s| *s);
        self.shards[i].fetch_add(n, Ordering::Relaxed);
    }

    fn sum(&self) -> u64 {
        self.shards.iter().map(|s| s.load(Ordering::Relaxed)).sum()
    }
}

/// The kit's binding: nodes of flavor `F`, the flavor's state, and a count of destroyed
/// nodes. `Deref`s to `F::State`, so `rt.binding().roots` reaches a flavor's root list.
pub struct NodeVm<F: Flavor> {
    state: F::State,
    destroy_count: ShardedCounter,
    /// For freeing objects whose count reaches zero (set by [`NodeVm::runtime`]).
    heap_space: OnceLock<Arc<HeapSpace>>,
}

impl<F: Flavor> Deref for NodeVm<F> {
    type Target = F::State;
    #[inline(always)]
    fn deref(&self) -> &F::State {
        &self.state
    }
}

impl<F: Flavor> NodeVm<F> {
    /// A runtime over a new `NodeVm` with `state`. The only way to make one: the binding
    /// needs the runtime's heap to free objects whose count reaches zero.
    pub fn runtime(state: F::State, config: GcConfig) -> GcRuntime<NodeVm<F>> {
        let vm = NodeVm {
            state,
            destroy_count: ShardedCounter::default(),
            heap_space: OnceLock::new(),
        };
        let rt = GcRuntime::new(vm, config);
        let _ = rt.binding().heap_space.set(rt.space().clone());
        rt
    }

    /// Nodes destroyed so far (by the collector or by reference counting).
    pub fn destroyed_count(&self) -> u64 {
        self.destroy_count.sum()
    }

    /// Allocate a node with count `rc`, no edges and `extra`; tracked if `tracked` (else the
    /// caller tracks it once it is built, before its next poll: contract rule 4).
    #[inline]
    pub fn alloc(m: &Mutator<NodeVm<F>>, rc: usize, extra: F::Extra, tracked: bool) -> ObjRef {
        let obj = m
            .alloc(std::mem::size_of::<Node<F>>(), false)
            .expect("gc-testkit: heap allocation failed");
        // SAFETY: a fresh allocation of size_of::<Node<F>>() bytes, aligned to PAYLOAD_ALIGN
        // (8), which is enough for Node; nothing else can see it yet.
        unsafe {
            (obj.as_ptr() as *mut Node<F>).write(Node {
                rc: AtomicUsize::new(rc),
                edges: UnsafeCell::new(Edges::default()),
                extra,
            })
        };
        if tracked {
            m.runtime().track(obj);
        }
        obj
    }

    /// Drop one reference to `obj`; free it, and everything that reaches zero with it,
    /// iteratively (a million-node chain must not overflow the stack). Collector-held
    /// objects are left alone (contract rule 6). Safe on GC workers (`CLEAR_ON_WORKERS`): it
    /// only touches atomics, the nodes it frees (unreachable by then) and the thread-safe
    /// remote free path.
    pub fn decref(&self, obj: ObjRef) {
        let mut stack = Vec::new();
        self.decref_into(obj, &mut stack);
        while let Some(o) = stack.pop() {
            // SAFETY: `o` reached zero and is not collector-held: nobody else can reach it.
            let n = unsafe { node::<F>(o) };
            // Moved out whole: no allocation on this path.
            let edges = F::with_edges_mut(n, std::mem::take);
            for c in edges {
                self.decref_into(c, &mut stack);
            }
            self.destroy_node(o);
            let space = self
                .heap_space
                .get()
                .expect("NodeVm made without NodeVm::runtime");
            // SAFETY: count zero, not collector-held, destroyed; freed exactly once.
            unsafe { space.free_remote(o) };
        }
    }

    #[inline]
    fn decref_into(&self, obj: ObjRef, stack: &mut Vec<ObjRef>) {
        // SAFETY: a counted reference keeps `obj` allocated until this decrement.
        let prev = unsafe { node::<F>(obj) }.rc.fetch_sub(1, Ordering::AcqRel);
        assert!(prev > 0, "gc-testkit: refcount underflow on {obj:?}");
        if prev == 1 && !obj.is_collector_held() {
            stack.push(obj);
        }
    }

    #[inline]
    fn destroy_node(&self, obj: ObjRef) {
        // SAFETY: called once per object, before its memory is freed.
        let n = unsafe { node::<F>(obj) };
        if !F::on_destroy(self, obj, n) {
            return;
        }
        self.destroy_count.add(1);
        // SAFETY: destroyed once, after clear; the payload is a Node<F> (drops the spill
        // vector and the extras).
        unsafe { std::ptr::drop_in_place(obj.as_ptr() as *mut Node<F>) };
    }
}

// SAFETY: counts are exact (every edge is counted by `link`, every handle by its owner);
// `trace` reports every stored edge once (a flavor's hooks may break that on purpose, to test
// the collector's breach detection); `clear` takes every edge out and decrements it (only the
// ones to objects that are not collector-held with CLEAR_SKIPS_GARBAGE), freeing only objects
// that are not collector-held; `destroy` drops the payload alone; `refcount` and `trace` read
// atomics and edges that nothing writes while the world is stopped (rules 1–8).
unsafe impl<F: Flavor> VmBinding for NodeVm<F> {
    const CLEAR_ON_WORKERS: bool = F::CLEAR_ON_WORKERS;
    const CLEAR_SKIPS_GARBAGE: bool = F::CLEAR_SKIPS_GARBAGE;

    #[inline(always)]
    fn refcount(&self, obj: ObjRef) -> usize {
        // SAFETY: the collector passes objects of this runtime.
        F::refcount(unsafe { node::<F>(obj) })
    }

    #[inline(always)]
    fn trace<T: Tracer>(&self, obj: ObjRef, tracer: &mut T) {
        // SAFETY: as above.
        F::trace(self, obj, unsafe { node::<F>(obj) }, tracer)
    }

    fn scan_roots<T: Tracer>(&self, tracer: &mut T) {
        F::scan_roots(self, tracer)
    }

    fn has_finalizer(&self, obj: ObjRef) -> bool {
        F::has_finalizer(self, obj)
    }

    fn finalize(&self, obj: ObjRef) {
        F::finalize(self, obj)
    }

    fn has_weakrefs(&self, obj: ObjRef) -> bool {
        F::has_weakrefs(self, obj)
    }

    fn clear_weakrefs(&self, obj: ObjRef, garbage: &dyn GarbageQuery) {
        F::clear_weakrefs(self, obj, garbage)
    }

    fn run_weakref_callbacks(&self) -> usize {
        F::run_weakref_callbacks(self)
    }

    fn clear(&self, obj: ObjRef) {
        F::on_clear(self, obj);
        // SAFETY: `obj` is collector-held garbage of this runtime.
        let n = unsafe { node::<F>(obj) };
        let edges = F::with_edges_mut(n, std::mem::take);
        for c in edges {
            // With CLEAR_SKIPS_GARBAGE a garbage child is freed with this node: no count to
            // drop (contract rule 5).
            if F::CLEAR_SKIPS_GARBAGE && c.is_collector_held() {
                continue;
            }
            self.decref(c);
        }
    }

    fn destroy(&self, obj: ObjRef) {
        self.destroy_node(obj);
    }
}
