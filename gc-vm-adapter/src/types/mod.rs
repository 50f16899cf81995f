//! The object types and the per-type operations the binding and the deallocation path need:
//! `trace` (world stopped, lock-free reads), `clear` (take contents out under the lock),
//! `drop_payload` (drop the value in place) and finalizer lookup.
//!
//! | kind | payload | tracked | lock |
//! |---|---|---|---|
//! | None, Bool | `()`, `bool` | no (immortal) | - |
//! | Int, Float, Str | [`Int`], `f64`, `Box<str>` | no | - |
//! | Tuple | `Box<[Ref]>` | only if an item is tracked | - (immutable) |
//! | List | [`List`] | yes | `RwLock<Vec<Ref>>` |
//! | Dict | [`Dict`] | yes | `RwLock<DictMap>` |
//! | Class | [`Class`] | yes | per field |
//! | Instance | [`Instance`] | yes | per field |
//! | Function | [`Function`] | yes | per field |
//! | Cell | [`Cell`] | yes | `RwLock<Option<Ref>>` |
//! | WeakRef | [`WeakRef`] | no | runtime weak table |

pub mod class;
pub mod dict;
pub mod func;
pub mod scalar;
pub mod seq;
pub mod weak;

use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, Ordering};

use gc_core::ObjRef;

pub use class::{Class, Finalizer, Instance};
pub use dict::{AttrMap, Dict, DictMap, HashKey};
pub use func::{Cell, Code, Function};
pub use scalar::Int;
pub use seq::List;
pub use weak::{WeakCallback, WeakRef};

use crate::handle::{Borrowed, Ref};
use crate::header::{Kind, ObjBox, Object, BIT_OVER_REPORT};

/// A tuple's items: immutable to the VM; only the collector's `clear` of an unreachable tuple
/// empties them (hence the `UnsafeCell`).
pub(crate) struct TupleItems(pub(crate) std::cell::UnsafeCell<Box<[Ref]>>);

// SAFETY: shared access is read-only except for the collector's clear of an unreachable tuple.
unsafe impl Sync for TupleItems {}

/// A strong reference slot that only the collector's `clear` empties: readable without a lock
/// while the owning object is reachable.
pub(crate) struct RefSlot(AtomicPtr<Object>);

impl RefSlot {
    pub(crate) fn new(r: Option<Ref>) -> RefSlot {
        RefSlot(AtomicPtr::new(r.map_or(ptr::null_mut(), |r| {
            r.into_obj_ref().as_ptr() as *mut Object
        })))
    }

    pub(crate) fn get(&self) -> Option<Borrowed<'_>> {
        let p = NonNull::new(self.0.load(Ordering::Acquire))?;
        // SAFETY: the slot holds a counted reference until `take`, which only the collector
        // calls on unreachable objects, so the target outlives this borrow of the slot.
        Some(unsafe { Borrowed::from_ptr(p) })
    }

    pub(crate) fn obj_ref(&self) -> Option<ObjRef> {
        let p = NonNull::new(self.0.load(Ordering::Relaxed))?;
        // SAFETY: a counted reference to a live object.
        Some(unsafe { ObjRef::from_raw(p.cast()) })
    }

    pub(crate) fn take(&self) -> Option<Ref> {
        let p = NonNull::new(self.0.swap(ptr::null_mut(), Ordering::AcqRel))?;
        // SAFETY: the slot owned this counted reference; it is moved out exactly once.
        Some(unsafe { Ref::from_obj_ref(ObjRef::from_raw(p.cast())) })
    }
}

impl Drop for RefSlot {
    fn drop(&mut self) {
        drop(self.take());
    }
}

/// The payload of `o` as a `T`.
///
/// # Safety
/// `o`'s kind stores a `T`.
#[inline]
pub(crate) unsafe fn value<T>(o: &Object) -> &T {
    // SAFETY: objects are allocated as ObjBox<T> for their kind (caller), header first.
    unsafe { &(*(o as *const Object as *const ObjBox<T>)).value }
}

