//! Instances: a class reference, an attribute table, an optional own finalizer. Finalizers
//! (PEP 442) run at most once, by refcount death or by the collector, and may resurrect.

use super::{AttrTable, FinalizerSlot, RefSlot};
use crate::handle::{Borrowed, Ref};
use crate::header::Kind;
use crate::payload::{Edges, Payload};

/// An instance: class reference, attribute dict, optional own finalizer.
pub struct Instance {
    pub(crate) class: RefSlot,
    pub(crate) attrs: AttrTable,
    pub(crate) finalizer: FinalizerSlot,
}

// SAFETY: trace reports the class, every attribute value and the own finalizer object (rules
// 1, 2: lock-free reads, world stopped); clear takes them all out and drops them after
// unlocking (rule 3); the finalizer lookups follow rule 7.
unsafe impl Payload for Instance {
    const FINALIZABLE: bool = true;
    crate::payload_type!(Instance, "instance", Kind::Instance);

    fn trace(&self, e: &mut Edges<'_>) {
        e.slot(&self.class);
        self.attrs.trace(e);
        self.finalizer.trace(e);
    }

    fn clear(&self) {
        let attrs = std::mem::take(&mut *self.attrs.write());
        let fin = self.finalizer.take();
        drop((self.class.take(), attrs, fin));
    }

    fn has_finalizer(&self) -> bool {
        if self.finalizer.is_set_stopped() {
            return true;
        }
        match self.class.get() {
            Some(c) => c
                .get()
                .as_class()
                .is_some_and(super::Class::has_finalizer_stopped),
            None => false,
        }
    }

    fn finalizer(&self) -> Option<Ref> {
        if let Some(f) = self.finalizer.get() {
            return Some(f);
        }
        self.class.get()?.get().as_class()?.find_finalizer()
    }
}

impl Instance {
    pub(crate) fn new(class: Ref) -> Instance {
        Instance {
            class: RefSlot::new(Some(class)),
            attrs: AttrTable::default(),
            finalizer: FinalizerSlot::default(),
        }
    }

    /// The class (absent only after the collector cleared the instance).
    pub fn class(&self) -> Option<Borrowed<'_>> {
        self.class.get()
    }

    attribute_methods!();
}
