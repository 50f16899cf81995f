//! Shared workload builders and peer adapters for the gc-core benchmarks.
//!
//! Every system (gc-core through [`node::BenchVm`], and each peer crate in [`peers`]) implements
//! [`System`]; the builders in [`workloads`] make the same graph shapes (DESIGN §5) with any of
//! them, and [`workloads::collect_once`] times the collection of one built graph.

pub mod node;
pub mod peers;
pub mod summary;
pub mod workloads;

pub use workloads::{Built, System, Workload};
