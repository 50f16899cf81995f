//! A registered mutator thread: its heap, its safepoint slot and its allocation counter.

use std::cell::{Cell, UnsafeCell};
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::sync::Arc;

use crate::binding::VmBinding;
use crate::heap::{AllocError, ThreadHeap};
use crate::object::ObjRef;
use crate::runtime::GcRuntime;
use crate::safepoint::ThreadSlot;
use crate::trigger::{Request, PENDING_COLLECT};

/// One mutator thread of a [`GcRuntime`]: allocates from its own heap, polls safepoints,
/// attaches/detaches around blocking calls, and runs collections.
///
/// A `Mutator` is created attached by [`GcRuntime::register_mutator`] and is neither `Send`
/// nor `Sync`: it belongs to the thread that registered it. Dropping it detaches and
/// unregisters the thread; its heap pages are abandoned to the shared pool (objects on them
/// stay valid and are adopted later).
pub struct Mutator<B: VmBinding> {
    rt: GcRuntime<B>,
    slot: Arc<ThreadSlot>,
    /// Dropped explicitly in `Drop`, under the collection lock (see there).
    heap: ManuallyDrop<UnsafeCell<ThreadHeap>>,
    /// Allocations minus frees not yet flushed to the runtime's young count.
    unflushed: Cell<i32>,
    /// Set while this thread runs a collection (collections do not nest).
    collecting: Cell<bool>,
    _not_send: PhantomData<*mut ()>,
}

impl<B: VmBinding> Mutator<B> {
    pub(crate) fn new(rt: GcRuntime<B>, name: String) -> Self {
        let slot = rt.shared().safepoints.register(name);
        rt.shared().safepoints.attach(&slot);
        let heap = rt.shared().space.new_thread_heap();
        Mutator {
            rt,
            slot,
            heap: ManuallyDrop::new(UnsafeCell::new(heap)),
            unflushed: Cell::new(0),
            collecting: Cell::new(false),
            _not_send: PhantomData,
        }
    }

    /// The runtime this thread belongs to.
    pub fn runtime(&self) -> &GcRuntime<B> {
        &self.rt
    }

    /// This thread's safepoint slot (id, name, state).
    pub fn slot(&self) -> &Arc<ThreadSlot> {
        &self.slot
    }

    /// This thread's heap id (the owner id recorded in its pages).
    pub fn heap_id(&self) -> usize {
        // SAFETY: the heap is only borrowed for the duration of this call, on the owning thread
        // (Mutator is !Sync), and no other borrow is live.
        unsafe { (*self.heap.get()).id() }
    }

    /// Allocate `size` payload bytes. A `tracked` object is a cycle candidate from the start:
    /// it must be fully initialised before this thread next polls or detaches (contract
    /// rule 4); allocate untracked and call [`GcRuntime::track`] later otherwise.
    ///
    /// Fast path: owner-local free list, no lock, no atomic read-modify-write. Never runs a
    /// collection: when the allocation count passes the threshold a collection is *requested*
    /// and runs at the next [`poll`](Self::poll) of any thread.
    #[inline]
    pub fn alloc(&self, size: usize, tracked: bool) -> Result<ObjRef, AllocError> {
        // SAFETY: the heap is owned by this thread (Mutator is !Send/!Sync) and alloc calls no
        // user code, so this is the only live borrow.
        let obj = unsafe { (*self.heap.get()).alloc(size, tracked)? };
        self.count(1);
        Ok(obj)
    }

    /// Free `obj` now (its count reached zero and it is not collector-held). Local free if this
    /// thread owns the page, remote free otherwise.
    ///
    /// # Safety
    /// `obj` is a live object of this runtime, nothing will use it again, and it is not
    /// collector-held (contract rule 6).
    #[inline]
    pub unsafe fn free(&self, obj: ObjRef) {
        // SAFETY: caller guarantees obj is live and unused; the heap borrow is unique (see alloc).
        unsafe { (*self.heap.get()).free(obj) }
        self.count(-1);
    }

