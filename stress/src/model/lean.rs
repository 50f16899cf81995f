//! The lean model: a minimal binding written directly on gc-core's [`VmBinding`] (in the
//! style of `gc-core/examples/rings.rs`).
//!
//! # Object layout and counting
//!
//! Every object is a [`Node`]: a canary word, the id of the *unit* it belongs to (a ring, a
//! tree, a list chain), a strong count, two strong slots (`a`, `b`) and a vector of further
//! strong slots (`more`). Counts are exact (contract rule 1): references between objects and
//! the live set's references are counted. The live set is held by *roots*: per-thread lists of
//! unit heads, each holding one counted reference, and also reported through
//! [`VmBinding::scan_roots`] (so live units are excluded by the mark-alive pass). Everything
//! else the workloads build is cyclic garbage. [`StressVm::destroy`] independently refuses to
//! destroy a unit head that is still in the live set.
//!
//! # The injected fault
//!
//! gc-core's `inject_skip_mark(obj)` makes the next collection ignore edges to `obj`. With
//! exact counts that can never free a live object: the skipped edges are not subtracted
//! either, so `obj` keeps external references and is kept. To make the fault bite, the unit
//! chosen for it is a tree (its head has no references from other objects) kept through an
//! *uncounted* root ([`Worker::keep_uncounted`], like a VM's deferred-counted stack reference,
//! reachable only through `scan_roots`): its head's count is 0, so skipping its mark frees the
//! whole live unit. gc-core's own self-check assumes every reference is counted, so it is off
//! in that mode; the checker here must (and does) catch the loss.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use crossbeam_utils::CachePadded;
use gc_core::record::CollectionRecord;
use gc_core::{GcConfig, GcRuntime, GcStats, Mutator, ObjRef, Tracer, VmBinding};
use parking_lot::Mutex;

use super::{CheckReport, Model, ModelWorker, UnitKind, Violations, WorldOptions};

/// The canary word at the start of every live node.
pub const CANARY: u64 = 0x5AFE_C0DE_0B1E_C7ED;

/// The payload of every object.
#[repr(C)]
pub struct Node {
    canary: u64,
    /// The unit (ring, tree, chain) this node belongs to.
    unit: u64,
    rc: AtomicUsize,
    /// Set while this node is a unit head in the live set (a root).
    rooted: AtomicBool,
    /// Its root reference is not counted (fault-injection mode only).
    uncounted: AtomicBool,
    a: Option<ObjRef>,
    b: Option<ObjRef>,
    more: Vec<ObjRef>,
}

/// A counter that every GC worker bumps during the parallel free phase: one cache line per
/// shard, each thread on its own shard (one shared atomic serialised the free phase at 8–16
/// workers).
#[derive(Default)]
struct ShardedCounter {
    shards: [CachePadded<AtomicU64>; SHARDS],
}

const SHARDS: usize = 32;

impl ShardedCounter {
    fn add(&self, n: u64) {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        thread_local! {
            static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
        }
        let i = SHARD.with(|s| *s);
        self.shards[i].fetch_add(n, Ordering::Relaxed);
    }

    fn sum(&self) -> u64 {
        self.shards.iter().map(|s| s.load(Ordering::Relaxed)).sum()
    }
}

/// Read access to a node.
///
/// # Safety
/// `obj` is an allocated object of a [`World`] whose payload was written as a `Node`.
unsafe fn node<'a>(obj: ObjRef) -> &'a Node {
    // SAFETY: caller contract.
    unsafe { &*(obj.as_ptr() as *const Node) }
}

/// Write access to a node that nobody else can reach yet (being built) or that the collector
/// holds as garbage (being cleared).
///
/// # Safety
/// As [`node`], and no other reference to the payload is live.
#[allow(clippy::mut_from_ref)]
unsafe fn node_mut<'a>(obj: ObjRef) -> &'a mut Node {
    // SAFETY: caller contract.
    unsafe { &mut *(obj.as_ptr() as *mut Node) }
}

/// A unit head kept in the live set.
#[derive(Copy, Clone, Debug)]
pub struct Root {
    /// The head object.
    pub obj: ObjRef,
    /// Its unit id.
    pub unit: u64,
    /// Objects reachable from the head (the unit's size).
    pub size: u32,
}

