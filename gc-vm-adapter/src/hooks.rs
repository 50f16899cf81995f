//! [`VmHooks`]: how the runtime reaches the VM's own code.
//!
//! Finalizers and weakref callbacks are objects (held in traced slots), not closures; the
//! runtime calls them through the one hook object given to
//! [`Runtime::with_hooks`](crate::Runtime::with_hooks). An interpreter implements the hooks
//! to call its function objects; the defaults call [`NativeCallable`]s (what the closure
//! APIs create) and ignore anything else.

use crate::handle::Ref;
use crate::types::NativeCallable;

/// The VM's entry points for callbacks, called on an attached mutator with the world
/// running (they may run any VM code, allocate, poll, resurrect). A panic inside is caught
/// and recorded by the collector on its path; on the refcount path it unwinds into the
/// dropping code, like any panic in a `Drop`.
pub trait VmHooks: Send + Sync + 'static {
    /// Run `finalizer` (the callable found on the dying object or its class) with a
    /// temporary strong reference to the dying `obj`. Called at most once per object.
    fn call_finalizer(&self, finalizer: &Ref, obj: &Ref) {
        call_native(finalizer, obj)
    }

    /// Run a weakref's `callback` with the (already cleared) `weakref`.
    fn call_weakref_callback(&self, callback: &Ref, weakref: &Ref) {
        call_native(callback, weakref)
    }
}

/// The hooks of a runtime built with [`Runtime::new`](crate::Runtime::new).
#[derive(Debug, Default)]
pub struct DefaultHooks;

impl VmHooks for DefaultHooks {}

/// Call `callable` with `arg` if it is a [`NativeCallable`]; otherwise do nothing.
pub fn call_native(callable: &Ref, arg: &Ref) {
    if let Some(n) = callable.downcast::<NativeCallable>() {
        n.call(arg)
    }
}
