//! The checked flavor: gc-core's test binding. Every node has an id and a canary word checked
//! on every access (freed memory is poisoned in debug builds, so touching a freed node fails
//! the test instead of passing silently), a lock for its edges (test threads link and unlink
//! concurrently), an optional finalizer, optional weak-reference state, and fault-injection
//! knobs for contract-breach tests (lie about the count, over-report edges, report a foreign
//! pointer, panic in `trace`). The VM logs every destroy and finalization for the tests'
//! oracles.
//!
//! Tests use counted [`Handle`]s (an external reference each) and the helpers below:
//!
//! ```
//! use gc_testkit::checked::*;
//!
//! let (rt, m) = world(2); // 2 GC workers, automatic collection off, checks on
//! let ring = cycle(&m, &[1, 2, 3]); // 1 -> 2 -> 3 -> 1, one handle each
//! drop(ring); // now garbage
//! assert_eq!(m.collect(), 3);
//! assert_eq!(rt.binding().destroyed_set().len(), 3);
//! ```
//!
//! `Checked<false>` ([`TestVm`]) clears on the collecting thread and lets `clear` drop every
//! edge (so the collector can check that garbage counts reach zero); `Checked<true>`
//! ([`SkipVm`]) sets `CLEAR_SKIPS_GARBAGE` and `CLEAR_ON_WORKERS`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use gc_core::{GarbageQuery, GcConfig, GcRuntime, Mutator, ObjRef, Tracer};
use parking_lot::Mutex;

use crate::node::{self as kit, Edges, Flavor, Node, NodeVm};

const CANARY: u64 = 0x5AFE_C0DE_1234_5678;

/// The checked flavor; `SKIPS` selects `CLEAR_SKIPS_GARBAGE` (and `CLEAR_ON_WORKERS`).
pub struct Checked<const SKIPS: bool>;

/// The test binding.
pub type TestVm = NodeVm<Checked<false>>;
/// The test binding with `CLEAR_SKIPS_GARBAGE` and `CLEAR_ON_WORKERS`.
pub type SkipVm = NodeVm<Checked<true>>;

/// A finalizer: gets the runtime and the object being finalized.
pub type Finalizer<const S: bool = false> =
    Box<dyn Fn(&GcRuntime<NodeVm<Checked<S>>>, ObjRef) + Send + Sync>;
/// A weakref callback: gets the weakref object (its referent is already cleared).
pub type WeakCallback<const S: bool = false> =
    Box<dyn Fn(&GcRuntime<NodeVm<Checked<S>>>, &Handle<S>) + Send + Sync>;

/// The extras of every checked node.
pub struct TestNode<const S: bool> {
    canary: u64,
    /// The test's id for this node.
    pub id: u64,
    /// Guards the edges against concurrent test threads (the collector reads without it,
    /// world stopped).
    lock: Mutex<()>,
    finalizer: Mutex<Option<Finalizer<S>>>,
    /// For weakref objects: the referent (not a strong edge) and the callback.
    weak_target: Mutex<Option<ObjRef>>,
    weak_callback: Mutex<Option<Arc<WeakCallback<S>>>>,
    /// Lie about the refcount by this much (contract-breach tests).
    rc_skew: AtomicUsize,
    /// Report each edge this many extra times (contract-breach tests).
    trace_extra: AtomicUsize,
    /// Report this raw pointer as an edge (contract-breach tests).
    foreign: Mutex<Option<usize>>,
}

/// The state of a checked VM: logs for the tests' oracles, the weakref table, the roots, and
/// the fault-injection switches.
pub struct TestState<const S: bool> {
    /// Ids of destroyed nodes, in order.
    pub destroyed: Mutex<Vec<u64>>,
    /// Ids of finalized nodes.
    pub finalized: Mutex<Vec<u64>>,
    /// Weakrefs registered per referent address.
    weakrefs: Mutex<Vec<(usize, ObjRef)>>,
    /// Queued weakref callbacks.
    pending: Mutex<Vec<(ObjRef, Arc<WeakCallback<S>>)>>,
    /// Roots reported to mark-alive (in addition to counted handles).
    pub roots: Mutex<Vec<ObjRef>>,
    /// The runtime, for finalizers (set at creation).
    rt: Mutex<Option<GcRuntime<NodeVm<Checked<S>>>>>,
    /// Panic inside `trace` (to test robustness); not used by default.
    pub panic_in_trace: AtomicBool,
    /// When non-zero: panic in the trace call that brings it to zero.
    pub trace_panic_countdown: AtomicUsize,
    /// Calls of the binding's `clear` (not deaths by reference counting).
    pub clears: AtomicUsize,
}

