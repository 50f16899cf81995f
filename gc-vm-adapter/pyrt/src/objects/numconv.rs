//! Conversions between ints and floats with CPython's overflow errors, true division of big
//! ints, and `round()`: the places where a silent `inf` or a saturated `i64` would give a
//! wrong number instead of CPython's `OverflowError`.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{FromPrimitive, One, Signed, ToPrimitive, Zero};

use super::{int_of, IntVal};
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::Ref;

/// An int as a float, `None` when it is past the float range (CPython: `OverflowError`).
pub fn int_to_f64(i: &IntVal) -> Option<f64> {
    let f = match i {
        IntVal::S(v) => *v as f64,
        IntVal::B(b) => b.to_f64()?,
    };
    f.is_finite().then_some(f)
}

/// `x * 2**e` without overflowing the intermediate power (`e` may be past ±1023).
fn ldexp(mut x: f64, mut e: i64) -> f64 {
    while e > 1000 {
        x *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        x *= 2f64.powi(-1000);
        e += 1000;
    }
    x * 2f64.powi(e as i32)
}

/// `a / b` for ints that need not fit a float (`10**400 / 10**399` is 10.0): the quotient is
/// taken to 64 significant bits in integers, then scaled. `None` when it exceeds the float range.
pub fn true_div(a: &BigInt, b: &BigInt) -> Option<f64> {
    debug_assert!(!b.is_zero());
    if a.is_zero() {
        return Some(0.0);
    }
    let shift = b.bits() as i64 - a.bits() as i64 + 64;
    let q = if shift >= 0 {
        (a.abs() << shift as usize) / b.abs()
    } else {
        a.abs() / (b.abs() << (-shift) as usize)
    };
    let r = ldexp(q.to_f64()?, -shift);
    let r = if a.is_negative() != b.is_negative() {
        -r
    } else {
        r
    };
    r.is_finite().then_some(r)
}

impl Vm {
    /// An int as a float, or CPython's `OverflowError`.
    pub fn int_to_float(&self, i: &IntVal) -> PyResult<f64> {
        int_to_f64(i)
            .ok_or_else(|| self.error(&self.exc.overflow, "int too large to convert to float"))
    }
}

/// Round half to even, CPython's `round()` rule.
fn round_half_even(v: f64) -> f64 {
    let r = v.round();
    if (v - v.trunc()).abs() == 0.5 {
        2.0 * (v / 2.0).round()
    } else {
        r
    }
}

/// `round(x)` and `round(x, n)` for ints, floats and bools.
pub fn round(vm: &Vm, x: &Ref, nd: Option<&Ref>) -> PyResult<Ref> {
    let nd = match nd.filter(|n| !n.is_none()) {
        None => None,
        Some(n) => Some(int_of(n).ok_or_else(|| {
            vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                vm.type_name(n)
            ))
        })?),
    };
    if let Some(f) = x.as_float() {
        return match nd {
            None => round_to_int(vm, f),
            Some(n) => round_float(vm, f, &n),
        };
    }
    let Some(i) = int_of(x) else {
        return Err(vm.type_error(format!(
            "type {} doesn't define __round__ method",
            vm.type_name(x)
        )));
    };
    Ok(match nd {
        Some(n) if n.big().is_negative() => vm.new_big(round_int(&i.big(), &(-n.big()))),
        _ => vm.new_big(i.big()),
    })
}

/// `round(f)`: an int, exact however large.
fn round_to_int(vm: &Vm, f: f64) -> PyResult<Ref> {
    integral_float_to_int(vm, round_half_even(f))
}

/// `int(f)`: truncated towards zero, exact however large; CPython's errors for nan and the
/// infinities.
pub(crate) fn float_to_int(vm: &Vm, f: f64) -> PyResult<Ref> {
    integral_float_to_int(vm, f.trunc())
}

/// The int equal to `f`, which is integral, nan or infinite (CPython's errors for nan and the
/// infinities).
pub(crate) fn integral_float_to_int(vm: &Vm, f: f64) -> PyResult<Ref> {
    if f.is_nan() {
        return Err(vm.value_error("cannot convert float NaN to integer"));
    }
    if f.is_infinite() {
        return Err(vm.error(&vm.exc.overflow, "cannot convert float infinity to integer"));
    }
    if f.abs() < 9.0e18 {
        return Ok(vm.int(f as i64));
    }
    let r = BigInt::from_f64(f).expect("finite");
    Ok(vm.new_big(r))
}

/// `round(f, n)`: a float. Past the digits a double can hold, rounding changes nothing (a
/// large `n`) or leaves a signed zero (a very negative `n`); otherwise CPython's algorithms:
/// the correctly rounded decimal string for `n >= 0`, the exact int for integral values, scaling
/// by `10**-n` otherwise.
fn round_float(vm: &Vm, f: f64, n: &IntVal) -> PyResult<Ref> {
    let n = n.big().to_i64().unwrap_or(if n.big().is_negative() {
        i64::MIN
    } else {
        i64::MAX
    });
    if !f.is_finite() || n > 323 {
        return Ok(vm.rt.new_float(f));
    }
    if n < -308 {
        return Ok(vm.rt.new_float(0.0f64.copysign(f)));
    }
    let r = if n >= 0 {
        format!("{f:.*}", n as usize).parse().unwrap_or(f)
    } else if f.fract() == 0.0 {
        // Integral (every float past 2**52 is): round the exact int, so `round(1e300, -300)`
        // is 1e300 and not the scaled product's rounding error.
        let i = BigInt::from_f64(f).expect("finite");
        round_int(&i, &BigInt::from(-n))
            .to_f64()
            .unwrap_or(f64::INFINITY)
            .copysign(f)
    } else {
        let p = 10f64.powi((-n) as i32);
        round_half_even(f / p) * p
    };
    if !r.is_finite() {
        return Err(vm.error(&vm.exc.overflow, "rounded value too large to represent"));
    }
    Ok(vm.rt.new_float(r))
}

/// `round(i, -k)` for `k > 0`: the nearest multiple of `10**k`, ties to the even multiple.
fn round_int(i: &BigInt, k: &BigInt) -> BigInt {
    // Past the int's own digits the result is 0 (and `10**k` would be enormous).
    let digits = i.abs().to_string().len() as u64;
    match k.to_u64() {
        Some(k) if k <= digits => {}
        _ => return BigInt::zero(),
    }
    let p = num_traits::pow(BigInt::from(10), k.to_usize().expect("small"));
    let (q, r) = i.div_mod_floor(&p);
    let twice: BigInt = &r * 2;
    let up = twice > p || (twice == p && q.is_odd());
    (if up { q + BigInt::one() } else { q }) * p
}
