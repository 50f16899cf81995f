//! Biased-RC merge queues and the deferred-decref list.
//!
//! * [`on_queue`]: a non-owner decref queued the object: push it to the owner's queue, or, if
//!   the owner has exited, merge it right here.
//! * [`merge_queue`]: fold queued objects' counts (owner at a safepoint, collector with the
//!   world stopped, or a thread at exit). With the world stopped nothing may run VM code, so an
//!   object whose merged count is 0 gets a count of 1 and goes on the runtime's deferred list,
//!   dropped by [`drain_deferred`] once the world runs again (like CPython's
//!   `objs_to_decref`); for the collection in progress it simply looks alive.
//! * [`Deferred`]: that list, also used by the lifecycle for deaths on threads that may not
//!   run VM code.

use std::sync::atomic::{AtomicBool, Ordering};

use gc_core::ObjRef;
use parking_lot::Mutex;

use crate::binding::AdapterBinding;
use crate::handle::Ref;
use crate::header::Object;

#[inline]
pub(crate) fn object<'a>(obj: ObjRef) -> &'a Object {
    // SAFETY: callers pass objects of this crate that are not yet freed.
    unsafe { &*(obj.as_ptr() as *const Object) }
}

/// References whose drop must wait for an attached thread with the world running.
#[derive(Default)]
pub(crate) struct Deferred {
    list: Mutex<Vec<Ref>>,
    any: AtomicBool,
    /// The runtime is being torn down: no thread will drain the list again.
    closed: AtomicBool,
}

impl Deferred {
    /// Runtime teardown (no thread is attached any more): from now on deaths that would be
    /// deferred leak instead (their memory goes with the heap), rather than being pushed onto
    /// a list that is itself being dropped.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    pub(crate) fn push(&self, r: Ref) {
        self.list.lock().push(r);
        self.any.store(true, Ordering::Release);
    }

    pub(crate) fn take(&self) -> Vec<Ref> {
        let mut d = self.list.lock();
        self.any.store(false, Ordering::Relaxed);
        std::mem::take(&mut *d)
    }

    #[inline]
    fn any(&self) -> bool {
        self.any.load(Ordering::Relaxed)
    }
}

/// Keep the dead object `obj` alive with a count of 1 on the deferred list.
pub(crate) fn defer(obj: ObjRef) {
    let o = object(obj);
    if o.binding().deferred.closed.load(Ordering::Acquire) {
        return;
    }
    o.rc.resurrect();
    // SAFETY: the count of 1 just added belongs to the deferred list.
    let r = unsafe { Ref::from_obj_ref(obj) };
    o.binding().deferred.push(r);
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
        crate::lifecycle::on_zero(obj);
    }
}

/// Merge queued objects (each entry carries one reference).
pub(crate) fn merge_queue(objs: Vec<ObjRef>, world_stopped: bool) {
    for obj in objs {
        if object(obj).rc.explicit_merge(-1) != 0 {
            continue;
        }
        if world_stopped {
            defer(obj);
        } else {
            crate::lifecycle::on_zero(obj);
        }
    }
}

/// Drop the references deferred while the world was stopped. World running, attached thread.
pub(crate) fn drain_deferred(b: &AdapterBinding) {
    if b.deferred.any() {
        let v = b.deferred.take();
        drop(v);
    }
}
