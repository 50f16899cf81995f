//! `math`: constants and a few functions, with CPython's results and errors: a domain error
//! (`log(0)`, `sqrt(-1)`) is `ValueError("math domain error")`, an overflow from a finite
//! argument (`exp(1000)`) is `OverflowError("math range error")`, ints are exact where CPython
//! keeps them exact (`floor(10**30)`, `log(10**400)`), and nothing returns a silent inf or nan
//! that CPython would not.

use num_bigint::BigInt;
use num_traits::Signed;

use super::{set, BuiltinFn};
use crate::objects::numconv::integral_float_to_int;
use crate::objects::{int_of, IntVal};
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::Ref;

/// The `math` module.
pub(crate) fn make(vm: &Vm) -> Ref {
    let m = vm.make_module("math", MATH);
    set(&m, "pi", vm.rt.new_float(std::f64::consts::PI));
    set(&m, "e", vm.rt.new_float(std::f64::consts::E));
    set(&m, "tau", vm.rt.new_float(std::f64::consts::TAU));
    set(&m, "inf", vm.rt.new_float(f64::INFINITY));
    set(&m, "nan", vm.rt.new_float(f64::NAN));
    m
}

/// `x` as a float: floats, ints (OverflowError past the float range) and bools.
fn real(vm: &Vm, x: &Ref) -> PyResult<f64> {
    if let Some(f) = x.as_float() {
        return Ok(f);
    }
    match int_of(x) {
        Some(i) => vm.int_to_float(&i),
        None => Err(vm.type_error(format!("must be real number, not {}", vm.type_name(x)))),
    }
}

fn domain_error(vm: &Vm) -> crate::vm::PyErr {
    vm.value_error("math domain error")
}

/// `floor`/`ceil`/`trunc`: an int is returned as it is; a float is rounded by `f`.
fn to_int(vm: &Vm, x: &Ref, f: fn(f64) -> f64) -> PyResult<Ref> {
    if let Some(i) = int_of(x) {
        return Ok(match i {
            IntVal::S(v) => vm.int(v),
            IntVal::B(b) => vm.new_big(b),
        });
    }
    integral_float_to_int(vm, f(real(vm, x)?))
}

/// Natural log. As CPython's `loghelper`: an int within the float range is converted first;
/// a larger one is split as `m * 2**e` with `m` in [0.5, 1) (`_PyLong_Frexp`), giving
/// `log(m) + log(2) * e`. A non-positive argument is a domain error.
fn ln(vm: &Vm, x: &Ref) -> PyResult<f64> {
    if let Some(IntVal::B(b)) = int_of(x) {
        if !b.is_positive() {
            return Err(domain_error(vm));
        }
        if let Ok(f) = vm.int_to_float(&IntVal::B(b.clone())) {
            return Ok(f.ln());
        }
        let e = b.bits();
        let shift = e - 53;
        let top: BigInt = &b >> shift;
        let m = vm.int_to_float(&IntVal::B(top))? / (1u64 << 53) as f64;
        return Ok(m.ln() + std::f64::consts::LN_2 * e as f64);
    }
    let f = real(vm, x)?;
    if f.is_nan() || f == f64::INFINITY {
        return Ok(f);
    }
    if f <= 0.0 {
        return Err(domain_error(vm));
    }
    Ok(f.ln())
}

const MATH: &[(&str, BuiltinFn)] = &[
    ("sqrt", |vm, a, _| {
        let x = real(vm, &a[0])?;
        if x < 0.0 {
            return Err(domain_error(vm));
        }
        Ok(vm.rt.new_float(x.sqrt()))
    }),
    ("floor", |vm, a, _| to_int(vm, &a[0], f64::floor)),
    ("ceil", |vm, a, _| to_int(vm, &a[0], f64::ceil)),
    ("trunc", |vm, a, _| to_int(vm, &a[0], f64::trunc)),
    ("log", |vm, a, _| {
        let (x, base) = (&a[0], a.get(1));
        let num = ln(vm, x)?;
        let Some(base) = base else {
            return Ok(vm.rt.new_float(num));
        };
        let den = ln(vm, base)?;
        if den == 0.0 {
            return Err(vm.error(&vm.exc.zero_division, "float division by zero"));
        }
        Ok(vm.rt.new_float(num / den))
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
    ("isnan", |vm, a, _| {
        Ok(vm.rt.new_bool(real(vm, &a[0])?.is_nan()))
    }),
    ("isinf", |vm, a, _| {
        Ok(vm.rt.new_bool(real(vm, &a[0])?.is_infinite()))
    }),
    ("isfinite", |vm, a, _| {
        Ok(vm.rt.new_bool(real(vm, &a[0])?.is_finite()))
    }),
];
