//! Parallel marking: per-worker crossbeam-deque stacks, stealing, and termination detection.
//!
//! # Claiming
//! An object is traced by exactly one worker: before pushing a child, a worker sets the
//! phase's mark bit with `fetch_or` and pushes only if the bit was clear. A cheap relaxed
//! load first skips already-marked children without a read-modify-write.
//!
//! # Termination
//! See `termination.rs` (protocol, proof, and its loom model).
//!
//! # Private stacks
//! Each worker marks depth-first from a private `Vec` (no atomics, no fences) and publishes
//! work to its crossbeam-deque only when someone could use it: every [`SPILL_CHECK`] items,
//! if its shared deque is empty and its private stack holds more than [`SPILL_MIN`] item, the
//! older half (the roots of the biggest unexplored subtrees) moves to the shared deque, where
//! idle workers steal it. With one worker nothing is ever published. Items on a private stack
//! belong to an active worker, so the termination argument is unchanged.
//!
//! # One loop per configuration
//! [`Marker::drain`] picks one of four monomorphized loops (claim by plain store or by
//! `fetch_or`, prefetching or not), so the per-edge code has no run-time switches, and keeps
//! the private stack and counters in locals. When the binding's `trace` is inlined into that
//! loop (it is generic over the tracer; the binding guide recommends `#[inline]`), the stack
//! length stays in a register; through an out-of-line call every push and pop goes through
//! memory, and each waits for the previous one's store: the 1M-node tree marked about 1.6x
//! slower that way (docs/design.md).
//!
//! # Prefetching
//! Claiming a child reads its header, which is usually a cache miss (children live anywhere).
//! With prefetching on ([`GcConfig::mark_prefetch`](crate::GcConfig); by default when
//! marking with 4 or more workers), a reported child is
//! not claimed at once: its header is prefetched and it waits in a small FIFO
//! ([`PREFETCH_DISTANCE`] entries); it is claimed when [`PREFETCH_DISTANCE`] more edges have
//! been reported (or when the worker runs out of other work), by which time the line has
//! usually arrived. With one worker it measured slower (it delays claims, so the traversal
//! loses the depth-first locality that allocation order gives), with two level or slower
//! (steals are rare, so the order is kept); from four, where stealing breaks that order,
//! faster (up to 1.4x on a 10M-object tree with 16 workers). The figures are in
//! `docs/design.md`.
//!
//! # Spans
//! A container with more than [`SPAN`] reference slots (see
//! [`VmBinding::reference_slots`]) is not traced in one go: its slots are pushed as spans,
//! so other workers steal and trace parts of one huge list in parallel.

use crossbeam_deque::{Injector, Steal, Stealer, Worker};
use parking_lot::Mutex;

use crate::binding::{Tracer, VmBinding};
use crate::collector::edges::EdgeFilter;
use crate::collector::termination::Termination;
use crate::object::ObjRef;

/// Reference slots per span when a large container is split.
pub(crate) const SPAN: usize = 2048;

/// A unit of marking work: a whole object, or one span of a large object's slots.
#[derive(Copy, Clone)]
pub(crate) struct Item {
    obj: ObjRef,
    /// `u32::MAX` = the whole object; otherwise the span index.
    span: u32,
}

impl Item {
    #[inline]
    pub(crate) fn whole(obj: ObjRef) -> Self {
        Item {
            obj,
            span: u32::MAX,
        }
    }
}

/// Which objects a marking pass walks through and which bit it claims.
#[derive(Copy, Clone)]
pub(crate) struct MarkRule {
    /// Header bits to compare...
    pub mask: u32,
    /// ...with this value for an object to be markable.
    pub want: u32,
    /// The bit claimed.
    pub bit: u32,
    /// The bit's value while an object is not marked (0 or `bit`): the main mark bit's
    /// meaning alternates between collections (see `flags::MARKED`).
    pub unmarked: u32,
}

impl MarkRule {
    /// Whether an object with header `flags` should be claimed (not marked yet).
    #[inline]
    pub(crate) fn accepts(&self, flags: u32) -> bool {
        flags & self.mask == self.want && flags & self.bit == self.unmarked
    }

