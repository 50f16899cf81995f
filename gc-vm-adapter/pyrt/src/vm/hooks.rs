//! pyrt's [`VmHooks`]: how the runtime calls Python code for finalizers and weakref callbacks.
//!
//! The callables are objects in traced slots: a class's finalizer slot holds its `__del__`
//! function (`Class::set_finalizer_object`), a weakref's callback slot the Python callable
//! given to `weakref.ref` (`Runtime::new_weakref_with`), so the collector sees a cycle through
//! a `__del__`'s closure or a callback's defaults like any other. The hooks reach the VM
//! through a `Weak<Vm>` set once the VM exists: no `Ref` is captured anywhere, and the hook
//! object (owned by the runtime, which the VM owns) does not keep the VM alive.

use std::sync::{Arc, OnceLock, Weak};

use super::{PyErr, Vm};
use gc_vm_adapter::{Ref, VmHooks};

/// The hooks installed by [`run_source`](super::run_source) (`Runtime::with_hooks`).
#[derive(Default)]
pub struct PyHooks {
    vm: OnceLock<Weak<Vm>>,
}

impl PyHooks {
    /// Connect the hooks to `vm` (once; later calls are ignored).
    pub fn set_vm(&self, vm: &Arc<Vm>) {
        let _ = self.vm.set(Arc::downgrade(vm));
    }

    fn vm(&self) -> Option<Arc<Vm>> {
        self.vm.get().and_then(Weak::upgrade)
    }
}

impl VmHooks for PyHooks {
    fn call_finalizer(&self, finalizer: &Ref, obj: &Ref) {
        if let Some(vm) = self.vm() {
            vm.run_del(finalizer, obj);
        }
    }

    fn call_weakref_callback(&self, callback: &Ref, weakref: &Ref) {
        let Some(vm) = self.vm() else { return };
        if let Err(e) = vm.call(callback, vec![weakref.clone()], Vec::new()) {
            write_unraisable(&vm, callback, &e);
        }
    }
}

/// Report an exception nobody can catch (raised by a `__del__` or a weakref callback) the way
/// CPython's `PyErr_WriteUnraisable` does: `Exception ignored in: <repr of the callable>`,
/// then the traceback, on stderr; the program goes on.
pub(crate) fn write_unraisable(vm: &Vm, callable: &Ref, e: &PyErr) {
    // A repr that raises is not reported (CPython falls back to a shorter line too).
    let what = vm.repr(callable).unwrap_or_else(|_| "<object>".into());
    let tb = super::exceptions::format_traceback(vm, e);
    eprint!("Exception ignored in: {what}\n{tb}");
}
