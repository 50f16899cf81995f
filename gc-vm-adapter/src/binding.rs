//! [`AdapterBinding`]: the object model's implementation of gc-core's [`VmBinding`] contract,
//! plus the runtime-wide state it needs: the thread registry (merge queues, root stacks), the
//! global root registry, the weak-reference table and the deferred-decref list.
//!
//! How each contract method is met (`docs/binding-guide-adapter.md` walks through it):
//!
//! * `merge_thread_state`: every registered thread's queue is merged (world stopped). Objects
//!   whose merged count is 0 are kept at 1 on the deferred list (no VM code while stopped).
//! * `refcount`: `local + shared` ([`RefCount::total`](crate::header::RefCount::total)), exact
//!   after the merge; for garbage after `clear` (world running) exact too, because
//!   collector-held objects are never queued (header invariant 5).
//! * `trace`: per type, reading container contents through `data_ptr()` without locking (the
//!   VM never polls while holding a container lock). Big lists are split with
//!   `reference_slots`/`trace_slots`.
//! * `clear`: contents taken out under the lock and dropped afterwards (decrefs; children that
//!   reach zero while collector-held are left alone by [`crate::dealloc::on_zero`]).
//! * `destroy`: drop the value in place (after `clear` it holds no managed references).
//! * `finalize`: the instance's finalizer with a temporary strong reference, at most once.
//! * weakrefs: a cheap header bit; the table maps referent address to weakref objects.
//! * roots: the global root registry plus every thread's root stack.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use gc_core::{GarbageQuery, HeapSpace, ObjRef, Tracer, VmBinding};
use parking_lot::{Mutex, RwLock};

use crate::dealloc::{drain_deferred, merge_queue, object};
use crate::handle::Ref;
use crate::header::{Kind, Object, BIT_FINALIZED, BIT_WEAKREFS};
use crate::thread::{current_tid, ThreadEntry};
use crate::types::{self, value, List, WeakCallback, WeakRef};

/// Lists longer than this are traced in spans by several GC workers.
pub const SPLIT_LIST_LEN: usize = 4096;

/// A handle to a global root added with [`Runtime::add_root`](crate::Runtime::add_root).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct RootId(u64);

/// The object model's binding to gc-core.
#[derive(Default)]
pub struct AdapterBinding {
    threads: RwLock<HashMap<u64, Arc<ThreadEntry>>>,
    roots: Mutex<HashMap<RootId, Ref>>,
    next_root: AtomicU64,
    /// Referent address -> weakref objects pointing at it.
    weak: Mutex<HashMap<usize, Vec<ObjRef>>>,
    /// Callbacks queued by `clear_weakrefs` (strong reference to the weakref, callback).
    pending_callbacks: Mutex<Vec<(Ref, WeakCallback)>>,
    deferred: Mutex<Vec<Ref>>,
    has_deferred: AtomicBool,
    space: OnceLock<Arc<HeapSpace>>,
}

impl AdapterBinding {
    pub(crate) fn set_space(&self, space: Arc<HeapSpace>) {
        let _ = self.space.set(space);
    }