impl<const S: bool> Default for TestState<S> {
    fn default() -> Self {
        TestState {
            destroyed: Mutex::default(),
            finalized: Mutex::default(),
            weakrefs: Mutex::default(),
            pending: Mutex::default(),
            roots: Mutex::default(),
            rt: Mutex::default(),
            panic_in_trace: AtomicBool::new(false),
            trace_panic_countdown: AtomicUsize::new(0),
            clears: AtomicUsize::new(0),
        }
    }
}

impl<const S: bool> TestState<S> {
    fn rt(&self) -> GcRuntime<NodeVm<Checked<S>>> {
        self.rt.lock().clone().expect("runtime not set")
    }

    /// Ids destroyed so far, as a set.
    pub fn destroyed_set(&self) -> HashSet<u64> {
        self.destroyed.lock().iter().copied().collect()
    }

    /// Drop table entries of a destroyed object: weakrefs it *is*, and weakrefs *to* it
    /// (cleared without callback, as on a refcount death here).
    fn forget_weakrefs_of(&self, obj: ObjRef) {
        let a = obj.addr();
        self.weakrefs.lock().retain(|(t, w)| {
            if *t == a {
                *node_in::<S>(*w).weak_target.lock() = None;
                return false;
            }
            *w != obj
        });
    }
}

impl<const S: bool> Flavor for Checked<S> {
    const CLEAR_ON_WORKERS: bool = S;
    const CLEAR_SKIPS_GARBAGE: bool = S;
    type Extra = TestNode<S>;
    type State = TestState<S>;

    #[inline]
    fn check(obj: ObjRef, n: &Node<Self>) {
        assert_eq!(
            n.canary, CANARY,
            "canary of {obj:?} is broken: use after free or foreign object"
        );
    }

    fn with_edges_mut<R>(n: &Node<Self>, f: impl FnOnce(&mut Edges) -> R) -> R {
        let _g = n.lock.lock();
        // SAFETY: every writer of a checked node's edges holds its lock; the collector reads
        // them only with the world stopped, and no test thread holds a node lock across a
        // safepoint.
        f(unsafe { n.edges_mut() })
    }

    fn refcount(n: &Node<Self>) -> usize {
        n.refcount()
            .saturating_sub(n.rc_skew.load(Ordering::Relaxed))
    }

    fn trace<T: Tracer>(vm: &NodeVm<Self>, _obj: ObjRef, n: &Node<Self>, t: &mut T) {
        if vm.panic_in_trace.swap(false, Ordering::SeqCst) {
            panic!("trace panicked (injected)");
        }
        let c = vm.trace_panic_countdown.load(Ordering::SeqCst);
        if c > 0 && vm.trace_panic_countdown.fetch_sub(1, Ordering::SeqCst) == 1 {
            panic!("trace panicked (injected, after earlier traces)");
        }
        let extra = n.trace_extra.load(Ordering::Relaxed);
        // SAFETY: the world is stopped (or the object is unreachable garbage); no test thread
        // holds a node lock across a safepoint, so reading without the lock is race-free
        // (contract rule 8).
        unsafe { n.edges() }.for_each(|e| {
            for _ in 0..=extra {
                t.edge(e);
            }
        });
        // SAFETY: as above.
        if let Some(p) = unsafe { *n.foreign.data_ptr() } {
            // SAFETY: deliberately reporting a non-object pointer (breach test); the collector
            // must validate it before use.
            t.edge(unsafe { ObjRef::from_raw(std::ptr::NonNull::new(p as *mut u8).unwrap()) });
        }
    }

    fn scan_roots<T: Tracer>(vm: &NodeVm<Self>, t: &mut T) {
        for &r in vm.roots.lock().iter() {
            t.edge(r);
        }
    }

