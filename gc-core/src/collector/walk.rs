//! The heap-walking passes of trial deletion, each run on every worker over page chunks.
//!
//! Candidates are the objects whose header matches [`candidate_rule`]: in use, tracked, not
//! frozen, not already held as garbage, and not marked alive from the roots. The predicate only
//! reads bits that no one changes during a pass, so every worker agrees on the candidate set
//! without a separate "make candidates" pass.
//!
//! `gc_refs` is 0 for every object outside a collection (set at allocation, reset by the scan
//! pass). So the refs pass fuses CPython's update-refs and subtract-refs into one pass: each
//! candidate adds its own refcount to its `gc_refs` and takes 1 from each candidate child's,
//! in whatever order workers reach them; at the end `gc_refs` = external references. With one
//! worker every update is a plain load/store pair. With several, a worker updates in place
//! only objects on the pages of the chunk it is walking (chunks are disjoint, so no one else
//! writes them meanwhile) and spills the rest, which are subtracted atomically after the walk;
//! as objects mostly point near themselves, most subtractions stay plain.
//!
//! Each page counts its objects with a non-zero `gc_refs` (`PageRef::add_nonzero_refs`, updated
//! with every change above), so mark-reachable looks for seeds only on pages that have one.
//! Pure garbage (every count back to 0) then costs no seeding walk at all.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use parking_lot::Mutex;

use crate::binding::{Tracer, VmBinding};
use crate::collector::edges::EdgeFilter;
use crate::collector::gang::Gang;
use crate::collector::garbage::{GarbageParts, ListPool};
use crate::collector::mark::{MarkCounts, MarkRule, Marker};
use crate::collector::workers::{run_on_workers, PageChunks, WorkerLog};
use crate::error::ContractViolation;
use crate::heap::{nonzero_delta, PageRef, PAGE_MASK};
use crate::object::{flags, ObjRef};
use crate::record::Phase;

/// Roots a mark-alive worker takes from the root list at a time.
const ROOT_BATCH: usize = 256;

/// Objects taking part in trial deletion (and in mark-alive from roots), in a collection
/// whose unmarked mark-bit value is `unmarked`.
pub(crate) const fn candidate_rule(unmarked: u32) -> MarkRule {
    MarkRule {
        mask: flags::IN_USE | flags::TRACKED | flags::FROZEN | flags::GARBAGE,
        want: flags::IN_USE | flags::TRACKED,
        bit: flags::MARKED,
        unmarked,
    }
}

/// Mark-reachable's rule: the refs pass held every candidate (GARBAGE | PENDING), and
/// marking one takes it out of the garbage set again (the scan drops both bits).
pub(crate) const fn pending_rule(unmarked: u32) -> MarkRule {
    MarkRule {
        mask: flags::IN_USE | flags::TRACKED | flags::FROZEN | flags::GARBAGE | flags::PENDING,
        want: flags::IN_USE | flags::TRACKED | flags::GARBAGE | flags::PENDING,
        bit: flags::MARKED,
        unmarked,
    }
}

/// `f` as it was before the refs pass held the object (PENDING marks the bits it added), so
/// that a child already visited still reads as a candidate.
#[inline(always)]
fn unpend(f: u32) -> u32 {
    let held = if f & flags::PENDING != 0 {
        flags::GARBAGE | flags::PENDING
    } else {
        0
    };
    f & !held
}

/// The external references a candidate whose count is 0 counts as (see
/// `WalkCtx::refcount_zero`): as many as an immortal object's, so it is a seed whatever
/// references other candidates report to it.
const ZERO_WEIGHT: i32 = 1 << 30;

/// Seeds with at least this many external references are immortal or count-0 breaches.
const HEAVY_REFS: i32 = 1 << 29;

/// Clamp a VM refcount into the `gc_refs` range. Counts this large (immortal objects) are
/// external references whatever the internal ones are.
#[inline]
pub(crate) fn clamp_refcount(rc: usize) -> i32 {
    rc.min(ZERO_WEIGHT as usize) as i32
}