    pub(crate) fn space(&self) -> &Arc<HeapSpace> {
        self.space
            .get()
            .expect("binding used before its runtime was built")
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

    pub(crate) fn defer_decref(&self, r: Ref) {
        self.deferred.lock().push(r);
        self.has_deferred.store(true, Ordering::Release);
    }

    #[inline]
    pub(crate) fn has_deferred(&self) -> bool {
        self.has_deferred.load(Ordering::Relaxed)
    }

    pub(crate) fn take_deferred(&self) -> Vec<Ref> {
        let mut d = self.deferred.lock();
        self.has_deferred.store(false, Ordering::Relaxed);
        std::mem::take(&mut *d)
    }

    /// Drop every reference the binding holds (runtime teardown).
    pub(crate) fn teardown(&self) -> (Vec<Ref>, Vec<(Ref, WeakCallback)>, Vec<Ref>) {
        let roots = self.roots.lock().drain().map(|(_, r)| r).collect();
        let cbs = std::mem::take(&mut *self.pending_callbacks.lock());
        (roots, cbs, self.take_deferred())
    }

    /// Register the weakref object `w` (payload `wr`) to `target`.
    pub(crate) fn register_weakref(&self, target: &Object, w: ObjRef, wr: &WeakRef) {
        let mut t = self.weak.lock();
        wr.referent
            .store(target as *const Object as *mut Object, Ordering::Relaxed);
        t.entry(target.obj_ref().addr()).or_default().push(w);
        target.set_bit(BIT_WEAKREFS);
    }

    /// `obj` died by refcount: clear its weakrefs; return the callbacks to run (with strong
    /// references to live weakref objects).
    pub(crate) fn clear_weakrefs_on_death(&self, obj: ObjRef) -> Vec<(Ref, WeakCallback)> {
        let me = current_tid();
        let mut t = self.weak.lock();
        let list = t.remove(&obj.addr()).unwrap_or_default();
        let mut out = Vec::new();
        for w in list {
            let wo = object(w);
            let Some(wr) = wo.as_weakref() else { continue };
            wr.referent.store(std::ptr::null_mut(), Ordering::Relaxed);
            let cb = wr.callback.lock().clone();
            // The weakref may itself be dying (count zero, waiting for this lock in
            // forget_weakref): try_incref refuses it, and its memory is valid until then.
            if let Some(cb) = cb {
                if wo.rc.try_incref(me) {
                    // SAFETY: try_incref added the reference this Ref owns.
                    out.push((unsafe { Ref::from_obj_ref(w) }, cb));
                }
            }
        }
        out
    }

    /// A weakref object is dying: unlink it from its referent's list.
    pub(crate) fn forget_weakref(&self, wo: &Object) {
        let Some(wr) = wo.as_weakref() else { return };
        let mut t = self.weak.lock();
        let p = wr.referent.swap(std::ptr::null_mut(), Ordering::Relaxed);
        if p.is_null() {
            return;
        }
        let key = p as usize;
        if let Some(list) = t.get_mut(&key) {
            let me = wo.obj_ref();
            list.retain(|&w| w != me);
            if list.is_empty() {
                t.remove(&key);
            }
        }
    }
}

/// `WeakRef::upgrade`: under the table lock, try-incref the referent.
pub(crate) fn weak_upgrade(wr: &WeakRef) -> Option<Ref> {
    // SAFETY: a weakref's binding pointer refers to its runtime's binding (objects never
    // outlive their runtime).
    let b = unsafe { &*wr.binding };
    let _t = b.weak.lock();
    let p = wr.referent.load(Ordering::Relaxed);
    if p.is_null() {
        return None;
    }
    // SAFETY: a non-null referent is alive or dying, and a dying one must take this lock to
    // clear the pointer before its memory is freed.
    let o = unsafe { &*p };
    o.rc.try_incref(current_tid())
        // SAFETY: try_incref added the reference the Ref owns.
        .then(|| unsafe { Ref::from_obj_ref(o.obj_ref()) })
}

// SAFETY: the rules of gc_core::binding are met as described in the module docs: counts are
// exact after merge_thread_state (rule 1); trace reports every Ref held by a container, once
// per reference (rule 2; the code payload of functions and closures are documented as not
// holding tracked objects); no mutator runs while stopped (rule 3); containers are tracked
// only after initialisation (rule 4); clear empties every container field (rule 5);
// dealloc::on_zero skips collector-held objects (rule 6); destroy only drops the emptied
// value (rule 7); trace/refcount read without locks or allocation (rule 8).
unsafe impl VmBinding for AdapterBinding {
    // `clear` and `destroy` would be safe on GC workers (a count that reaches zero there is
    // deferred to an attached thread, `dealloc::on_zero`), but measured slower: a worker's
    // decrefs all take the non-owner path (an atomic RMW on the shared count, and a queue
    // entry for the owner), where the collecting thread, usually the owner, just writes its
    // local count. 1M rings: 75.2 ms with 1 worker, 75.4 ms with 2 on the collecting thread,
    // 72.0–206.9 ms with 2 on workers (docs/benchmarks.md).
    const CLEAR_ON_WORKERS: bool = false;

