//! The garbage set of one collection, as the scan found it: one list per worker.
//!
//! The scan pass runs on every worker and each worker appends the garbage of the pages it
//! walked to its own list, in page order. The lists are never concatenated: with 10M garbage
//! objects a serial concatenation copied 80 MB on one thread and was the longest part of the
//! world-stopped time at 8–16 workers. Every later step (resurrection check, freeing) works
//! on slices of the parts instead.
//!
//! The lists' memory is reused from one collection to the next ([`ListPool`]), so a
//! collection does not page-fault fresh vector memory in (at 2 workers that cost the scan 3x).

use parking_lot::Mutex;

use crate::object::ObjRef;

/// Garbage objects, one list per scanning worker, each list in page order.
#[derive(Default)]
pub(crate) struct GarbageParts {
    parts: Vec<Vec<ObjRef>>,
}

/// Objects of a list handed out at a time to a worker.
const SLICE: usize = 4096;

impl GarbageParts {
    /// Wrap per-worker lists, ordered by their first object (so the order of the whole set
    /// does not depend on which worker walked what).
    pub(crate) fn new(mut parts: Vec<Vec<ObjRef>>) -> Self {
        parts.sort_by_key(|p| p.first().map(|o| o.addr()).unwrap_or(usize::MAX));
        GarbageParts { parts }
    }

    /// Number of objects.
    pub(crate) fn len(&self) -> usize {
        self.parts.iter().map(Vec::len).sum()
    }

    /// Every object, part by part.
    pub(crate) fn iter(&self) -> impl Iterator<Item = ObjRef> + '_ {
        self.parts.iter().flatten().copied()
    }

    /// The objects cut into slices of at most `SLICE` objects (the unit a worker claims).
    pub(crate) fn slices(&self) -> Vec<&[ObjRef]> {
        self.parts.iter().flat_map(|p| p.chunks(SLICE)).collect()
    }

    /// Keep only the objects for which `keep` is true; the others are returned.
    pub(crate) fn split_off(&mut self, mut keep: impl FnMut(ObjRef) -> bool) -> Vec<ObjRef> {
        let mut out = Vec::new();
        for p in &mut self.parts {
            p.retain(|&o| {
                let k = keep(o);
                if !k {
                    out.push(o);
                }
                k
            });
        }
        out
    }

    /// Give the lists' memory back to `pool` for the next collection.
    pub(crate) fn recycle(self, pool: &ListPool) {
        pool.put(self.parts);
    }
}

/// Spare list memory kept between collections.
#[derive(Default)]
pub(crate) struct ListPool {
    lists: Mutex<Vec<Vec<ObjRef>>>,
}

/// A list keeps at most this much capacity in the pool (8 MiB): more is given back to the
/// allocator rather than held by an idle runtime.
const MAX_KEPT: usize = 1 << 20;

impl ListPool {
    /// An empty list, with reused capacity when there is some.
    pub(crate) fn take(&self) -> Vec<ObjRef> {
        self.lists.lock().pop().unwrap_or_default()
    }

    fn put(&self, lists: Vec<Vec<ObjRef>>) {
        let mut pool = self.lists.lock();
        for mut l in lists {
            l.clear();
            l.shrink_to(MAX_KEPT);
            if l.capacity() > 0 && pool.len() < 64 {
                pool.push(l);
            }
        }
    }
}
