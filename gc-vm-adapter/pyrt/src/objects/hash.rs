//! `hash()` with CPython's values: numbers hash modulo the Mersenne prime 2**61 - 1 (so that
//! equal ints, floats and bools hash alike, as Python requires), tuples combine their items
//! with CPython 3.11's xxHash-based scheme, and instances use their class's `__hash__` or
//! their identity. Strings are hashed by Rust's hasher: CPython randomises theirs anyway.

use num_bigint::Sign;
use num_traits::ToPrimitive;

use crate::objects::{int_of, IntVal};
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::{Kind, Ref};

/// CPython's `_PyHASH_MODULUS`, 2**61 - 1.
const MODULUS: u64 = (1 << 61) - 1;
/// CPython's `_PyHASH_INF`: the hash of `inf` (`-inf` hashes to its negation).
const HASH_INF: i64 = 314_159;

/// A hash value as CPython returns it: -1 is its error marker, so it becomes -2.
fn fix_minus_one(h: i64) -> i64 {
    if h == -1 {
        -2
    } else {
        h
    }
}

/// The hash of an int: its magnitude modulo 2**61 - 1, with the int's sign.
pub fn hash_int(i: &IntVal) -> i64 {
    let (neg, rem) = match i {
        IntVal::S(v) => (*v < 0, v.unsigned_abs() % MODULUS),
        IntVal::B(b) => {
            let m = (b.magnitude() % MODULUS)
                .to_u64()
                .expect("below the modulus");
            (b.sign() == Sign::Minus, m)
        }
    };
    let h = rem as i64;
    fix_minus_one(if neg { -h } else { h })
}

/// The hash of a float, `None` for a NaN (which CPython hashes by identity). A finite float is
/// `m * 2**e` with an integer mantissa; since 2**61 = 1 modulo the prime, `2**e` is
/// `2**(e mod 61)` there, which keeps integral floats equal to their ints' hashes.
pub fn hash_float(x: f64) -> Option<i64> {
    if x.is_nan() {
        return None;
    }
    if x.is_infinite() {
        return Some(if x > 0.0 { HASH_INF } else { -HASH_INF });
    }
    if x == 0.0 {
        return Some(0);
    }
    let bits = x.abs().to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1 << 52) - 1);
    // Subnormals have no implicit bit and the minimum exponent.
    let (mant, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), exp - 1075)
    };
    let shift = e.rem_euclid(61) as u32;
    let h = ((mant as u128 % MODULUS as u128) << shift) % MODULUS as u128;
    let h = h as i64;
    Some(fix_minus_one(if x < 0.0 { -h } else { h }))
}

/// CPython 3.11's tuple hash (`tuplehash`, xxHash's round over the items' hashes).
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
fn hash_pointer(addr: usize) -> i64 {
    fix_minus_one((addr as u64).rotate_right(4) as i64)
}

impl Vm {
    /// `hash(o)`: `TypeError` "unhashable type" for lists, dicts and instances whose class
    /// sets `__hash__ = None` or defines `__eq__` without `__hash__` (Python then disables the
    /// inherited identity hash); a class's own `__hash__` must return an int, which is hashed
    /// again as an int (so a big result is reduced like CPython does).
    pub fn hash(&self, o: &Ref) -> PyResult<i64> {
        if let Some(x) = o.as_float() {
            return Ok(hash_float(x).unwrap_or_else(|| hash_pointer(o.addr())));
        }
        if let Some(i) = int_of(o) {
            return Ok(hash_int(&i));
        }
        match o.kind() {
            Kind::None => Ok(hash_pointer(o.addr())),
            Kind::Str => {
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                o.as_str().unwrap_or("").hash(&mut h);
                Ok(fix_minus_one(h.finish() as i64 >> 1))
            }
            Kind::Tuple => self.hash_tuple_deep(o),
            Kind::Instance => self.instance_hash(o),
            Kind::List | Kind::Dict => Err(self.unhashable(o)),
            _ => match self.hash_range(o) {
                Some(h) => h,
                None => Ok(hash_pointer(o.addr())),
            },
        }
    }

    fn unhashable(&self, o: &Ref) -> crate::vm::PyErr {
        self.type_error(format!("unhashable type: '{}'", self.type_name(o)))
    }

    /// An instance's hash: the nearest class on its chain that defines `__hash__` or `__eq__`
    /// decides, as CPython's type creation sets `__hash__ = None` beside a lone `__eq__`.
    fn instance_hash(&self, o: &Ref) -> PyResult<i64> {
        let mut cur = o.as_instance().and_then(|i| i.class()).map(|c| c.to_ref());
        while let Some(c) = cur {
            let Some(cls) = c.as_class() else { break };
            if let Some(h) = cls.get_attr("__hash__") {
                if h.is_none() {
                    return Err(self.unhashable(o));
                }
                let r = self.call(&h, vec![o.clone()], Vec::new())?;
                return match int_of(&r) {
                    Some(i) => Ok(hash_int(&i)),
                    None => Err(self.type_error("__hash__ method should return an integer")),
                };
            }
            if cls.get_attr("__eq__").is_some() {
                return Err(self.unhashable(o));
            }
            cur = cls.base().map(|b| b.to_ref());
        }
        Ok(hash_pointer(o.addr()))
    }
}
