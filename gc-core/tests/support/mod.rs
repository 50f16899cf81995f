//! A minimal second binding for gc-core's tests: a reference-counted node with a list of
//! strong edges, an optional finalizer, and weak references with callbacks.
//!
//! It exists to prove the [`VmBinding`] trait fits more than one object model (gc-vm-adapter
//! is the other), and it records every destroy so tests can compare the collector's result
//! with an oracle. Every access checks a canary word; freed memory is poisoned by the heap
//! (debug builds), so touching a freed node fails the test instead of passing silently.
#![allow(dead_code)]

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use gc_core::{GarbageQuery, GcConfig, GcRuntime, Mutator, ObjRef, Tracer, VmBinding};
use parking_lot::Mutex;

const CANARY: u64 = 0x5AFE_C0DE_1234_5678;

/// A finalizer: gets the runtime and the object being finalized.
pub type Finalizer = Box<dyn Fn(&GcRuntime<TestVm>, ObjRef) + Send + Sync>;
/// A weakref callback: gets the weakref object (its referent is already cleared).
pub type WeakCallback = Box<dyn Fn(&GcRuntime<TestVm>, &Handle) + Send + Sync>;

/// The payload of every test object.
pub struct Node {
    canary: u64,
    pub id: u64,
    rc: AtomicUsize,
    edges: Mutex<Vec<ObjRef>>,
    finalizer: Mutex<Option<Finalizer>>,
    /// For weakref objects: the referent (not a strong edge) and the callback.
    weak_target: Mutex<Option<ObjRef>>,
    weak_callback: Mutex<Option<Arc<WeakCallback>>>,
    /// Lie about the refcount by this much (contract-breach tests).
    rc_skew: AtomicUsize,
    /// Report each edge this many extra times (contract-breach tests).
    trace_extra: AtomicUsize,
    /// Report this raw pointer as an edge (contract-breach tests).
    foreign: Mutex<Option<usize>>,
}

/// The test binding.
#[derive(Default)]
pub struct TestVm {
    /// Ids of destroyed nodes, in order.
    pub destroyed: Mutex<Vec<u64>>,
    /// Ids of finalized nodes.
    pub finalized: Mutex<Vec<u64>>,
    /// Weakrefs registered per referent address.
    weakrefs: Mutex<Vec<(usize, ObjRef)>>,
    /// Queued weakref callbacks.
    pending: Mutex<Vec<(ObjRef, Arc<WeakCallback>)>>,
    /// Roots reported to mark-alive (in addition to counted handles).
    pub roots: Mutex<Vec<ObjRef>>,
    /// The runtime, for finalizers (set after creation).
    rt: Mutex<Option<GcRuntime<TestVm>>>,
    /// Panic inside `trace` (to test robustness); not used by default.
    pub panic_in_trace: AtomicBool,
    /// When non-zero: panic in the trace call that brings it to zero.
    pub trace_panic_countdown: AtomicUsize,
}

/// Access the node of `obj` (checks the canary).
pub fn node<'a>(obj: ObjRef) -> &'a Node {
    // SAFETY: test objects are allocated with a Node payload and written before use; the
    // canary check below catches use of a freed (poisoned) or foreign slot.
    let n = unsafe { &*(obj.as_ptr() as *const Node) };
    assert_eq!(
        n.canary, CANARY,
        "canary of {obj:?} is broken: use after free or foreign object"
    );
    n
}

unsafe impl VmBinding for TestVm {
    fn refcount(&self, obj: ObjRef) -> usize {
        let n = node(obj);
        n.rc.load(Ordering::Relaxed)
            .saturating_sub(n.rc_skew.load(Ordering::Relaxed))
    }

    fn trace<T: Tracer>(&self, obj: ObjRef, tracer: &mut T) {
        if self.panic_in_trace.swap(false, Ordering::SeqCst) {
            panic!("trace panicked (injected)");
        }
        let c = self.trace_panic_countdown.load(Ordering::SeqCst);
        if c > 0 && self.trace_panic_countdown.fetch_sub(1, Ordering::SeqCst) == 1 {
            panic!("trace panicked (injected, after earlier traces)");
        }
        let n = node(obj);
        // SAFETY: the world is stopped (or the object is unreachable garbage); no mutator of
        // the test VM holds a node lock across a safepoint, so reading without the lock is
        // race-free (contract rule 8).
        let edges = unsafe { &*n.edges.data_ptr() };
        let extra = n.trace_extra.load(Ordering::Relaxed);
        for &e in edges {
            for _ in 0..=extra {
                tracer.edge(e);
            }
        }
        // SAFETY: as above.
        if let Some(p) = unsafe { *n.foreign.data_ptr() } {
            // SAFETY: deliberately reporting a non-object pointer (breach test); the collector
            // must validate it before use.
            tracer.edge(unsafe { ObjRef::from_raw(std::ptr::NonNull::new(p as *mut u8).unwrap()) });
        }
    }

