//! gc-core's side of the benchmarks: gc-testkit's lean flavor, a node with an atomic
//! reference count, two inline edge slots and a spill `Vec` for nodes with more references
//! (gc_traversal's lists), and nothing else (no canary, lock, finalizer or weak reference).
//!
//! The binding is the kit's, shared with gc-core's tests and gc-stress, so a change to the
//! binding contract is made once. Edges are written only while a graph is being built, by the
//! thread building it, before any collection can see the node; the collector reads them with
//! the world stopped (contract rules 3, 4 and 8).

pub use gc_testkit::lean::{link, new_obj, runtime, Root, NODE_SIZE};

/// The benchmark binding (the kit's lean flavor).
pub type BenchVm = gc_testkit::lean::LeanVm;
