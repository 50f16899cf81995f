//! The std/loom shim: every synchronisation primitive the concurrency protocols use comes from
//! here, so that `RUSTFLAGS="--cfg loom"` swaps the whole crate onto loom's model-checked types
//! without a single `cfg` in the protocol code itself (the crossbeam pattern).

#[cfg(not(loom))]
#[allow(unused_imports)]
pub(crate) mod sync {
    pub(crate) use std::sync::atomic;
    pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard};
}

#[cfg(loom)]
#[allow(unused_imports)]
pub(crate) mod sync {
    pub(crate) use loom::sync::atomic;
    pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
}

#[cfg(not(loom))]
#[allow(unused_imports)]
pub(crate) mod hint {
    pub(crate) use std::hint::spin_loop;
}

#[cfg(loom)]
#[allow(dead_code)]
pub(crate) mod hint {
    /// Under loom a spin must yield so the model explores the other threads.
    pub(crate) fn spin_loop() {
        loom::thread::yield_now();
    }
}