    fn has_finalizer(_vm: &NodeVm<Self>, obj: ObjRef) -> bool {
        // SAFETY: world stopped, see trace.
        unsafe { (*node_in::<S>(obj).finalizer.data_ptr()).is_some() }
    }

    fn finalize(vm: &NodeVm<Self>, obj: ObjRef) {
        let n = node_in::<S>(obj);
        vm.finalized.lock().push(n.id);
        let rt = vm.rt();
        let f = n.finalizer.lock().take();
        if let Some(f) = f {
            // Keep the finalizer installed again afterwards (it must not run twice anyway).
            let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&rt, obj)));
            *n.finalizer.lock() = Some(f);
            if let Err(p) = res {
                std::panic::resume_unwind(p);
            }
        }
    }

    fn has_weakrefs(vm: &NodeVm<Self>, obj: ObjRef) -> bool {
        let a = obj.addr();
        vm.weakrefs.lock().iter().any(|(t, _)| *t == a)
    }

    fn clear_weakrefs(vm: &NodeVm<Self>, obj: ObjRef, garbage: &dyn GarbageQuery) {
        let a = obj.addr();
        let mut table = vm.weakrefs.lock();
        let mut keep = Vec::new();
        for (t, w) in table.drain(..) {
            if t != a {
                keep.push((t, w));
                continue;
            }
            let wn = node_in::<S>(w);
            *wn.weak_target.lock() = None;
            if !garbage.is_garbage(w) {
                if let Some(cb) = wn.weak_callback.lock().clone() {
                    // The queue holds a strong reference to the weakref until the callback ran.
                    wn.incref_by(1);
                    vm.pending.lock().push((w, cb));
                }
            }
        }
        *table = keep;
    }

    fn run_weakref_callbacks(vm: &NodeVm<Self>) -> usize {
        let rt = vm.rt();
        let pending: Vec<_> = std::mem::take(&mut *vm.pending.lock());
        let n = pending.len();
        for (w, cb) in pending {
            let h = Handle {
                obj: w,
                rt: rt.clone(),
            };
            cb(&rt, &h);
        }
        n
    }

    fn on_clear(vm: &NodeVm<Self>, _obj: ObjRef) {
        vm.clears.fetch_add(1, Ordering::Relaxed);
    }

    fn on_destroy(vm: &NodeVm<Self>, obj: ObjRef, n: &Node<Self>) -> bool {
        vm.destroyed.lock().push(n.id);
        vm.forget_weakrefs_of(obj);
        true
    }
}

/// The node of `obj` in a [`TestVm`] (checks the canary).
pub fn node<'a>(obj: ObjRef) -> &'a Node<Checked<false>> {
    node_in::<false>(obj)
}

/// The node of `obj` in a `NodeVm<Checked<S>>` (checks the canary).
pub fn node_in<'a, const S: bool>(obj: ObjRef) -> &'a Node<Checked<S>> {
    // SAFETY: test objects are allocated with a checked Node payload and written before use;
    // the canary check in `Checked::check` catches a freed (poisoned) or foreign slot.
    unsafe { kit::node::<Checked<S>>(obj) }
}

/// Allocate a tracked node with `id` and count `rc` (references the caller accounts for by
/// hand), as a raw object.
pub fn alloc_raw<const S: bool>(m: &Mutator<NodeVm<Checked<S>>>, id: u64, rc: usize) -> ObjRef {
    let extra = TestNode {
        canary: CANARY,
        id,
        lock: Mutex::new(()),
        finalizer: Mutex::new(None),
        weak_target: Mutex::new(None),
        weak_callback: Mutex::new(None),
        rc_skew: AtomicUsize::new(0),
        trace_extra: AtomicUsize::new(0),
        foreign: Mutex::new(None),
    };
    NodeVm::alloc(m, rc, extra, true)
}

/// Add a counted edge `from -> to` between raw objects (takes `from`'s lock).
pub fn link_raw<const S: bool>(from: ObjRef, to: ObjRef) {
    node_in::<S>(from); // canary check of both before touching either
    node_in::<S>(to);
    // SAFETY: both are live checked nodes (canaries checked); the flavor locks `from`.
    unsafe { kit::link::<Checked<S>>(from, to) }
}

