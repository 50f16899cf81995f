//! Collector self-check (`GC_VERIFY=1` or [`GcConfig::verify`](crate::GcConfig)): re-derive
//! the garbage set with a different, deliberately simple algorithm and compare.
//!
//! Like Go's `gccheckmark` or HotSpot's `VerifyAfterGC`: no header bits, no workers, no
//! roots: a hash map of `refcount - internal references` over every candidate, a breadth-first
//! search from those with external references, and every pointer checked against the heap.
//! Any difference from what the parallel collector found is a collector bug (or a binding
//! that breaks rule 1) and is returned as a message.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::binding::{Tracer, VmBinding};
use crate::heap::{HeapSpace, PageRef};
use crate::object::{flags, ObjRef};

struct Collect<'a> {
    space: &'a HeapSpace,
    out: Vec<ObjRef>,
}

impl Tracer for Collect<'_> {
    fn edge(&mut self, child: ObjRef) {
        if let Some(c) = self.space.find_object(child.as_ptr()) {
            self.out.push(c);
        }
    }
}

fn children<B: VmBinding>(binding: &B, space: &HeapSpace, obj: ObjRef) -> Vec<ObjRef> {
    let mut c = Collect {
        space,
        out: Vec::new(),
    };
    binding.trace(obj, &mut c);
    c.out
}

/// Check `garbage` (this collection's result, world still stopped) against an independent
/// computation over `pages`.
pub(crate) fn verify_garbage<B: VmBinding>(
    binding: &B,
    space: &HeapSpace,
    pages: &[PageRef],
    garbage: &[ObjRef],
) -> Result<(), String> {
    let current: HashSet<ObjRef> = garbage.iter().copied().collect();
    let mut refs: HashMap<ObjRef, i64> = HashMap::new();
    for page in pages {
        for obj in page.objects() {
            let f = obj.header().flags();
            let candidate = f & flags::TRACKED != 0
                && f & flags::FROZEN == 0
                && (f & flags::GARBAGE == 0 || current.contains(&obj));
            if candidate {
                // A count of 0 is a breach (rule 9) that the collector keeps alive as
                // externally referenced: so does the check.
                let rc = match binding.refcount(obj) {
                    0 => 1 << 40,
                    rc => rc.min(1 << 40),
                };
                refs.insert(obj, rc as i64);
            }
        }
    }
    let keys: Vec<ObjRef> = refs.keys().copied().collect();
    for &obj in &keys {
        for c in children(binding, space, obj) {
            if let Some(r) = refs.get_mut(&c) {
                *r -= 1;
            }
        }
    }
    let mut reachable: HashSet<ObjRef> = HashSet::new();
    let mut queue: VecDeque<ObjRef> = keys.iter().copied().filter(|o| refs[o] != 0).collect();
    reachable.extend(queue.iter().copied());
    while let Some(o) = queue.pop_front() {
        for c in children(binding, space, o) {
            if refs.contains_key(&c) && reachable.insert(c) {
                queue.push_back(c);
            }
        }
    }
    let oracle: HashSet<ObjRef> = keys
        .into_iter()
        .filter(|o| !reachable.contains(o))
        .collect();
    if oracle == current {
        return Ok(());
    }
    let freed_live: Vec<_> = current.difference(&oracle).take(5).collect();
    let kept_dead: Vec<_> = oracle.difference(&current).take(5).collect();
    Err(format!(
        "GC self-check failed: collector garbage {} objects, independent check {}; \
         live objects the collector would free (first 5): {:?}; garbage it missed (first 5): {:?}",
        current.len(),
        oracle.len(),
        freed_live,
        kept_dead
    ))
}
