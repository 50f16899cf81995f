//! The object models the stress workloads run on, behind one small interface, and the
//! independent reachability checker each of them implements.
//!
//! The drivers ([`crate::scale`], [`crate::collect`]) only use [`Model`] and [`ModelWorker`]:
//! allocate nodes, link them into a *unit* (a ring, a tree, a list chain), keep a unit in the
//! live set or let it become garbage, poll, collect, check. Two models implement it:
//!
//! * [`adapter`] (default, `--model adapter`): gc-vm-adapter's nogil object model — biased
//!   reference counting, per-object locks, `Ref` handles, global roots. A node is a list
//!   `[tag, next, prev]` whose first item is the unit's tag int. This is what a VM built on
//!   the adapter does.
//! * [`lean`] (`--model lean`): gc-testkit's tagged nodes directly on gc-core: a node is a
//!   canary word, a unit id, a count and its edges. It isolates the collector from the object
//!   model, and it is the one that can host the injected fault (`--inject-fault`).
//!
//! # The checker
//!
//! [`Model::check`] never uses the collector's code paths. It walks the live set from the
//! workload's own record of it (unit heads, their unit ids and sizes) with its own visited
//! set, and for every object it reaches: asks the heap whether the address is still an
//! allocated object *before* reading a byte of it, checks that the object is intact (lean: the
//! canary word; adapter: the kind and the unit's tag as first item — freed memory is poisoned,
//! gc-core's `poison` feature is on by default in gc-stress), checks that it still belongs to
//! the unit it was built in (a freed slot reused by a newer object belongs to another unit),
//! and counts the unit's objects against the size it was built with. Violations are kept as
//! messages; the drivers print them and exit with status 1.

use std::sync::Arc;

use gc_core::record::CollectionRecord;
use gc_core::GcStats;

pub mod adapter;
pub mod lean;

/// Violation messages found by a checker or a model's own hooks (the kit's type: the lean
/// model's binding records into it directly).
pub use gc_testkit::tagged::Violations;

/// Options of a model runtime.
#[derive(Clone, Debug)]
pub struct WorldOptions {
    /// GC workers.
    pub workers: usize,
    /// Automatic collection on.
    pub automatic: bool,
    /// gc-core's own self-check after every collection (`GcConfig::with_verify`).
    pub core_verify: bool,
}

/// Result of one [`Model::check`].
#[derive(Clone, Debug, Default)]
pub struct CheckReport {
    /// Objects reached from the live set.
    pub live_objects: u64,
    /// Units checked.
    pub units: u64,
    /// Violations found by this check.
    pub violations: u64,
}

/// Shape of a unit built by [`ModelWorker::link`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum UnitKind {
    /// A ring: node i refers to nodes i+1 and i-1.
    Ring,
    /// A binary tree whose leaves refer back to the root (every node is on a cycle).
    CyclicTree,
}

