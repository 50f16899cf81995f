//! Value keys: the adapter's own notion of hash and equality for the keys it can read without
//! an interpreter (None, bool, int, str, tuples of these). [`Dict`](super::Dict)'s convenient
//! API ([`Dict::get`](super::Dict::get), [`Dict::insert`](super::Dict::insert), ...) keys by
//! these; an interpreter with its own equality passes a [`KeyMatch`] instead.
//!
//! The hashes are CPython's for ints, bools and tuples, and [`hash_str`] for strings, so that
//! an interpreter which uses the same functions (pyrt does) can mix both APIs on one dict.
//! Unlike Python, `Bool` and `Int` are distinct value keys.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::handle::Ref;
use crate::header::{Kind, Object};

/// How a dict compares a stored key with the key being looked up, in two steps so that the
/// dict never runs interpreter code while it holds its lock.
pub trait KeyMatch {
    /// The error a full comparison can raise (an interpreter's exception).
    type Error;
    /// Decide without running interpreter code (called with the dict's lock held): `Some`
    /// when the answer is known, `None` when only [`KeyMatch::eq`] can tell.
    fn quick(&self, stored: &Ref) -> Option<bool>;
    /// The full comparison (called with the lock released; may run arbitrary code, even code
    /// that mutates the dict: the dict then redoes the lookup).
    fn eq(&self, stored: &Ref) -> Result<bool, Self::Error>;
}

/// A hashable value key. Keys built from objects ([`HashKey::from_object`]) compare by value
/// with stored key objects of the same kind.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HashKey {
    /// `None`.
    None,
    /// A bool.
    Bool(bool),
    /// An int.
    Int(i64),
    /// A string.
    Str(Arc<str>),
    /// A tuple of value keys.
    Tuple(Arc<[HashKey]>),
}

/// CPython's `_PyHASH_MODULUS`, 2**61 - 1: ints hash to their value modulo this prime.
pub const HASH_MODULUS: u64 = (1 << 61) - 1;

/// The hash of `None` (a constant, as in CPython 3.12; 3.11 used the address).
pub const HASH_NONE: i64 = 0xFCA8_6420;

/// A hash as CPython returns it: -1 is its error marker, so it becomes -2.
#[inline]
pub fn fix_hash(h: i64) -> i64 {
    if h == -1 {
        -2
    } else {
        h
    }
}

/// CPython's hash of an `i64`: the magnitude modulo 2**61 - 1, with the sign.
#[inline]
pub fn hash_i64(v: i64) -> i64 {
    let h = (v.unsigned_abs() % HASH_MODULUS) as i64;
    fix_hash(if v < 0 { -h } else { h })
}

/// The hash of a string: SipHash-1-3 with fixed keys (deterministic; CPython randomises its
/// string hashes, so no program can depend on their values).
#[inline]
pub fn hash_str(s: &str) -> i64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    fix_hash(h.finish() as i64 >> 1)
}

/// CPython 3.11's tuple hash (`tuplehash`: xxHash's round over the items' hashes).
pub fn hash_tuple(items: &[i64]) -> i64 {
    const P1: u64 = 11_400_714_785_074_694_791;
    const P2: u64 = 14_029_467_366_897_019_727;
    const P5: u64 = 2_870_177_450_012_600_261;
    let mut acc = P5;
    for &h in items {
        acc = acc.wrapping_add((h as u64).wrapping_mul(P2));
        acc = acc.rotate_left(31);
        acc = acc.wrapping_mul(P1);
    }
    acc = acc.wrapping_add(items.len() as u64 ^ (P5 ^ 3_527_539));
    if acc == u64::MAX {
        return 1_546_275_796;
    }
    acc as i64
}

/// CPython's `_Py_HashPointer`: the address rotated right by 4 (its low bits are alignment).
#[inline]
pub fn hash_addr(addr: usize) -> i64 {
    fix_hash((addr as u64).rotate_right(4) as i64)
}

