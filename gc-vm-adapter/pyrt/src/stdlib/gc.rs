//! `gc`: `collect`, `enable` / `disable`, thresholds, counts and stats, `freeze`, `is_tracked`,
//! `is_finalized`,
//! and `gc.callbacks` (called from a gc-core start / stop callback).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::{set, BuiltinFn};
use crate::objects::small_int;
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::Ref;

/// The `gc` module.
pub(crate) fn make(vm: &Vm) -> Ref {
    let m = vm.make_module("gc", GC);
    set(&m, "callbacks", vm.gc_callbacks.clone());
    set(&m, "garbage", vm.rt.new_list(Vec::new()));
    m
}

const GC: &[(&str, BuiltinFn)] = &[
    ("collect", |vm, _, _| Ok(vm.int(vm.rt.collect() as i64))),
    ("enable", |vm, _, _| {
        vm.rt.gc().enable();
        Ok(vm.rt.none())
    }),
    ("disable", |vm, _, _| {
        vm.rt.gc().disable();
        Ok(vm.rt.none())
    }),
    ("isenabled", |vm, _, _| {
        Ok(vm.rt.new_bool(vm.rt.gc().is_enabled()))
    }),
    ("get_count", |vm, _, _| {
        let v = vec![
            vm.int(vm.rt.gc().young_count() as i64),
            vm.int(0),
            vm.int(0),
        ];
        Ok(vm.rt.new_tuple(v))
    }),
    ("get_threshold", |vm, _, _| {
        let v = vec![
            vm.int(vm.rt.gc().threshold() as i64),
            vm.int(10),
            vm.int(10),
        ];
        Ok(vm.rt.new_tuple(v))
    }),
    ("set_threshold", |vm, a, _| {
        if let Some(n) = a.first().and_then(small_int) {
            vm.rt.gc().set_threshold(n.max(0) as u64);
        }
        Ok(vm.rt.none())
    }),
    ("get_stats", |vm, _, _| {
        let st = vm.rt.stats();
        let mk = |c: u64, n: u64, u: u64| {
            let d = vm.rt.new_dict();
            let dd = d.as_dict().expect("dict");
            dd.insert(vm.str("collections"), vm.int(c as i64));
            dd.insert(vm.str("collected"), vm.int(n as i64));
            dd.insert(vm.str("uncollectable"), vm.int(u as i64));
            d
        };
        let v = vec![
            mk(st.collections, st.collected, st.uncollectable),
            mk(0, 0, 0),
            mk(0, 0, 0),
        ];
        Ok(vm.rt.new_list(v))
    }),
    ("freeze", |vm, _, _| {
        let n = vm.rt.with_mutator(|m| vm.rt.gc().freeze(m));
        vm.frozen.fetch_add(n, Ordering::Relaxed);
        Ok(vm.rt.none())
    }),
    ("unfreeze", |vm, _, _| {
        vm.rt.with_mutator(|m| vm.rt.gc().unfreeze(m));
        vm.frozen.store(0, Ordering::Relaxed);
        Ok(vm.rt.none())
    }),
    ("get_freeze_count", |vm, _, _| {
        Ok(vm.int(vm.frozen.load(Ordering::Relaxed) as i64))
    }),
    ("is_tracked", |vm, a, _| {
        let o = one_arg(vm, a, "is_tracked")?;
        Ok(vm.rt.new_bool(o.obj_ref().is_tracked()))
    }),
    // PEP 442's "finalizer has run" bit, the one gc-core and the refcount death share
    // (`ObjRef::set_finalized`): True once `__del__` ran, even if the object was resurrected.
    ("is_finalized", |vm, a, _| {
        let o = one_arg(vm, a, "is_finalized")?;
        Ok(vm.rt.new_bool(o.obj_ref().is_finalized()))
    }),
];

/// The single positional argument of `gc.<name>(obj)`, or CPython's TypeError.
fn one_arg<'a>(vm: &Vm, a: &'a [Ref], name: &str) -> PyResult<&'a Ref> {
    match a {
        [o] => Ok(o),
        _ => Err(vm.type_error(format!(
            "gc.{name}() takes exactly one argument ({} given)",
            a.len()
        ))),
    }
}

/// Register the gc-core start/stop callback that calls the entries of `gc.callbacks`.
pub fn install_gc_hook(vm: &Vm) {
    let weak = Arc::downgrade(&vm.arc());
    vm.rt.gc().add_callback(move |phase, info| {
        let Some(vm) = weak.upgrade() else { return };
        let cbs = vm
            .gc_callbacks
            .as_list()
            .map(|l| l.snapshot())
            .unwrap_or_default();
        if cbs.is_empty() {
            return;
        }
        let phase = vm.str(match phase {
            gc_core::CallbackPhase::Start => "start",
            gc_core::CallbackPhase::Stop => "stop",
        });
        let d = vm.rt.new_dict();
        let dd = d.as_dict().expect("dict");
        dd.insert(vm.str("generation"), vm.int(info.generation as i64));
        dd.insert(vm.str("collected"), vm.int(info.collected as i64));
        dd.insert(vm.str("uncollectable"), vm.int(info.uncollectable as i64));
        for cb in cbs {
            if let Err(e) = vm.call(&cb, vec![phase.clone(), d.clone()], Vec::new()) {
                let msg = crate::vm::exceptions::exc_message(&vm, &e.exc);
                eprintln!(
                    "Exception ignored in gc callback: {}: {msg}",
                    vm.exc_class_name(&e.exc)
                );
            }
        }
    });
}
