//! The lean model: gc-testkit's tagged flavor ([`gc_testkit::tagged`]) driven directly on
//! gc-core, with no object model in between.
//!
//! # Object layout and counting
//!
//! Every object is a kit node with the tagged extras: a canary word, the id of the *unit* it
//! belongs to (a ring, a tree, a list chain), a strong count and its strong edges. Counts are
//! exact (contract rule 1): references between objects and the live set's references are
//! counted. The live set is held by *roots*: per-thread lists of unit heads, each holding one
//! counted reference, and also reported through `scan_roots` (so live units are excluded by
//! the mark-alive pass). Everything else the workloads build is cyclic garbage. The binding's
//! `destroy` independently refuses to destroy a unit head that is still in the live set, and
//! the checker ([`gc_testkit::tagged::check`]) walks the live set without the collector.
//! Units take their edges from [`gc_testkit::shape`], like every other system's.
//!
//! # The injected fault
//!
//! gc-core's `inject_skip_mark(obj)` makes the next collection's marks ignore edges to `obj`
//! (they are still subtracted from its count). With exact counts that can never free a live
//! object: the root's reference keeps `obj` externally referenced. To make the fault bite, the
//! unit
//! chosen for it is kept through an *uncounted* root ([`Worker::keep_uncounted`], like a VM's
//! deferred-counted stack reference, reachable only through `scan_roots`) and is a ring or a
//! tree with back-edges to its root, so every count in it, its head's included, is internal
//! references only: skipping its mark frees the whole live unit. (Not a plain tree: its head's
//! count would be 0, which gc-core treats as a breach of rule 9 and keeps alive.) gc-core's own
//! self-check assumes every reference is counted, so it is off in that mode; the checker here
//! must (and does) catch the loss.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use gc_core::record::CollectionRecord;
use gc_core::{GcConfig, GcRuntime, GcStats, Mutator, ObjRef};
use gc_testkit::{shape, tagged};

use super::{CheckReport, Model, ModelWorker, UnitKind, Violations, WorldOptions};

pub use gc_testkit::tagged::{Root, RootList, CANARY};

/// The gc-core binding of the lean model: the kit's tagged nodes.
pub type StressVm = tagged::TaggedVm;

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
        let config = GcConfig::default()
            .with_workers(opts.workers)
            .with_enabled(opts.automatic)
            .with_verify(opts.core_verify)
            .with_check_edges(false)
            .with_panic_on_violation(false);
        Arc::new(World {
            rt: tagged::runtime(config),
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
        let roots = tagged::register(self.rt.binding());
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
        self.rt.binding().destroyed_count()
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
        let before = self.violations().count();
        let (units, live_objects) = tagged::check(&self.rt);
        CheckReport {
            live_objects,
            units,
            violations: self.violations().count() - before,
        }
    }

    /// Free `nodes` (untracked, unreferenced nodes left over from a cross-thread exchange)
    /// the way a VM frees an object whose count reaches zero: by reference counting (they
    /// have no edges). Tracking them for the collector instead would break gc-core's rule 9
    /// (a tracked object with count 0 is kept alive and reported).
    pub fn discard_untracked(&self, nodes: &[ObjRef]) {
        for &o in nodes {
            // SAFETY: a loose node of this world (allocated by `alloc_node`, written as a
            // tagged node), untracked and unreferenced: nothing else can reach it.
            unsafe { gc_testkit::node::node::<gc_testkit::tagged::Tagged>(o) }.incref_by(1);
            self.rt.binding().decref(o);
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
        self.allocated += 1;
        tagged::alloc(&self.m)
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
        assert!(!nodes.is_empty());
        let unit = self.new_unit_id();
        // SAFETY: loose nodes of this world, unreachable from anything but this builder and
        // untracked; no poll until `build` returns.
        unsafe {
            tagged::build(&self.world.rt, nodes, unit, 0, |n, e| match kind {
                UnitKind::Ring => shape::ring(n, e),
                UnitKind::CyclicTree => shape::cyclic_tree(n, e),
            })
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
        // SAFETY: fresh, unreachable, untracked nodes of this world; no poll in between.
        unsafe { tagged::build(&self.world.rt, &nodes, unit, 0, |n, e| shape::tree(n, e)) }
    }

    /// pyperformance's gc_traversal: lists `0..n`, list `k` holds `k` references to list
    /// `k - 1`. Returns list `n - 1` (which reaches every list).
    pub fn list_chain(&mut self, n: usize) -> Root {
        let nodes = self.alloc_nodes(n);
        let unit = self.new_unit_id();
        let head = shape::list_chain_head(n);
        // SAFETY: as in `tree`.
        unsafe {
            tagged::build(&self.world.rt, &nodes, unit, head, |n, e| {
                shape::list_chain(n, e)
            })
        }
    }

    /// Keep `root` in this thread's live set (one counted reference).
    pub fn keep(&mut self, root: Root) {
        tagged::keep(&self.roots, root, true);
    }

    /// Keep `root` through an uncounted root, reachable only through `scan_roots` (for the
    /// injected fault; see the module docs).
    pub fn keep_uncounted(&mut self, root: Root) {
        tagged::keep(&self.roots, root, false);
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
        tagged::replace(&self.world.rt, &self.roots, index, root);
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
