//! # gc-core: a parallel cycle collector for free-threaded object models
//!
//! Reference counting frees most objects of a free-threaded interpreter; this crate frees the
//! rest: reference cycles. It is a stop-the-world, mark-and-trial-deletion collector in the
//! style of CPython's free-threaded GC, except that every phase runs on all GC workers.
//!
//! - [`heap`]: per-thread allocation heaps (size-class pages, lock-free owner fast path,
//!   remote frees, abandoned pages adopted later).
//! - [`safepoint`]: mutator states, polls and stop-the-world.
//! - [`binding`]: the one contract a VM implements ([`VmBinding`]).
//! - [`GcRuntime`] / [`Mutator`]: the VM-to-GC API: allocate, poll, collect, configure. They
//!   sit on the runtime's shared state (`state.rs`) and the trigger (`trigger.rs`), which the
//!   collector uses too; nothing below them imports them.
//! - [`record`]: what each collection did, for stats, logs, traces and plots.
//!
//! Start with `docs/binding-guide.md` in the repository for a walk-through.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub(crate) mod primitive;

pub mod binding;
mod collector;
pub mod config;
pub mod error;
pub mod gctrace;
pub mod heap;
pub mod mutator;
pub mod object;
pub mod record;
pub mod runtime;
pub mod safepoint;
mod state;
mod trigger;

pub use binding::{GarbageQuery, Tracer, VmBinding};
pub use config::GcConfig;
pub use error::ContractViolation;
pub use heap::{AllocError, HeapSpace, HeapStats, PageRef, ThreadHeap, PAGE_SIZE};
pub use mutator::Mutator;
pub use object::{ObjRef, HEADER_SIZE, PAYLOAD_ALIGN};
pub use record::{CollectionKind, CollectionRecord, Phase, TriggerReason};
pub use runtime::{CallbackInfo, CallbackPhase, GcRuntime, GcStats};
pub use safepoint::{Safepoints, StopReport, ThreadSlot};
