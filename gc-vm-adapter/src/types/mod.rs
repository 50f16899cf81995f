//! The adapter's own object types, one file each, every one an implementation of
//! [`Payload`](crate::Payload) written the way a VM writes its own types.
//!
//! | type | payload | tracked | lock |
//! |---|---|---|---|
//! | None, Bool | [`NoneType`], [`Bool`] | no (immortal) | - |
//! | int, float, str | [`Int`], [`Float`], [`Str`] | no | - |
//! | tuple | [`Tuple`] + inline tail (`alloc_var`) | only if an item is tracked | - (immutable) |
//! | list | [`List`] | yes | `RwLock<Vec<Ref>>` |
//! | dict | [`Dict`] (keys are traced objects) | yes | `RwLock<DictMap>` |
//! | class | [`Class`] | yes | per field |
//! | instance | [`Instance`] | yes | per field |
//! | function | [`Function`] | yes | per field |
//! | cell | [`Cell`] | yes | `RwLock<Option<Ref>>` |
//! | weakref | [`WeakRef`] | only with a callback | runtime weak table |
//! | native callable | [`NativeCallable`] | only with captures | `RwLock<Vec<Ref>>` |
//!
//! The old per-kind accessors (`as_list`, `as_int`, ...) are thin wrappers over
//! [`Object::downcast`].

/// The attribute-table and finalizer-slot methods Class and Instance share (both hold an
/// `attrs: AttrTable` and a `finalizer: FinalizerSlot`), written once.
macro_rules! attribute_methods {
    () => {
        /// An attribute of this object itself (for a class: not its bases).
        pub fn get_attr(&self, name: &str) -> Option<Ref> {
            self.attrs.get(name)
        }

        /// Set an attribute; the old value is dropped after unlocking.
        pub fn set_attr(&self, name: &str, v: Ref) {
            self.attrs.set(name, v)
        }

        /// Remove an attribute.
        pub fn del_attr(&self, name: &str) -> Option<Ref> {
            self.attrs.remove(name)
        }

        /// Attribute names, in definition order.
        pub fn attr_names(&self) -> Vec<std::sync::Arc<str>> {
            self.attrs.names()
        }

        /// Install a Rust closure as the finalizer (a class's serves its instances and
        /// subclasses without one; an instance's overrides its class's). The closure is
        /// wrapped in a [`NativeCallable`](crate::NativeCallable) allocated on the calling
        /// (attached) thread. What it captures is invisible to the collector; to make captured
        /// objects traceable use [`set_finalizer_object`](Self::set_finalizer_object) with a
        /// callable holding them.
        pub fn set_finalizer(&self, f: impl Fn(&Ref) + Send + Sync + 'static) {
            self.finalizer
                .set(Some($crate::types::native::closure_callable(f)));
        }

        /// Install (or remove) a callable object as the finalizer; the runtime's
        /// [`VmHooks::call_finalizer`](crate::VmHooks::call_finalizer) calls it.
        pub fn set_finalizer_object(&self, f: Option<Ref>) {
            self.finalizer.set(f);
        }
    };
}

pub mod cell;
pub mod class;
pub mod dict;
mod dict_keys;
pub mod float;
pub mod function;
pub mod instance;
pub mod int;
pub mod list;
pub mod native;
pub mod singleton;
pub mod str;
pub mod tuple;
pub mod weakref;

use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Arc;

use gc_core::ObjRef;
use parking_lot::RwLock;

pub use cell::Cell;
pub use class::{Class, Finalizer};
pub use dict::{AttrMap, Dict, DictMap, HashKey, KeyMatch};
pub use float::Float;
pub use function::Function;
pub use instance::Instance;
pub use int::Int;
pub use list::List;
pub use native::{NativeCallable, NativeFn};
pub use singleton::{Bool, NoneType};
pub use str::Str;
pub use tuple::Tuple;
pub use weakref::{WeakCallback, WeakRef};

use crate::handle::{Borrowed, Ref};
use crate::header::{Object, BIT_OVER_REPORT};

/// A strong reference slot readable without a lock: set at construction, emptied only by
/// the collector's `clear` (of an unreachable object) or by dropping the owner. Good for
/// fields that never change after allocation (an instance's class, a weakref's callback).
pub struct RefSlot(AtomicPtr<Object>);

impl RefSlot {
    /// A slot holding `r`.
    pub fn new(r: Option<Ref>) -> RefSlot {
        RefSlot(AtomicPtr::new(r.map_or(ptr::null_mut(), |r| {
            r.into_obj_ref().as_ptr() as *mut Object
        })))
    }

