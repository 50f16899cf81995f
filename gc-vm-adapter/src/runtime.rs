//! [`Runtime`]: the object model's front door: attach threads, allocate objects, poll, collect,
//! manage roots.

use std::any::Any;
use std::mem::{align_of, size_of};
use std::sync::{Arc, OnceLock};

use gc_core::{ContractViolation, GcConfig, GcRuntime, GcStats, Mutator, ObjRef, PAYLOAD_ALIGN};

use crate::binding::{AdapterBinding, RootId};
use crate::handle::Ref;
use crate::header::{Kind, ObjBox, Object};
use crate::thread::{with_context, ThreadContext, ThreadGuard};
use crate::types::{
    Cell, Class, Code, Dict, Function, Instance, Int, List, TupleItems, WeakCallback, WeakRef,
};

struct RtInner {
    gc: GcRuntime<AdapterBinding>,
    singletons: OnceLock<[ObjRef; 3]>,
}

impl Drop for RtInner {
    fn drop(&mut self) {
        // Drop the references the binding holds while it is still whole.
        let held = self.gc.binding().teardown();
        drop(held);
    }
}

/// An object-model runtime over a gc-core collector. Cheap to clone.
///
/// Every thread that touches objects attaches first ([`Runtime::attach_thread`]); the
/// allocation helpers and `Ref` clone/drop use the calling thread's context. Every `Ref` must
/// be dropped before the last `Runtime` clone (and so before the last [`ThreadGuard`]).
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RtInner>,
}

impl Runtime {
    /// A runtime with the given collector configuration.
    pub fn new(config: GcConfig) -> Runtime {
        let gc = GcRuntime::new(AdapterBinding::default(), config);
        gc.binding().set_space(gc.space().clone());
        Runtime {
            inner: Arc::new(RtInner {
                gc,
                singletons: OnceLock::new(),
            }),
        }
    }

    /// The gc-core runtime (configuration, stats, records, freeze, callbacks...).
    pub fn gc(&self) -> &GcRuntime<AdapterBinding> {
        &self.inner.gc
    }

    /// The binding.
    pub fn binding(&self) -> &AdapterBinding {
        self.inner.gc.binding()
    }

    /// Attach the calling thread (registers a gc-core mutator, attached). Panics if the thread
    /// is already attached to a runtime.
    pub fn attach_thread(&self, name: impl Into<String>) -> ThreadGuard {
        ThreadGuard::new(self, name.into())
    }

    fn ctx<R>(&self, f: impl FnOnce(&ThreadContext) -> R) -> R {
        with_context(|c| {
            let c = c.expect("thread is not attached to a gc-vm-adapter runtime");
            assert!(
                Arc::ptr_eq(&c.rt.inner, &self.inner),
                "thread is attached to another runtime"
            );
            f(c)
        })
    }

    /// Run `f` with the calling thread's gc-core mutator.
    pub fn with_mutator<R>(&self, f: impl FnOnce(&Mutator<AdapterBinding>) -> R) -> R {
        self.ctx(|c| f(&c.mutator))
    }

    /// The safepoint poll: merge this thread's biased-RC queue, poll gc-core (may park, may
    /// run a requested collection), drop references deferred by a collection. Call it on loop
    /// back-edges and calls, never while holding a container lock.
    #[inline]
    pub fn poll(&self) {
        self.ctx(|c| {
            c.merge_pending();
            c.mutator.poll();
        });
        crate::dealloc::drain_deferred(self.binding());
    }

    /// Run a full collection; returns the number of objects freed by the collector.
    pub fn collect(&self) -> usize {
        let n = self.ctx(|c| {
            c.merge_pending();
            c.mutator.collect()
        });
        crate::dealloc::drain_deferred(self.binding());
        n
    }

    /// Run `f` detached (around blocking calls). `f` must not touch managed objects.
    pub fn detached<R>(&self, f: impl FnOnce() -> R) -> R {
        self.ctx(|c| c.mutator.detached(f))
    }

    /// Contract violations found so far.
    pub fn violations(&self) -> Vec<ContractViolation> {
        self.gc().violations()
    }

    /// Cumulative collector statistics.
    pub fn stats(&self) -> GcStats {
        self.gc().stats()
    }

    /// Add a global root (a strong reference reported to mark-alive).
    pub fn add_root(&self, r: &Ref) -> RootId {
        self.binding().add_root(r.clone())
    }

    /// Remove a global root; returns its reference.
    pub fn remove_root(&self, id: RootId) -> Option<Ref> {
        self.binding().remove_root(id)
    }

    /// Push onto the calling thread's root stack (the VM's frame/value stack).
    pub fn push_root(&self, r: Ref) {
        self.ctx(|c| c.entry.roots.lock().push(r));
    }

    /// Pop from the calling thread's root stack.
    pub fn pop_root(&self) -> Option<Ref> {
        self.ctx(|c| c.entry.roots.lock().pop())
    }