macro_rules! accessor {
    ($name:ident, $kind:ident, $t:ty, $doc:literal) => {
        #[doc = $doc]
        #[inline]
        pub fn $name(&self) -> Option<&$t> {
            // SAFETY: kind checked.
            (self.kind == Kind::$kind).then(|| unsafe { value::<$t>(self) })
        }
    };
}

impl Object {
    accessor!(as_int, Int, Int, "The int value, if this is an int.");
    accessor!(as_list, List, List, "The list, if this is a list.");
    accessor!(as_dict, Dict, Dict, "The dict, if this is a dict.");
    accessor!(as_class, Class, Class, "The class, if this is a class.");
    accessor!(
        as_instance,
        Instance,
        Instance,
        "The instance, if this is one."
    );
    accessor!(
        as_function,
        Function,
        Function,
        "The function, if this is one."
    );
    accessor!(as_cell, Cell, Cell, "The cell, if this is one.");
    accessor!(as_weakref, WeakRef, WeakRef, "The weakref, if this is one.");

    /// The value as `i64`, if this is an int that fits.
    #[inline]
    pub fn as_i64(&self) -> Option<i64> {
        self.as_int()?.to_i64()
    }

    /// The float value.
    #[inline]
    pub fn as_float(&self) -> Option<f64> {
        // SAFETY: kind checked.
        (self.kind == Kind::Float).then(|| unsafe { *value::<f64>(self) })
    }

    /// The bool value.
    #[inline]
    pub fn as_bool(&self) -> Option<bool> {
        // SAFETY: kind checked.
        (self.kind == Kind::Bool).then(|| unsafe { *value::<bool>(self) })
    }

    /// Whether this is `None`.
    #[inline]
    pub fn is_none(&self) -> bool {
        self.kind == Kind::None
    }

    /// The string value.
    #[inline]
    pub fn as_str(&self) -> Option<&str> {
        // SAFETY: kind checked.
        (self.kind == Kind::Str).then(|| unsafe { &**value::<Box<str>>(self) })
    }

    /// The tuple items.
    #[inline]
    pub fn as_tuple(&self) -> Option<&[Ref]> {
        // SAFETY: kind checked.
        // The items change only when the collector clears an unreachable tuple.
        (self.kind == Kind::Tuple).then(|| unsafe { &**value::<TupleItems>(self).0.get() })
    }

    /// Test hook for contract checks: make `trace` report one edge (an instance's class) twice.
    #[doc(hidden)]
    pub fn debug_over_report_edge(&self, on: bool) {
        if on {
            self.set_bit(BIT_OVER_REPORT);
        } else {
            self.clear_bit(BIT_OVER_REPORT);
        }
    }
}

/// Report every strong reference `o` holds. World stopped (or `o` unreachable): container
/// contents are read through the locks' `data_ptr()` without locking.
#[inline]
pub(crate) fn trace<F: FnMut(ObjRef)>(o: &Object, mut edge: F) {
    let edge = &mut edge;
    // SAFETY (all data_ptr reads below): the world is stopped, and no mutator holds a container
    // lock across a safepoint (the VM never polls while holding one, and lock holders never
    // block on the world), so no write can be in progress; the collector only reads.
    unsafe {
        match o.kind {
            Kind::Tuple => (*value::<TupleItems>(o).0.get())
                .iter()
                .for_each(|r| edge(r.obj_ref())),
            Kind::List => (*value::<List>(o).items.data_ptr())
                .iter()
                .for_each(|r| edge(r.obj_ref())),
            Kind::Dict => (*value::<Dict>(o).map.data_ptr())
                .iter()
                .for_each(|(_, v)| edge(v.obj_ref())),
            Kind::Class => {
                let c = value::<Class>(o);
                c.base.obj_ref().into_iter().for_each(&mut *edge);
                (*c.attrs.data_ptr())
                    .entries
                    .iter()
                    .for_each(|(_, v)| edge(v.obj_ref()));
            }
            Kind::Instance => {
                let i = value::<Instance>(o);
                if let Some(c) = i.class.obj_ref() {
                    edge(c);
                    if o.has_bit(BIT_OVER_REPORT) {
                        edge(c);
                    }
                }
                (*i.attrs.data_ptr())
                    .entries
                    .iter()
                    .for_each(|(_, v)| edge(v.obj_ref()));
            }
            Kind::Function => {
                let f = value::<Function>(o);
                (*f.cells.data_ptr()).iter().for_each(|r| edge(r.obj_ref()));
                (*f.defaults.data_ptr())
                    .iter()
                    .for_each(|r| edge(r.obj_ref()));
                if let Some(g) = &*f.globals.data_ptr() {
                    edge(g.obj_ref());
                }
            }
            Kind::Cell => {
                if let Some(v) = &*value::<Cell>(o).value.data_ptr() {
                    edge(v.obj_ref());
                }
            }
            Kind::None | Kind::Bool | Kind::Int | Kind::Float | Kind::Str | Kind::WeakRef => {}
        }
    }
}