/// A list of roots owned by one thread (or by the driver). Locked only briefly and never
/// across a safepoint poll, so the collector can read it with the world stopped.
pub type RootList = Arc<Mutex<Vec<Root>>>;

/// The gc-core binding of the stress object model.
pub struct StressVm {
    roots: Mutex<Vec<RootList>>,
    destroyed: ShardedCounter,
    violations: Arc<Violations>,
}

// SAFETY: counts are exact for object-to-object references (every `a`/`b`/`more` entry is
// counted when stored and uncounted when cleared); the live set is reported by `scan_roots`
// with the world stopped (root lists are never locked across a poll); `trace` reports every
// slot; `clear` only drops counts of its children (which are garbage or live and never reach
// zero through this path: see `clear`); `destroy` drops the payload and touches nothing else.
unsafe impl VmBinding for StressVm {
    // `clear` only decrements counts (atomically) and never frees or runs VM code; `destroy`
    // drops the payload and counts with atomics: both are safe on GC workers, so the free
    // phase runs on all of them.
    const CLEAR_ON_WORKERS: bool = true;

    fn refcount(&self, obj: ObjRef) -> usize {
        // SAFETY: the collector passes allocated objects of this runtime (all Nodes).
        unsafe { node(obj) }.rc.load(Ordering::Relaxed)
    }

    // Inlined into the mark loop: see the binding guide's "Performance" notes.
    #[inline(always)]
    fn trace<T: Tracer>(&self, obj: ObjRef, t: &mut T) {
        // SAFETY: as above; slots are only written while a node is unreachable or garbage.
        let n = unsafe { node(obj) };
        if let Some(c) = n.a {
            t.edge(c);
        }
        if let Some(c) = n.b {
            t.edge(c);
        }
        for &c in &n.more {
            t.edge(c);
        }
    }

    fn scan_roots<T: Tracer>(&self, t: &mut T) {
        for list in self.roots.lock().iter() {
            for r in list.lock().iter() {
                t.edge(r.obj);
            }
        }
    }

    fn clear(&self, obj: ObjRef) {
        // SAFETY: `obj` is collector-held garbage: nothing else reads or writes it now.
        let n = unsafe { node_mut(obj) };
        let more = std::mem::take(&mut n.more);
        for c in [n.a.take(), n.b.take()].into_iter().flatten().chain(more) {
            // Children are garbage (freed by the collector) or live objects whose count stays
            // above zero (they are live because something else refers to them or they are
            // roots): a plain decrement, never a free (contract rule 6).
            // SAFETY: a child of a garbage object is an allocated Node until the collector
            // frees it after every clear has run.
            unsafe { node(c) }.rc.fetch_sub(1, Ordering::Relaxed);
        }
    }

    fn destroy(&self, obj: ObjRef) {
        // SAFETY: an allocated Node being destroyed once by the collector.
        let n = unsafe { node(obj) };
        if n.canary != CANARY {
            self.violations.push(format!(
                "destroy of {obj:?}: canary {:#x} is broken (double free or foreign object)",
                n.canary
            ));
            return;
        }
        if n.rooted.load(Ordering::Relaxed) {
            self.violations.push(format!(
                "object {obj:?} (unit {}) freed while it is in the live set",
                n.unit
            ));
        }
        self.destroyed.add(1);
        // SAFETY: destroyed once, after clear; the payload is a Node (drops `more`).
        unsafe { std::ptr::drop_in_place(obj.as_ptr() as *mut Node) };
    }
}

/// A runtime of the stress object model: the gc-core runtime, the root lists and the counters
/// the checker uses.
pub struct World {
    rt: GcRuntime<StressVm>,
    allocated: AtomicU64,
    next_thread: AtomicU64,
}

impl World {
    /// A new runtime.
    pub fn new(opts: &WorldOptions) -> Arc<World> {
        let vm = StressVm {
            roots: Mutex::new(Vec::new()),
            destroyed: ShardedCounter::default(),
            violations: Arc::new(Violations::default()),
        };
        let config = GcConfig::default()
            .with_workers(opts.workers)
            .with_enabled(opts.automatic)
            .with_verify(opts.core_verify)
            .with_check_edges(false)
            .with_panic_on_violation(false);
        Arc::new(World {
            rt: GcRuntime::new(vm, config),
            allocated: AtomicU64::new(0),
            next_thread: AtomicU64::new(1),
        })
    }

