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
const SLICE: usize = 4096;

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
    pub(crate) fn slices(&self) -> Slices<'_> {
        Slices::new(self.parts.iter().map(Vec::as_slice))
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

/// The garbage cut into slices. The cuts are made every [`SLICE`] objects without reading the
/// lists; whoever takes a slice moves both its ends forward to the end of the page run they
/// fall in ([`Slices::get`]). Consecutive slices share a cut, so every object is in exactly
/// one slice, and every page's run in one slice (a slice may come out empty). Moving the cuts
/// up front, on the collecting thread, read the lists at every cut: about 0.5 ms for 1M
/// objects, serial, since those reads mostly miss the cache.
pub(crate) struct Slices<'a> {
    /// (part, nominal start, nominal end).
    cuts: Vec<(&'a [ObjRef], usize, usize)>,
}

impl<'a> Slices<'a> {
    /// Cut `parts` into slices. Each object lands in exactly one slice whatever the order;
    /// a part in page order also keeps each page's run in one slice.
    pub(crate) fn new(parts: impl IntoIterator<Item = &'a [ObjRef]>) -> Self {
        let mut cuts = Vec::new();
        for p in parts {
            for start in (0..p.len()).step_by(SLICE) {
                cuts.push((p, start, (start + SLICE).min(p.len())));
            }
        }
        Slices { cuts }
    }

    /// Number of slices.
    pub(crate) fn len(&self) -> usize {
        self.cuts.len()
    }

    /// Whether there is no object at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.cuts.is_empty()
    }

    /// Slice `i`, its ends moved to page-run ends.
    pub(crate) fn get(&self, i: usize) -> &'a [ObjRef] {
        let (part, start, end) = self.cuts[i];
        &part[to_run_end(part, start)..to_run_end(part, end)]
    }

    /// Every slice, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a [ObjRef]> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// The first index at or after `cut` whose object is not on the page of the object just
/// before `cut` (`cut` itself at either end of the part).
fn to_run_end(part: &[ObjRef], cut: usize) -> usize {
    if cut == 0 || cut >= part.len() {
        return cut;
    }
    let page = PageRef::of(part[cut - 1]);
    cut + part[cut..]
        .iter()
        .take_while(|&&o| PageRef::of(o) == page)
        .count()
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
