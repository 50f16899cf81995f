//! Arithmetic on numbers, as CPython computes it: ints that promote to arbitrary precision on
//! overflow, floor division and modulo with Python's signs, float operations with CPython's
//! errors (`float_div_mod`, `float_pow`), and the exact int/float ordering. `ops.rs` dispatches
//! the operators here.

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_traits::{FromPrimitive, Signed, ToPrimitive, Zero};

use super::{PyResult, Vm};
use crate::bytecode::BinOp;
use crate::objects::{int_of, IntVal};
use gc_vm_adapter::Ref;

pub(super) enum Num {
    I(IntVal),
    F(f64),
}

fn floor_div_i(a: i64, b: i64) -> Option<i64> {
    let q = a.checked_div(b)?;
    if (a % b != 0) && ((a < 0) != (b < 0)) {
        Some(q - 1)
    } else {
        Some(q)
    }
}

fn py_mod_i(a: i64, b: i64) -> Option<i64> {
    let r = a.checked_rem(b)?;
    if r != 0 && ((r < 0) != (b < 0)) {
        Some(r + b)
    } else {
        Some(r)
    }
}

fn big_floor_div(a: &BigInt, b: &BigInt) -> BigInt {
    use num_integer::Integer;
    a.div_floor(b)
}

fn big_mod(a: &BigInt, b: &BigInt) -> BigInt {
    use num_integer::Integer;
    a.mod_floor(b)
}

/// Python's float `divmod(x, y)` (y nonzero) as CPython computes it (`_float_div_mod`): the
/// remainder from C's `fmod` moved to the divisor's sign, and the quotient from
/// `(x - mod) / y`, floored and then snapped to the nearest integer, so that `1 // 0.1` is 9.0
/// (`floor(1 / 0.1)` would be 10.0) and infinities give nan, not -inf.
fn float_div_mod(x: f64, y: f64) -> (f64, f64) {
    let mut m = x % y;
    let mut div = (x - m) / y;
    if m != 0.0 {
        if (y < 0.0) != (m < 0.0) {
            m += y;
            div -= 1.0;
        }
    } else {
        m = 0f64.copysign(y);
    }
    let floordiv = if div != 0.0 {
        let f = div.floor();
        if div - f > 0.5 {
            f + 1.0
        } else {
            f
        }
    } else {
        0f64.copysign(x / y)
    };
    (floordiv, m)
}

impl Vm {
    pub(super) fn num(&self, o: &Ref) -> Option<Num> {
        if let Some(x) = o.as_float() {
            return Some(Num::F(x));
        }
        int_of(o).map(Num::I)
    }

    pub(super) fn int_result(&self, v: Option<i64>, big: impl FnOnce() -> BigInt) -> Ref {
        match v {
            Some(v) => self.int(v),
            None => self.new_big(big()),
        }
    }

    /// `x / y` for ints: in floats while both are exact there (below 2**53), else by the
    /// exact big-int quotient, so `10**400 / 10**399` is 10.0 rather than an overflow.
    pub(super) fn int_true_div(&self, x: &IntVal, y: &IntVal) -> PyResult<Ref> {
        const EXACT: i64 = 1 << 53;
        if let (IntVal::S(a), IntVal::S(b)) = (x, y) {
            if *b == 0 {
                return Err(self.zero_div("division by zero"));
            }
            if a.unsigned_abs() <= EXACT as u64 && b.unsigned_abs() <= EXACT as u64 {
                return Ok(self.rt.new_float(*a as f64 / *b as f64));
            }
        }
        let (a, b) = (x.big(), y.big());
        if b.is_zero() {
            return Err(self.zero_div("division by zero"));
        }
        match crate::objects::numconv::true_div(&a, &b) {
            Some(q) => Ok(self.rt.new_float(q)),
            None => Err(self.error(
                &self.exc.overflow,
                "integer division result too large for a float",
            )),
        }
    }

    pub(super) fn zero_div(&self, what: &str) -> super::PyErr {
        self.error(&self.exc.zero_division, what)
    }

