//! gc-core's test binding: gc-testkit's checked flavor ([`TestVm`]), a reference-counted node
//! with a list of strong edges, an optional finalizer, weak references with callbacks and
//! fault-injection knobs, plus the handles and helpers the tests use.
//!
//! It lives in gc-testkit (shared with gc-stress and the benchmarks, so a change to the
//! binding contract is made once); this module only brings it into each test crate.
#![allow(unused_imports)]

pub use gc_testkit::checked::*;
