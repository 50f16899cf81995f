//! Floats: untracked, reference-free.

use crate::header::Kind;
use crate::payload::Payload;

/// The payload of a float.
pub struct Float(pub f64);

// SAFETY: no references (rules 1-3 hold trivially); never tracked.
unsafe impl Payload for Float {
    const TRACKED: bool = false;
    crate::payload_type!(Float, "float", Kind::Float);
}