    fn after_collection(&self) {
        // GC workers clearing garbage decref'd objects of other owners: those decrefs were
        // queued to their owners; merge the collecting thread's own queue now (other threads
        // merge theirs at their next poll). Then drop what a GC worker took to zero (see
        // `dealloc::on_zero`).
        crate::thread::with_context(|ctx| {
            if let Some(c) = ctx {
                if std::ptr::eq(c.rt.binding(), self) {
                    c.merge_pending();
                }
            }
        });
        crate::dealloc::drain_deferred(self);
    }

    fn refcount(&self, obj: ObjRef) -> usize {
        object(obj).rc.total().max(0) as usize
    }

    #[inline]
    fn trace<T: Tracer>(&self, obj: ObjRef, tracer: &mut T) {
        types::trace(object(obj), |c| tracer.edge(c));
    }

    fn reference_slots(&self, obj: ObjRef) -> usize {
        let o = object(obj);
        match o.as_list() {
            // SAFETY: world stopped (see types::trace).
            Some(l) => match unsafe { (*l.items.data_ptr()).len() } {
                n if n > SPLIT_LIST_LEN => n,
                _ => 0,
            },
            None => 0,
        }
    }

    fn trace_slots<T: Tracer>(&self, obj: ObjRef, range: Range<usize>, tracer: &mut T) {
        let o = object(obj);
        debug_assert_eq!(o.kind, Kind::List);
        // SAFETY: reference_slots returned > 0 only for lists; world stopped (types::trace).
        let items = unsafe { &*value::<List>(o).items.data_ptr() };
        for r in &items[range] {
            tracer.edge(r.obj_ref());
        }
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
        types::finalizer(object(obj)).is_some()
    }

    fn finalize(&self, obj: ObjRef) {
        let o = object(obj);
        let Some(fin) = types::finalizer(o) else {
            return;
        };
        if o.set_bit(BIT_FINALIZED) {
            return;
        }
        let r = o.to_ref();
        fin(&r);
    }

    fn has_weakrefs(&self, obj: ObjRef) -> bool {
        object(obj).has_bit(BIT_WEAKREFS)
    }

    fn clear_weakrefs(&self, obj: ObjRef, garbage: &dyn GarbageQuery) {
        let me = current_tid();
        let mut queued = Vec::new();
        {
            let mut t = self.weak.lock();
            for w in t.remove(&obj.addr()).unwrap_or_default() {
                let wo = object(w);
                let Some(wr) = wo.as_weakref() else { continue };
                wr.referent.store(std::ptr::null_mut(), Ordering::Relaxed);
                if garbage.is_garbage(w) {
                    continue;
                }
                if let Some(cb) = wr.callback.lock().clone() {
                    if wo.rc.try_incref(me) {
                        // SAFETY: try_incref added the reference this Ref owns.
                        queued.push((unsafe { Ref::from_obj_ref(w) }, cb));
                    }
                }
            }
        }
        object(obj).clear_bit(BIT_WEAKREFS);
        self.pending_callbacks.lock().extend(queued);
    }

    fn run_weakref_callbacks(&self) -> usize {
        let pending = std::mem::take(&mut *self.pending_callbacks.lock());
        let n = pending.len();
        for (w, cb) in pending {
            cb(&w);
        }
        drain_deferred(self);
        n
    }

    fn clear(&self, obj: ObjRef) {
        types::clear(object(obj));
    }

    fn destroy(&self, obj: ObjRef) {
        let o = object(obj);
        if o.kind == Kind::WeakRef {
            self.forget_weakref(o);
        }
        // SAFETY: final garbage, destroyed once by the collector, already cleared.
        unsafe { types::drop_payload(o) };
    }
}
