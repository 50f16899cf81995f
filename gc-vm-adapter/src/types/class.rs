//! Classes: name, optional base, attribute table, and the finalizer run for their instances
//! (a callable object in a traced slot).

use std::sync::Arc;

use super::{AttrTable, FinalizerSlot, RefSlot};
use crate::handle::{Borrowed, Ref};
use crate::header::Kind;
use crate::payload::{Edges, Payload};

/// A finalizer closure, as accepted by `set_finalizer`: called with a temporary strong
/// reference to the dying object. Stored wrapped in a [`NativeCallable`](super::NativeCallable).
pub type Finalizer = Arc<dyn Fn(&Ref) + Send + Sync>;

/// A class: name, optional base, attribute dict, optional finalizer for its instances.
pub struct Class {
    pub(crate) name: Box<str>,
    pub(crate) base: RefSlot,
    pub(crate) attrs: AttrTable,
    pub(crate) finalizer: FinalizerSlot,
}

// SAFETY: trace reports the base, every attribute value and the finalizer object (rules 1, 2:
// lock-free reads with the world stopped); clear takes them all out and drops them after
// unlocking (rule 3). Classes themselves are not finalized (their finalizer is for instances).
unsafe impl Payload for Class {
    crate::payload_type!(Class, "type", Kind::Class);

    fn trace(&self, e: &mut Edges<'_>) {
        e.slot(&self.base);
        self.attrs.trace(e);
        self.finalizer.trace(e);
    }

    fn clear(&self) {
        let attrs = std::mem::take(&mut *self.attrs.write());
        let fin = self.finalizer.take();
        drop((self.base.take(), attrs, fin));
    }
}

impl Class {
    pub(crate) fn new(name: &str, base: Option<Ref>) -> Class {
        Class {
            name: name.into(),
            base: RefSlot::new(base),
            attrs: AttrTable::default(),
            finalizer: FinalizerSlot::default(),
        }
    }

    /// The class name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The base class.
    pub fn base(&self) -> Option<Borrowed<'_>> {
        self.base.get()
    }

    attribute_methods!();

    /// The finalizer along the base chain (mutator, world running). A loop, not recursion:
    /// a base chain may be arbitrarily deep.
    pub(crate) fn find_finalizer(&self) -> Option<Ref> {
        if let Some(f) = self.finalizer.get() {
            return Some(f);
        }
        let mut cur = self.base.to_ref()?;
        loop {
            let c = cur.as_class()?;
            if let Some(f) = c.finalizer.get() {
                return Some(f);
            }
            let next = c.base.to_ref()?;
            cur = next;
        }
    }

    /// Whether a finalizer is set along the base chain (world stopped, lock-free; a loop).
    pub(crate) fn has_finalizer_stopped(&self) -> bool {
        let mut cur = self;
        loop {
            if cur.finalizer.is_set_stopped() {
                return true;
            }
            match cur.base.get().and_then(|b| b.get().as_class()) {
                Some(base) => cur = base,
                None => return false,
            }
        }
    }
}
