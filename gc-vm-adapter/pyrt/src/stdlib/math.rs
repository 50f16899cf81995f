//! `math`: `pi`, `e`, `inf` and a few float functions.

use super::{num_arg, set, BuiltinFn};
use crate::vm::Vm;
use gc_vm_adapter::Ref;

/// The `math` module.
pub(crate) fn make(vm: &Vm) -> Ref {
    let m = vm.make_module("math", MATH);
    set(&m, "pi", vm.rt.new_float(std::f64::consts::PI));
    set(&m, "e", vm.rt.new_float(std::f64::consts::E));
    set(&m, "inf", vm.rt.new_float(f64::INFINITY));
    m
}

const MATH: &[(&str, BuiltinFn)] = &[
    ("sqrt", |vm, a, _| {
        let x = num_arg(vm, a.first())?;
        if x < 0.0 {
            return Err(vm.value_error("math domain error"));
        }
        Ok(vm.rt.new_float(x.sqrt()))
    }),
    ("floor", |vm, a, _| {
        Ok(vm.int(num_arg(vm, a.first())?.floor() as i64))
    }),
    ("ceil", |vm, a, _| {
        Ok(vm.int(num_arg(vm, a.first())?.ceil() as i64))
    }),
    ("log", |vm, a, _| {
        Ok(vm.rt.new_float(num_arg(vm, a.first())?.ln()))
    }),
    ("exp", |vm, a, _| {
        Ok(vm.rt.new_float(num_arg(vm, a.first())?.exp()))
    }),
    ("fabs", |vm, a, _| {
        Ok(vm.rt.new_float(num_arg(vm, a.first())?.abs()))
    }),
];