    /// Count an allocation (+1) or a free (-1). The young count is *net* allocations, as in
    /// CPython's free-threaded build: objects that reference counting frees soon after
    /// allocating them never bring a collection closer.
    #[inline]
    fn count(&self, delta: i32) {
        let n = self.unflushed.get() + delta;
        if n.unsigned_abs() >= self.rt.shared().trigger.flush_batch() {
            self.unflushed.set(0);
            self.rt.shared().note_allocations(n as i64);
        } else {
            self.unflushed.set(n);
        }
    }

    /// The safepoint poll: call it regularly while attached (loop back-edges, calls). Fast path:
    /// one relaxed load and a branch. Parks the thread if a stop is requested, and runs a
    /// requested automatic collection.
    #[inline]
    pub fn poll(&self) {
        let bits = self.rt.shared().safepoints.poll(&self.slot);
        if bits & PENDING_COLLECT != 0 {
            self.collect_requested();
        }
    }

    #[cold]
    fn collect_requested(&self) {
        if self.collecting.get() {
            return;
        }
        let sh = self.rt.shared();
        if let Some(req) = sh.trigger.take_request(&sh.safepoints) {
            self.run_collection(req);
        }
    }

    /// Detach (before blocking or running native code that does not touch managed objects).
    pub fn detach(&self) {
        self.rt.shared().safepoints.detach(&self.slot);
    }

    /// Attach again; blocks while the world is stopped.
    pub fn attach(&self) {
        self.rt.shared().safepoints.attach(&self.slot);
    }

    /// Run `f` detached (around a blocking call); re-attaches afterwards, also on unwind.
    pub fn detached<R>(&self, f: impl FnOnce() -> R) -> R {
        self.rt.shared().safepoints.detached(&self.slot, f)
    }

    /// Run a full collection now and return the number of objects collected.
    ///
    /// If this thread is already collecting (`collect()` from a finalizer or callback), returns
    /// 0 at once. If another thread is collecting, waits (detached) for it to finish and then
    /// runs a collection of its own, so garbage made before the call is always considered.
    pub fn collect(&self) -> usize {
        if self.collecting.get() {
            return 0;
        }
        self.run_collection(Request::manual())
    }

    fn run_collection(&self, req: Request) -> usize {
        assert_eq!(
            self.slot.state(),
            crate::safepoint::ThreadState::Attached,
            "collect() needs an attached mutator: it stops the world and runs VM code \
             (finalizers, callbacks) on this thread"
        );
        self.flush();
        self.collecting.set(true);
        struct Reset<'a>(&'a Cell<bool>);
        impl Drop for Reset<'_> {
            fn drop(&mut self) {
                self.0.set(false);
            }
        }
        let _reset = Reset(&self.collecting);
        crate::collector::collect(self.rt.shared(), &self.slot, req)
    }

    /// Flush this thread's unflushed net allocation count to the runtime.
    pub fn flush(&self) {
        let n = self.unflushed.replace(0);
        if n != 0 {
            self.rt.shared().note_allocations(n as i64);
        }
    }

    /// Whether this thread is inside a collection (e.g. running a finalizer).
    pub fn is_collecting(&self) -> bool {
        self.collecting.get()
    }
}

impl<B: VmBinding> Drop for Mutator<B> {
    fn drop(&mut self) {
        self.flush();
        let sp = &self.rt.shared().safepoints;
        if self.slot.state() == crate::safepoint::ThreadState::Attached {
            sp.detach(&self.slot);
        }
        sp.unregister(&self.slot);
        // Abandoning the heap may release empty pages; a collection in progress walks a
        // snapshot of the page list, so wait until none runs.
        let _no_collection = self.rt.shared().collect_lock.lock();
        // SAFETY: the heap is dropped exactly once, here, and never used afterwards.
        unsafe { ManuallyDrop::drop(&mut self.heap) };
    }
}
