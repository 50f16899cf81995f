//! Integers: untracked, reference-free (a machine integer or a big one).

use std::fmt;

use crate::header::Kind;
use crate::payload::Payload;

/// An integer value. Today always the `i64` fast path; the interpreter may add a big-integer
/// variant later (the enum is non-exhaustive so callers keep a fallback arm).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Int {
    /// A machine integer.
    Small(i64),
    /// An arbitrary-precision integer (the interpreter uses it only for values outside `i64`).
    Big(Box<num_bigint::BigInt>),
}

// SAFETY: no references (rules 1-3 hold trivially); never tracked.
unsafe impl Payload for Int {
    const TRACKED: bool = false;
    crate::payload_type!(Int, "int", Kind::Int);
}

impl Int {
    /// The value as `i64`, if it fits.
    #[inline]
    pub fn to_i64(&self) -> Option<i64> {
        match self {
            Int::Small(v) => Some(*v),
            Int::Big(b) => i64::try_from(&**b).ok(),
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
            Int::Big(b) => write!(f, "{b}"),
        }
    }
}
