//! # gc-core: a parallel cycle collector for free-threaded object models
//!
//! See the repository's `docs/design.md` for the architecture and invariants.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub(crate) mod primitive;

pub mod heap;
pub mod object;

pub use heap::{AllocError, HeapSpace, HeapStats, PageRef, ThreadHeap, PAGE_SIZE};
pub use object::{ObjRef, HEADER_SIZE, PAYLOAD_ALIGN};