/// A model runtime: a gc-core runtime bound to an object model, plus the counters and the
/// live-set record the checker uses.
pub trait Model: Send + Sync + Sized + 'static {
    /// A mutator thread of this model.
    type Worker: ModelWorker<Node = Self::Node, Unit = Self::Unit>;
    /// A loose node (allocated, not yet linked; may be sent to another thread).
    type Node: Send + 'static;
    /// A built unit (dropping it without keeping it makes it garbage).
    type Unit: Send + 'static;
    /// `adapter` or `lean`.
    const NAME: &'static str;
    /// Whether `--inject-fault` can work on this model.
    const SUPPORTS_FAULT: bool;

    /// A new runtime.
    fn create(opts: &WorldOptions) -> Arc<Self>;
    /// Register the calling thread as a mutator (attached).
    fn attach(self: &Arc<Self>, name: &str) -> Self::Worker;
    /// Subscribe to collection records.
    fn subscribe(&self, f: impl Fn(&CollectionRecord) + Send + Sync + 'static);
    /// Nanoseconds since the gc-core runtime's epoch.
    fn now_ns(&self) -> u64;
    /// gc-core's cumulative statistics.
    fn stats(&self) -> GcStats;
    /// GC workers.
    fn workers(&self) -> usize;
    /// The most recent collection record.
    fn last_record(&self) -> Option<CollectionRecord>;
    /// The records gc-core keeps (bounded ring).
    fn records(&self) -> Vec<CollectionRecord>;
    /// Workload objects in use according to the heap (the model's own fixed objects, such as
    /// singletons, are not counted).
    fn heap_live_objects(&self) -> u64;
    /// Heap bytes in use.
    fn heap_live_bytes(&self) -> u64;
    /// Objects allocated by the workload so far (flushed by workers).
    fn allocated(&self) -> u64;
    /// Objects freed so far (lean: counted by the binding's destroy hook; adapter: derived
    /// from the heap, `allocated - heap_live_objects`).
    fn destroyed(&self) -> u64;
    /// Violations found so far.
    fn violations(&self) -> &Arc<Violations>;
    /// The independent checker (see the module docs). Must not run concurrently with a
    /// collection's free phase: call it from a subscriber (the collection lock is still held)
    /// or with every mutator paused.
    fn check(&self) -> CheckReport;
    /// Release the live set (the calling thread is attached). Called once at the end of a run,
    /// after the final check.
    fn teardown(&self);
}

/// One mutator thread of a [`Model`].
pub trait ModelWorker {
    /// See [`Model::Node`].
    type Node: Send + 'static;
    /// See [`Model::Unit`].
    type Unit: Send + 'static;

    /// Allocate `n` loose nodes.
    fn alloc_nodes(&mut self, n: usize) -> Vec<Self::Node>;
    /// Link loose nodes (from any thread's heap) into a unit of `kind`.
    fn link(&mut self, kind: UnitKind, nodes: Vec<Self::Node>) -> Self::Unit;
    /// Make loose nodes garbage.
    fn discard(&mut self, nodes: Vec<Self::Node>);
    /// A ring of `n` nodes from this thread's heap.
    fn ring(&mut self, n: usize) -> Self::Unit {
        let nodes = self.alloc_nodes(n);
        self.link(UnitKind::Ring, nodes)
    }
    /// A binary tree of `n` nodes (acyclic: only the root has no references to it).
    fn tree(&mut self, n: usize) -> Self::Unit;
    /// pyperformance's gc_traversal: lists `0..n`, list `k` holds `k` references to list
    /// `k - 1`; the unit's head is list `n - 1`.
    fn list_chain(&mut self, n: usize) -> Self::Unit;
    /// Objects in a unit (as the checker counts them).
    fn unit_size(u: &Self::Unit) -> u64;
    /// Objects of a garbage unit the collector itself frees (the adapter's tag int is freed
    /// by reference counting when the collector clears the unit's nodes).
    fn unit_collected(u: &Self::Unit) -> u64 {
        Self::unit_size(u)
    }
    /// Keep a unit in this thread's live set.
    fn keep(&mut self, u: Self::Unit);
    /// Keep a unit through the injected fault (`--inject-fault skip-mark`): the next
    /// collection skips its mark. Only when [`Model::SUPPORTS_FAULT`].
    fn keep_faulty(&mut self, u: Self::Unit);
    /// Replace the `i`-th kept unit with `u`; the old one becomes garbage.
    fn replace(&mut self, i: usize, u: Self::Unit);
    /// Units kept by this thread.
    fn kept(&self) -> usize;
    /// Size of the `i`-th kept unit.
    fn kept_size(&self, i: usize) -> u64;
    /// Safepoint poll (may run a requested collection).
    fn poll(&mut self);
    /// A full collection now; objects collected.
    fn collect(&mut self) -> usize;
    /// Add this worker's allocation count to the model's counter.
    fn flush_counts(&mut self);
    /// Run `f` detached (it must not touch managed objects).
    fn detached<R>(&self, f: impl FnOnce() -> R) -> R;
}