    /// The referenced object, uncounted, valid while the slot's owner is reachable.
    pub fn get(&self) -> Option<Borrowed<'_>> {
        let p = NonNull::new(self.0.load(Ordering::Acquire))?;
        // SAFETY: the slot holds a counted reference until `take`, which only the collector
        // calls on unreachable objects (or the owner's drop), so the target outlives this
        // borrow of the slot.
        Some(unsafe { Borrowed::from_ptr(p) })
    }

    /// A counted reference to the referenced object.
    pub fn to_ref(&self) -> Option<Ref> {
        self.get().map(Borrowed::to_ref)
    }

    /// The address, for tracing.
    pub fn obj_ref(&self) -> Option<ObjRef> {
        let p = NonNull::new(self.0.load(Ordering::Relaxed))?;
        // SAFETY: a counted reference to a live object.
        Some(unsafe { ObjRef::from_raw(p.cast()) })
    }

    /// Move the reference out (the collector's `clear`).
    pub fn take(&self) -> Option<Ref> {
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

/// The attribute table of a class or an instance: an ordered map behind a lock. Values are
/// dropped after unlocking (a drop may run VM code that touches this table again).
#[derive(Default)]
pub(crate) struct AttrTable(RwLock<AttrMap>);

impl std::ops::Deref for AttrTable {
    type Target = RwLock<AttrMap>;
    fn deref(&self) -> &RwLock<AttrMap> {
        &self.0
    }
}

impl AttrTable {
    pub(crate) fn get(&self, name: &str) -> Option<Ref> {
        self.0.read().get(name).cloned()
    }

    pub(crate) fn set(&self, name: &str, v: Ref) {
        let old = self.0.write().set(name, v);
        drop(old);
    }

    pub(crate) fn remove(&self, name: &str) -> Option<Ref> {
        self.0.write().remove(name)
    }

    pub(crate) fn names(&self) -> Vec<Arc<str>> {
        self.0
            .read()
            .entries
            .iter()
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Trace (world stopped, lock-free read: Payload rule 2).
    pub(crate) fn trace(&self, e: &mut crate::Edges<'_>) {
        // SAFETY: world stopped and no mutator holds this lock across a safepoint.
        for (_, v) in unsafe { &*self.0.data_ptr() }.entries.iter() {
            e.edge(v);
        }
    }
}

/// A finalizer slot (class or instance): the callable object, traced; set by a mutator under
/// the lock, read lock-free only with the world stopped.
#[derive(Default)]
pub(crate) struct FinalizerSlot(RwLock<Option<Ref>>);

impl FinalizerSlot {
    pub(crate) fn set(&self, f: Option<Ref>) {
        let old = std::mem::replace(&mut *self.0.write(), f);
        drop(old);
    }
    pub(crate) fn get(&self) -> Option<Ref> {
        self.0.read().clone()
    }
    /// World stopped (lock-free read).
    pub(crate) fn is_set_stopped(&self) -> bool {
        // SAFETY: world stopped and no mutator holds this lock across a safepoint.
        unsafe { (*self.0.data_ptr()).is_some() }
    }
    pub(crate) fn trace(&self, e: &mut crate::Edges<'_>) {
        // SAFETY: as is_set_stopped.
        e.opt(unsafe { (*self.0.data_ptr()).as_ref() });
    }
    pub(crate) fn take(&self) -> Option<Ref> {
        self.0.write().take()
    }
}

macro_rules! accessor {
    ($name:ident, $t:ty, $doc:literal) => {
        #[doc = $doc]
        #[inline]
        pub fn $name(&self) -> Option<&$t> {
            self.downcast::<$t>()
        }
    };
}

impl Object {
    accessor!(as_int, Int, "The int value, if this is an int.");
    accessor!(as_list, List, "The list, if this is a list.");
    accessor!(as_dict, Dict, "The dict, if this is a dict.");
    accessor!(as_class, Class, "The class, if this is a class.");
    accessor!(as_instance, Instance, "The instance, if this is one.");
    accessor!(as_function, Function, "The function, if this is one.");
    accessor!(as_cell, Cell, "The cell, if this is one.");
    accessor!(as_weakref, WeakRef, "The weakref, if this is one.");
    accessor!(
        as_native_callable,
        NativeCallable,
        "The native callable, if this is one."
    );

    /// The value as `i64`, if this is an int that fits.
    #[inline]
    pub fn as_i64(&self) -> Option<i64> {
        self.as_int()?.to_i64()
    }

    /// The float value.
    #[inline]
    pub fn as_float(&self) -> Option<f64> {
        self.downcast::<Float>().map(|f| f.0)
    }

    /// The bool value.
    #[inline]
    pub fn as_bool(&self) -> Option<bool> {
        self.downcast::<Bool>().map(|b| b.0)
    }

    /// Whether this is `None`.
    #[inline]
    pub fn is_none(&self) -> bool {
        self.is::<NoneType>()
    }

    /// The string value.
    #[inline]
    pub fn as_str(&self) -> Option<&str> {
        self.downcast::<Str>().map(|s| &*s.0)
    }

    /// The tuple items.
    #[inline]
    pub fn as_tuple(&self) -> Option<&[Ref]> {
        self.is::<Tuple>().then(|| self.tail())
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
