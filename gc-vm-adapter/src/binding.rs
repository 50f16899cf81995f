//! [`AdapterBinding`]: the object model's implementation of gc-core's [`VmBinding`] contract,
//! plus the runtime-wide state it needs: the thread registry (merge queues, root stacks), the
//! global root registry, the weak-reference table, the deferred-decref list and the VM hooks.
//!
//! Every per-object method forwards to the object's type table ([`crate::payload`]); this file
//! knows no type but `List`, whose trace is inlined for the mark loop's sake. How each
//! contract method is met (`docs/binding-guide-adapter.md` walks through it):
//!
//! * `merge_thread_state`: every registered thread's queue is merged (world stopped). Objects
//!   whose merged count is 0 are kept at 1 on the deferred list (no VM code while stopped).
//! * `refcount`: `local + shared` ([`RefCount::total`](crate::header::RefCount::total)), exact
//!   after the merge; for garbage after `clear` (world running) exact too, because
//!   collector-held objects are never queued (header invariant 5).
//! * `trace`, `reference_slots`, `trace_slots`, `clear`, `destroy`: the type table.
//! * `finalize`: the finalizer object, called through the hooks with a temporary reference
//!   (the collector has set the finalized bit).
//! * weakrefs: a cheap header bit; [`crate::weakref_table`] clears them.
//! * roots: the global root registry plus every thread's root stack.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use gc_core::{GarbageQuery, HeapSpace, ObjRef, Tracer, VmBinding};
use parking_lot::{Mutex, RwLock};

use crate::handle::Ref;
use crate::header::{Object, BIT_OVER_REPORT};
use crate::hooks::{DefaultHooks, VmHooks};
use crate::payload::{Edges, Payload};
use crate::queue::{drain_deferred, merge_queue, object, Deferred};
use crate::thread::ThreadEntry;
use crate::types::List;
use crate::weakref_table::WeakTable;

pub use crate::types::list::SPLIT_LIST_LEN;

/// A handle to a global root added with [`Runtime::add_root`](crate::Runtime::add_root).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct RootId(u64);

/// The object model's binding to gc-core.
pub struct AdapterBinding {
    threads: RwLock<HashMap<u64, Arc<ThreadEntry>>>,
    roots: Mutex<HashMap<RootId, Ref>>,
    next_root: AtomicU64,
    pub(crate) weak: WeakTable,
    /// Weakrefs whose callbacks `clear_weakrefs` queued (strong references).
    pending_callbacks: Mutex<Vec<Ref>>,
    pub(crate) deferred: Deferred,
    hooks: Arc<dyn VmHooks>,
    space: OnceLock<Arc<HeapSpace>>,
}

impl Default for AdapterBinding {
    fn default() -> Self {
        AdapterBinding::new(Arc::new(DefaultHooks))
    }
}

impl AdapterBinding {
    pub(crate) fn new(hooks: Arc<dyn VmHooks>) -> Self {
        AdapterBinding {
            threads: Default::default(),
            roots: Default::default(),
            next_root: Default::default(),
            weak: Default::default(),
            pending_callbacks: Default::default(),
            deferred: Default::default(),
            hooks,
            space: OnceLock::new(),
        }
    }

    /// The VM hooks.
    #[inline]
    pub fn hooks(&self) -> &dyn VmHooks {
        &*self.hooks
    }

    pub(crate) fn set_space(&self, space: Arc<HeapSpace>) {
        let _ = self.space.set(space);
    }

    pub(crate) fn register_thread(&self, e: Arc<ThreadEntry>) {
        self.threads.write().insert(e.tid, e);
    }

    pub(crate) fn unregister_thread(&self, tid: u64) {
        self.threads.write().remove(&tid);
    }

    pub(crate) fn thread(&self, tid: u64) -> Option<Arc<ThreadEntry>> {
        self.threads.read().get(&tid).cloned()
    }

    /// Number of attached threads.
    pub fn thread_count(&self) -> usize {
        self.threads.read().len()
    }

    pub(crate) fn add_root(&self, r: Ref) -> RootId {
        let id = RootId(self.next_root.fetch_add(1, Ordering::Relaxed));
        self.roots.lock().insert(id, r);
        id
    }

    pub(crate) fn remove_root(&self, id: RootId) -> Option<Ref> {
        self.roots.lock().remove(&id)
    }

    /// Drop every reference the binding holds (runtime teardown).
    pub(crate) fn teardown(&self) -> (Vec<Ref>, Vec<Ref>, Vec<Ref>) {
        let roots = self.roots.lock().drain().map(|(_, r)| r).collect();
        let cbs = std::mem::take(&mut *self.pending_callbacks.lock());
        (roots, cbs, self.deferred.take())
    }
}

// SAFETY: the rules of gc_core::binding are met as described in the module docs: counts are
// exact after merge_thread_state (rule 1); trace forwards to the type tables, whose Payload
// rules 1-2 are gc-core's rule 2 (native callables' closures are documented as not holding
// tracked objects); no mutator runs while stopped
// (rule 3); objects are tracked only after initialisation (rule 4); clear is Payload rule 3
// (rule 5); lifecycle::on_zero skips collector-held objects (rule 6); destroy only drops the
// emptied value (Payload rule 4, rule 7); trace/refcount read without locks or allocation
// (Payload rule 2, rule 8).
unsafe impl VmBinding for AdapterBinding {
    // `clear` and `destroy` would be safe on GC workers (a count that reaches zero there is
    // deferred to an attached thread, `lifecycle::on_zero`), but measured slower: a worker's
    // decrefs all take the non-owner path (an atomic RMW on the shared count, and a queue
    // entry for the owner), where the collecting thread, usually the owner, just writes its
    // local count. 1M rings: 75.2 ms with 1 worker, 75.4 ms with 2 on the collecting thread,
    // 72.0–206.9 ms with 2 on workers (docs/benchmarks.md).
    const CLEAR_ON_WORKERS: bool = false;

