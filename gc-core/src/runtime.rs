//! The VM-to-GC API: a collector runtime, its controls, stats and hooks (the mmtk-core
//! `memory_manager` idea: one file a VM author reads to find every call it can make).

use std::sync::Arc;

use crate::binding::VmBinding;
use crate::config::GcConfig;
use crate::error::ContractViolation;
use crate::heap::{HeapSpace, HeapStats};
use crate::mutator::Mutator;
use crate::object::{flags, ObjRef};
use crate::record::CollectionRecord;
pub use crate::record::{CallbackInfo, CallbackPhase, GcStats};
use crate::safepoint::{Safepoints, StuckThread};
use crate::state::Shared;

/// A collector runtime bound to a VM through `B`. Cheap to clone (an `Arc`).
///
/// ```text
/// let rt = GcRuntime::new(MyVm::default(), GcConfig::default());
/// let m = rt.register_mutator("main");
/// let obj = m.alloc(32, true)?;   // initialise, then poll regularly
/// m.poll();
/// let freed = m.collect();
/// ```
pub struct GcRuntime<B: VmBinding> {
    shared: Arc<Shared<B>>,
}

impl<B: VmBinding> Clone for GcRuntime<B> {
    fn clone(&self) -> Self {
        GcRuntime {
            shared: self.shared.clone(),
        }
    }
}

impl<B: VmBinding> GcRuntime<B> {
    /// Create a runtime for `binding` with `config`. Starts `config.workers - 1` GC worker
    /// threads: the collecting thread is worker 0 (none when `workers` is 1).
    pub fn new(binding: B, config: GcConfig) -> Self {
        GcRuntime {
            shared: Shared::new(binding, config),
        }
    }

    pub(crate) fn shared(&self) -> &Shared<B> {
        &self.shared
    }

    /// The VM binding.
    pub fn binding(&self) -> &B {
        &self.shared.binding
    }

    /// The configuration the runtime was created with.
    pub fn config(&self) -> &GcConfig {
        &self.shared.config
    }

    /// Number of GC workers.
    pub fn workers(&self) -> usize {
        self.shared.workers
    }

    /// The heap space (page enumeration, statistics, remote frees).
    pub fn space(&self) -> &Arc<HeapSpace> {
        &self.shared.space
    }

    /// The safepoint machinery (thread list, stop-the-world for VM-level operations).
    pub fn safepoints(&self) -> &Safepoints {
        &self.shared.safepoints
    }

    /// Register the calling thread as a mutator; it starts attached.
    pub fn register_mutator(&self, name: impl Into<String>) -> Mutator<B> {
        Mutator::new(self.clone(), name.into())
    }

    /// Start tracking `obj` (it becomes a cycle candidate). It must be fully initialised.
    pub fn track(&self, obj: ObjRef) {
        // An object that was untracked through a collection has a stale mark bit: give it the
        // current "not marked" value, *before* it becomes tracked. No collector ever claims an
        // untracked object (every mark rule requires TRACKED), so this cannot undo a mark; an
        // object that is already tracked is left alone for the same reason.
        let h = obj.header();
        if h.flags() & flags::TRACKED == 0 {
            h.set_mark_bit(self.shared.space.unmarked_bit());
        }
        h.set(flags::TRACKED);
    }

    /// Stop tracking `obj` (e.g. a tuple found to hold only atomic values).
    pub fn untrack(&self, obj: ObjRef) {
        obj.header().unset(flags::TRACKED);
    }

    /// Free `obj` from a thread that is not a mutator of this runtime (remote free).
    ///
    /// # Safety
    /// As [`Mutator::free`].
    pub unsafe fn free_remote(&self, obj: ObjRef) {
        // SAFETY: forwarded caller guarantee.
        unsafe { self.shared.space.free_remote(obj) }
    }