    /// The gc-core runtime.
    pub fn runtime(&self) -> &GcRuntime<StressVm> {
        &self.rt
    }

    /// Register the calling thread as a mutator (attached).
    pub fn attach(self: &Arc<Self>, name: &str) -> Worker {
        let roots: RootList = Arc::default();
        self.rt.binding().roots.lock().push(roots.clone());
        let tid = self.next_thread.fetch_add(1, Ordering::Relaxed);
        Worker {
            world: self.clone(),
            m: self.rt.register_mutator(name),
            roots,
            next_unit: tid << 40,
            allocated: 0,
        }
    }

    /// Subscribe to collection records.
    pub fn subscribe(&self, f: impl Fn(&CollectionRecord) + Send + Sync + 'static) {
        self.rt.subscribe(f);
    }

    /// Objects allocated so far (flushed by workers).
    pub fn allocated(&self) -> u64 {
        self.allocated.load(Ordering::Relaxed)
    }

    /// Objects destroyed so far (counted by the binding's destroy hook).
    pub fn destroyed(&self) -> u64 {
        self.rt.binding().destroyed.sum()
    }

    /// The violations found so far.
    pub fn violations(&self) -> &Arc<Violations> {
        &self.rt.binding().violations
    }

    /// Objects in use according to the heap (walks the pages).
    pub fn heap_live_objects(&self) -> u64 {
        self.rt.heap_stats().live_objects as u64
    }

    /// Heap bytes in use according to the heap (walks the pages).
    pub fn heap_live_bytes(&self) -> u64 {
        self.rt.heap_stats().live_bytes as u64
    }

    /// Number of roots (live units) now.
    pub fn live_units(&self) -> u64 {
        let lists = self.rt.binding().roots.lock().clone();
        lists.iter().map(|l| l.lock().len() as u64).sum()
    }

    /// The independent checker: walk the live set from the roots and check every object
    /// reached (see the module docs). Must not run concurrently with a collection's free
    /// phase: call it from a subscriber (the collection lock is still held) or with every
    /// mutator paused.
    pub fn check(&self) -> CheckReport {
        let lists = self.rt.binding().roots.lock().clone();
        let roots: Vec<Root> = lists.iter().flat_map(|l| l.lock().clone()).collect();
        let v = &self.rt.binding().violations;
        let before = v.count();
        let space = self.rt.space();
        let mut report = CheckReport::default();
        let mut seen: HashSet<usize> = HashSet::new();
        let mut stack: Vec<ObjRef> = Vec::new();
        for r in &roots {
            report.units += 1;
            seen.clear();
            stack.clear();
            stack.push(r.obj);
            seen.insert(r.obj.addr());
            let mut count = 0u32;
            while let Some(o) = stack.pop() {
                if space.find_object(o.as_ptr()) != Some(o) {
                    v.push(format!(
                        "object {o:?} reachable from live unit {} (head {:?}) is not allocated: \
                         it was freed while reachable",
                        r.unit, r.obj
                    ));
                    continue;
                }
                // SAFETY: `o` is an allocated object of this runtime, and every object of it
                // is a Node; no collection can free it while we read (see the docs).
                let n = unsafe { node(o) };
                if n.canary != CANARY {
                    v.push(format!(
                        "object {o:?} reachable from live unit {} has a broken canary {:#x}: \
                         freed (poisoned) or overwritten",
                        r.unit, n.canary
                    ));
                    continue;
                }
                if n.unit != r.unit {
                    v.push(format!(
                        "object {o:?} reachable from live unit {} belongs to unit {}: its slot \
                         was freed and reused",
                        r.unit, n.unit
                    ));
                    continue;
                }
                count += 1;
                for c in n.a.iter().chain(n.b.iter()).chain(n.more.iter()) {
                    if seen.insert(c.addr()) {
                        stack.push(*c);
                    }
                }
            }
            if count != r.size {
                v.push(format!(
                    "live unit {} (head {:?}) has {count} intact objects, expected {}",
                    r.unit, r.obj, r.size
                ));
            }
            report.live_objects += count as u64;
        }
        report.violations = v.count() - before;
        report
    }

