//! Handles: [`Ref`] (a counted strong reference) and [`Borrowed`] (an uncounted one, for hot
//! paths).
//!
//! `Ref::clone` is an incref and `drop` a decref, following the biased protocol of
//! [`crate::header`]: on the owner thread a plain load/store of the local count, elsewhere an
//! atomic RMW of the shared count. The calling thread is found through a thread-local
//! ([`crate::thread`]), so a handle carries nothing but the object pointer (8 bytes).
//!
//! Rules: clone and drop `Ref`s only on threads attached to the object's runtime (a drop on an
//! unattached or detached thread could change a count while the world is stopped, breaking
//! contract rule 3), and drop every `Ref` before the runtime itself is dropped.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::ptr::NonNull;

use gc_core::ObjRef;

use crate::header::{DecOutcome, Object};
use crate::thread::current_tid;

/// A counted strong reference to a managed object. `Send + Sync`; 8 bytes.
#[repr(transparent)]
pub struct Ref {
    ptr: NonNull<Object>,
}

// SAFETY: a Ref is a counted reference; every count change is thread-safe (owner-only local
// count keyed on the thread-local id, atomic shared count) and object contents are behind
// locks or immutable.
unsafe impl Send for Ref {}
// SAFETY: as above; `&Ref` only gives `&Object`, whose API is thread-safe.
unsafe impl Sync for Ref {}

impl Ref {
    /// Take ownership of one counted reference to `obj`.
    ///
    /// # Safety
    /// `obj` is a live object of this crate whose count includes a reference the caller
    /// transfers to the new `Ref`.
    #[inline]
    pub unsafe fn from_obj_ref(obj: ObjRef) -> Ref {
        Ref {
            ptr: obj.as_non_null().cast(),
        }
    }

    /// Give up the handle without decrementing (the count keeps the reference).
    #[inline]
    pub fn into_obj_ref(self) -> ObjRef {
        let o = self.obj_ref();
        std::mem::forget(self);
        o
    }

    /// The gc-core object reference (the payload address).
    #[inline]
    pub fn obj_ref(&self) -> ObjRef {
        // SAFETY: a Ref always points at a live object allocated by gc-core.
        unsafe { ObjRef::from_raw(self.ptr.cast()) }
    }

    /// An uncounted handle valid while `self` lives.
    #[inline]
    pub fn borrow(&self) -> Borrowed<'_> {
        Borrowed {
            ptr: self.ptr,
            _life: PhantomData,
        }
    }

    /// Whether both handles point at the same object (Python's `is`).
    #[inline]
    pub fn ptr_eq(&self, other: &Ref) -> bool {
        self.ptr == other.ptr
    }

    /// The object's address.
    #[inline]
    pub fn addr(&self) -> usize {
        self.ptr.as_ptr() as usize
    }

    /// The count as `local + shared` (approximate while other threads run; exact when the world
    /// is stopped). For diagnostics and tests.
    pub fn refcount(&self) -> i64 {
        self.rc.total()
    }
}

impl Deref for Ref {
    type Target = Object;
    #[inline]
    fn deref(&self) -> &Object {
        // SAFETY: the Ref holds a counted reference, so the object is alive.
        unsafe { self.ptr.as_ref() }
    }
}

impl Clone for Ref {
    #[inline]
    fn clone(&self) -> Ref {
        self.rc.incref(current_tid());
        Ref { ptr: self.ptr }
    }
}

impl Drop for Ref {
    #[inline]
    fn drop(&mut self) {
        let obj = self.obj_ref();
        match self.rc.decref(current_tid(), || obj.is_collector_held()) {
            DecOutcome::Alive => {}
            DecOutcome::Dead => crate::lifecycle::on_zero(obj),
            DecOutcome::Queue => crate::queue::on_queue(obj),
        }
    }
}

impl PartialEq for Ref {
    /// Identity (`is`), not value equality.
    fn eq(&self, other: &Ref) -> bool {
        self.ptr_eq(other)
    }
}
impl Eq for Ref {}

impl fmt::Debug for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ref({:?} @ {:p})", self.kind(), self.ptr.as_ptr())
    }
}

/// An uncounted reference, valid for `'a` (borrowed from a [`Ref`] or a container the caller
/// keeps alive). Copying it costs nothing; [`Borrowed::to_ref`] makes a counted one.
#[derive(Copy, Clone)]
pub struct Borrowed<'a> {
    ptr: NonNull<Object>,
    _life: PhantomData<&'a Object>,
}

// SAFETY: like `&Object`, which is Send + Sync.
unsafe impl Send for Borrowed<'_> {}
// SAFETY: as above.
unsafe impl Sync for Borrowed<'_> {}

impl<'a> Borrowed<'a> {
    /// Borrow the object at `ptr`.
    ///
    /// # Safety
    /// `ptr` points at an object that stays alive for `'a`.
    #[inline]
    pub(crate) unsafe fn from_ptr(ptr: NonNull<Object>) -> Borrowed<'a> {
        Borrowed {
            ptr,
            _life: PhantomData,
        }
    }

    /// A counted reference to the same object (an incref).
    #[inline]
    pub fn to_ref(self) -> Ref {
        self.get().rc.incref(current_tid());
        Ref { ptr: self.ptr }
    }

    /// The object, for the full lifetime `'a`.
    #[inline]
    pub fn get(self) -> &'a Object {
        // SAFETY: valid for 'a by construction.
        unsafe { self.ptr.as_ref() }
    }

    /// The gc-core object reference.
    #[inline]
    pub fn obj_ref(self) -> ObjRef {
        // SAFETY: points at a live object.
        unsafe { ObjRef::from_raw(self.ptr.cast()) }
    }

    /// Identity comparison.
    #[inline]
    pub fn ptr_eq(self, other: Borrowed<'_>) -> bool {
        self.ptr == other.ptr
    }
}

impl Deref for Borrowed<'_> {
    type Target = Object;
    #[inline]
    fn deref(&self) -> &Object {
        self.get()
    }
}

impl fmt::Debug for Borrowed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Borrowed({:?} @ {:p})", self.kind(), self.ptr.as_ptr())
    }
}

impl Object {
    /// A counted reference to this object (an incref).
    #[inline]
    pub fn to_ref(&self) -> Ref {
        self.rc.incref(current_tid());
        Ref {
            ptr: NonNull::from(self),
        }
    }

    /// The gc-core object reference.
    #[inline]
    pub fn obj_ref(&self) -> ObjRef {
        // SAFETY: &Object points at a live object's payload.
        unsafe { ObjRef::from_raw(NonNull::from(self).cast()) }
    }
}
