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

use crate::heap::PageRef;
use crate::object::ObjRef;

/// Garbage objects, one list per scanning worker, each list in page order.
#[derive(Default)]
pub(crate) struct GarbageParts {
    parts: Vec<Vec<ObjRef>>,
}

/// Objects of a list handed out at a time to a worker.
pub(crate) const SLICE: usize = 4096;

impl GarbageParts {
    /// Wrap per-worker lists, in the order given (the scan orders them by first object, so
    /// the order of the whole set does not depend on which worker walked what).
    pub(crate) fn new(parts: Vec<Vec<ObjRef>>) -> Self {
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

    /// The objects cut into slices (the unit a worker claims) of about `SLICE` objects, each
    /// ending at the end of a page's run, so every page's garbage is freed by one worker (a
    /// page's garbage is all in one part: each part comes from disjoint page chunks).
    pub(crate) fn slices(&self) -> Vec<&[ObjRef]> {
        let mut out = Vec::new();
        for p in &self.parts {
            let mut start = 0;
            while start < p.len() {
                let mut end = (start + SLICE).min(p.len());
                while end < p.len() && PageRef::of(p[end]) == PageRef::of(p[end - 1]) {
                    end += 1;
                }
                out.push(&p[start..end]);
                start = end;
            }
        }
        out
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::{HeapSpace, PAGE_SIZE};

    #[test]
    fn slices_cover_every_object_once_and_never_split_a_page() {
        let space = HeapSpace::new();
        let mut heap = space.new_thread_heap();
        // 32-byte slots: about 2000 a page, so 20 000 objects span several pages and the
        // 4096-object cut falls inside a page.
        let objs: Vec<ObjRef> = (0..20_000)
            .map(|_| heap.alloc(24, false).expect("alloc"))
            .collect();
        let mut sorted = objs.clone();
        sorted.sort_by_key(|o| o.addr());
        // Two parts split at a page boundary, as the scan's parts are.
        let split = (7000..sorted.len())
            .find(|&i| PageRef::of(sorted[i]) != PageRef::of(sorted[i - 1]))
            .expect("several pages");
        let parts = GarbageParts::new(vec![sorted[..split].to_vec(), sorted[split..].to_vec()]);
        let slices = parts.slices();
        let flat: Vec<ObjRef> = slices.iter().flat_map(|s| s.iter().copied()).collect();
        assert_eq!(flat, sorted);
        let mut seen = std::collections::HashMap::new();
        for (i, s) in slices.iter().enumerate() {
            assert!(s.len() < SLICE + PAGE_SIZE / 16);
            for o in s.iter() {
                let first = *seen.entry(PageRef::of(*o)).or_insert(i);
                assert_eq!(first, i, "a page's garbage split across slices");
            }
        }
        for o in objs {
            // SAFETY: allocated above by this heap, freed once.
            unsafe { heap.free(o) };
        }
    }
}