/// Decrement `obj`'s count; at zero (and not collector-held) clear, destroy and free it.
pub fn decref<const S: bool>(rt: &GcRuntime<NodeVm<Checked<S>>>, obj: ObjRef) {
    rt.binding().decref(obj);
}

/// A counted strong reference held by the test (an "external reference").
pub struct Handle<const S: bool = false> {
    /// The object.
    pub obj: ObjRef,
    rt: GcRuntime<NodeVm<Checked<S>>>,
}

impl<const S: bool> Clone for Handle<S> {
    fn clone(&self) -> Self {
        Handle::from_obj(&self.rt, self.obj)
    }
}

impl<const S: bool> Drop for Handle<S> {
    fn drop(&mut self) {
        decref(&self.rt, self.obj);
    }
}

// SAFETY: a Handle is a counted reference; all node state is behind atomics or locks.
unsafe impl<const S: bool> Send for Handle<S> {}
// SAFETY: as above.
unsafe impl<const S: bool> Sync for Handle<S> {}

impl<const S: bool> Handle<S> {
    fn n(&self) -> &Node<Checked<S>> {
        node_in::<S>(self.obj)
    }

    /// The node's id.
    pub fn id(&self) -> u64 {
        self.n().id
    }

    /// Add a strong edge self -> other.
    pub fn link(&self, other: &Handle<S>) {
        link_raw::<S>(self.obj, other.obj);
    }

    /// Remove one strong edge self -> other (if present).
    pub fn unlink(&self, other: &Handle<S>) {
        if Checked::<S>::with_edges_mut(self.n(), |e| e.remove_first(other.obj)) {
            decref(&self.rt, other.obj);
        }
    }

    /// Remove every edge.
    pub fn clear_edges(&self) {
        let edges = Checked::<S>::with_edges_mut(self.n(), std::mem::take);
        for e in edges {
            decref(&self.rt, e);
        }
    }

    fn edges(&self) -> Vec<ObjRef> {
        Checked::<S>::with_edges_mut(self.n(), |e| e.to_vec())
    }

    /// Ids of the targets of this node's strong edges (no count changes), sorted.
    pub fn edge_ids(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.edges().iter().map(|&e| node_in::<S>(e).id).collect();
        v.sort_unstable();
        v
    }

    /// Number of strong edges.
    pub fn edge_count(&self) -> usize {
        Checked::<S>::with_edges_mut(self.n(), |e| e.len())
    }

    /// Handles to the targets of this node's edges.
    pub fn children(&self) -> Vec<Handle<S>> {
        self.edges()
            .into_iter()
            .map(|e| Handle::from_obj(&self.rt, e))
            .collect()
    }

    /// The node's true count (no skew).
    pub fn refcount(&self) -> usize {
        self.n().refcount()
    }

    /// Install a finalizer.
    pub fn set_finalizer(
        &self,
        f: impl Fn(&GcRuntime<NodeVm<Checked<S>>>, ObjRef) + Send + Sync + 'static,
    ) {
        *self.n().finalizer.lock() = Some(Box::new(f));
    }

    /// For weakref objects: the referent, if not cleared.
    pub fn weak_get(&self) -> Option<Handle<S>> {
        let t = *self.n().weak_target.lock();
        t.map(|o| Handle::from_obj(&self.rt, o))
    }

    /// Make `refcount` report `by` less than the true count.
    pub fn skew_refcount(&self, by: usize) {
        self.n().rc_skew.store(by, Ordering::Relaxed);
    }

    /// Make `trace` report each edge `times` extra times.
    pub fn trace_extra(&self, times: usize) {
        self.n().trace_extra.store(times, Ordering::Relaxed);
    }

    /// Make `trace` report `addr` as an edge too.
    pub fn report_foreign(&self, addr: usize) {
        *self.n().foreign.lock() = Some(addr);
    }

    /// Make a handle from a raw object (increments the count).
    pub fn from_obj(rt: &GcRuntime<NodeVm<Checked<S>>>, obj: ObjRef) -> Handle<S> {
        node_in::<S>(obj).incref_by(1);
        Handle {
            obj,
            rt: rt.clone(),
        }
    }
}