/// Context shared by the passes of one collection.
pub(crate) struct WalkCtx<'a, B: VmBinding> {
    pub binding: &'a B,
    pub filter: &'a EdgeFilter<'a>,
    pub pool: Option<&'a Gang>,
    pub workers: usize,
    pub log: &'a WorkerLog,
    pub epoch: Instant,
    /// Prefetch while marking (`GcConfig::mark_prefetch`).
    pub prefetch: bool,
    /// Candidates of this collection (its unmarked mark-bit value is in the rule).
    pub candidate: MarkRule,
}

/// Collects the roots the binding reports (edges the filter admits).
struct RootCollector<'a, 'f> {
    filter: &'a EdgeFilter<'f>,
    roots: Vec<ObjRef>,
}

impl Tracer for RootCollector<'_, '_> {
    fn edge(&mut self, child: ObjRef) {
        if self.filter.flags(0, child).is_some() {
            self.roots.push(child);
        }
    }
}

/// Subtracts one from each candidate child's `gc_refs`. With several workers (`SHARED`), only
/// children on the pages of the chunk this worker is walking are updated in place (no other
/// worker writes them during the walk: chunks are disjoint); the others are spilled and
/// subtracted atomically after the walk. Objects mostly point near themselves (allocation
/// order), so most subtractions stay plain loads and stores.
struct SubtractTracer<'a, 'f, const SHARED: bool> {
    filter: &'a EdgeFilter<'f>,
    candidate: MarkRule,
    parent: usize,
    chunk: &'a [PageRef],
    spill: &'a mut Vec<ObjRef>,
    /// Change of the walked page's non-zero count, added once at the page's end (a register
    /// instead of a load/store chain on the page header per edge).
    here: &'a mut i32,
    /// Set when the parent reports a reference to something that is not a candidate (it may
    /// be live: `clear` must see the parent, see [`ScanResult::to_clear`]).
    outside: bool,
}

impl<const SHARED: bool> Tracer for SubtractTracer<'_, '_, SHARED> {
    #[inline(always)]
    fn edge(&mut self, child: ObjRef) {
        let Some(f) = self.filter.counted(self.parent, child) else {
            self.outside = true;
            return;
        };
        if !self.candidate.accepts(unpend(f)) {
            self.outside = true;
            return;
        }
        // Same page as the parent (the common case: one compare), else on another page of
        // this chunk, else spilled.
        let same_page = child.addr() & !PAGE_MASK == self.parent & !PAGE_MASK;
        if SHARED && !same_page && !self.chunk.contains(&PageRef::of(child)) {
            self.spill.push(child);
            return;
        }
        let h = child.header();
        let old = h.gc_refs();
        h.set_gc_refs(old - 1);
        let d = nonzero_delta(old, old - 1);
        if same_page {
            *self.here += d;
        } else {
            PageRef::of(child).add_nonzero_refs::<false>(d);
        }
    }
}

