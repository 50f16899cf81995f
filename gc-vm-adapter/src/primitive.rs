//! The std/loom shim for the biased-refcount state machine ([`crate::header::RefCount`]).
//!
//! Under `RUSTFLAGS="--cfg loom"` the atomics of the count word come from loom, so
//! `tests/loom_brc.rs` model-checks the very code the object model runs (the crossbeam pattern).
//! Nothing else in the crate needs model checking: containers use parking_lot locks and the
//! thread registry is mutex-protected.

#[cfg(not(loom))]
pub(crate) mod atomic {
    pub(crate) use std::sync::atomic::{fence, AtomicI64, AtomicU32, AtomicU64, Ordering};
}

#[cfg(loom)]
pub(crate) mod atomic {
    pub(crate) use loom::sync::atomic::{fence, AtomicI64, AtomicU32, AtomicU64, Ordering};
}
