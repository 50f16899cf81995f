//! # gc-core: a parallel cycle collector for free-threaded object models
//!
//! See the repository's `docs/design.md` for the architecture and invariants.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub(crate) mod primitive;

pub mod object;
pub mod safepoint;

pub use object::{ObjRef, HEADER_SIZE, PAYLOAD_ALIGN};
pub use safepoint::{Safepoints, StopReport, ThreadSlot};
