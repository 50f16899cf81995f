//! Strings: untracked, reference-free.

use crate::header::Kind;
use crate::payload::Payload;

/// The payload of a str.
pub struct Str(pub Box<str>);

// SAFETY: no references (rules 1-3 hold trivially); never tracked.
unsafe impl Payload for Str {
    const TRACKED: bool = false;
    crate::payload_type!(Str, "str", Kind::Str);
}