    /// Try to claim `obj` (header flags `flags`, just read); true if this caller flipped the
    /// bit. `exclusive`: no other thread writes headers now (one worker, world stopped), so
    /// a plain store of `flags` with the bit flipped does: unlike a locked read-modify-write
    /// it lets the next child's header miss overlap this one (the mark is latency bound).
    #[inline]
    pub(crate) fn claim_as(&self, obj: ObjRef, flags: u32, exclusive: bool) -> bool {
        if exclusive {
            if !self.accepts(flags) {
                return false;
            }
            obj.header().store_flags(flags ^ self.bit);
            return true;
        }
        self.claim(obj, flags)
    }

    /// Try to claim `obj` atomically; true if this caller flipped the bit.
    #[inline]
    pub(crate) fn claim(&self, obj: ObjRef, flags: u32) -> bool {
        if !self.accepts(flags) {
            return false;
        }
        if self.unmarked == 0 {
            obj.header().set(self.bit) & self.bit == 0
        } else {
            obj.header().unset(self.bit) & self.bit != 0
        }
    }
}

/// Edges between a child's prefetch and its claim.
pub(crate) const PREFETCH_DISTANCE: usize = 8;

/// Hint the CPU to load `obj`'s header into the cache. Never faults, whatever the address.
#[inline(always)]
fn prefetch(obj: ObjRef) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it never faults and has no architectural effect.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(obj.header()
            as *const _
            as *const i8)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = obj;
}

/// Children reported but not yet claimed, oldest first (a ring).
struct Fifo {
    slots: [Option<ObjRef>; PREFETCH_DISTANCE],
    next: usize,
}

impl Fifo {
    fn new() -> Self {
        Fifo {
            slots: [None; PREFETCH_DISTANCE],
            next: 0,
        }
    }

    /// Put `obj` in, taking out the oldest entry.
    #[inline]
    fn exchange(&mut self, obj: ObjRef) -> Option<ObjRef> {
        let old = self.slots[self.next].replace(obj);
        self.next = (self.next + 1) % PREFETCH_DISTANCE;
        old
    }
}

/// Items processed between checks whether to publish work.
const SPILL_CHECK: u32 = 32;
/// A private stack must hold more than this many items before half of it is published (one
/// to publish, one to go on with). A depth-first stack over a binary tree holds about one
/// item per level, so with the former minimum of 16 the other workers waited until the
/// marking worker was 17 levels deep: on a 100k-node tree the second worker got nothing and
/// two workers took 0.8–0.9 ms against 0.4–0.5 now.
const SPILL_MIN: usize = 1;

/// One worker's marking stacks: a private LIFO and the shared deque others steal from.
/// Dropped during a panic (the binding's `trace` panicked), it aborts the mark, so the other
/// workers stop instead of waiting for this one to go idle.
pub(crate) struct Local<'m> {
    term: &'m Termination,
    /// Whole objects only (8 bytes an entry: a push is one store); spans live on the shared
    /// deque.
    private: Vec<ObjRef>,
    /// An item taken from elsewhere (a steal), processed before the shared deque.
    pending: Option<Item>,
    shared: Worker<Item>,
    since_check: u32,
    /// Prefetched children waiting to be claimed (prefetching on).
    fifo: Option<Fifo>,
}

impl Drop for Local<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.term.abort();
        }
    }
}

/// Shared state of one parallel mark.
pub(crate) struct Marker<'a, B: VmBinding> {
    binding: &'a B,
    filter: &'a EdgeFilter<'a>,
    rule: MarkRule,
    injector: Injector<Item>,
    stealers: Vec<Stealer<Item>>,
    locals: Vec<Mutex<Option<Worker<Item>>>>,
    /// One worker: claims are plain stores (see [`MarkRule::claim_as`]) and nothing is ever
    /// published for stealing.
    exclusive: bool,
    prefetch: bool,
    term: Termination,
}

/// Per-worker counters of one mark.
#[derive(Default, Clone, Copy)]
pub(crate) struct MarkCounts {
    pub traced: u64,
    pub steals: u64,
}

impl<'a, B: VmBinding> Marker<'a, B> {
    pub(crate) fn new(
        binding: &'a B,
        filter: &'a EdgeFilter<'a>,
        rule: MarkRule,
        workers: usize,
        prefetch: bool,
    ) -> Self {
        let locals: Vec<Worker<Item>> = (0..workers).map(|_| Worker::new_lifo()).collect();
        let stealers = locals.iter().map(|w| w.stealer()).collect();
        Marker {
            binding,
            filter,
            rule,
            injector: Injector::new(),
            stealers,
            locals: locals.into_iter().map(|w| Mutex::new(Some(w))).collect(),
            exclusive: workers == 1,
            prefetch,
            term: Termination::new(),
        }
    }