    /// Make every unit of `nodes` (untracked nodes left over from a cross-thread exchange)
    /// garbage: track them; they have no references, so the next collection frees them.
    pub fn discard_untracked(&self, nodes: &[ObjRef]) {
        for &o in nodes {
            self.rt.track(o);
        }
    }

    /// Test-only: make the next collection skip marking `obj` (gc-core's fault injection).
    #[cfg(feature = "fault-injection")]
    pub fn inject_skip_mark(&self, obj: ObjRef) {
        self.rt.inject_skip_mark(obj);
    }
}

/// One mutator thread of a [`World`]: builds units, keeps some in its root list, polls.
pub struct Worker {
    world: Arc<World>,
    m: Mutator<StressVm>,
    roots: RootList,
    next_unit: u64,
    allocated: u64,
}

impl Worker {
    /// The world.
    pub fn world(&self) -> &Arc<World> {
        &self.world
    }

    /// The gc-core mutator.
    pub fn mutator(&self) -> &Mutator<StressVm> {
        &self.m
    }

    /// Objects allocated by this worker and not yet flushed to the world's counter.
    pub fn flush_counts(&mut self) {
        self.world
            .allocated
            .fetch_add(std::mem::take(&mut self.allocated), Ordering::Relaxed);
    }

    /// Allocate one untracked node (count 0, no references).
    #[inline]
    pub fn alloc_node(&mut self) -> ObjRef {
        let o = self
            .m
            .alloc(std::mem::size_of::<Node>(), false)
            .expect("gc-stress: heap allocation failed");
        // SAFETY: a fresh allocation of size_of::<Node>() bytes, aligned to PAYLOAD_ALIGN (8).
        unsafe {
            (o.as_ptr() as *mut Node).write(Node {
                canary: CANARY,
                unit: 0,
                rc: AtomicUsize::new(0),
                rooted: AtomicBool::new(false),
                uncounted: AtomicBool::new(false),
                a: None,
                b: None,
                more: Vec::new(),
            })
        };
        self.allocated += 1;
        o
    }

    /// A fresh unit id.
    pub fn new_unit_id(&mut self) -> u64 {
        self.next_unit += 1;
        self.next_unit
    }

    /// Allocate `n` untracked nodes.
    pub fn alloc_nodes(&mut self, n: usize) -> Vec<ObjRef> {
        (0..n).map(|_| self.alloc_node()).collect()
    }

    /// Build a unit of `kind` from `nodes` (untracked, unreferenced nodes of any thread's
    /// heap), track it, and return it as a [`Root`] (not yet kept). Must not poll in between
    /// (it does not).
    pub fn link(&mut self, kind: UnitKind, nodes: &[ObjRef]) -> Root {
        let unit = self.new_unit_id();
        let n = nodes.len();
        assert!(n > 0);
        let set = |o: ObjRef, a: Option<ObjRef>, b: Option<ObjRef>| {
            // SAFETY: the nodes are unreachable from anything but this builder and untracked.
            let nd = unsafe { node_mut(o) };
            nd.unit = unit;
            for c in a.iter().chain(b.iter()) {
                // SAFETY: as above.
                unsafe { node(*c) }.rc.fetch_add(1, Ordering::Relaxed);
            }
            nd.a = a;
            nd.b = b;
        };
        match kind {
            UnitKind::Ring => {
                for i in 0..n {
                    set(
                        nodes[i],
                        Some(nodes[(i + 1) % n]),
                        Some(nodes[(i + n - 1) % n]),
                    );
                }
            }
            UnitKind::CyclicTree => {
                for i in 0..n {
                    let l = (2 * i + 1 < n).then(|| nodes[2 * i + 1]);
                    let r = (2 * i + 2 < n).then(|| nodes[2 * i + 2]);
                    // Leaves point back to the root: every node is on a cycle.
                    let l = if l.is_none() && r.is_none() && i != 0 {
                        Some(nodes[0])
                    } else {
                        l
                    };
                    set(nodes[i], l, r);
                }
            }
        }
        for &o in nodes {
            self.world.rt.track(o);
        }
        Root {
            obj: nodes[0],
            unit,
            size: n as u32,
        }
    }

