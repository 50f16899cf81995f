//! Integers: untracked, reference-free machine integers. Arbitrary-precision integers are
//! interpreter data: a VM that needs them defines its own payload type (pyrt's `PyBigInt`,
//! which reports [`Kind::Int`]).

use std::fmt;

use crate::header::Kind;
use crate::payload::Payload;

/// An integer value: a machine integer. Non-exhaustive so callers keep a fallback arm.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Int {
    /// A machine integer.
    Small(i64),
}

// SAFETY: no references (rules 1-3 hold trivially); never tracked.
unsafe impl Payload for Int {
    const TRACKED: bool = false;
    crate::payload_type!(Int, "int", Kind::Int);
}

impl Int {
    /// The value as `i64`.
    #[inline]
    pub fn to_i64(&self) -> Option<i64> {
        match self {
            Int::Small(v) => Some(*v),
        }
    }
}

impl From<i64> for Int {
    fn from(v: i64) -> Int {
        Int::Small(v)
    }
}

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Int::Small(v) => write!(f, "{v}"),
        }
    }
}
