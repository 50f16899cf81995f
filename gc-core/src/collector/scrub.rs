//! Undo a collection's marks when it is abandoned half-way (a binding method panicked while
//! the world was stopped), so the next collection starts from invariant H1 and garbage found
//! so far is not left held forever.
//!
//! The guard is created right after the world stops and dropped before it restarts (it is
//! declared after the stop guard, so on unwind it runs first, with the world still stopped).

use std::collections::HashSet;

use parking_lot::Mutex;

use crate::heap::PageRef;
use crate::object::{flags, ObjRef};

pub(crate) struct Scrub<'a> {
    pages: &'a [PageRef],
    saved: &'a Mutex<Vec<ObjRef>>,
    /// The mark bit's "not marked" value of the abandoned collection (not flipped yet).
    unmarked: u32,
    armed: bool,
}

impl<'a> Scrub<'a> {
    pub(crate) fn new(pages: &'a [PageRef], saved: &'a Mutex<Vec<ObjRef>>, unmarked: u32) -> Self {
        Scrub {
            pages,
            saved,
            unmarked,
            armed: true,
        }
    }

    /// The stopped part finished normally: nothing to undo.
    pub(crate) fn disarm(&mut self) {
        self.armed = false;
    }

    /// Undo now (world still stopped) and disarm.
    pub(crate) fn run_now(&mut self) {
        if !self.armed {
            return;
        }
        self.armed = false;
        let saved: HashSet<ObjRef> = self.saved.lock().iter().copied().collect();
        for page in self.pages {
            page.reset_nonzero_refs();
            page.for_each_allocated(|obj| {
                let h = obj.header();
                let f = h.flags();
                if f & flags::IN_USE == 0 {
                    return;
                }
                let mut clear = flags::RESURRECT_MARK | flags::PENDING;
                // Only what this collection held (PENDING): garbage saved, or held by a
                // collection running VM code without the lock (it dropped PENDING), stays.
                if f & flags::PENDING != 0 && !saved.contains(&obj) {
                    clear |= flags::GARBAGE;
                }
                h.unset(clear);
                h.set_mark_bit(self.unmarked);
                h.set_gc_refs(0);
            });
        }
    }
}

impl Drop for Scrub<'_> {
    fn drop(&mut self) {
        if self.armed && std::thread::panicking() {
            self.run_now();
        }
    }
}
