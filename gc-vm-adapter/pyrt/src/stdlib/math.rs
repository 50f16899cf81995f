//! `math`: `pi`, `e`, `inf` and a few float functions, with CPython's errors (domain and
//! range errors, ints too large for a float, `floor` / `ceil` of any float as an exact int).

use num_bigint::BigInt;
use num_traits::{FromPrimitive, Signed};

use super::{set, BuiltinFn};
use crate::objects::{int_of, IntVal};
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::Ref;

/// The `math` module.
pub(crate) fn make(vm: &Vm) -> Ref {
    let m = vm.make_module("math", MATH);
    set(&m, "pi", vm.rt.new_float(std::f64::consts::PI));
    set(&m, "e", vm.rt.new_float(std::f64::consts::E));
    set(&m, "inf", vm.rt.new_float(f64::INFINITY));
    m
}

/// A real argument as a float: "must be real number, not str"; an int too large for a float
/// is an `OverflowError`.
fn real(vm: &Vm, a: &Ref) -> PyResult<f64> {
    if let Some(x) = a.as_float() {
        return Ok(x);
    }
    match int_of(a) {
        Some(i) => vm.int_to_float(&i),
        None => Err(vm.type_error(format!("must be real number, not {}", vm.type_name(a)))),
    }
}

fn domain(vm: &Vm) -> crate::vm::PyErr {
    vm.value_error("math domain error")
}

/// `floor` / `ceil`: an int stays itself; a float becomes the exact int.
fn rounded(vm: &Vm, a: &Ref, f: fn(f64) -> f64) -> PyResult<Ref> {
    if let Some(i) = int_of(a) {
        return Ok(vm.new_big(i.big()));
    }
    let x = f(real(vm, a)?);
    if x.is_nan() {
        return Err(vm.value_error("cannot convert float NaN to integer"));
    }
    match BigInt::from_f64(x) {
        Some(b) => Ok(vm.new_big(b)),
        None => Err(vm.error(&vm.exc.overflow, "cannot convert float infinity to integer")),
    }
}

/// The natural log of an int or float; ints too large for a float are logged exactly
/// enough through their bit length, as CPython does.
fn ln(vm: &Vm, a: &Ref) -> PyResult<f64> {
    if let Some(IntVal::B(b)) = int_of(a) {
        if !b.is_positive() {
            return Err(domain(vm));
        }
        let shift = b.bits().saturating_sub(64);
        let top = crate::objects::numconv::int_to_f64(&IntVal::B(b >> shift)).unwrap_or(0.0);
        return Ok(top.ln() + shift as f64 * std::f64::consts::LN_2);
    }
    let x = real(vm, a)?;
    if x <= 0.0 {
        return Err(domain(vm));
    }
    Ok(x.ln())
}

const MATH: &[(&str, BuiltinFn)] = &[
    ("sqrt", |vm, a, _| {
        let x = real(vm, &a[0])?;
        if x < 0.0 {
            return Err(domain(vm));
        }
        Ok(vm.rt.new_float(x.sqrt()))
    }),
    ("floor", |vm, a, _| rounded(vm, &a[0], f64::floor)),
    ("ceil", |vm, a, _| rounded(vm, &a[0], f64::ceil)),
    ("log", |vm, a, _| {
        let x = ln(vm, &a[0])?;
        let Some(base) = a.get(1) else {
            return Ok(vm.rt.new_float(x));
        };
        let b = ln(vm, base)?;
        if b == 0.0 {
            return Err(vm.error(&vm.exc.zero_division, "float division by zero"));
        }
        Ok(vm.rt.new_float(x / b))
    }),
    ("exp", |vm, a, _| {
        let x = real(vm, &a[0])?;
        let r = x.exp();
        if r.is_infinite() && x.is_finite() {
            return Err(vm.error(&vm.exc.overflow, "math range error"));
        }
        Ok(vm.rt.new_float(r))
    }),
    ("fabs", |vm, a, _| {
        Ok(vm.rt.new_float(real(vm, &a[0])?.abs()))
    }),
];
