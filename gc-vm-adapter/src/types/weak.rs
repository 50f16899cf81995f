//! Weak references. The referent pointer is read and cleared only under the runtime's weakref
//! table lock, which a dying referent must also take before it is freed; so `upgrade` can
//! safely try-incref it. A weakref is cleared when its referent dies by refcount (callback run
//! at once, on the thread that dropped the last reference) or by the collector (callback
//! queued while the world is stopped and run after it restarts). Weakref objects are untracked:
//! the callback closure is opaque to the collector.

use std::sync::atomic::AtomicPtr;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::handle::Ref;
use crate::header::Object;

/// A weakref callback: gets the (already cleared) weakref object.
pub type WeakCallback = Arc<dyn Fn(&Ref) + Send + Sync>;

/// A weak reference.
pub struct WeakRef {
    /// The referent, or null once cleared. Guarded by the binding's weak table lock.
    pub(crate) referent: AtomicPtr<Object>,
    pub(crate) callback: Mutex<Option<WeakCallback>>,
    pub(crate) binding: *const crate::binding::AdapterBinding,
}

// SAFETY: the referent pointer is only used under the binding's table lock; the binding
// pointer refers to the runtime's (Sync) binding, which outlives its objects.
unsafe impl Send for WeakRef {}
// SAFETY: as above.
unsafe impl Sync for WeakRef {}

impl WeakRef {
    /// A strong reference to the referent, if it is still alive.
    pub fn upgrade(&self) -> Option<Ref> {
        crate::binding::weak_upgrade(self)
    }

    /// Whether the referent has been cleared.
    pub fn is_dead(&self) -> bool {
        self.upgrade().is_none()
    }
}