    /// Seed from the collecting thread (before workers start): claims and queues `obj`.
    pub(crate) fn seed(&self, obj: ObjRef) {
        if self
            .rule
            .claim_as(obj, obj.header().flags(), self.exclusive)
        {
            self.injector.push(Item::whole(obj));
        }
    }

    /// Worker `w`'s stacks (each worker calls this once, when it starts on the mark and
    /// before it takes any seed: it joins the termination count here).
    pub(crate) fn take_local(&self, w: usize) -> Local<'_> {
        self.term.join();
        Local {
            term: &self.term,
            private: Vec::new(),
            pending: None,
            shared: self.locals[w]
                .lock()
                .take()
                .expect("worker deque taken twice"),
            since_check: 0,
            fifo: self.prefetch.then(Fifo::new),
        }
    }

    /// Claim `obj` (a seed found by a heap walk) and push it.
    #[inline]
    pub(crate) fn push_seed(&self, local: &mut Local, obj: ObjRef, flags: u32) {
        if self.rule.claim_as(obj, flags, self.exclusive) {
            local.private.push(obj);
        }
    }

    /// Process everything on `local` (used between seeds to bound stack growth).
    pub(crate) fn drain(&self, local: &mut Local, counts: &mut MarkCounts) {
        // One loop per claim kind and prefetch setting, so the per-edge code carries no
        // run-time switches and is small enough to be inlined into the binding's `trace`.
        match (self.exclusive, local.fifo.is_some()) {
            (true, false) => self.drain_as::<true, false>(local, counts),
            (true, true) => self.drain_as::<true, true>(local, counts),
            (false, false) => self.drain_as::<false, false>(local, counts),
            (false, true) => self.drain_as::<false, true>(local, counts),
        }
    }

    /// [`drain`](Self::drain) for one configuration. The private stack and the counter live
    /// in locals for the whole loop: behind `&mut Local` their lengths would go through
    /// memory, and each push and pop would wait for the last one's store (a chain of
    /// store-to-load forwards per object on the mark's critical path).
    fn drain_as<const EXCLUSIVE: bool, const PREFETCH: bool>(
        &self,
        local: &mut Local,
        counts: &mut MarkCounts,
    ) {
        let mut stack = std::mem::take(&mut local.private);
        let mut traced = 0u64;
        let mut since_check = local.since_check;
        loop {
            let obj = match stack.pop() {
                Some(o) => o,
                None if PREFETCH && self.flush_fifo(local, &mut stack) => continue,
                None => match local.pending.take().or_else(|| local.shared.pop()) {
                    Some(item) if item.span != u32::MAX => {
                        self.trace_span::<EXCLUSIVE, PREFETCH>(
                            item,
                            &mut stack,
                            local.fifo.as_mut(),
                        );
                        continue;
                    }
                    Some(item) => item.obj,
                    None => break,
                },
            };
            traced += 1;
            let n = self.binding.reference_slots(obj);
            if n > SPAN {
                // Publish the spans at once so other workers can take them.
                for s in 0..n.div_ceil(SPAN) {
                    local.shared.push(Item {
                        obj,
                        span: s as u32,
                    });
                }
            } else {
                let mut tracer = MarkTracer::<EXCLUSIVE, PREFETCH> {
                    stack: &mut stack,
                    fifo: local.fifo.as_mut(),
                    rule: self.rule,
                    filter: self.filter,
                    parent: obj.addr(),
                };
                self.binding.trace(obj, &mut tracer);
            }
            // Several workers: publish private work for stealing now and then.
            if !EXCLUSIVE {
                since_check += 1;
                if since_check >= SPILL_CHECK {
                    since_check = 0;
                    Self::maybe_spill(&mut stack, &local.shared);
                }
            }
        }
        local.private = stack;
        local.since_check = since_check;
        counts.traced += traced;
    }

    /// Trace one span of a large object's slots.
    #[inline(never)]
    fn trace_span<const EXCLUSIVE: bool, const PREFETCH: bool>(
        &self,
        item: Item,
        stack: &mut Vec<ObjRef>,
        fifo: Option<&mut Fifo>,
    ) {
        let mut tracer = MarkTracer::<EXCLUSIVE, PREFETCH> {
            stack,
            fifo,
            rule: self.rule,
            filter: self.filter,
            parent: item.obj.addr(),
        };
        let start = item.span as usize * SPAN;
        let n = self.binding.reference_slots(item.obj);
        self.binding
            .trace_slots(item.obj, start..(start + SPAN).min(n), &mut tracer);
    }

    /// Claim every child waiting in the FIFO onto `stack`; true if any was pushed.
    #[cold]
    fn flush_fifo(&self, local: &mut Local, stack: &mut Vec<ObjRef>) -> bool {
        let Some(fifo) = &mut local.fifo else {
            return false;
        };
        let before = stack.len();
        for slot in &mut fifo.slots {
            if let Some(child) = slot.take() {
                if self
                    .rule
                    .claim_as(child, child.header().flags(), self.exclusive)
                {
                    stack.push(child);
                }
            }
        }
        stack.len() > before
    }

    #[inline]
    fn maybe_spill(stack: &mut Vec<ObjRef>, shared: &Worker<Item>) {
        if stack.len() > SPILL_MIN && shared.is_empty() {
            let half = stack.len() / 2;
            for obj in stack.drain(..half) {
                shared.push(Item::whole(obj));
            }
        }
    }

    /// The marking loop with stealing and termination detection; returns when all marking
    /// work of this pass is done.
    pub(crate) fn run(&self, w: usize, local: &mut Local, counts: &mut MarkCounts) {
        loop {
            self.drain(local, counts);
            if let Some(item) = self.steal(w, local, counts) {
                local.pending = Some(item);
                continue;
            }
            // Go idle (protocol and proof in termination.rs).
            self.term.go_idle();
            loop {
                if self.term.all_idle() {
                    return;
                }
                if self.work_visible(w) {
                    self.term.resume();
                    if let Some(item) = self.steal(w, local, counts) {
                        local.pending = Some(item);
                        break;
                    }
                    self.term.go_idle();
                }
                std::hint::spin_loop();
                std::thread::yield_now();
            }
        }
    }

    fn work_visible(&self, w: usize) -> bool {
        !self.injector.is_empty()
            || self
                .stealers
                .iter()
                .enumerate()
                .any(|(i, s)| i != w && !s.is_empty())
    }

    fn steal(&self, w: usize, local: &mut Local, counts: &mut MarkCounts) -> Option<Item> {
        loop {
            match self.injector.steal_batch_and_pop(&local.shared) {
                Steal::Success(item) => return Some(item),
                Steal::Retry => continue,
                Steal::Empty => break,
            }
        }
        let n = self.stealers.len();
        for k in 1..n {
            let victim = &self.stealers[(w + k) % n];
            loop {
                match victim.steal_batch_and_pop(&local.shared) {
                    Steal::Success(item) => {
                        counts.steals += 1;
                        return Some(item);
                    }
                    Steal::Retry => continue,
                    Steal::Empty => break,
                }
            }
        }
        None
    }
}

