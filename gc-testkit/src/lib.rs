//! The workspace's one test binding: configurable reference-counted nodes on gc-core, the
//! standard graph shapes, and the reachability oracle. Unpublished; gc-core's tests,
//! gc-stress's lean model and the benchmarks all build on it, so a change to gc-core's
//! [`VmBinding`](gc_core::VmBinding) contract is made here once (plus the adapter and the
//! one standalone example in `gc-core/examples/`).
//!
//! # The model
//!
//! Every object is a [`Node`](node::Node): an atomic strong count, a list of strong edges
//! (two inline slots, then a spill vector), and a flavor's extras. Counts are exact: every
//! edge is counted when [`link`](node::link) stores it, every external reference (a test's
//! [`Handle`](checked::Handle), a benchmark's [`Root`](lean::Root), a stress root list) is
//! counted by its owner. Dropping the last reference runs the usual reference-counting
//! cascade ([`NodeVm::decref`](node::NodeVm::decref)); cycles are left to the collector.
//!
//! [`NodeVm<F>`](node::NodeVm) is the binding, written once. The [`Flavor`](node::Flavor)
//! `F` is a marker type that picks the extras, the VM-side state and a few hooks, and the two
//! trait constants that cannot vary at run time:
//!
//! | flavor | payload | used by | extras |
//! |---|---|---|---|
//! | [`lean::Lean`] | 48 B | benches | none: a count and edges |
//! | [`tagged::Tagged`] | 72 B | gc-stress `--model lean` | canary, unit id, live-set flags; root lists; a checker |
//! | [`checked::Checked<false>`](checked::Checked) ([`TestVm`](checked::TestVm)) | more | gc-core's tests | id, canary checked on every access, edge lock, finalizers, weakrefs with callbacks, fault injection, destroy/finalize logs |
//! | [`checked::Checked<true>`](checked::Checked) ([`SkipVm`](checked::SkipVm)) | same | `clear_skips_garbage` | as above, with `CLEAR_SKIPS_GARBAGE` and `CLEAR_ON_WORKERS` |
//!
//! Hooks default to the lean behaviour and are `#[inline(always)]`, so `NodeVm<Lean>`'s
//! `trace` compiles to the bare edge loop of a hand-written binding: no indirection, no
//! branch on a flag.
//!
//! # Writing a test
//!
//! ```
//! use gc_testkit::checked::*;
//!
//! let (rt, m) = world(4); // 4 GC workers, every collection parallel, checks on
//! let a = new_node(&m, 1);
//! let b = new_node(&m, 2);
//! a.link(&b);
//! b.link(&a); // a 2-cycle, each held by a handle
//! let keep = a.clone();
//! drop((a, b));
//! assert_eq!(m.collect(), 0); // still reachable from `keep`
//! drop(keep);
//! assert_eq!(m.collect(), 2);
//! assert_eq!(rt.binding().destroyed_set(), [1, 2].into());
//! ```
//!
//! # Shapes and the oracle
//!
//! [`shape`] holds the DESIGN §5 graphs (ring, tree, cyclic tree, gc_traversal's list chain,
//! random graphs) as edge lists over indices, so any system, ours or a peer's, builds the
//! same graph from the same code. [`oracle`] computes what a correct collector frees from the
//! test's own model of the graph: everything not reachable from the references it holds.
//!
//! # Safety
//!
//! The kit's one payload cast is [`node::node`]; edges are written through
//! [`Flavor::with_edges_mut`](node::Flavor::with_edges_mut) (a lock for checked nodes, none
//! for the others, whose nodes are built by one thread before anything else can see them).

pub mod checked;
pub mod lean;
pub mod node;
pub mod oracle;
pub mod shape;
pub mod tagged;

pub use node::{Flavor, Node, NodeVm};