impl<B: VmBinding> WalkCtx<'_, B> {
    /// Update and subtract refs in one pass, and hold every candidate (GARBAGE | PENDING) in
    /// lists taken from `lists`: if no page has a seed afterwards, they are the garbage set
    /// as they stand (see [`RefsResult::held`]).
    pub(crate) fn refs_pass(&self, pages: &[PageRef], lists: &ListPool) -> RefsResult {
        if self.workers > 1 {
            self.refs_pass_impl::<true>(pages, lists)
        } else {
            self.refs_pass_impl::<false>(pages, lists)
        }
    }

    fn refs_pass_impl<const SHARED: bool>(
        &self,
        pages: &[PageRef],
        lists: &ListPool,
    ) -> RefsResult {
        let chunks = PageChunks::new(pages, self.workers);
        let visited = AtomicU64::new(0);
        let candidates = AtomicU64::new(0);
        let out = Mutex::new(Vec::<ScanPart>::new());
        let spills: Vec<Mutex<Vec<ObjRef>>> =
            (0..self.workers).map(|_| Mutex::new(Vec::new())).collect();
        run_on_workers(self.pool, self.workers, |w| {
            let start = Instant::now();
            let (mut vis, mut cand) = (0u64, 0u64);
            let mut r = ScanPart {
                garbage: lists.take(),
                ..Default::default()
            };
            let mut spill = Vec::new();
            while let Some(chunk) = chunks.next(w) {
                for page in chunk {
                    // SAFETY: the world is stopped and this worker alone handles this page.
                    let (objects, bytes) = unsafe { reclaim_and_count(*page) };
                    r.heap_objects += objects;
                    r.heap_bytes += bytes;
                    let mut here = 0i32;
                    page.for_each_allocated(|obj| {
                        let f = obj.header().flags();
                        if f & (flags::TRACKED | flags::IN_USE) != flags::TRACKED | flags::IN_USE {
                            return;
                        }
                        vis += 1;
                        if !self.candidate.accepts(f) {
                            return;
                        }
                        cand += 1;
                        // Update: add the count. This worker alone writes this object's
                        // gc_refs and its page's seed count during the walk (other workers'
                        // subtractions are spilled until after it).
                        let h = obj.header();
                        let old = h.gc_refs();
                        let rc = match self.binding.refcount(obj) {
                            0 => self.refcount_zero(),
                            rc => rc,
                        };
                        let new = old.wrapping_add(clamp_refcount(rc));
                        h.set_gc_refs(new);
                        here += nonzero_delta(old, new);
                        // Held as garbage until mark-reachable says otherwise: when nothing
                        // has external references, this is the garbage set and no scan runs.
                        // Other workers only read these flags now: a plain store.
                        h.store_flags(f | flags::GARBAGE | flags::PENDING);
                        r.hold(obj, f, self.binding);
                        let mut t = SubtractTracer::<SHARED> {
                            filter: self.filter,
                            candidate: self.candidate,
                            parent: obj.addr(),
                            chunk,
                            spill: &mut spill,
                            here: &mut here,
                            outside: false,
                        };
                        self.binding.trace(obj, &mut t);
                        if B::CLEAR_SKIPS_GARBAGE && t.outside {
                            r.to_clear.push(obj);
                        }
                    });
                    page.add_nonzero_refs::<false>(here);
                }
            }
            visited.fetch_add(vis, Ordering::Relaxed);
            candidates.fetch_add(cand, Ordering::Relaxed);
            *spills[w].lock() = spill;
            out.lock().push(r);
            self.log
                .add(w, Phase::UpdateRefs, start, self.epoch, cand, 0);
        });
        if SHARED {
            self.subtract_spilled(&spills);
        }
        RefsResult {
            visited: visited.into_inner(),
            candidates: candidates.into_inner(),
            held: ScanResult::assemble::<B>(out.into_inner(), true),
        }
    }

    /// A candidate whose count is 0 at the start of a collection: no reference can reach it,
    /// yet it is still tracked (a refcount death that left it tracked while its teardown ran
    /// VM code, binding rule 9; CPython asserts the same in `update_refs`). Its owner may
    /// still be tearing it down, so the collector must not clear, finalize or free it, nor
    /// anything it refers to: it counts as [`ZERO_WEIGHT`] external references, which makes
    /// it a seed of mark-reachable (it and everything it reaches stay alive in this
    /// collection), where it is reported ([`Self::check_heavy_seed`]). Only this branch pays.
    #[cold]
    #[inline(never)]
    fn refcount_zero(&self) -> usize {
        ZERO_WEIGHT as usize
    }

    /// A seed of mark-reachable with at least [`HEAVY_REFS`] external references: an immortal
    /// object (clamped count) or a count-0 breach ([`Self::refcount_zero`]); the count tells
    /// which. A count-0 object that other candidates reference is also a count that is too
    /// small (rule 1), reported as such; without such references it is reported as
    /// [`ContractViolation::RefcountZero`]. Rare: off the seeding loop's path.
    #[cold]
    #[inline(never)]
    fn check_heavy_seed(&self, obj: ObjRef, refs: i32) {
        if self.binding.refcount(obj) != 0 {
            return;
        }
        let internal = ZERO_WEIGHT - refs;
        self.filter.report(if internal > 0 {
            ContractViolation::RefcountTooSmall {
                object: obj.addr(),
                refcount: 0,
                excess: internal as usize,
            }
        } else {
            ContractViolation::RefcountZero { object: obj.addr() }
        });
    }

    /// After the refs walk (run_on_workers returned: a barrier), the spilled subtractions
    /// may target any object from any worker: atomic. Each worker takes whole lists, not just
    /// its own: a helper that did not join this job leaves its list to the others (gang.rs).
    fn subtract_spilled(&self, spills: &[Mutex<Vec<ObjRef>>]) {
        let next = AtomicUsize::new(0);
        run_on_workers(self.pool, self.workers, |_| {
            while let Some(list) = spills.get(next.fetch_add(1, Ordering::Relaxed)) {
                let spill = std::mem::take(&mut *list.lock());
                for child in spill {
                    let old = child.header().dec_gc_refs();
                    PageRef::of(child).add_nonzero_refs::<true>(nonzero_delta(old, old - 1));
                }
            }
        });
    }

    /// Mark everything reachable from a candidate with external references (`gc_refs > 0`).
    /// A negative `gc_refs` is a refcount smaller than its internal references (contract rule
    /// 1): reported, and the object is treated as externally referenced. Only pages whose
    /// seed count (kept by the refs pass) is non-zero are walked: a heap of pure garbage costs
    /// O(pages) here, not O(objects).
    /// Returns false (and does nothing) if no page has a seed: the refs pass's held
    /// candidates are then exactly the garbage.
    pub(crate) fn mark_reachable_pass(&self, pages: &[PageRef]) -> bool {
        let pages: Vec<PageRef> = pages
            .iter()
            .copied()
            .filter(|p| p.nonzero_refs() != 0)
            .collect();
        if pages.is_empty() {
            return false;
        }
        let rule = pending_rule(self.candidate.unmarked);
        let marker = Marker::new(self.binding, self.filter, rule, self.workers, self.prefetch);
        let chunks = PageChunks::new(&pages, self.workers);
        run_on_workers(self.pool, self.workers, |w| {
            let start = Instant::now();
            let mut local = marker.take_local(w);
            let mut counts = MarkCounts::default();
            while let Some(chunk) = chunks.next(w) {
                for page in chunk {
                    page.for_each_allocated(|obj| {
                        let f = obj.header().flags();
                        if !rule.accepts(f) {
                            return;
                        }
                        // refcount minus internal references (the refs pass added the count).
                        let refs = obj.header().gc_refs();
                        if refs == 0 {
                            return;
                        }
                        if refs < 0 {
                            self.filter.report(ContractViolation::RefcountTooSmall {
                                object: obj.addr(),
                                refcount: self.binding.refcount(obj),
                                excess: refs.unsigned_abs() as usize,
                            });
                        } else if refs >= HEAVY_REFS {
                            self.check_heavy_seed(obj, refs);
                        }
                        marker.push_seed(&mut local, obj, f);
                    });
                }
                marker.drain(&mut local, &mut counts);
            }
            marker.run(w, &mut local, &mut counts);
            self.log.add(
                w,
                Phase::MarkReachable,
                start,
                self.epoch,
                counts.traced,
                counts.steals,
            );
        });
        true
    }

    /// Mark-alive (DESIGN §3.4 step 2): mark everything reachable from the VM's roots with
    /// the candidate rule, so none of it is a candidate. Returns the objects marked.
    pub(crate) fn mark_alive(&self) -> u64 {
        let mut rc = RootCollector {
            filter: self.filter,
            roots: Vec::new(),
        };
        self.binding.scan_roots(&mut rc);
        self.mark_from(&rc.roots, self.candidate, Phase::MarkAlive)
    }

    /// Mark from `roots` (mark-alive) with the given rule. Returns the objects marked.
    pub(crate) fn mark_from(&self, roots: &[ObjRef], rule: MarkRule, phase: Phase) -> u64 {
        let marker = Marker::new(self.binding, self.filter, rule, self.workers, self.prefetch);
        let marked = AtomicU64::new(0);
        let next_roots = AtomicUsize::new(0);
        run_on_workers(self.pool, self.workers, |w| {
            let start = Instant::now();
            let mut local = marker.take_local(w);
            let mut counts = MarkCounts::default();
            // Workers take the roots in batches onto their private stacks (stealing balances
            // the rest): no shared queue on the per-root path, and a helper that never joins
            // leaves no roots behind.
            loop {
                let at = next_roots.fetch_add(ROOT_BATCH, Ordering::Relaxed);
                let Some(batch) = roots.get(at..roots.len().min(at + ROOT_BATCH)) else {
                    break;
                };
                for &r in batch {
                    marker.push_seed(&mut local, r, r.header().flags());
                }
                marker.drain(&mut local, &mut counts);
            }
            marker.run(w, &mut local, &mut counts);
            marked.fetch_add(counts.traced, Ordering::Relaxed);
            self.log
                .add(w, phase, start, self.epoch, counts.traced, counts.steals);
        });
        marked.into_inner()
    }

    /// Settle the garbage after mark-reachable: a held candidate (PENDING) that was marked
    /// goes back to the VM (GARBAGE and PENDING dropped), one that was not stays held. Resets
    /// `gc_refs` of every tracked object (H1). Returns the garbage (one list per worker,
    /// taken from `lists`), the subset with a pending finalizer, and the subset that may have
    /// weakrefs. The refs pass's lists are given back to `lists` first.
    pub(crate) fn scan_pass(
        &self,
        pages: &[PageRef],
        lists: &ListPool,
        held: ScanResult,
    ) -> ScanResult {
        held.garbage.recycle(lists);
        let chunks = PageChunks::new(pages, self.workers);
        let out = Mutex::new(Vec::<ScanPart>::new());
        run_on_workers(self.pool, self.workers, |w| {
            let start = Instant::now();
            let mut r = ScanPart {
                garbage: lists.take(),
                ..Default::default()
            };
            while let Some(chunk) = chunks.next(w) {
                for page in chunk {
                    // Every gc_refs of the page is reset below (H1).
                    page.reset_nonzero_refs();
                    let slot = page.slot_size() as u64;
                    page.for_each_allocated(|obj| {
                        let h = obj.header();
                        let f = h.flags();
                        if f & flags::IN_USE == 0 {
                            return;
                        }
                        r.heap_objects += 1;
                        r.heap_bytes += slot;
                        if f & flags::TRACKED == 0 {
                            return;
                        }
                        if f & flags::PENDING != 0 {
                            if f & flags::MARKED == self.candidate.unmarked {
                                // Held and never marked: garbage (it keeps both bits).
                                r.hold(obj, f, self.binding);
                            } else {
                                // Marked reachable: back to the VM. Only this worker touches
                                // this header now and no mutator runs: a plain store.
                                h.store_flags(f & !(flags::GARBAGE | flags::PENDING));
                            }
                        }
                        // Marked objects keep their mark bit: the collection flips what it
                        // means instead of clearing it here, so live headers are only read.
                        // Candidates marked reachable were subtracted from too; objects marked
                        // alive never were (a load, not a store, keeps their lines clean).
                        if h.gc_refs() != 0 {
                            h.set_gc_refs(0);
                        }
                    });
                }
            }
            self.log.add(
                w,
                Phase::ScanGarbage,
                start,
                self.epoch,
                r.garbage.len() as u64,
                0,
            );
            out.lock().push(r);
        });
        ScanResult::assemble::<B>(out.into_inner(), false)
    }
}

