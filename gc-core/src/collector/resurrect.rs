//! The resurrection check (world stopped again, after finalizers): trial deletion restricted
//! to the garbage set.
//!
//! Finalizers ran with the world running and may have stored a reference to a garbage object
//! somewhere live. Within the garbage set, `gc_refs = refcount - references from other
//! garbage`; anything with `gc_refs > 0` is referenced from outside and is resurrected, and so
//! is everything garbage reachable from it (transitively), by a parallel mark with its own bit.

use std::time::Instant;

use crate::binding::{Tracer, VmBinding};
use crate::collector::edges::EdgeFilter;
use crate::collector::garbage::GarbageParts;
use crate::collector::mark::{MarkCounts, MarkRule, Marker};
use crate::collector::walk::{clamp_refcount, WalkCtx};
use crate::collector::workers::{for_each_slice, run_on_workers};
use crate::object::{flags, ObjRef};
use crate::record::Phase;

const GARBAGE_RULE: MarkRule = MarkRule {
    mask: flags::IN_USE | flags::GARBAGE,
    want: flags::IN_USE | flags::GARBAGE,
    bit: flags::RESURRECT_MARK,
    unmarked: 0,
};

struct GarbageSubtract<'a, 'f> {
    filter: &'a EdgeFilter<'f>,
    parent: usize,
}

impl Tracer for GarbageSubtract<'_, '_> {
    #[inline]
    fn edge(&mut self, child: ObjRef) {
        if let Some(f) = self.filter.counted(self.parent, child) {
            if f & GARBAGE_RULE.mask == GARBAGE_RULE.want {
                child.header().dec_gc_refs();
            }
        }
    }
}

impl<B: VmBinding> WalkCtx<'_, B> {
    /// Take the resurrected objects out of `garbage` and return them. Resurrected objects
    /// lose the GARBAGE bit (the VM owns them again) and get the mark bit `unmarked` (the
    /// heap's current "not marked" value); the rest keep it.
    pub(crate) fn resurrection_pass(
        &self,
        garbage: &mut GarbageParts,
        unmarked: u32,
    ) -> Vec<ObjRef> {
        let start = Instant::now();
        let slices = garbage.slices();
        for_each_slice(self.pool, self.workers, &slices, None, |s| {
            for &g in s {
                g.header()
                    .set_gc_refs(clamp_refcount(self.binding.refcount(g)));
            }
        });
        for_each_slice(self.pool, self.workers, &slices, None, |s| {
            for &g in s {
                let mut t = GarbageSubtract {
                    filter: self.filter,
                    parent: g.addr(),
                };
                self.binding.trace(g, &mut t);
            }
        });
        let seeds: Vec<ObjRef> = garbage
            .iter()
            .filter(|g| g.header().gc_refs() != 0)
            .collect();
        drop(slices);
        if !seeds.is_empty() {
            let marker = Marker::new(
                self.binding,
                self.filter,
                GARBAGE_RULE,
                self.workers,
                self.prefetch,
            );
            for &s in &seeds {
                marker.seed(s);
            }
            run_on_workers(self.pool, self.workers, |w| {
                let mut local = marker.take_local(w);
                let mut counts = MarkCounts::default();
                marker.run(w, &mut local, &mut counts);
            });
        }
        let resurrected = garbage.split_off(|g| {
            let h = g.header();
            h.set_gc_refs(0);
            if h.flags() & flags::RESURRECT_MARK != 0 {
                h.unset(flags::RESURRECT_MARK | flags::GARBAGE | flags::PENDING);
                // It was never marked, so its mark bit reads "marked" after the flip.
                h.set_mark_bit(unmarked);
                false
            } else {
                true
            }
        });
        self.log.add(
            0,
            Phase::Resurrection,
            start,
            self.epoch,
            garbage.len() as u64 + resurrected.len() as u64,
            0,
        );
        resurrected
    }
}