    fn scan_roots<T: Tracer>(&self, tracer: &mut T) {
        for &r in self.roots.lock().iter() {
            tracer.edge(r);
        }
    }

    fn has_finalizer(&self, obj: ObjRef) -> bool {
        // SAFETY: world stopped, see trace.
        unsafe { (*node(obj).finalizer.data_ptr()).is_some() }
    }

    fn finalize(&self, obj: ObjRef) {
        let n = node(obj);
        self.finalized.lock().push(n.id);
        let rt = self.rt.lock().clone().expect("runtime not set");
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

    fn has_weakrefs(&self, obj: ObjRef) -> bool {
        let a = obj.addr();
        self.weakrefs.lock().iter().any(|(t, _)| *t == a)
    }

    fn clear_weakrefs(&self, obj: ObjRef, garbage: &dyn GarbageQuery) {
        let a = obj.addr();
        let mut table = self.weakrefs.lock();
        let mut keep = Vec::new();
        for (t, w) in table.drain(..) {
            if t != a {
                keep.push((t, w));
                continue;
            }
            let wn = node(w);
            *wn.weak_target.lock() = None;
            if !garbage.is_garbage(w) {
                if let Some(cb) = wn.weak_callback.lock().clone() {
                    // The queue holds a strong reference to the weakref until the callback ran.
                    wn.rc.fetch_add(1, Ordering::Relaxed);
                    self.pending.lock().push((w, cb));
                }
            }
        }
        *table = keep;
    }

    fn run_weakref_callbacks(&self) -> usize {
        let rt = self.rt.lock().clone().expect("runtime not set");
        let pending: Vec<_> = std::mem::take(&mut *self.pending.lock());
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

    fn clear(&self, obj: ObjRef) {
        let n = node(obj);
        let edges = std::mem::take(&mut *n.edges.lock());
        let rt = self.rt.lock().clone().expect("runtime not set");
        for e in edges {
            decref(&rt, e);
        }
    }

    fn destroy(&self, obj: ObjRef) {
        let n = node(obj);
        self.destroyed.lock().push(n.id);
        self.forget_weakrefs_of(obj);
        // SAFETY: the collector destroys each object once, after clear; the payload is a Node.
        unsafe { std::ptr::drop_in_place(obj.as_ptr() as *mut Node) };
    }
}

impl TestVm {
    /// Drop table entries of a destroyed object: weakrefs it *is*, and weakrefs *to* it
    /// (cleared without callback, as on a refcount death here).
    fn forget_weakrefs_of(&self, obj: ObjRef) {
        let a = obj.addr();
        self.weakrefs.lock().retain(|(t, w)| {
            if *t == a {
                *node(*w).weak_target.lock() = None;
                return false;
            }
            *w != obj
        });
    }

    /// Ids destroyed so far, as a set.
    pub fn destroyed_set(&self) -> HashSet<u64> {
        self.destroyed.lock().iter().copied().collect()
    }
}

/// Decrement `obj`'s count; at zero (and not collector-held) clear, destroy and free it.
pub fn decref(rt: &GcRuntime<TestVm>, obj: ObjRef) {
    let n = node(obj);
    let prev = n.rc.fetch_sub(1, Ordering::AcqRel);
    assert!(prev > 0, "refcount underflow on node {}", n.id);
    if prev == 1 && !obj.is_collector_held() {
        let vm = rt.binding();
        vm.clear(obj);
        vm.destroy(obj);
        // SAFETY: the count reached zero, the object is not collector-held and was destroyed.
        unsafe { rt.free_remote(obj) };
    }
}

/// A counted strong reference held by the test (an "external reference").
pub struct Handle {
    pub obj: ObjRef,
    rt: GcRuntime<TestVm>,
}

impl Clone for Handle {
    fn clone(&self) -> Self {
        node(self.obj).rc.fetch_add(1, Ordering::Relaxed);
        Handle {
            obj: self.obj,
            rt: self.rt.clone(),
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        decref(&self.rt, self.obj);
    }
}

// SAFETY: a Handle is a counted reference; all node state is behind atomics or locks.
unsafe impl Send for Handle {}
// SAFETY: as above.
unsafe impl Sync for Handle {}

impl Handle {
    pub fn id(&self) -> u64 {
        node(self.obj).id
    }

    /// Add a strong edge self -> other.
    pub fn link(&self, other: &Handle) {
        node(other.obj).rc.fetch_add(1, Ordering::Relaxed);
        node(self.obj).edges.lock().push(other.obj);
    }

    /// Remove one strong edge self -> other (if present).
    pub fn unlink(&self, other: &Handle) {
        let removed = {
            let mut e = node(self.obj).edges.lock();
            e.iter()
                .position(|&x| x == other.obj)
                .map(|i| e.swap_remove(i))
        };
        if let Some(o) = removed {
            decref(&self.rt, o);
        }
    }

    /// Remove every edge.
    pub fn clear_edges(&self) {
        let edges = std::mem::take(&mut *node(self.obj).edges.lock());
        for e in edges {
            decref(&self.rt, e);
        }
    }

    /// Ids of the targets of this node's strong edges (no count changes), sorted.
    pub fn edge_ids(&self) -> Vec<u64> {
        let mut v: Vec<u64> = node(self.obj)
            .edges
            .lock()
            .iter()
            .map(|&e| node(e).id)
            .collect();
        v.sort_unstable();
        v
    }

    /// Number of strong edges.
    pub fn edge_count(&self) -> usize {
        node(self.obj).edges.lock().len()
    }

    /// Handles to the targets of this node's edges.
    pub fn children(&self) -> Vec<Handle> {
        let edges = node(self.obj).edges.lock().clone();
        edges
            .into_iter()
            .map(|e| {
                node(e).rc.fetch_add(1, Ordering::Relaxed);
                Handle {
                    obj: e,
                    rt: self.rt.clone(),
                }
            })
            .collect()
    }

    pub fn refcount(&self) -> usize {
        node(self.obj).rc.load(Ordering::Relaxed)
    }

    pub fn set_finalizer(&self, f: impl Fn(&GcRuntime<TestVm>, ObjRef) + Send + Sync + 'static) {
        *node(self.obj).finalizer.lock() = Some(Box::new(f));
    }

    /// For weakref objects: the referent, if not cleared.
    pub fn weak_get(&self) -> Option<Handle> {
        let t = *node(self.obj).weak_target.lock();
        t.map(|o| {
            node(o).rc.fetch_add(1, Ordering::Relaxed);
            Handle {
                obj: o,
                rt: self.rt.clone(),
            }
        })
    }

    pub fn skew_refcount(&self, by: usize) {
        node(self.obj).rc_skew.store(by, Ordering::Relaxed);
    }

    pub fn trace_extra(&self, times: usize) {
        node(self.obj).trace_extra.store(times, Ordering::Relaxed);
    }

    pub fn report_foreign(&self, addr: usize) {
        *node(self.obj).foreign.lock() = Some(addr);
    }

    /// Make a handle from a raw object (increments the count).
    pub fn from_obj(rt: &GcRuntime<TestVm>, obj: ObjRef) -> Handle {
        node(obj).rc.fetch_add(1, Ordering::Relaxed);
        Handle {
            obj,
            rt: rt.clone(),
        }
    }
}

/// A test world: a runtime over a fresh TestVm.
pub fn runtime(config: GcConfig) -> GcRuntime<TestVm> {
    let rt = GcRuntime::new(TestVm::default(), config);
    *rt.binding().rt.lock() = Some(rt.clone());
    rt
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
    let obj = m
        .alloc(std::mem::size_of::<Node>(), false)
        .expect("allocation failed");
    // SAFETY: fresh allocation of size_of::<Node>() bytes, 8-aligned (PAYLOAD_ALIGN).
    unsafe {
        std::ptr::write(
            obj.as_ptr() as *mut Node,
            Node {
                canary: CANARY,
                id,
                rc: AtomicUsize::new(1),
                edges: Mutex::new(Vec::new()),
                finalizer: Mutex::new(None),
                weak_target: Mutex::new(None),
                weak_callback: Mutex::new(None),
                rc_skew: AtomicUsize::new(0),
                trace_extra: AtomicUsize::new(0),
                foreign: Mutex::new(None),
            },
        )
    };
    m.runtime().track(obj);
    Handle {
        obj,
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