/// One worker's share of the garbage (held by the refs pass, or settled by the scan).
#[derive(Default)]
struct ScanPart {
    garbage: Vec<ObjRef>,
    to_finalize: Vec<ObjRef>,
    weakly_referenced: Vec<ObjRef>,
    /// Refs pass, `CLEAR_SKIPS_GARBAGE` only: candidates with a reference to a non-candidate.
    to_clear: Vec<ObjRef>,
    heap_objects: u64,
    heap_bytes: u64,
}

impl ScanPart {
    /// Add `obj` (header flags `f` before it was held) to the garbage.
    #[inline]
    fn hold<B: VmBinding>(&mut self, obj: ObjRef, f: u32, binding: &B) {
        self.garbage.push(obj);
        if f & flags::FINALIZED == 0 && binding.has_finalizer(obj) {
            self.to_finalize.push(obj);
        }
        if binding.has_weakrefs(obj) {
            self.weakly_referenced.push(obj);
        }
    }
}

impl<B: VmBinding> WalkCtx<'_, B> {
    /// Objects and slot bytes in use on `pages` (see [`reclaim_and_count`]). O(pages), on all
    /// workers.
    pub(crate) fn count_in_use(&self, pages: &[PageRef]) -> (u64, u64) {
        let chunks = PageChunks::new(pages, self.workers);
        let (objects, bytes) = (AtomicU64::new(0), AtomicU64::new(0));
        run_on_workers(self.pool, self.workers, |w| {
            let (mut n, mut b) = (0u64, 0u64);
            while let Some(chunk) = chunks.next(w) {
                for page in chunk {
                    // SAFETY: the world is stopped and this worker alone handles this page.
                    let (k, kb) = unsafe { reclaim_and_count(*page) };
                    n += k;
                    b += kb;
                }
            }
            objects.fetch_add(n, Ordering::Relaxed);
            bytes.fetch_add(b, Ordering::Relaxed);
        });
        (objects.into_inner(), bytes.into_inner())
    }
}

