//! Weak references. The referent pointer is read and cleared only under the runtime's weakref
//! table lock ([`crate::weakref_table`]), which a dying referent must also take before it is
//! freed; so `upgrade` can safely try-incref it. The callback is a callable object in a
//! traced slot, so a cycle through its callback (the callback refers to the weakref's owner)
//! is collectable. Every weakref is tracked, as in CPython: `gc.is_tracked` agrees, and a
//! weakref is garbage with its cycle (the collector's weakref phase then skips its callback).

use std::sync::atomic::AtomicPtr;
use std::sync::Arc;

use super::RefSlot;
use crate::handle::Ref;
use crate::header::{Kind, Object};
use crate::payload::{Edges, Payload};
use crate::weakref_table::WeakTable;

/// A weakref callback closure, as accepted by `Runtime::new_weakref`: gets the (already
/// cleared) weakref object. Stored wrapped in a [`NativeCallable`](super::NativeCallable).
pub type WeakCallback = Arc<dyn Fn(&Ref) + Send + Sync>;

/// A weak reference.
pub struct WeakRef {
    /// The referent, or null once cleared. Guarded by the weak table's lock.
    pub(crate) referent: AtomicPtr<Object>,
    /// The callback object, if any (traced; emptied only by the collector's clear).
    pub(crate) callback: RefSlot,
    /// The runtime's weak table (outlives every object of the runtime).
    pub(crate) table: *const WeakTable,
}

// SAFETY: the referent pointer is only used under the table lock; the table pointer refers
// to the runtime's (Sync) table, which outlives its objects.
unsafe impl Send for WeakRef {}
// SAFETY: as above.
unsafe impl Sync for WeakRef {}

// SAFETY: trace reports the callback object, the only strong reference (the referent is weak)
// (rules 1, 2: an atomic load); clear takes it (rule 3); Drop unlinks the weakref from the
// table, touching no managed object (rule 4). Always tracked (rule 5).
unsafe impl Payload for WeakRef {
    crate::payload_type!(WeakRef, "weakref", Kind::WeakRef);

    fn trace(&self, e: &mut Edges<'_>) {
        e.slot(&self.callback);
    }

    fn clear(&self) {
        drop(self.callback.take());
    }
}

impl Drop for WeakRef {
    fn drop(&mut self) {
        // SAFETY: see the Send impl: the table outlives the runtime's objects.
        let table = unsafe { &*self.table };
        table.forget(self);
    }
}

impl WeakRef {
    /// A strong reference to the referent, if it is still alive.
    pub fn upgrade(&self) -> Option<Ref> {
        // SAFETY: as in Drop.
        unsafe { &*self.table }.upgrade(self)
    }

    /// Whether the referent has been cleared.
    pub fn is_dead(&self) -> bool {
        self.upgrade().is_none()
    }

    /// The callback object, if any.
    pub fn callback(&self) -> Option<Ref> {
        self.callback.to_ref()
    }
}