/// Break every strong reference `o` holds (contract rule 5): contents are taken out under the
/// lock and dropped after it is released. Tuples are immutable to the VM, but the collector
/// owns a garbage tuple outright, so its items are dropped here too.
pub(crate) fn clear(o: &Object) {
    // SAFETY: kinds checked by the match.
    unsafe {
        match o.kind {
            Kind::Tuple => {
                // Only the collector clears, and only unreachable objects: nobody else can see
                // this tuple. Replace the items with an empty slice, then drop the old ones.
                let old = std::mem::take(&mut *value::<TupleItems>(o).0.get());
                drop(old);
            }
            Kind::List => drop(std::mem::take(&mut *value::<List>(o).items.write())),
            Kind::Dict => drop(value::<Dict>(o).take_all()),
            Kind::Class => {
                let c = value::<Class>(o);
                let attrs = std::mem::take(&mut *c.attrs.write());
                let fin = c.finalizer.write().take();
                drop((c.base.take(), attrs, fin));
            }
            Kind::Instance => {
                let i = value::<Instance>(o);
                let attrs = std::mem::take(&mut *i.attrs.write());
                let fin = i.finalizer.write().take();
                drop((i.class.take(), attrs, fin));
            }
            Kind::Function => {
                let f = value::<Function>(o);
                let cells = std::mem::take(&mut *f.cells.write());
                let defaults = std::mem::take(&mut *f.defaults.write());
                let globals = f.globals.write().take();
                let code = std::mem::replace(&mut *f.code.write(), std::sync::Arc::new(()));
                drop((cells, defaults, globals, code));
            }
            Kind::Cell => drop(value::<Cell>(o).value.write().take()),
            Kind::None | Kind::Bool | Kind::Int | Kind::Float | Kind::Str | Kind::WeakRef => {}
        }
    }
}

/// Drop `o`'s value in place.
///
/// # Safety
/// `o` is dead (count zero, or final cyclic garbage) and its value is dropped exactly once.
pub(crate) unsafe fn drop_payload(o: &Object) {
    unsafe fn drop_as<T>(o: &Object) {
        // SAFETY: caller of drop_payload; the kind stores a T.
        unsafe { ptr::drop_in_place(value::<T>(o) as *const T as *mut T) }
    }
    // SAFETY: kinds match the payload types written by the allocation helpers.
    unsafe {
        match o.kind {
            Kind::None => drop_as::<()>(o),
            Kind::Bool => drop_as::<bool>(o),
            Kind::Int => drop_as::<Int>(o),
            Kind::Float => drop_as::<f64>(o),
            Kind::Str => drop_as::<Box<str>>(o),
            Kind::Tuple => drop_as::<TupleItems>(o),
            Kind::List => drop_as::<List>(o),
            Kind::Dict => drop_as::<Dict>(o),
            Kind::Class => drop_as::<Class>(o),
            Kind::Instance => drop_as::<Instance>(o),
            Kind::Function => drop_as::<Function>(o),
            Kind::Cell => drop_as::<Cell>(o),
            Kind::WeakRef => drop_as::<WeakRef>(o),
        }
    }
}

/// The finalizer to run for `o` (instances only), unless it already ran.
pub(crate) fn finalizer(o: &Object) -> Option<Finalizer> {
    if o.has_bit(crate::header::BIT_FINALIZED) {
        return None;
    }
    o.as_instance()?.find_finalizer()
}