/// Move `page`'s remotely freed slots to its free list, then count its objects in use and
/// their slot bytes from the allocation bitmap (after the reclaim an allocated bit means in
/// use, P4).
///
/// # Safety
/// The world is stopped and the caller alone handles this page (owner-local state, P1).
unsafe fn reclaim_and_count(page: PageRef) -> (u64, u64) {
    // SAFETY: forwarded caller guarantee.
    unsafe { page.reclaim_remote_frees() };
    let n = page.allocated_count() as u64;
    (n, n * page.slot_size() as u64)
}

/// Output of the refs pass.
pub(crate) struct RefsResult {
    /// Tracked objects in use.
    pub visited: u64,
    pub candidates: u64,
    /// Every candidate, held (GARBAGE | PENDING). Final garbage if mark-reachable finds no
    /// seed (every `gc_refs` is then 0 again: H1 holds without a scan); otherwise the scan
    /// settles it. `heap_bytes` is counted here either way.
    pub held: ScanResult,
}

/// Output of the scan pass.
#[derive(Default)]
pub(crate) struct ScanResult {
    pub garbage: GarbageParts,
    pub to_finalize: Vec<ObjRef>,
    pub weakly_referenced: Vec<ObjRef>,
    /// Objects in use seen, tracked or not (the heap before this collection frees).
    pub heap_objects: u64,
    /// Bytes of every in-use slot seen (the heap in use before this collection frees).
    pub heap_bytes: u64,
    /// The garbage `clear` must see, when that is known to be less than all of it: with
    /// [`VmBinding::CLEAR_SKIPS_GARBAGE`], when the refs pass's held candidates are the
    /// garbage, those that reported a reference to a non-candidate. Every other garbage object
    /// refers only to garbage, so its `clear` would do nothing. `None`: clear all. (Set by the
    /// refs pass; the scan, and VM code running on the garbage, make it `None`.)
    pub to_clear: Option<Vec<ObjRef>>,
}

impl ScanResult {
    /// Join the workers' parts, in a deterministic order: by first object address of each
    /// part.
    /// `known_clear`: the parts come from the refs pass (see `to_clear`).
    fn assemble<B: VmBinding>(mut parts: Vec<ScanPart>, known_clear: bool) -> ScanResult {
        parts.sort_by_key(|p| p.garbage.first().map(|o| o.addr()).unwrap_or(usize::MAX));
        let mut all = ScanResult::default();
        let mut lists = Vec::with_capacity(parts.len());
        let mut to_clear = Vec::new();
        for p in parts {
            lists.push(p.garbage);
            all.to_finalize.extend(p.to_finalize);
            all.weakly_referenced.extend(p.weakly_referenced);
            to_clear.extend(p.to_clear);
            all.heap_objects += p.heap_objects;
            all.heap_bytes += p.heap_bytes;
        }
        // Only the refs pass of a binding that skips garbage children collects it.
        all.to_clear = (B::CLEAR_SKIPS_GARBAGE && known_clear).then_some(to_clear);
        all.garbage = GarbageParts::new(lists);
        all
    }
}