    /// Build a ring of `n` nodes from this thread's heap.
    pub fn ring(&mut self, n: usize) -> Root {
        let nodes = self.alloc_nodes(n);
        self.link(UnitKind::Ring, &nodes)
    }

    /// Build a binary tree of `n` nodes (acyclic, every node but the root counted once).
    pub fn tree(&mut self, n: usize) -> Root {
        let nodes = self.alloc_nodes(n);
        let unit = self.new_unit_id();
        for i in 0..n {
            let l = (2 * i + 1 < n).then(|| nodes[2 * i + 1]);
            let r = (2 * i + 2 < n).then(|| nodes[2 * i + 2]);
            // SAFETY: fresh, unreachable, untracked nodes.
            let nd = unsafe { node_mut(nodes[i]) };
            nd.unit = unit;
            nd.a = l;
            nd.b = r;
            for c in l.iter().chain(r.iter()) {
                // SAFETY: as above.
                unsafe { node(*c) }.rc.fetch_add(1, Ordering::Relaxed);
            }
        }
        for &o in &nodes {
            self.world.rt.track(o);
        }
        Root {
            obj: nodes[0],
            unit,
            size: n as u32,
        }
    }

    /// pyperformance's gc_traversal: lists `0..n`, list `k` holds `k` references to list
    /// `k - 1`. Returns list `n - 1` (which reaches every list).
    pub fn list_chain(&mut self, n: usize) -> Root {
        let nodes = self.alloc_nodes(n);
        let unit = self.new_unit_id();
        for k in 0..n {
            // SAFETY: fresh, unreachable, untracked nodes.
            let nd = unsafe { node_mut(nodes[k]) };
            nd.unit = unit;
            if k > 0 {
                nd.more = vec![nodes[k - 1]; k];
                // SAFETY: as above.
                unsafe { node(nodes[k - 1]) }
                    .rc
                    .fetch_add(k, Ordering::Relaxed);
            }
        }
        for &o in &nodes {
            self.world.rt.track(o);
        }
        Root {
            obj: nodes[n - 1],
            unit,
            size: n as u32,
        }
    }

    /// Keep `root` in this thread's live set (one counted reference).
    pub fn keep(&mut self, root: Root) {
        // SAFETY: a unit head just built by this thread (allocated).
        let n = unsafe { node(root.obj) };
        n.rc.fetch_add(1, Ordering::Relaxed);
        n.rooted.store(true, Ordering::Relaxed);
        self.roots.lock().push(root);
    }

    /// Keep `root` through an uncounted root, reachable only through `scan_roots` (for the
    /// injected fault; see the module docs).
    pub fn keep_uncounted(&mut self, root: Root) {
        // SAFETY: a unit head just built by this thread (allocated).
        let n = unsafe { node(root.obj) };
        n.uncounted.store(true, Ordering::Relaxed);
        n.rooted.store(true, Ordering::Relaxed);
        self.roots.lock().push(root);
    }

    /// Number of units in this thread's live set.
    pub fn kept(&self) -> usize {
        self.roots.lock().len()
    }

    /// Replace the live unit at `index` with `root`; the old unit becomes garbage (its head's
    /// count drops back to its internal references, which are never zero for the units the
    /// scaling workload keeps). The old head is checked (allocated, canary, unit id) before it
    /// is touched; a failed check is a violation and the old head is left alone.
    pub fn replace(&mut self, index: usize, root: Root) {
        // SAFETY: a unit head just built by this thread (allocated).
        let n = unsafe { node(root.obj) };
        n.rc.fetch_add(1, Ordering::Relaxed);
        n.rooted.store(true, Ordering::Relaxed);
        let old = std::mem::replace(&mut self.roots.lock()[index], root);
        if self.world.rt.space().find_object(old.obj.as_ptr()) == Some(old.obj) {
            // SAFETY: allocated, and a Node (every object of this runtime is).
            let n = unsafe { node(old.obj) };
            if n.canary == CANARY && n.unit == old.unit {
                n.rooted.store(false, Ordering::Relaxed);
                if !n.uncounted.load(Ordering::Relaxed) {
                    let prev = n.rc.fetch_sub(1, Ordering::Relaxed);
                    assert!(prev > 1, "a kept unit head without internal references");
                }
                return;
            }
        }
        self.world.violations().push(format!(
            "live unit {} (head {:?}) was freed or overwritten before it was dropped from the \
             live set",
            old.unit, old.obj
        ));
    }

