//! Per-thread state: the thread-local [`ThreadContext`], the registry entry with the thread's
//! biased-RC merge queue and root stack, and the [`ThreadGuard`] that owns them.
//!
//! `Runtime::attach_thread(name)` gives the calling OS thread a process-unique id (never
//! reused, never 0), registers a gc-core `Mutator`, publishes a [`ThreadEntry`] in the
//! runtime's thread registry (keyed by id) and stores a pointer to the context in a
//! thread-local, so that `Ref::clone`/`drop` and the allocation helpers know the calling
//! thread without an argument. Dropping the guard merges the thread's queue, marks the entry
//! dead (under the queue lock: later queuers see it dead and merge themselves), removes it from
//! the registry, drops the root stack and unregisters the mutator.

use std::cell::Cell;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use gc_core::{Mutator, ObjRef};
use parking_lot::Mutex;

use crate::binding::AdapterBinding;
use crate::handle::Ref;
use crate::runtime::Runtime;

/// The thread id of a thread with no context (never an object's owner).
pub(crate) const NO_THREAD: u64 = u64::MAX;

static NEXT_TID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static TID: Cell<u64> = const { Cell::new(NO_THREAD) };
    static CTX: Cell<*const ThreadContext> = const { Cell::new(std::ptr::null()) };
}

/// The calling thread's id (`NO_THREAD` when not attached).
#[inline]
pub(crate) fn current_tid() -> u64 {
    TID.with(|t| t.get())
}

/// Run `f` with the calling thread's context, if it has one.
#[inline]
pub(crate) fn with_context<R>(f: impl FnOnce(Option<&ThreadContext>) -> R) -> R {
    let p = CTX.with(|c| c.get());
    // SAFETY: the pointer is set by ThreadGuard::new to its boxed context and cleared in its
    // Drop before the box is freed; the guard is !Send, so the box outlives every use on this
    // thread.
    f(unsafe { p.as_ref() })
}

/// The queue state of one thread, under one lock with its liveness (thread exit races).
struct QueueState {
    alive: bool,
    objs: Vec<ObjRef>,
}

/// A registered thread as the rest of the runtime sees it.
pub(crate) struct ThreadEntry {
    pub(crate) tid: u64,
    queue: Mutex<QueueState>,
    /// Cheap "queue non-empty" hint for the poll fast path.
    pending: AtomicBool,
    /// The VM's per-thread root stack (strong references), reported by `scan_roots`.
    pub(crate) roots: Mutex<Vec<Ref>>,
}

impl ThreadEntry {
    fn new(tid: u64) -> Self {
        ThreadEntry {
            tid,
            queue: Mutex::new(QueueState {
                alive: true,
                objs: Vec::new(),
            }),
            pending: AtomicBool::new(false),
            roots: Mutex::new(Vec::new()),
        }
    }

    /// Queue `obj` for merging; false if the thread has exited (the caller merges itself).
    pub(crate) fn push(&self, obj: ObjRef) -> bool {
        let mut q = self.queue.lock();
        if !q.alive {
            return false;
        }
        q.objs.push(obj);
        self.pending.store(true, Ordering::Release);
        true
    }

    #[inline]
    pub(crate) fn has_pending(&self) -> bool {
        self.pending.load(Ordering::Relaxed)
    }

    /// Take every queued object.
    pub(crate) fn take(&self) -> Vec<ObjRef> {
        let mut q = self.queue.lock();
        self.pending.store(false, Ordering::Relaxed);
        std::mem::take(&mut q.objs)
    }

    /// Mark the thread dead and take what is still queued.
    fn kill(&self) -> Vec<ObjRef> {
        let mut q = self.queue.lock();
        q.alive = false;
        self.pending.store(false, Ordering::Relaxed);
        std::mem::take(&mut q.objs)
    }
}

/// What the thread-local points at: the calling thread's mutator, id and registry entry.
pub struct ThreadContext {
    pub(crate) tid: u64,
    pub(crate) rt: Runtime,
    pub(crate) mutator: Mutator<AdapterBinding>,
    pub(crate) entry: Arc<ThreadEntry>,
}

impl ThreadContext {
    /// This thread's id (the owner id written into objects it allocates).
    pub fn tid(&self) -> u64 {
        self.tid
    }

    /// This thread's gc-core mutator.
    pub fn mutator(&self) -> &Mutator<AdapterBinding> {
        &self.mutator
    }

    /// The runtime the thread is attached to.
    pub fn runtime(&self) -> &Runtime {
        &self.rt
    }

    /// Merge this thread's queued objects (the owner's safepoint hook).
    #[inline]
    pub fn merge_pending(&self) {
        if self.entry.has_pending() {
            crate::queue::merge_queue(self.entry.take(), false);
        }
    }
}

/// Keeps the calling thread attached to a [`Runtime`]; dropping it detaches and unregisters
/// the thread. Not `Send`: it belongs to the thread that attached.
pub struct ThreadGuard {
    ctx: Option<Box<ThreadContext>>,
    _not_send: PhantomData<*mut ()>,
}

impl ThreadGuard {
    pub(crate) fn new(rt: &Runtime, name: String) -> ThreadGuard {
        assert!(
            CTX.with(|c| c.get().is_null()),
            "thread is already attached to a gc-vm-adapter runtime"
        );
        let tid = NEXT_TID.fetch_add(1, Ordering::Relaxed);
        let mutator = rt.gc().register_mutator(name);
        let entry = Arc::new(ThreadEntry::new(tid));
        rt.binding().register_thread(entry.clone());
        let ctx = Box::new(ThreadContext {
            tid,
            rt: rt.clone(),
            mutator,
            entry,
        });
        TID.with(|t| t.set(tid));
        CTX.with(|c| c.set(&*ctx as *const ThreadContext));
        ThreadGuard {
            ctx: Some(ctx),
            _not_send: PhantomData,
        }
    }

    /// The context.
    pub fn context(&self) -> &ThreadContext {
        self.ctx.as_ref().expect("context present until drop")
    }
}

impl Drop for ThreadGuard {
    fn drop(&mut self) {
        let Some(ctx) = self.ctx.take() else { return };
        // Drop the root stack while still the owner (decrefs take the owner path).
        let roots = std::mem::take(&mut *ctx.entry.roots.lock());
        drop(roots);
        ctx.merge_pending();
        // Mark dead under the queue lock: a later queuer sees it and merges by itself.
        let rest = ctx.entry.kill();
        crate::queue::merge_queue(rest, false);
        ctx.rt.binding().unregister_thread(ctx.tid);
        crate::queue::drain_deferred(ctx.rt.binding());
        CTX.with(|c| c.set(std::ptr::null()));
        TID.with(|t| t.set(NO_THREAD));
        drop(ctx);
    }
}