    /// Turn automatic collection on.
    pub fn enable(&self) {
        self.shared.trigger.set_enabled(true);
    }
    /// Turn automatic collection off (manual `collect()` still works).
    pub fn disable(&self) {
        self.shared.trigger.set_enabled(false);
    }
    /// Whether automatic collection is on.
    pub fn is_enabled(&self) -> bool {
        self.shared.trigger.is_enabled()
    }
    /// Set the automatic-collection threshold.
    pub fn set_threshold(&self, n: u64) {
        self.shared.trigger.set_threshold(n);
    }
    /// The configured threshold (the effective one is `max(threshold, live_after_last / 4)`).
    pub fn threshold(&self) -> u64 {
        self.shared.trigger.threshold()
    }
    /// Collect every `n` allocations (0 = off).
    pub fn set_stress_every(&self, n: u64) {
        self.shared.trigger.set_stress_every(n);
    }
    /// Turn save-garbage mode on or off.
    pub fn set_save_garbage(&self, on: bool) {
        self.shared.set_save_garbage(on);
    }
    /// Net allocations (allocations minus mutator frees, flushed in batches) since the last
    /// collection: CPython's `gc.get_count()[0]`.
    pub fn young_count(&self) -> u64 {
        self.shared.trigger.young_count()
    }

    /// Garbage kept by save-garbage mode (still allocated, never freed by the VM).
    pub fn saved_garbage(&self) -> Vec<ObjRef> {
        self.shared.saved_garbage.lock().clone()
    }

    /// Register a start/stop callback (CPython's `gc.callbacks`). Runs on the collecting
    /// thread with the world running and without the collection lock or the GC workers, like
    /// a finalizer: it may run VM code, call `collect()` (returns 0 on that thread) or wait
    /// (detached) for a thread that collects.
    pub fn add_callback(
        &self,
        cb: impl Fn(CallbackPhase, &CallbackInfo) + Send + Sync + 'static,
    ) -> usize {
        self.shared.add_callback(Arc::new(cb))
    }

    /// Remove every callback.
    pub fn clear_callbacks(&self) {
        self.shared.clear_callbacks();
    }

    /// Subscribe to collection records (called at the end of every collection, on the
    /// collecting thread, world running).
    pub fn subscribe(&self, f: impl Fn(&CollectionRecord) + Send + Sync + 'static) {
        self.shared.subscribe(Arc::new(f));
    }

    /// Cumulative statistics.
    pub fn stats(&self) -> GcStats {
        self.shared.stats.lock().clone()
    }

    /// The last `record_capacity` collection records, oldest first.
    pub fn records(&self) -> Vec<CollectionRecord> {
        self.shared.records.lock().iter().cloned().collect()
    }

    /// The most recent collection record.
    pub fn last_record(&self) -> Option<CollectionRecord> {
        self.shared.records.lock().back().cloned()
    }

    /// Every contract violation found so far (bounded to the first 1000).
    pub fn violations(&self) -> Vec<ContractViolation> {
        self.shared.violations.lock().clone()
    }

    /// Threads reported stuck at a safepoint so far.
    pub fn stuck_threads(&self) -> Vec<StuckThread> {
        self.shared.stuck.lock().clone()
    }

    /// Heap statistics (walks the pages).
    pub fn heap_stats(&self) -> HeapStats {
        self.shared.space.stats()
    }

    /// Nanoseconds since the runtime was created (the time base of collection records).
    pub fn now_ns(&self) -> u64 {
        self.shared.now_ns()
    }

    /// Freeze: every object tracked now is excluded from future collections (CPython's
    /// `gc.freeze()`, for long-lived objects). Stops the world briefly.
    pub fn freeze(&self, m: &Mutator<B>) -> usize {
        crate::collector::set_frozen(&self.shared, m.slot(), true)
    }

    /// Undo [`freeze`](Self::freeze).
    pub fn unfreeze(&self, m: &Mutator<B>) -> usize {
        crate::collector::set_frozen(&self.shared, m.slot(), false)
    }

    /// Test-only fault injection: the next collection skips marking `obj` (its marks ignore
    /// edges to it; its count is still reduced by them), so a live object whose count is all
    /// internal references, held by an uncounted root, is freed — exists to prove that
    /// independent checkers catch collector bugs.
    #[cfg(feature = "fault-injection")]
    pub fn inject_skip_mark(&self, obj: ObjRef) {
        *self.shared.fault_skip_mark.lock() = Some(obj);
    }

    /// Test-only fault injection: GC helper threads come up to `us` microseconds late to
    /// each job of a collection (none, half or all of it, varying by job and helper), so
    /// phases run with only some of their workers, or with the collecting thread alone.
    /// 0 turns it off.
    #[cfg(feature = "fault-injection")]
    pub fn inject_helper_delay_us(&self, us: u64) {
        self.shared
            .fault_helper_delay_us
            .store(us, std::sync::atomic::Ordering::Relaxed);
    }
}
