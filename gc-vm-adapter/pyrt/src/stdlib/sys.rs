//! `sys`: `argv`, `version`, `version_info`, `maxsize`, `platform`, `exit`, recursion limit, the int/str conversion limit.

use std::sync::atomic::Ordering;

use super::{set, BuiltinFn};
use crate::objects::bigint::STR_DIGITS_CHECK_THRESHOLD;
use crate::objects::strargs::not_an_int;
use crate::objects::{int_of, IntVal};
use crate::vm::Vm;
use gc_vm_adapter::Ref;

/// The `sys` module.
pub(crate) fn make(vm: &Vm) -> Ref {
    let m = vm.make_module("sys", SYS);
    let argv = vm.argv.iter().map(|a| vm.str(a)).collect();
    set(&m, "argv", vm.rt.new_list(argv));
    set(&m, "version", vm.str(crate::vm::VERSION));
    let vi = [3, 13, 0].iter().map(|v| vm.int(*v)).collect();
    set(&m, "version_info", vm.rt.new_tuple(vi));
    set(&m, "implementation_name", vm.str("gc-parallel-interp"));
    set(&m, "maxsize", vm.int(i64::MAX));
    set(&m, "platform", vm.str(std::env::consts::OS));
    m
}

const SYS: &[(&str, BuiltinFn)] = &[
    ("getrecursionlimit", |vm, _, _| {
        Ok(vm.int(crate::vm::eval::RECURSION_LIMIT as i64))
    }),
    ("setrecursionlimit", |vm, _, _| Ok(vm.rt.none())),
    ("get_int_max_str_digits", |vm, _, _| {
        Ok(vm.int(vm.int_max_str_digits.load(Ordering::Relaxed) as i64))
    }),
    ("set_int_max_str_digits", |vm, a, _| {
        // A C int in CPython, then 0 or at least the threshold.
        let n = match int_of(&a[0]) {
            Some(IntVal::S(v)) if i32::try_from(v).is_ok() => v,
            Some(_) => {
                return Err(vm.error(&vm.exc.overflow, "Python int too large to convert to C int"))
            }
            None => return Err(not_an_int(vm, &a[0])),
        };
        if n != 0 && !(STR_DIGITS_CHECK_THRESHOLD as i64..).contains(&n) {
            return Err(vm.value_error(format!(
                "maxdigits must be 0 or larger than {STR_DIGITS_CHECK_THRESHOLD}"
            )));
        }
        vm.int_max_str_digits.store(n as usize, Ordering::Relaxed);
        Ok(vm.rt.none())
    }),
    // Test hook for the internal-error path (a panic caught at a thread boundary must exit
    // non-zero with a report); no program has a reason to call it.
    ("_pyrt_panic", |_, _, _| panic!("sys._pyrt_panic() called")),
    ("exit", |vm, a, _| {
        let args = a.to_vec();
        Err(crate::vm::PyErr {
            exc: vm.new_exception(&vm.exc.system_exit, args),
            tb: Vec::new(),
        })
    }),
];
