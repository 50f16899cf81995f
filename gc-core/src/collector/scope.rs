//! Which objects a collection considers: its candidates, the pages it walks, and how it leaves
//! the mark state for the next collection. A young collection (DESIGN §7) is a second scope.
//!
//! Invariants a scope relies on, and keeps, inside a collection (world stopped, `collect_lock`
//! held):
//! - H1: `gc_refs` is 0 for every object outside a collection, and every page's seed count is
//!   0, so the refs pass can add and subtract in any order.
//! - The mark sense: `HeapSpace::unmarked_bit` is the value of `MARKED` that reads "not marked"
//!   in this collection; every object the scope may mark or treat as a candidate carries it on
//!   entry (new objects get it at allocation, stale ones where their state changes: see
//!   `flags::MARKED`). Only a collection changes it, in [`Scope::reset_marks`].
//! - Every object outside the scope's candidates (untracked, frozen, held, or not in the
//!   scope) counts as external: references from it are never subtracted, so trial deletion
//!   over a subset is sound.
//!
//! **Flipping versus clearing.** The full scope marks every reachable candidate, so at the end
//! every survivor carries the *marked* value; rather than writing each survivor back, it flips
//! which value means "not marked" ([`Scope::reset_marks`]). That is only sound because every
//! survivor was in the scope. A partial scope that skipped old objects must not flip: the old
//! objects still carry the old "not marked" value, which after a flip would read as marked,
//! and the next full collection would take every one of them for alive. Such a scope clears
//! the bits of the objects it marked instead (or marks with a bit of its own), and leaves the
//! global sense alone.

use crate::collector::mark::MarkRule;
use crate::collector::walk::candidate_rule;
use crate::heap::{HeapSpace, PageRef};
use crate::object::flags;
use crate::record::CollectionKind;

/// The scope of one collection.
pub(crate) struct Scope {
    kind: CollectionKind,
    /// "Not marked" during this collection (read once: only collections change it).
    unmarked: u32,
}

impl Scope {
    /// The scope of a `kind` collection of `space`, taken with the collection lock held.
    pub(crate) fn new(kind: CollectionKind, space: &HeapSpace) -> Self {
        Scope {
            kind,
            unmarked: space.unmarked_bit(),
        }
    }

    /// The mark bit's "not marked" value during this collection.
    pub(crate) fn unmarked(&self) -> u32 {
        self.unmarked
    }

    /// What "not marked" will mean after this collection: objects marked in it are then
    /// unmarked, whatever else was left untouched by the collection.
    pub(crate) fn unmarked_next(&self) -> u32 {
        match self.kind {
            CollectionKind::Full => self.unmarked ^ flags::MARKED,
        }
    }

    /// The candidate rule (also mark-alive's: an object reached from a root is simply never a
    /// candidate).
    pub(crate) fn candidates(&self) -> MarkRule {
        match self.kind {
            CollectionKind::Full => candidate_rule(self.unmarked),
        }
    }

    /// The pages the heap passes walk (world stopped: the page list cannot change).
    pub(crate) fn pages(&self, space: &HeapSpace) -> Vec<PageRef> {
        match self.kind {
            CollectionKind::Full => space.pages(),
        }
    }

    /// Whether mark-alive reached every object of the scope, so there is no candidate and
    /// trial deletion can be skipped. `in_use` is the objects in use on [`pages`](Self::pages)
    /// (`u64::MAX` when not counted), `alive` the objects mark-alive marked.
    pub(crate) fn everything_alive(&self, in_use: u64, alive: u64) -> bool {
        match self.kind {
            CollectionKind::Full => in_use == alive,
        }
    }

    /// Leave the mark state for the next collection (end of the stopped part, world still
    /// stopped; mutators see the new value when they resume). The full scope flips the sense:
    /// every survivor carries this collection's marked value, which from now on means "not
    /// marked" (see the module doc for why a partial scope clears instead).
    pub(crate) fn reset_marks(&self, space: &HeapSpace) {
        match self.kind {
            CollectionKind::Full => space.set_unmarked_bit(self.unmarked_next()),
        }
    }
}
