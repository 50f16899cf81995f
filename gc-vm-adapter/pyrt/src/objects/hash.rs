//! `hash()` with CPython's values: numbers hash modulo the Mersenne prime 2**61 - 1 (so that
//! equal ints, floats and bools hash alike, as Python requires), tuples combine their items
//! with CPython 3.11's xxHash-based scheme, and instances use their class's `__hash__` or
//! their identity. Strings are hashed by the adapter's `hash_str` (CPython randomises its
//! string hashes anyway), and ints, tuples and None share the adapter's value-key functions,
//! so that pyrt's dicts and the adapter's value-key API agree on every key they both know.

use num_bigint::Sign;
use num_traits::ToPrimitive;

use crate::objects::{int_of, IntVal};
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::types::dict::{fix_hash, hash_addr, hash_str, HASH_NONE};
use gc_vm_adapter::{Kind, Ref};

/// CPython's `_PyHASH_MODULUS`, 2**61 - 1.
const MODULUS: u64 = (1 << 61) - 1;
/// CPython's `_PyHASH_INF`: the hash of `inf` (`-inf` hashes to its negation).
const HASH_INF: i64 = 314_159;

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
    fix_hash(if neg { -h } else { h })
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
    Some(fix_hash(if x < 0.0 { -h } else { h }))
}

/// CPython 3.11's tuple hash (`tuplehash`, xxHash's round over the items' hashes).
pub fn hash_tuple(items: &[i64]) -> i64 {
    gc_vm_adapter::types::dict::hash_tuple(items)
}

impl Vm {
    /// `hash(o)`: `TypeError` "unhashable type" for lists, dicts and instances whose class
    /// sets `__hash__ = None` or defines `__eq__` without `__hash__` (Python then disables the
    /// inherited identity hash); a class's own `__hash__` must return an int, which is hashed
    /// again as an int (so a big result is reduced like CPython does).
    pub fn hash(&self, o: &Ref) -> PyResult<i64> {
        if let Some(x) = o.as_float() {
            return Ok(hash_float(x).unwrap_or_else(|| hash_addr(o.addr())));
        }
        if let Some(i) = int_of(o) {
            return Ok(hash_int(&i));
        }
        match o.kind() {
            Kind::None => Ok(HASH_NONE),
            Kind::Str => Ok(hash_str(o.as_str().unwrap_or(""))),
            Kind::Tuple => self.hash_tuple_deep(o),
            Kind::Instance => self.instance_hash(o),
            Kind::List | Kind::Dict => Err(self.unhashable(o)),
            _ => match self.hash_range(o) {
                Some(h) => h,
                None => Ok(hash_addr(o.addr())),
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
                // CPython's `slot_tp_hash`: a result that fits a machine word is the hash
                // as is (-1 made -2); a bigger one is hashed again as an int.
                return match int_of(&r) {
                    Some(IntVal::S(v)) => Ok(fix_hash(v)),
                    Some(i) => Ok(hash_int(&i)),
                    None => Err(self.type_error("__hash__ method should return an integer")),
                };
            }
            if cls.get_attr("__eq__").is_some() {
                return Err(self.unhashable(o));
            }
            cur = cls.base().map(|b| b.to_ref());
        }
        Ok(hash_addr(o.addr()))
    }
}
