//! The binding contract: everything a VM must tell the collector, in one place.
//!
//! A VM plugs into gc-core by implementing [`VmBinding`] for a type of its own and creating a
//! [`GcRuntime`](crate::GcRuntime) with it. The collector never looks inside an object: it
//! learns an object's strong reference count, its outgoing strong references, how to finalize,
//! clear and destroy it, and the VM's roots, only through this trait.
//!
//! # When the collector calls what
//!
//! | method | world | thread | may run VM code? | may allocate? |
//! |---|---|---|---|---|
//! | [`merge_thread_state`](VmBinding::merge_thread_state) | stopped | collecting thread | no | no |
//! | [`scan_roots`](VmBinding::scan_roots) | stopped | collecting thread | no | no |
//! | [`refcount`](VmBinding::refcount) | stopped (or running, for garbage only) | any GC worker | no | no |
//! | [`trace`](VmBinding::trace) | stopped | any GC worker, concurrently | no | no |
//! | [`clear_weakrefs`](VmBinding::clear_weakrefs) | stopped | collecting thread | no | no |
//! | [`run_weakref_callbacks`](VmBinding::run_weakref_callbacks) | running | collecting thread | yes | yes |
//! | [`finalize`](VmBinding::finalize) | running | collecting thread | yes | yes |
//! | [`clear`](VmBinding::clear) | running | collecting thread | yes (decrefs) | yes |
//! | [`destroy`](VmBinding::destroy) | running | collecting thread | no | no |
//!
//! "World stopped" means every other registered mutator is parked at a safepoint or detached;
//! the collecting thread is itself an attached mutator. GC workers are not mutators: code
//! called on them must not poll, attach, allocate or run VM code.
//!
//! `run_weakref_callbacks` and `finalize` run without the collection lock, the GC workers or
//! any other state another collection needs (docs/design.md, "Re-entrancy"): the VM code they
//! run may call `collect()` (0 at once on this thread), `freeze()`, or wait for threads that
//! collect. Like all mutator code, it must detach before it blocks.

use crate::object::ObjRef;

/// Receives the strong references an object (or the VM's root set) reports.
///
/// The collector implements this; a VM only calls [`Tracer::edge`].
pub trait Tracer {
    /// Report one strong reference to `child`. Report a reference as many times as the
    /// object holds it (a list holding `x` twice reports `x` twice): every reported edge
    /// accounts for exactly one unit of `child`'s reference count.
    fn edge(&mut self, child: ObjRef);
}

/// What the collector tells the VM while it clears weak references.
pub trait GarbageQuery {
    /// Whether `obj` is in this collection's garbage set. A weak reference that is itself
    /// garbage must not have its callback queued (CPython semantics: it never fires).
    fn is_garbage(&self, obj: ObjRef) -> bool;
}

