//! Native callables: a Rust function plus the objects it refers to, held in a traced list.
//!
//! Finalizers and weakref callbacks are *objects* (so the collector sees what they refer to
//! and a cycle through a callback is collectable); the runtime calls them through its
//! [`VmHooks`](crate::VmHooks). A VM installs hooks that call its own function objects; the
//! closure APIs (`set_finalizer(closure)`, `new_weakref(target, Some(closure))`) wrap the
//! closure in a `NativeCallable`, which the default hooks call. Objects the function needs
//! go in `captures` (traced, cleared by the collector), not in the closure (opaque).

use std::sync::Arc;

use parking_lot::RwLock;

use crate::handle::Ref;
use crate::header::Kind;
use crate::payload::{Edges, Payload};

/// The function of a [`NativeCallable`]: gets the captures and the argument (the dying
/// object for a finalizer, the cleared weakref for a weakref callback).
pub type NativeFn = Arc<dyn Fn(&[Ref], &Ref) + Send + Sync>;

/// A Rust function with traced captured references.
pub struct NativeCallable {
    pub(crate) captures: RwLock<Vec<Ref>>,
    pub(crate) f: NativeFn,
}

// SAFETY: trace reports every capture (rules 1, 2: data_ptr read, world stopped); clear takes
// them out under the lock and drops them after (rule 3). The closure itself must hold no
// tracked objects' references the collector needs to see (documented on the type).
unsafe impl Payload for NativeCallable {
    crate::payload_type!(NativeCallable, "native_callable", Kind::Instance);

    fn trace(&self, e: &mut Edges<'_>) {
        // SAFETY: world stopped; no mutator holds the lock across a safepoint.
        e.refs(unsafe { &*self.captures.data_ptr() });
    }

    fn clear(&self) {
        drop(std::mem::take(&mut *self.captures.write()));
    }
}

impl NativeCallable {
    pub(crate) fn new(captures: Vec<Ref>, f: NativeFn) -> Self {
        NativeCallable {
            captures: RwLock::new(captures),
            f,
        }
    }

    /// Call the function with `arg` (captures are snapshotted first, so the function may
    /// run any VM code, including clearing this callable).
    pub fn call(&self, arg: &Ref) {
        let caps = self.captures.read().clone();
        (self.f)(&caps, arg)
    }

    /// A snapshot of the captured references.
    pub fn captures(&self) -> Vec<Ref> {
        self.captures.read().clone()
    }
}

/// Wrap a closure (no captured objects) on the calling thread's runtime.
pub(crate) fn closure_callable(f: impl Fn(&Ref) + Send + Sync + 'static) -> Ref {
    let rt = crate::thread::with_context(|c| {
        c.expect("set_finalizer/new_weakref: thread is not attached")
            .rt
            .clone()
    });
    rt.new_native_callable(Vec::new(), move |_, arg| f(arg))
}
