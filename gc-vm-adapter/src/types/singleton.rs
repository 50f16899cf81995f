//! `None` and `True`/`False`: immortal per-runtime singletons, untracked, reference-free.

use crate::header::Kind;
use crate::payload::Payload;

/// The payload of `None`.
pub struct NoneType;

/// The payload of `True`/`False`.
pub struct Bool(pub bool);

// SAFETY: no references (rules 1-3 hold trivially); never tracked.
unsafe impl Payload for NoneType {
    const TRACKED: bool = false;
    crate::payload_type!(NoneType, "NoneType", Kind::None);
}

// SAFETY: as NoneType.
unsafe impl Payload for Bool {
    const TRACKED: bool = false;
    crate::payload_type!(Bool, "bool", Kind::Bool);
}
