//! `sys`: `argv`, `version`, `version_info`, `maxsize`, `platform`, `exit`, recursion limit.

use super::{set, BuiltinFn};
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