/// A runtime over a fresh checked VM.
pub fn runtime_with<const S: bool>(config: GcConfig) -> GcRuntime<NodeVm<Checked<S>>> {
    let rt = NodeVm::<Checked<S>>::runtime(TestState::default(), config);
    *rt.binding().rt.lock() = Some(rt.clone());
    rt
}

/// A test world: a runtime over a fresh [`TestVm`].
pub fn runtime(config: GcConfig) -> GcRuntime<TestVm> {
    runtime_with::<false>(config)
}

/// The default test config: given workers (all of them in every collection, however small
/// the heap), automatic collection off, checks on.
pub fn config(workers: usize) -> GcConfig {
    GcConfig::default()
        .with_workers(workers)
        .with_parallel_min_objects(0)
        .with_enabled(false)
        .with_check_edges(true)
        .with_panic_on_violation(false)
        .with_verify(true)
}

/// Allocate a node with the given id, returned as a counted handle (rc = 1).
pub fn new_node(m: &Mutator<TestVm>, id: u64) -> Handle {
    Handle {
        obj: alloc_raw(m, id, 1),
        rt: m.runtime().clone(),
    }
}

/// Allocate a weakref object to `target` with an optional callback.
pub fn new_weakref(
    m: &Mutator<TestVm>,
    id: u64,
    target: &Handle,
    callback: Option<WeakCallback>,
) -> Handle {
    let w = new_node(m, id);
    let wn = node(w.obj);
    *wn.weak_target.lock() = Some(target.obj);
    *wn.weak_callback.lock() = callback.map(Arc::new);
    m.runtime()
        .binding()
        .weakrefs
        .lock()
        .push((target.obj.addr(), w.obj));
    w
}

thread_local! {
    static CURRENT_MUTATOR: std::cell::Cell<*const Mutator<TestVm>> =
        const { std::cell::Cell::new(std::ptr::null()) };
}

/// Makes a mutator reachable from finalizers and callbacks running on this thread (they only
/// get the runtime, but allocating or calling `collect()` needs the thread's `Mutator`).
/// Cleared again when the guard drops, so the pointer never outlives the mutator.
pub struct CurrentMutator<'a> {
    _m: std::marker::PhantomData<&'a Mutator<TestVm>>,
}

impl<'a> CurrentMutator<'a> {
    /// Make `m` this thread's current mutator while the guard lives.
    pub fn set(m: &'a Mutator<TestVm>) -> Self {
        CURRENT_MUTATOR.with(|c| c.set(m as *const _));
        CurrentMutator {
            _m: std::marker::PhantomData,
        }
    }
}

impl Drop for CurrentMutator<'_> {
    fn drop(&mut self) {
        CURRENT_MUTATOR.with(|c| c.set(std::ptr::null()));
    }
}

/// Run `f` with this thread's current mutator (see [`CurrentMutator`]); panics if none is set.
pub fn with_current_mutator<R>(f: impl FnOnce(&Mutator<TestVm>) -> R) -> R {
    let p = CURRENT_MUTATOR.with(|c| c.get());
    assert!(!p.is_null(), "no current mutator set on this thread");
    // SAFETY: the pointer was set by a live `CurrentMutator` guard borrowing the mutator for
    // its whole lifetime, and it is cleared when the guard drops; the mutator belongs to this
    // thread (thread-local), so no other thread can observe it.
    f(unsafe { &*p })
}

/// A runtime with the test config and its main mutator.
pub fn world(workers: usize) -> (GcRuntime<TestVm>, Mutator<TestVm>) {
    let rt = runtime(config(workers));
    let m = rt.register_mutator("main");
    (rt, m)
}

/// A ring of new nodes with the given ids (each linked to the next), returned as handles.
pub fn cycle(m: &Mutator<TestVm>, ids: &[u64]) -> Vec<Handle> {
    let hs: Vec<Handle> = ids.iter().map(|&i| new_node(m, i)).collect();
    for i in 0..hs.len() {
        hs[i].link(&hs[(i + 1) % hs.len()]);
    }
    hs
}
