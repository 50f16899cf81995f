//! `weakref`: `ref(object[, callback])` on the adapter's weak references.

use super::builtins::kwarg;
use super::{BuiltinFn, Kw};
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::Ref;

/// The `weakref` module.
pub(crate) fn make(vm: &Vm) -> Ref {
    vm.make_module("weakref", WEAKREF)
}

const WEAKREF: &[(&str, BuiltinFn)] = &[("ref", weakref_ref)];

fn weakref_ref(vm: &Vm, a: &[Ref], kw: &Kw) -> PyResult<Ref> {
    let target = a
        .first()
        .ok_or_else(|| vm.type_error("ref() missing required argument 'object'"))?;
    if matches!(
        target.kind(),
        gc_vm_adapter::Kind::None
            | gc_vm_adapter::Kind::Bool
            | gc_vm_adapter::Kind::Int
            | gc_vm_adapter::Kind::Str
            | gc_vm_adapter::Kind::Tuple
    ) {
        return Err(vm.type_error(format!(
            "cannot create weak reference to '{}' object",
            vm.type_name(target)
        )));
    }
    let cb = a
        .get(1)
        .cloned()
        .or_else(|| kwarg(kw, "callback"))
        .filter(|c| !c.is_none());
    // The callback is the Python callable itself, in the weakref's traced slot (a weakref
    // with a callback is tracked); `PyHooks` calls it.
    Ok(vm.rt.new_weakref_with(target, cb))
}
