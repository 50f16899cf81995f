//! The weak-reference table: referent address -> weakref objects, under one lock.
//!
//! One routine, `WeakTable::clear_referent`, clears the weakrefs of a dying object for both
//! deaths: by reference count (`crate::lifecycle`, callbacks run at once on the dropping
//! thread) and by the collector (`clear_weakrefs`, world stopped, callbacks queued and run
//! after the restart). The referent pointer of a weakref is read or cleared only under the
//! table lock, and a dying referent takes the lock (here) before its memory is freed, so
//! `WeakTable::upgrade` may try-incref it.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use gc_core::{GarbageQuery, ObjRef};
use parking_lot::Mutex;

use crate::handle::Ref;
use crate::header::{Object, BIT_WEAKREFS};
use crate::payload::object_of;
use crate::queue::object;
use crate::thread::current_tid;
use crate::types::WeakRef;

/// Referent address -> weakref objects pointing at it.
#[derive(Default)]
pub struct WeakTable {
    map: Mutex<HashMap<usize, Vec<ObjRef>>>,
}

impl WeakTable {
    /// Register the weakref object `w` (payload `wr`) to `target`.
    pub(crate) fn register(&self, target: &Object, w: ObjRef, wr: &WeakRef) {
        let mut t = self.map.lock();
        wr.referent
            .store(target as *const Object as *mut Object, Ordering::Relaxed);
        t.entry(target.obj_ref().addr()).or_default().push(w);
        target.set_bit(BIT_WEAKREFS);
    }

    /// `obj` is dying: clear every weakref to it and return strong references to the live
    /// ones that have a callback (their callbacks are due). With `garbage` (the collector's
    /// weakref phase), weakrefs that are themselves garbage are skipped (CPython: their
    /// callbacks never fire). A weakref dying by refcount (count zero, waiting for this lock
    /// in [`forget`](Self::forget)) is refused by `try_incref`; its memory is valid until it
    /// gets the lock.
    pub(crate) fn clear_referent(
        &self,
        obj: ObjRef,
        garbage: Option<&dyn GarbageQuery>,
    ) -> Vec<Ref> {
        let me = current_tid();
        let mut out = Vec::new();
        // Held across the loop: a weakref dying meanwhile waits in `forget` before its
        // memory can be freed.
        let mut t = self.map.lock();
        for w in t.remove(&obj.addr()).unwrap_or_default() {
            let wo = object(w);
            let Some(wr) = wo.as_weakref() else { continue };
            wr.referent.store(std::ptr::null_mut(), Ordering::Relaxed);
            if garbage.is_some_and(|g| g.is_garbage(w)) || wr.callback.obj_ref().is_none() {
                continue;
            }
            if wo.rc.try_incref(me) {
                // SAFETY: try_incref added the reference this Ref owns.
                out.push(unsafe { Ref::from_obj_ref(w) });
            }
        }
        drop(t);
        object(obj).clear_bit(BIT_WEAKREFS);
        out
    }

    /// A weakref's payload is being dropped: unlink it from its referent's list.
    pub(crate) fn forget(&self, wr: &WeakRef) {
        let mut t = self.map.lock();
        let p = wr.referent.swap(std::ptr::null_mut(), Ordering::Relaxed);
        if p.is_null() {
            return;
        }
        let key = p as usize;
        // SAFETY: a WeakRef only exists as the payload of a weakref object.
        let me = unsafe { object_of(wr) }.obj_ref();
        if let Some(list) = t.get_mut(&key) {
            list.retain(|&w| w != me);
            if list.is_empty() {
                t.remove(&key);
            }
        }
    }

    /// `WeakRef::upgrade`: under the table lock, try-incref the referent.
    pub(crate) fn upgrade(&self, wr: &WeakRef) -> Option<Ref> {
        let _t = self.map.lock();
        let p = wr.referent.load(Ordering::Relaxed);
        if p.is_null() {
            return None;
        }
        // SAFETY: a non-null referent is alive or dying, and a dying one must take this lock
        // to clear the pointer before its memory is freed.
        let o = unsafe { &*p };
        o.rc.try_incref(current_tid())
            // SAFETY: try_incref added the reference the Ref owns.
            .then(|| unsafe { Ref::from_obj_ref(o.obj_ref()) })
    }
}