    pub(super) fn int_op(&self, op: BinOp, a: &IntVal, b: &IntVal) -> PyResult<Option<Ref>> {
        if let (IntVal::S(x), IntVal::S(y)) = (a, b) {
            let (x, y) = (*x, *y);
            let r = match op {
                BinOp::Add => x.checked_add(y),
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                BinOp::FloorDiv => {
                    if y == 0 {
                        return Err(self.zero_div("integer division or modulo by zero"));
                    }
                    floor_div_i(x, y)
                }
                BinOp::Mod => {
                    if y == 0 {
                        return Err(self.zero_div("integer modulo by zero"));
                    }
                    py_mod_i(x, y)
                }
                BinOp::BitAnd => Some(x & y),
                BinOp::BitOr => Some(x | y),
                BinOp::BitXor => Some(x ^ y),
                BinOp::LShift if (0..63).contains(&y) => x.checked_mul(1i64 << y),
                BinOp::RShift if y >= 0 => Some(if y >= 64 { x >> 63 } else { x >> y }),
                BinOp::Pow if (0..64).contains(&y) => x.checked_pow(y as u32),
                _ => None,
            };
            if let Some(r) = r {
                return Ok(Some(self.int(r)));
            }
        }
        let (x, y) = (a.big(), b.big());
        let r = match op {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => {
                if !x.is_zero()
                    && !y.is_zero()
                    && !crate::objects::bigint::result_fits(x.bits() + y.bits())
                {
                    return Err(self.error(&self.exc.memory, ""));
                }
                x * y
            }
            BinOp::FloorDiv | BinOp::Mod => {
                if y.is_zero() {
                    return Err(self.zero_div("integer division or modulo by zero"));
                }
                if op == BinOp::FloorDiv {
                    big_floor_div(&x, &y)
                } else {
                    big_mod(&x, &y)
                }
            }
            BinOp::BitAnd => x & y,
            BinOp::BitOr => x | y,
            BinOp::BitXor => x ^ y,
            BinOp::LShift | BinOp::RShift => {
                if y.is_negative() {
                    return Err(self.value_error("negative shift count"));
                }
                let Some(n) = y.to_i64() else {
                    // A count past `i64`: shifting right leaves the sign, left only fits 0.
                    return Ok(Some(match op {
                        BinOp::RShift => self.int(if x.is_negative() { -1 } else { 0 }),
                        _ if x.is_zero() => self.int(0),
                        _ => {
                            return Err(self.error(&self.exc.overflow, "too many digits in integer"))
                        }
                    }));
                };
                if n < 0 {
                    return Err(self.value_error("negative shift count"));
                }
                if op == BinOp::LShift {
                    if !x.is_zero() && !crate::objects::bigint::result_fits(x.bits() + n as u64) {
                        return Err(self.error(&self.exc.memory, ""));
                    }
                    x << n as usize
                } else {
                    x >> n as usize
                }
            }
            BinOp::Pow => {
                if y.is_negative() {
                    return Ok(None); // float result
                }
                let Some(e) = y.to_u32() else {
                    return Err(self.error(&self.exc.overflow, "exponent too large"));
                };
                if x.bits() > 1 && !crate::objects::bigint::result_fits(x.bits() * e as u64) {
                    return Err(self.error(&self.exc.memory, ""));
                }
                num_traits::pow::Pow::pow(x, e)
            }
            _ => return Ok(None),
        };
        Ok(Some(self.new_big(r)))
    }

    pub(super) fn float_op(&self, op: BinOp, x: f64, y: f64) -> PyResult<Option<Ref>> {
        let r = match op {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            BinOp::TrueDiv => {
                if y == 0.0 {
                    return Err(self.zero_div("float division by zero"));
                }
                x / y
            }
            BinOp::FloorDiv => {
                if y == 0.0 {
                    return Err(self.zero_div("float floor division by zero"));
                }
                float_div_mod(x, y).0
            }
            BinOp::Mod => {
                if y == 0.0 {
                    return Err(self.zero_div("float modulo"));
                }
                float_div_mod(x, y).1
            }
            BinOp::Pow => self.float_pow(x, y)?,
            _ => return Ok(None),
        };
        Ok(Some(self.rt.new_float(r)))
    }

    /// `x ** y` for floats, with CPython's errors where C's `pow` gives inf or nan: a
    /// negative power of zero, an overflow from finite operands, and a fractional power of a
    /// negative number (a complex number in CPython; pyrt has none, so a `ValueError` rather
    /// than a silent nan).
    pub(super) fn float_pow(&self, x: f64, y: f64) -> PyResult<f64> {
        if x == 0.0 && y < 0.0 {
            return Err(self.zero_div("0.0 cannot be raised to a negative power"));
        }
        if x < 0.0 && x.is_finite() && y.is_finite() && y != y.floor() {
            return Err(self.value_error(
                "negative number cannot be raised to a fractional power \
                 (the result is complex; pyrt has no complex numbers)",
            ));
        }
        let r = x.powf(y);
        if r.is_infinite() && x.is_finite() && y.is_finite() {
            return Err(self.error(&self.exc.overflow, "(34, 'Numerical result out of range')"));
        }
        Ok(r)
    }
}
/// `i` compared with `f` exactly, as CPython's `float_richcompare` does (no rounding of a big
/// int to the nearest float); `None` if `f` is a NaN.
pub(crate) fn int_float_cmp(i: &IntVal, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f.is_infinite() {
        return Some(if f > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        });
    }
    let whole = f.trunc();
    let w = BigInt::from_f64(whole).expect("finite");
    Some(i.big().cmp(&w).then_with(|| {
        // Equal integral parts: the fraction decides.
        0f64.partial_cmp(&(f - whole)).expect("finite")
    }))
}

/// Convert an int to f64 (inf past the float range).
pub fn big_to_f64(i: &IntVal) -> f64 {
    match i {
        IntVal::S(v) => *v as f64,
        IntVal::B(b) => b.to_f64().unwrap_or(f64::INFINITY),
    }
}
