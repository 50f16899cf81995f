//! Atomic (reference-free) types: `None`, `bool`, int, float, str. Allocated untracked: they
//! can never be part of a cycle. `None`, `True` and `False` are immortal per-runtime singletons.

use std::fmt;

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