impl HashKey {
    /// The key for `obj`, if it is a value key (None, bool, int, str, tuple of these).
    pub fn from_object(obj: &Object) -> Option<HashKey> {
        Some(match obj.kind() {
            Kind::None => HashKey::None,
            Kind::Bool => HashKey::Bool(obj.as_bool()?),
            Kind::Int => HashKey::Int(obj.as_i64()?),
            Kind::Str => HashKey::Str(Arc::from(obj.as_str()?)),
            Kind::Tuple => HashKey::Tuple(
                obj.as_tuple()?
                    .iter()
                    .map(|r| HashKey::from_object(r))
                    .collect::<Option<Vec<_>>>()?
                    .into(),
            ),
            _ => return None,
        })
    }

    /// The key's hash (see the module doc).
    pub fn hash_value(&self) -> i64 {
        match self {
            HashKey::None => HASH_NONE,
            HashKey::Bool(b) => *b as i64,
            HashKey::Int(v) => hash_i64(*v),
            HashKey::Str(s) => hash_str(s),
            HashKey::Tuple(items) => {
                hash_tuple(&items.iter().map(HashKey::hash_value).collect::<Vec<_>>())
            }
        }
    }

    /// Whether the object `o` is this key's value (same kind, equal value).
    pub fn matches(&self, o: &Object) -> bool {
        match self {
            HashKey::None => o.kind() == Kind::None,
            HashKey::Bool(b) => o.kind() == Kind::Bool && o.as_bool() == Some(*b),
            HashKey::Int(v) => o.kind() == Kind::Int && o.as_i64() == Some(*v),
            HashKey::Str(s) => o.as_str() == Some(&**s),
            HashKey::Tuple(items) => o.as_tuple().is_some_and(|t| {
                t.len() == items.len() && items.iter().zip(t).all(|(k, x)| k.matches(x))
            }),
        }
    }
}

/// The hash [`Dict::insert`](super::Dict::insert) gives a key object: its value key's hash,
/// else its address (other objects key by identity).
pub(crate) fn value_hash(o: &Ref) -> i64 {
    match o.kind() {
        Kind::Str => hash_str(o.as_str().unwrap_or("")),
        Kind::Int => o.as_i64().map_or_else(|| hash_addr(o.addr()), hash_i64),
        _ => HashKey::from_object(o).map_or_else(|| hash_addr(o.addr()), |k| k.hash_value()),
    }
}

/// Value equality of two key objects: identity, else equal value keys of the same kind.
pub(crate) fn value_eq(a: &Object, b: &Object) -> bool {
    if std::ptr::eq(a, b) {
        return true;
    }
    match (a.kind(), b.kind()) {
        (Kind::Str, Kind::Str) => a.as_str() == b.as_str(),
        (Kind::Int, Kind::Int) => a.as_i64().is_some() && a.as_i64() == b.as_i64(),
        (Kind::Bool, Kind::Bool) => a.as_bool() == b.as_bool(),
        (Kind::None, Kind::None) => true,
        (Kind::Tuple, Kind::Tuple) => match (a.as_tuple(), b.as_tuple()) {
            (Some(x), Some(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| value_eq(p, q))
            }
            _ => false,
        },
        _ => false,
    }
}

/// Value-key matching of a stored key against a [`HashKey`] (never needs a second step).
impl KeyMatch for HashKey {
    type Error = std::convert::Infallible;
    fn quick(&self, stored: &Ref) -> Option<bool> {
        Some(self.matches(stored))
    }
    fn eq(&self, stored: &Ref) -> Result<bool, Self::Error> {
        Ok(self.matches(stored))
    }
}

/// Value-key matching of a stored key against a key object.
pub(crate) struct ValueKey<'a>(pub(crate) &'a Ref);

impl KeyMatch for ValueKey<'_> {
    type Error = std::convert::Infallible;
    fn quick(&self, stored: &Ref) -> Option<bool> {
        Some(value_eq(stored, self.0))
    }
    fn eq(&self, stored: &Ref) -> Result<bool, Self::Error> {
        Ok(value_eq(stored, self.0))
    }
}

impl From<&str> for HashKey {
    fn from(s: &str) -> HashKey {
        HashKey::Str(Arc::from(s))
    }
}

impl From<i64> for HashKey {
    fn from(v: i64) -> HashKey {
        HashKey::Int(v)
    }
}
