//! Lists: a growable vector of strong references behind a per-object `RwLock`.
//!
//! List methods never run VM code while holding the lock: values removed from a list are
//! dropped (decref'd, possibly running finalizers) only after the lock is released, so a
//! finalizer that touches the same list cannot deadlock.

use std::ops::Range;

use parking_lot::RwLock;

use crate::handle::Ref;
use crate::header::Kind;
use crate::payload::{Edges, Payload};

/// Lists longer than this are traced in spans by several GC workers.
pub const SPLIT_LIST_LEN: usize = 4096;

/// A list: a growable vector of strong references behind a per-object lock.
pub struct List {
    pub(crate) items: RwLock<Vec<Ref>>,
}

impl Drop for List {
    /// Items are released last to first, as CPython's `list_dealloc` does: the order in which
    /// the items' finalizers run is observable (`__del__` printing), and programs run on both.
    fn drop(&mut self) {
        let items = self.items.get_mut();
        while let Some(item) = items.pop() {
            drop(item);
        }
    }
}

// SAFETY: trace reports every item (rule 1), reading through data_ptr with the world stopped
// (rule 2); clear takes the vector out under the lock and drops it after (rule 3); spans
// cover the same items (rule 8).
unsafe impl Payload for List {
    crate::payload_type!(List, "list", Kind::List);
    const SPLITS: bool = true;

    #[inline]
    fn trace(&self, e: &mut Edges<'_>) {
        e.refs(self.items_stopped());
    }

    fn clear(&self) {
        drop(std::mem::take(&mut *self.items.write()));
    }

    fn reference_slots(&self) -> usize {
        match self.items_stopped().len() {
            n if n > SPLIT_LIST_LEN => n,
            _ => 0,
        }
    }

    fn trace_slots(&self, range: Range<usize>, e: &mut Edges<'_>) {
        e.refs(&self.items_stopped()[range]);
    }
}

impl List {
    /// The items, read without the lock: only with the world stopped (Payload rule 2).
    #[inline]
    pub(crate) fn items_stopped(&self) -> &[Ref] {
        // SAFETY: callers run with the world stopped, and no mutator holds a container lock
        // across a safepoint, so no write is in flight.
        unsafe { &*self.items.data_ptr() }
    }

    pub(crate) fn new(items: Vec<Ref>) -> List {
        List {
            items: RwLock::new(items),
        }
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.read().len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.items.read().is_empty()
    }

    /// A counted reference to item `i`.
    pub fn get(&self, i: usize) -> Option<Ref> {
        self.items.read().get(i).cloned()
    }

    /// Replace item `i`; false if out of range. The old value is dropped after unlocking.
    pub fn set(&self, i: usize, value: Ref) -> bool {
        let old = {
            let mut v = self.items.write();
            match v.get_mut(i) {
                Some(slot) => std::mem::replace(slot, value),
                None => return false,
            }
        };
        drop(old);
        true
    }

    /// Append.
    pub fn push(&self, value: Ref) {
        self.items.write().push(value);
    }

    /// Remove and return the last item.
    pub fn pop(&self) -> Option<Ref> {
        self.items.write().pop()
    }

    /// Insert at `i` (clamped to the length).
    pub fn insert(&self, i: usize, value: Ref) {
        let mut v = self.items.write();
        let i = i.min(v.len());
        v.insert(i, value);
    }

    /// Remove and return item `i`.
    pub fn remove(&self, i: usize) -> Option<Ref> {
        let mut v = self.items.write();
        (i < v.len()).then(|| v.remove(i))
    }

    /// Remove every item (dropped after unlocking).
    pub fn clear(&self) {
        let old = std::mem::take(&mut *self.items.write());
        drop(old);
    }

    /// A snapshot of the items (counted references).
    pub fn snapshot(&self) -> Vec<Ref> {
        self.items.read().clone()
    }

    /// Run `f` on the items under the read lock. `f` must not poll, block on the world, or
    /// write to this list.
    pub fn with_items<R>(&self, f: impl FnOnce(&[Ref]) -> R) -> R {
        f(&self.items.read())
    }

    /// Run `f` on the items under the write lock (same restrictions; values `f` removes are
    /// dropped under the lock, so it must not remove values whose death runs VM code).
    pub fn with_items_mut<R>(&self, f: impl FnOnce(&mut Vec<Ref>) -> R) -> R {
        f(&mut self.items.write())
    }
}
