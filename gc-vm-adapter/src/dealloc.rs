//! Deallocation by reference count, and processing of biased-RC merge queues.
//!
//! * [`on_zero`]: a decref observed "dead" (see [`crate::header`]). On a thread that is not an
//!   attached mutator (a GC worker clearing garbage in parallel), the object goes on the
//!   deferred list instead, so no VM code runs there. Otherwise, unless the object is
//!   collector-held (contract rule 6: the collector frees it), run its finalizer once (PEP 442,
//!   with a temporary strong reference; it may resurrect), clear weak references to it and run
//!   their callbacks, drop its value (decref'ing its children) and free its memory: through
//!   the calling thread's `Mutator::free` when it is attached to the object's runtime, else
//!   `HeapSpace::free_remote`.
//! * [`on_queue`]: a non-owner decref queued the object: push it to the owner's queue, or, if
//!   the owner has exited, merge it right here.
//! * [`merge_queue`]: fold queued objects' counts (owner at a safepoint, collector with the
//!   world stopped, or a thread at exit). With the world stopped nothing may run VM code, so an
//!   object whose merged count is 0 gets a count of 1 and goes on the runtime's deferred list,
//!   dropped by [`drain_deferred`] once the world runs again (like CPython's
//!   `objs_to_decref`); for the collection in progress it simply looks alive.

use gc_core::ObjRef;

use crate::binding::AdapterBinding;
use crate::handle::Ref;
use crate::header::{Kind, Object, BIT_FINALIZED, BIT_WEAKREFS};
use crate::thread::with_context;
use crate::types;

#[inline]
pub(crate) fn object<'a>(obj: ObjRef) -> &'a Object {
    // SAFETY: callers pass objects of this crate that are not yet freed.
    unsafe { &*(obj.as_ptr() as *const Object) }
}

/// The count of `obj` reached zero.
#[cold]
pub(crate) fn on_zero(obj: ObjRef) {
    if obj.is_collector_held() {
        return;
    }
    let o = object(obj);
    if with_context(|ctx| ctx.is_none()) {
        // A GC worker clearing garbage in parallel (`CLEAR_ON_WORKERS`) dropped the last
        // reference to a live object: no VM code (finalizers, weakref callbacks) may run on a
        // thread that is not a mutator. Keep it alive on the deferred list; the next poll of an
        // attached thread drops it there.
        o.rc.resurrect();
        // SAFETY: the count of 1 just added belongs to the deferred list.
        let r = unsafe { Ref::from_obj_ref(obj) };
        o.binding().defer_decref(r);
        return;
    }
    if let Some(fin) = types::finalizer(o) {
        if !o.set_bit(BIT_FINALIZED) {
            o.rc.resurrect();
            // SAFETY: the resurrected count of 1 belongs to this temporary reference.
            let r = unsafe { Ref::from_obj_ref(obj) };
            fin(&r);
            // Dropping it either finds new references (resurrected) or comes back here with
            // the finalized bit set.
            drop(r);
            return;
        }
    }
    dealloc(obj);
}

fn dealloc(obj: ObjRef) {
    let o = object(obj);
    let b = o.binding();
    if o.has_bit(BIT_WEAKREFS) {
        let cbs = b.clear_weakrefs_on_death(obj);
        for (w, cb) in cbs {
            cb(&w);
        }
    }
    if o.kind == Kind::WeakRef {
        b.forget_weakref(o);
    }
    // SAFETY: the count is zero for good (nobody can reach the object: weakrefs cleared) and
    // the value is dropped once.
    unsafe { types::drop_payload(o) };
    free_memory(b, obj);
}

/// Return `obj`'s memory to gc-core.
pub(crate) fn free_memory(b: &AdapterBinding, obj: ObjRef) {
    with_context(|ctx| match ctx {
        // SAFETY: dead, destroyed, not collector-held, freed once; our mutator's heap.
        Some(c) if std::ptr::eq(c.rt.binding(), b) => unsafe { c.mutator.free(obj) },
        // SAFETY: as above; remote free is thread-safe.
        _ => unsafe { b.space().free_remote(obj) },
    })
}

/// A non-owner decref queued `obj` (the queue holds that reference).
#[cold]
pub(crate) fn on_queue(obj: ObjRef) {
    let o = object(obj);
    let b = o.binding();
    if let Some(entry) = b.thread(o.rc.owner()) {
        if entry.push(obj) {
            return;
        }
    }
    // The owner has exited (its entry is dead or gone, observed under its locks, so its last
    // write of the local count is visible): merge here.
    if o.rc.explicit_merge(-1) == 0 {
        on_zero(obj);
    }
}

/// Merge queued objects (each entry carries one reference).
pub(crate) fn merge_queue(objs: Vec<ObjRef>, world_stopped: bool) {
    for obj in objs {
        let o = object(obj);
        if o.rc.explicit_merge(-1) != 0 {
            continue;
        }
        if world_stopped {
            o.rc.resurrect();
            // SAFETY: the count of 1 just added belongs to the deferred list.
            let r = unsafe { Ref::from_obj_ref(obj) };
            o.binding().defer_decref(r);
        } else {
            on_zero(obj);
        }
    }
}

/// Drop the references deferred while the world was stopped. World running, attached thread.
pub(crate) fn drain_deferred(b: &AdapterBinding) {
    if b.has_deferred() {
        let v = b.take_deferred();
        drop(v);
    }
}