    /// The head of the `index`-th live unit.
    pub fn kept_root(&self, index: usize) -> Option<Root> {
        self.roots.lock().get(index).copied()
    }

    /// Safepoint poll (may run a requested collection).
    #[inline]
    pub fn poll(&self) {
        self.m.poll();
    }

    /// A full collection now; returns objects collected.
    pub fn collect(&self) -> usize {
        self.m.collect()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.flush_counts();
    }
}

impl Model for World {
    type Worker = Worker;
    type Node = ObjRef;
    type Unit = Root;
    const NAME: &'static str = "lean";
    const SUPPORTS_FAULT: bool = true;

    fn create(opts: &WorldOptions) -> Arc<Self> {
        World::new(opts)
    }
    fn attach(self: &Arc<Self>, name: &str) -> Worker {
        World::attach(self, name)
    }
    fn subscribe(&self, f: impl Fn(&CollectionRecord) + Send + Sync + 'static) {
        self.rt.subscribe(f);
    }
    fn now_ns(&self) -> u64 {
        self.rt.now_ns()
    }
    fn stats(&self) -> GcStats {
        self.rt.stats()
    }
    fn workers(&self) -> usize {
        self.rt.workers()
    }
    fn last_record(&self) -> Option<CollectionRecord> {
        self.rt.last_record()
    }
    fn records(&self) -> Vec<CollectionRecord> {
        self.rt.records()
    }
    fn heap_live_objects(&self) -> u64 {
        World::heap_live_objects(self)
    }
    fn heap_live_bytes(&self) -> u64 {
        World::heap_live_bytes(self)
    }
    fn allocated(&self) -> u64 {
        World::allocated(self)
    }
    fn destroyed(&self) -> u64 {
        World::destroyed(self)
    }
    fn violations(&self) -> &Arc<Violations> {
        World::violations(self)
    }
    fn check(&self) -> CheckReport {
        World::check(self)
    }
    fn teardown(&self) {}
}

impl ModelWorker for Worker {
    type Node = ObjRef;
    type Unit = Root;

    fn alloc_nodes(&mut self, n: usize) -> Vec<ObjRef> {
        Worker::alloc_nodes(self, n)
    }
    fn link(&mut self, kind: UnitKind, nodes: Vec<ObjRef>) -> Root {
        Worker::link(self, kind, &nodes)
    }
    fn discard(&mut self, nodes: Vec<ObjRef>) {
        self.world.discard_untracked(&nodes);
    }
    fn tree(&mut self, n: usize) -> Root {
        Worker::tree(self, n)
    }
    fn list_chain(&mut self, n: usize) -> Root {
        Worker::list_chain(self, n)
    }
    fn unit_size(u: &Root) -> u64 {
        u.size as u64
    }
    fn keep(&mut self, u: Root) {
        Worker::keep(self, u)
    }
    fn keep_faulty(&mut self, u: Root) {
        self.keep_uncounted(u);
        #[cfg(feature = "fault-injection")]
        self.world.inject_skip_mark(u.obj);
    }
    fn replace(&mut self, i: usize, u: Root) {
        Worker::replace(self, i, u)
    }
    fn kept(&self) -> usize {
        Worker::kept(self)
    }
    fn kept_size(&self, i: usize) -> u64 {
        self.kept_root(i).map_or(0, |r| r.size as u64)
    }
    fn poll(&mut self) {
        Worker::poll(self)
    }
    fn collect(&mut self) -> usize {
        Worker::collect(self)
    }
    fn flush_counts(&mut self) {
        Worker::flush_counts(self)
    }
    fn detached<R>(&self, f: impl FnOnce() -> R) -> R {
        self.m.detached(f)
    }
}
