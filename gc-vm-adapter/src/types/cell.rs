//! Cells: one mutable strong reference (a closure's captured variable).

use parking_lot::RwLock;

use crate::handle::Ref;
use crate::header::Kind;
use crate::payload::{Edges, Payload};

/// A cell: one mutable strong reference (a captured variable).
pub struct Cell {
    pub(crate) value: RwLock<Option<Ref>>,
}

// SAFETY: trace reports the value (rules 1, 2: data_ptr read, world stopped); clear takes it
// out under the lock and drops it after (rule 3).
unsafe impl Payload for Cell {
    crate::payload_type!(Cell, "cell", Kind::Cell);

    fn trace(&self, e: &mut Edges<'_>) {
        // SAFETY: world stopped; no mutator holds the lock across a safepoint.
        e.opt(unsafe { (*self.value.data_ptr()).as_ref() });
    }

    fn clear(&self) {
        drop(self.value.write().take());
    }
}

impl Cell {
    pub(crate) fn new(v: Option<Ref>) -> Cell {
        Cell {
            value: RwLock::new(v),
        }
    }

    /// The value.
    pub fn get(&self) -> Option<Ref> {
        self.value.read().clone()
    }

    /// Replace the value (the old one is dropped after unlocking).
    pub fn set(&self, v: Option<Ref>) {
        let old = std::mem::replace(&mut *self.value.write(), v);
        drop(old);
    }
}