/// The mark's tracer: claims each reported child and pushes it. `EXCLUSIVE`: one worker, claims
/// are plain stores (see [`MarkRule::claim_as`]). `PREFETCH`: children go through the FIFO.
struct MarkTracer<'a, 'f, const EXCLUSIVE: bool, const PREFETCH: bool> {
    stack: &'a mut Vec<ObjRef>,
    fifo: Option<&'a mut Fifo>,
    rule: MarkRule,
    filter: &'a EdgeFilter<'f>,
    parent: usize,
}

impl<const EXCLUSIVE: bool, const PREFETCH: bool> Tracer
    for MarkTracer<'_, '_, EXCLUSIVE, PREFETCH>
{
    #[inline(always)]
    fn edge(&mut self, child: ObjRef) {
        let child = if PREFETCH {
            let Some(fifo) = &mut self.fifo else {
                unreachable!("prefetching mark without a FIFO")
            };
            if !self.filter.admit(self.parent, child) {
                return;
            }
            prefetch(child);
            match fifo.exchange(child) {
                Some(old) => old,
                None => return,
            }
        } else {
            child
        };
        if let Some(flags) = self.filter.flags(self.parent, child) {
            if self.rule.claim_as(child, flags, EXCLUSIVE) {
                self.stack.push(child);
            }
        }
    }
}
