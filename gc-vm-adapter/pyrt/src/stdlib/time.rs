//! `time`: `perf_counter`, `monotonic`, `perf_counter_ns`, `time`, `sleep` (detached while
//! sleeping, so a collection need not wait for the sleeper).

use std::sync::OnceLock;
use std::time::Instant;

use super::{num_arg, BuiltinFn};
use crate::vm::Vm;
use gc_vm_adapter::Ref;

/// The `time` module.
pub(crate) fn make(vm: &Vm) -> Ref {
    vm.make_module("time", TIME)
}

fn epoch() -> Instant {
    static E: OnceLock<Instant> = OnceLock::new();
    *E.get_or_init(Instant::now)
}

const TIME: &[(&str, BuiltinFn)] = &[
    ("perf_counter", |vm, _, _| {
        Ok(vm.rt.new_float(epoch().elapsed().as_secs_f64()))
    }),
    ("monotonic", |vm, _, _| {
        Ok(vm.rt.new_float(epoch().elapsed().as_secs_f64()))
    }),
    ("perf_counter_ns", |vm, _, _| {
        Ok(vm.int(epoch().elapsed().as_nanos() as i64))
    }),
    ("time", |vm, _, _| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        Ok(vm.rt.new_float(t))
    }),
    ("sleep", |vm, a, _| {
        let s = match num_arg(vm, a.first()) {
            Ok(s) => s,
            Err(_) => return Err(crate::objects::strargs::not_an_int(vm, &a[0])),
        };
        if s < 0.0 {
            return Err(vm.value_error("sleep length must be non-negative"));
        }
        vm.rt
            .detached(|| std::thread::sleep(std::time::Duration::from_secs_f64(s)));
        Ok(vm.rt.none())
    }),
];