    fn after_collection(&self) {
        // GC workers clearing garbage decref'd objects of other owners: those decrefs were
        // queued to their owners; merge the collecting thread's own queue now (other threads
        // merge theirs at their next poll). Then drop what a GC worker took to zero.
        crate::thread::with_context(|ctx| {
            if let Some(c) = ctx {
                if std::ptr::eq(c.rt.binding(), self) {
                    c.merge_pending();
                }
            }
        });
        drain_deferred(self);
    }

    fn refcount(&self, obj: ObjRef) -> usize {
        object(obj).rc.total().max(0) as usize
    }

    #[inline]
    fn trace<T: Tracer>(&self, obj: ObjRef, tracer: &mut T) {
        let o = object(obj);
        // The workloads' node type, traced without an indirect call per edge.
        if let Some(l) = o.as_list() {
            for r in l.items_stopped() {
                tracer.edge(r.obj_ref());
            }
            return;
        }
        trace_by_table(o, tracer);
    }

    fn reference_slots(&self, obj: ObjRef) -> usize {
        let o = object(obj);
        // Asked for every object the mark visits: lists answer inline, types that never
        // split (`Payload::SPLITS` false) without a call.
        if let Some(l) = o.as_list() {
            return Payload::reference_slots(l);
        }
        // SAFETY: world stopped (Payload rule 8 has rule 2's timing).
        o.type_info().slots.map_or(0, |f| unsafe { f(o) })
    }

    fn trace_slots<T: Tracer>(&self, obj: ObjRef, range: Range<usize>, tracer: &mut T) {
        let o = object(obj);
        if let Some(l) = o.as_list() {
            for r in &l.items_stopped()[range] {
                tracer.edge(r.obj_ref());
            }
            return;
        }
        let mut sink = |c| tracer.edge(c);
        // SAFETY: as reference_slots.
        unsafe { (o.type_info().trace_slots)(o, range, &mut Edges::new(&mut sink)) };
    }

    fn merge_thread_state(&self) {
        let entries: Vec<Arc<ThreadEntry>> = self.threads.read().values().cloned().collect();
        for e in entries {
            if e.has_pending() {
                merge_queue(e.take(), true);
            }
        }
    }

    fn scan_roots<T: Tracer>(&self, tracer: &mut T) {
        for r in self.roots.lock().values() {
            tracer.edge(r.obj_ref());
        }
        for e in self.threads.read().values() {
            for r in e.roots.lock().iter() {
                tracer.edge(r.obj_ref());
            }
        }
    }

    fn has_finalizer(&self, obj: ObjRef) -> bool {
        let o = object(obj);
        // SAFETY: world stopped, GC worker (Payload rule 7).
        o.type_info().has_finalizer.is_some_and(|f| unsafe { f(o) })
    }

    fn finalize(&self, obj: ObjRef) {
        let o = object(obj);
        if o.type_info().has_finalizer.is_none() {
            return;
        }
        // SAFETY: world running, collecting thread (a mutator): Payload rule 7.
        let Some(fin) = (unsafe { (o.type_info().finalizer)(o) }) else {
            return;
        };
        // The collector set the finalized bit before calling us (at most once).
        let r = o.to_ref();
        self.hooks.call_finalizer(&fin, &r);
    }

    fn has_weakrefs(&self, obj: ObjRef) -> bool {
        object(obj).has_bit(crate::header::BIT_WEAKREFS)
    }

    fn clear_weakrefs(&self, obj: ObjRef, garbage: &dyn GarbageQuery) {
        let queued = self.weak.clear_referent(obj, Some(garbage));
        self.pending_callbacks.lock().extend(queued);
    }

    fn run_weakref_callbacks(&self) -> usize {
        let pending = std::mem::take(&mut *self.pending_callbacks.lock());
        let n = pending.len();
        for w in pending {
            if let Some(cb) = w.as_weakref().and_then(|wr| wr.callback()) {
                self.hooks.call_weakref_callback(&cb, &w);
            }
        }
        drain_deferred(self);
        n
    }

    fn clear(&self, obj: ObjRef) {
        let o = object(obj);
        // SAFETY: world running, collecting thread, unreachable object (Payload rule 3).
        unsafe { (o.type_info().clear)(o) };
    }

    fn destroy(&self, obj: ObjRef) {
        let o = object(obj);
        // SAFETY: final garbage, destroyed once by the collector, already cleared.
        unsafe { (o.type_info().drop)(o) };
    }
}

/// `List` must stay a payload type for the fast paths above.
const _: fn() -> &'static crate::TypeInfo = <List as Payload>::type_info;

/// `trace` for every type but lists, through the type table. Out of line, so the collector's
/// mark loop, into which `trace` is inlined, keeps only the list path in its registers.
#[inline(never)]
fn trace_by_table<T: Tracer>(o: &Object, tracer: &mut T) {
    let mut sink = |c| tracer.edge(c);
    // SAFETY: world stopped, GC worker: the timing Payload rule 2 asks for.
    unsafe { (o.type_info().trace)(o, &mut Edges::new(&mut sink)) };
    if o.has_bit(BIT_OVER_REPORT) {
        // Test hook: report an instance's class edge twice.
        if let Some(c) = o.as_instance().and_then(|i| i.class.obj_ref()) {
            tracer.edge(c);
        }
    }
}
