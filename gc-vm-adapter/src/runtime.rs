//! [`Runtime`]: the object model's front door: attach threads, allocate objects, poll, collect,
//! manage roots.

use std::mem::{align_of, size_of};
use std::sync::{Arc, OnceLock};

use gc_core::{ContractViolation, GcConfig, GcRuntime, GcStats, Mutator, ObjRef, PAYLOAD_ALIGN};

use crate::binding::{AdapterBinding, RootId};
use crate::handle::Ref;
use crate::header::{ObjBox, Object};
use crate::hooks::VmHooks;
use crate::payload::{Payload, VarPayload};
use crate::thread::{with_context, ThreadContext, ThreadGuard};
use crate::types::{
    Bool, Cell, Class, Dict, Float, Function, Instance, Int, List, NativeCallable, NativeFn,
    NoneType, RefSlot, Str, Tuple, WeakRef,
};
use crate::weakref_table::WeakTable;

struct RtInner {
    gc: GcRuntime<AdapterBinding>,
    singletons: OnceLock<[ObjRef; 3]>,
}

impl Drop for RtInner {
    fn drop(&mut self) {
        // Drop the references the binding holds while it is still whole. No thread is
        // attached any more (each holds a Runtime clone), so their deaths cannot run here:
        // close the deferred list first, so they leak with the heap instead of being pushed
        // onto a list that is dropped next.
        let held = self.gc.binding().teardown();
        self.gc.binding().deferred.close();
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
    /// A runtime with the given collector configuration and the default hooks (which call
    /// [`NativeCallable`] finalizers and weakref callbacks).
    pub fn new(config: GcConfig) -> Runtime {
        Runtime::with_hooks(config, Arc::new(crate::hooks::DefaultHooks))
    }

    /// A runtime whose finalizers and weakref callbacks are called through `hooks` (the VM's
    /// way to run its own function objects).
    pub fn with_hooks(config: GcConfig, hooks: Arc<dyn VmHooks>) -> Runtime {
        let gc = GcRuntime::new(AdapterBinding::new(hooks), config);
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
        crate::queue::drain_deferred(self.binding());
    }

    /// Run a full collection; returns the number of objects freed by the collector.
    pub fn collect(&self) -> usize {
        let n = self.ctx(|c| {
            c.merge_pending();
            c.mutator.collect()
        });
        crate::queue::drain_deferred(self.binding());
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

    /// Allocate an object holding `value`, tracked if the type says so
    /// ([`Payload::TRACKED`]). The typed entry point for any payload type, the adapter's own
    /// and a VM's.
    #[inline]
    pub fn alloc<T: Payload>(&self, value: T) -> Ref {
        self.alloc_with(value, T::TRACKED)
    }

    /// Allocate an object holding `value`, tracked or not as `track` says (Payload rule 5).
    #[inline]
    pub fn alloc_with<T: Payload>(&self, value: T, track: bool) -> Ref {
        const { assert!(align_of::<ObjBox<T>>() <= PAYLOAD_ALIGN) };
        // A variable-size type's table reads a tail this allocation would not have (folds
        // away: the table is an immutable static).
        assert!(
            T::type_info().tail_len.is_none(),
            "{}: variable-size payloads are allocated with alloc_var",
            T::type_info().name
        );
        self.ctx(|c| {
            let obj = self.raw_alloc::<T>(c, size_of::<ObjBox<T>>(), value);
            self.finish(c, obj, track)
        })
    }

    /// Allocate a variable-size object: `value`, then its references `tail` inline in the
    /// same allocation (a tuple's items). `value.tail_len()` must equal `tail.len()`.
    pub fn alloc_var<T: VarPayload>(&self, value: T, tail: Vec<Ref>, track: bool) -> Ref {
        const { assert!(align_of::<ObjBox<T>>() <= PAYLOAD_ALIGN) };
        assert_eq!(value.tail_len(), tail.len(), "alloc_var: tail length");
        let n = tail.len();
        let size = size_of::<ObjBox<T>>() + n * size_of::<Ref>();
        self.ctx(|c| {
            let obj = self.raw_alloc::<T>(c, size, value);
            let mut tail = std::mem::ManuallyDrop::new(tail);
            // SAFETY: the slot has `size` bytes: the tail area right after ObjBox<T> (8-aligned,
            // ObjBox's size is a multiple of its alignment) holds n references; the Vec's
            // references are moved (its buffer is freed below without dropping them).
            unsafe {
                let dst = obj.as_ptr().add(size_of::<ObjBox<T>>()) as *mut Ref;
                std::ptr::copy_nonoverlapping(tail.as_ptr(), dst, n);
                tail.set_len(0);
                std::mem::ManuallyDrop::drop(&mut tail);
            }
            self.finish(c, obj, track)
        })
    }

    #[inline]
    fn raw_alloc<T: Payload>(&self, c: &ThreadContext, size: usize, value: T) -> ObjRef {
        let b = self.binding() as *const AdapterBinding;
        let obj = c
            .mutator
            .alloc(size, false)
            .unwrap_or_else(|e| panic!("gc-vm-adapter: allocation failed: {e:?}"));
        // SAFETY: a fresh slot of at least size_of::<ObjBox<T>>() bytes, PAYLOAD_ALIGN-aligned.
        unsafe {
            std::ptr::write(
                obj.as_ptr() as *mut ObjBox<T>,
                ObjBox {
                    head: Object::new(T::type_info(), c.tid, b),
                    value,
                },
            )
        };
        obj
    }

    #[inline]
    fn finish(&self, c: &ThreadContext, obj: ObjRef, track: bool) -> Ref {
        if track {
            // Rule 4: fully initialised before it becomes a candidate.
            c.rt.gc().track(obj);
        }
        // SAFETY: the new object's count of 1 belongs to this Ref.
        unsafe { Ref::from_obj_ref(obj) }
    }

    fn singletons(&self) -> &[ObjRef; 3] {
        self.inner.singletons.get_or_init(|| {
            let b = self.binding() as *const AdapterBinding;
            fn immortal(r: Ref, b: *const AdapterBinding) -> ObjRef {
                let ty = r.type_info();
                let obj = r.into_obj_ref();
                // SAFETY: fresh, unshared object: switch its header to immortal.
                unsafe {
                    std::ptr::write(obj.as_ptr() as *mut Object, Object::new_immortal(ty, b))
                };
                obj
            }
            [
                immortal(self.alloc(NoneType), b),
                immortal(self.alloc(Bool(false)), b),
                immortal(self.alloc(Bool(true)), b),
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
        self.alloc(Int::Small(v))
    }

    /// A float (untracked).
    pub fn new_float(&self, v: f64) -> Ref {
        self.alloc(Float(v))
    }

    /// A string (untracked).
    pub fn new_str(&self, s: &str) -> Ref {
        self.alloc(Str(Box::<str>::from(s)))
    }

    /// A tuple (items inline); tracked only if one of its items is tracked.
    pub fn new_tuple(&self, items: Vec<Ref>) -> Ref {
        let track = items.iter().any(|r| r.obj_ref().is_tracked());
        self.alloc_var(Tuple::new(items.len()), items, track)
    }

    /// A list (tracked).
    pub fn new_list(&self, items: Vec<Ref>) -> Ref {
        self.alloc(List::new(items))
    }

    /// An empty dict (tracked).
    pub fn new_dict(&self) -> Ref {
        self.alloc(Dict::new())
    }

    /// A class (tracked).
    pub fn new_class(&self, name: &str, base: Option<&Ref>) -> Ref {
        self.alloc(Class::new(name, base.cloned()))
    }

    /// An instance of `class` (tracked). Panics if `class` is not a class.
    pub fn new_instance(&self, class: &Ref) -> Ref {
        assert!(class.is::<Class>(), "new_instance: not a class");
        self.alloc(Instance::new(class.clone()))
    }

    /// A function/closure (tracked): `code` is any object (traced), `cells` the captured
    /// cells, `globals` usually a dict. A VM with its own function type allocates that
    /// instead (`alloc`).
    pub fn new_function(
        &self,
        name: &str,
        code: Option<Ref>,
        cells: Vec<Ref>,
        globals: Option<Ref>,
    ) -> Ref {
        self.alloc(Function::new(name, code, cells, globals))
    }

    /// A cell (tracked).
    pub fn new_cell(&self, v: Option<Ref>) -> Ref {
        self.alloc(Cell::new(v))
    }

    /// A native callable: `f` called with `captures` (traced) and one argument. Tracked when
    /// it captures anything. Use it as a finalizer or weakref callback object.
    pub fn new_native_callable(
        &self,
        captures: Vec<Ref>,
        f: impl Fn(&[Ref], &Ref) + Send + Sync + 'static,
    ) -> Ref {
        let track = !captures.is_empty();
        let f: NativeFn = Arc::new(f);
        self.alloc_with(NativeCallable::new(captures, f), track)
    }

    /// A weak reference to `target` with an optional callback closure (called with the
    /// weakref once the target dies, unless the weakref died first). See
    /// [`new_weakref_with`](Self::new_weakref_with) for a callback object.
    pub fn new_weakref(
        &self,
        target: &Ref,
        callback: Option<impl Fn(&Ref) + Send + Sync + 'static>,
    ) -> Ref {
        let cb = callback.map(|f| self.new_native_callable(Vec::new(), move |_, w| f(w)));
        self.new_weakref_with(target, cb)
    }

    /// A weak reference to `target` with an optional callback object (called through
    /// [`VmHooks::call_weakref_callback`]). Always tracked, as in CPython
    /// (`gc.is_tracked(weakref.ref(x))` is True): the callback is traced, so a cycle through
    /// it is collectable, and a weakref is tracked whether or not it has one.
    pub fn new_weakref_with(&self, target: &Ref, callback: Option<Ref>) -> Ref {
        let w = self.alloc(WeakRef {
            referent: Default::default(),
            callback: RefSlot::new(callback),
            table: &self.binding().weak as *const WeakTable,
        });
        let wr = w.as_weakref().expect("just made");
        self.binding().weak.register(target, w.obj_ref(), wr);
        w
    }
}