    fn alloc<T>(&self, kind: Kind, value: T, track: bool) -> Ref {
        const { assert!(align_of::<ObjBox<T>>() <= PAYLOAD_ALIGN) };
        let b = self.binding() as *const AdapterBinding;
        self.ctx(|c| {
            let obj = c
                .mutator
                .alloc(size_of::<ObjBox<T>>(), false)
                .unwrap_or_else(|e| panic!("gc-vm-adapter: allocation failed: {e:?}"));
            // SAFETY: a fresh slot of size_of::<ObjBox<T>>() bytes, PAYLOAD_ALIGN-aligned.
            unsafe {
                std::ptr::write(
                    obj.as_ptr() as *mut ObjBox<T>,
                    ObjBox {
                        head: Object::new(kind, c.tid, b),
                        value,
                    },
                )
            };
            if track {
                // Rule 4: fully initialised before it becomes a candidate.
                c.rt.gc().track(obj);
            }
            // SAFETY: the new object's count of 1 belongs to this Ref.
            unsafe { Ref::from_obj_ref(obj) }
        })
    }

    fn singletons(&self) -> &[ObjRef; 3] {
        self.inner.singletons.get_or_init(|| {
            let b = self.binding() as *const AdapterBinding;
            let mk = |kind: Kind, v: Option<bool>| {
                let r = match v {
                    Some(v) => self.alloc(Kind::Bool, v, false),
                    None => self.alloc(Kind::None, (), false),
                };
                let obj = r.into_obj_ref();
                // SAFETY: fresh, unshared object: switch its header to immortal.
                unsafe {
                    std::ptr::write(obj.as_ptr() as *mut Object, Object::new_immortal(kind, b))
                };
                obj
            };
            [
                mk(Kind::None, None),
                mk(Kind::Bool, Some(false)),
                mk(Kind::Bool, Some(true)),
            ]
        })
    }

    /// `None` (immortal).
    pub fn none(&self) -> Ref {
        // SAFETY: immortal: counts are ignored.
        unsafe { Ref::from_obj_ref(self.singletons()[0]) }
    }

    /// `True`/`False` (immortal).
    pub fn new_bool(&self, v: bool) -> Ref {
        // SAFETY: immortal: counts are ignored.
        unsafe { Ref::from_obj_ref(self.singletons()[1 + v as usize]) }
    }

    /// An int (untracked).
    pub fn new_int(&self, v: i64) -> Ref {
        self.alloc(Kind::Int, Int::Small(v), false)
    }

    /// An int from an [`Int`] value (untracked); used for big integers.
    pub fn new_int_value(&self, v: Int) -> Ref {
        self.alloc(Kind::Int, v, false)
    }

    /// A float (untracked).
    pub fn new_float(&self, v: f64) -> Ref {
        self.alloc(Kind::Float, v, false)
    }

    /// A string (untracked).
    pub fn new_str(&self, s: &str) -> Ref {
        self.alloc(Kind::Str, Box::<str>::from(s), false)
    }

    /// A tuple; tracked only if one of its items is tracked.
    pub fn new_tuple(&self, items: Vec<Ref>) -> Ref {
        let track = items.iter().any(|r| r.obj_ref().is_tracked());
        let v = TupleItems(std::cell::UnsafeCell::new(items.into_boxed_slice()));
        self.alloc(Kind::Tuple, v, track)
    }

    /// A list (tracked).
    pub fn new_list(&self, items: Vec<Ref>) -> Ref {
        self.alloc(Kind::List, List::new(items), true)
    }

    /// An empty dict (tracked).
    pub fn new_dict(&self) -> Ref {
        self.alloc(Kind::Dict, Dict::new(), true)
    }

    /// A class (tracked).
    pub fn new_class(&self, name: &str, base: Option<&Ref>) -> Ref {
        self.alloc(Kind::Class, Class::new(name, base.cloned()), true)
    }

    /// An instance of `class` (tracked). Panics if `class` is not a class.
    pub fn new_instance(&self, class: &Ref) -> Ref {
        assert_eq!(class.kind(), Kind::Class, "new_instance: not a class");
        self.alloc(Kind::Instance, Instance::new(class.clone()), true)
    }

    /// A function/closure (tracked).
    pub fn new_function(
        &self,
        name: &str,
        code: Arc<dyn Any + Send + Sync>,
        cells: Vec<Ref>,
        globals: Option<Ref>,
    ) -> Ref {
        let code: Code = code;
        self.alloc(
            Kind::Function,
            Function::new(name, code, cells, globals),
            true,
        )
    }

    /// A cell (tracked).
    pub fn new_cell(&self, v: Option<Ref>) -> Ref {
        self.alloc(Kind::Cell, Cell::new(v), true)
    }

    /// A weak reference to `target` with an optional callback (called with the weakref once
    /// the target dies, unless the weakref died first). Untracked.
    pub fn new_weakref(
        &self,
        target: &Ref,
        callback: Option<impl Fn(&Ref) + Send + Sync + 'static>,
    ) -> Ref {
        let cb: Option<WeakCallback> = callback.map(|f| Arc::new(f) as WeakCallback);
        let w = self.alloc(
            Kind::WeakRef,
            WeakRef {
                referent: Default::default(),
                callback: parking_lot::Mutex::new(cb),
                binding: self.binding() as *const AdapterBinding,
            },
            false,
        );
        let wr = w.as_weakref().expect("just made");
        self.binding().register_weakref(target, w.obj_ref(), wr);
        w
    }
}