/// The contract between a VM and the collector.
///
/// # Safety
///
/// Implementing this trait promises the collector the following. Breaking rules 1–3 and 9 can
/// make the collector free a live object unless the breach is one of those it detects (listed
/// with each rule, and in the table of docs/binding-guide.md, "What the collector detects");
/// breaking the others is undefined behaviour.
///
/// 1. **Counts are exact when the world is stopped.** [`refcount`](Self::refcount) returns the
///    number of strong references to the object from anywhere (other objects, roots, native
///    handles), after merging any per-thread or biased counts. *Detected:* a count smaller
///    than the references [`trace`](Self::trace) reports from other candidates (the object is
///    kept alive and the breach is recorded as
///    [`ContractViolation::RefcountTooSmall`](crate::ContractViolation)). A count that is too
///    large only keeps garbage alive.
/// 2. **Tracing is complete and honest.** [`trace`](Self::trace) reports every strong reference
///    the object holds to a *tracked* managed object, once per reference held, and nothing
///    else. Reporting a reference to an untracked object is allowed (it is ignored). *Detected
///    when edge checking is on* (debug builds, or [`GcConfig::check_edges`](crate::GcConfig)):
///    a reported pointer that is not a live object of this runtime. *Detected always:* a
///    garbage object still referenced after its cycle was cleared (over-reporting) is not
///    freed and is recorded as [`ContractViolation::ReferencedAfterClear`](crate::ContractViolation)
///    — unless the binding sets [`CLEAR_SKIPS_GARBAGE`](Self::CLEAR_SKIPS_GARBAGE), which
///    gives that check up.
/// 3. **No hidden mutation while stopped.** While the world is stopped, no thread other than
///    the collector's changes reference counts or references of managed objects (native
///    threads that are not registered mutators must not touch managed objects at all, or
///    must hold a counted reference).
/// 4. **Tracked objects are initialised.** An object allocated as tracked (or tracked later)
///    is fully initialised, so that `trace` and `refcount` are valid, before its allocating
///    thread next polls or detaches (allocation itself never starts a collection).
/// 5. **`clear` breaks every strong reference.** After [`clear`](Self::clear) returns, the
///    object holds no strong reference to any managed object and its `trace` reports nothing.
///    With [`CLEAR_SKIPS_GARBAGE`](Self::CLEAR_SKIPS_GARBAGE): no strong reference to any
///    managed object that is not collector-held; references to collector-held objects may
///    stay, uncounted down, and are never followed again.
/// 6. **Collector-held objects are not freed by the VM.** While [`ObjRef::is_collector_held`]
///    is true for an object, the VM must not destroy or free it when its count reaches zero;
///    the collector does. (This is how garbage stays valid while finalizers and `clear` run,
///    without a refcount cascade.)
/// 7. **`destroy` touches nothing managed.** [`destroy`](Self::destroy) releases the object's
///    own resources (drops its payload) and must not read or decref other managed objects.
/// 8. **Methods called on GC workers are thread-safe.** `refcount` and `trace` may run on any
///    GC worker thread, concurrently for different objects (and for the same object), with
///    the world stopped; they must not block on locks a parked mutator may hold, allocate,
///    poll, or run VM code. (A per-object lock may be *read* without locking while the world
///    is stopped, since no mutator runs.)
/// 9. **Untrack before destroy.** When reference counting kills a tracked object (its count
///    reaches zero for good, outside a collection), the VM untracks it
///    ([`GcRuntime::untrack`](crate::GcRuntime::untrack)) *before* it drops any of the
///    object's contents and before any VM code runs in the death's aftermath (weakref
///    callbacks, children's finalizers, a `__del__` that resurrects nothing): any of those may
///    poll, allocate or call `collect()`, and a collection must never find a tracked object
///    whose count is 0 and whose payload is half dropped. It would trace freed children, and,
///    seeing no reference to it, clear, finalize and free an object the VM is about to free
///    again (CPython's `update_refs` in Python/gc.c asserts this and tells the story). A
///    finalizer that runs *before* the death is final (it may resurrect) runs with the object
///    still tracked and its count raised to 1, which is fine. gc-vm-adapter's
///    `src/lifecycle.rs` is the reference (step 4). *Detected always* (release builds too, on
///    the pass that reads the counts): a candidate whose count is 0 is reported as
///    [`ContractViolation::RefcountZero`](crate::ContractViolation) (or `RefcountTooSmall`,
///    if other candidates report references to it) and treated as externally referenced: it
///    and everything it reaches are kept alive by that collection, never cleared, finalized
///    or freed. (An object reachable from the reported roots is never a candidate, so the
///    check does not see it; it is not freed either.)
pub unsafe trait VmBinding: Send + Sync + 'static {
    /// Whether [`clear`](Self::clear) and [`destroy`](Self::destroy) may run on GC worker
    /// threads, concurrently for different objects, with the world running. Set it when your
    /// `clear` never runs VM code on the calling thread (e.g. decrefs that reach zero only
    /// queue the object to its owner, or only touch collector-held garbage) and needs no
    /// thread-local VM state: the free phase then runs on all workers. Default: `false` (the
    /// collecting thread clears and destroys alone).
    const CLEAR_ON_WORKERS: bool = false;

    /// Whether [`clear`](Self::clear) leaves references to collector-held objects alone
    /// (rule 5): it decrements only children for which [`ObjRef::is_collector_held`] is false.
    /// Once the garbage set is final only edges from garbage to live objects need a decrement
    /// (DESIGN §3.4): the garbage is freed as a whole, so a cycle costs no count updates at
    /// all (for rings of atomic counts, about a quarter of the collection). The price: the
    /// collector can no longer check after `clear` that every garbage count reached zero, so
    /// a `trace` that over-reports is no longer caught ([`ContractViolation::ReferencedAfterClear`](crate::ContractViolation)
    /// never fires). Set it only when `trace` reports exactly the counted references, *all*
    /// of them, to tracked and untracked objects alike: the collector then also skips the
    /// `clear` call altogether for a garbage object whose reported references all point into
    /// the garbage (it would do nothing), unless VM code (a finalizer, a weakref callback)
    /// ran on the garbage. Default: `false`.
    const CLEAR_SKIPS_GARBAGE: bool = false;

    /// The object's strong reference count as seen with the world stopped (rule 1).
    ///
    /// Called with the world stopped on any GC worker, and with the world running on the
    /// collecting thread for objects in the garbage set (after `clear`, to check that nothing
    /// outside the cycle still refers to them). Immortal objects may return any large value.
    fn refcount(&self, obj: ObjRef) -> usize;

    /// Report every strong reference `obj` holds to a managed object (rule 2); the analogue of
    /// CPython's `tp_traverse`. Called with the world stopped on any GC worker (rule 8).
    fn trace<T: Tracer>(&self, obj: ObjRef, tracer: &mut T);

    /// For a container with very many references (a list of a million items): how many
    /// reference slots it has, so the collector can split its marking into spans traced by
    /// different workers. 0 (the default) means "trace it whole". Same threading rules as
    /// `trace`.
    fn reference_slots(&self, _obj: ObjRef) -> usize {
        0
    }

    /// Report the references held in slots `range` (a sub-range of
    /// `0..reference_slots(obj)`), each once per reference as in `trace`. Only called when
    /// `reference_slots` returned more than 0; the spans of one object cover each slot exactly
    /// once.
    fn trace_slots<T: Tracer>(&self, obj: ObjRef, range: std::ops::Range<usize>, tracer: &mut T) {
        if range.start == 0 {
            self.trace(obj, tracer);
        }
    }

    /// Merge per-thread reference-count state (biased-RC queues, deferred decrements) so that
    /// `refcount` is exact. Called once per stop, world stopped, on the collecting thread,
    /// before any other method. May not run VM code; freeing objects whose merged count is
    /// zero is allowed (through the runtime's free functions).
    fn merge_thread_state(&self) {}

    /// Report the VM's roots (globals, thread stacks, frames) for the mark-alive pass.
    /// Everything reachable from them is excluded from trial deletion, which makes the rest
    /// of the collection cheaper; reporting no roots is correct (trial deletion alone finds
    /// the same garbage). World stopped, collecting thread.
    fn scan_roots<T: Tracer>(&self, _tracer: &mut T) {}

    /// Whether `obj` has a finalizer (a `__del__`). Called for every candidate of trial
    /// deletion (an object that may turn out to be garbage), world stopped, on any GC worker
    /// (rule 8): keep it cheap. Objects already finalized are never asked again.
    fn has_finalizer(&self, _obj: ObjRef) -> bool {
        false
    }

    /// Run `obj`'s finalizer. World running, collecting thread; at most once per object
    /// (PEP 442). The finalizer may run VM code, allocate, resurrect `obj` or other garbage
    /// (store a strong reference somewhere reachable), break references, call `collect()`
    /// (which returns 0 at once: collections do not nest on one thread), `freeze()`, or wait
    /// for other threads that collect: no collection lock is held meanwhile. Code that blocks
    /// must detach first (an attached thread blocked in a join or on a lock stalls every
    /// stop-the-world, including that of the thread it waits for). A panic is caught and
    /// recorded as [`ContractViolation::FinalizerPanicked`](crate::ContractViolation); the
    /// collection goes on.
    fn finalize(&self, _obj: ObjRef) {}

    /// Whether weak references to `obj` may exist (a cheap filter; `true` is always safe).
    /// Called like [`has_finalizer`](Self::has_finalizer), and world stopped on the
    /// collecting thread after finalizers ran.
    fn has_weakrefs(&self, _obj: ObjRef) -> bool {
        false
    }

    /// `obj` is garbage: clear every weak reference to it (so it can never be reached again)
    /// and queue the callback of each weak reference that is not itself garbage
    /// (`garbage.is_garbage(weakref)` is false). World stopped, collecting thread. Must not run
    /// callbacks here; they run in [`run_weakref_callbacks`](Self::run_weakref_callbacks).
    /// Called again, after finalizers, for whatever is still garbage: callbacks must then not
    /// be queued twice for the same weak reference (a cleared weakref has no referent).
    fn clear_weakrefs(&self, _obj: ObjRef, _garbage: &dyn GarbageQuery) {}

    /// Run the weakref callbacks queued by `clear_weakrefs`. World running, collecting
    /// thread, before any finalizer. Returns how many ran. May run any VM code.
    fn run_weakref_callbacks(&self) -> usize {
        0
    }

    /// The collection has finished (world running, collecting thread, after the stop
    /// callbacks' data is final but before they run): a place for VM work the collection
    /// made due, such as dropping references that GC workers deferred while clearing garbage.
    /// May run any VM code.
    fn after_collection(&self) {}

    /// Break every strong reference `obj` holds (rule 5; only those to objects that are not
    /// collector-held with [`CLEAR_SKIPS_GARBAGE`](Self::CLEAR_SKIPS_GARBAGE)); the analogue
    /// of `tp_clear`. World running, collecting thread (any GC worker with
    /// [`CLEAR_ON_WORKERS`](Self::CLEAR_ON_WORKERS)). Every object of the garbage set is
    /// cleared before any is destroyed, so a child's [`ObjRef::is_collector_held`] can always
    /// be read here. Decrefs made here follow the VM's normal rules, except that an object
    /// reaching zero while collector-held is left alone (rule 6).
    fn clear(&self, obj: ObjRef);

    /// Release `obj`'s own resources (drop its payload in place) without touching any other
    /// managed object (rule 7). The collector frees the memory afterwards. World running,
    /// collecting thread.
    fn destroy(&self, obj: ObjRef);
}
