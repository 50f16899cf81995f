//! The VM-to-GC API: a collector runtime, its controls, stats and hooks (the mmtk-core
//! `memory_manager` idea: one file a VM author reads to find every call it can make).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::{Mutex, RwLock};
use serde::Serialize;

use crate::binding::VmBinding;
use crate::config::GcConfig;
use crate::error::ContractViolation;
use crate::heap::{HeapSpace, HeapStats};
use crate::mutator::Mutator;
use crate::object::{flags, ObjRef};
use crate::record::{CollectionRecord, TriggerReason};
use crate::safepoint::{SafepointConfig, Safepoints, StuckThread};

/// Pending bit (in the safepoint word) asking the next polling thread to collect.
pub(crate) const PENDING_COLLECT: u32 = 1 << 1;

/// When a start/stop callback is called.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackPhase {
    /// Before the collection stops the world.
    Start,
    /// After the collection has finished (world running).
    Stop,
}

/// The `info` dict of CPython's `gc.callbacks`, as a struct.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CallbackInfo {
    /// Generation-equivalent (always 0: one generation, all objects).
    pub generation: u32,
    /// Objects collected (0 at `Start`).
    pub collected: u64,
    /// Uncollectable objects found (0 at `Start`).
    pub uncollectable: u64,
}

/// Cumulative counters (CPython's `gc.get_stats()` entry for the one generation).
#[derive(Clone, Debug, Default, Serialize)]
pub struct GcStats {
    /// Collections run.
    pub collections: u64,
    /// Objects collected, all collections.
    pub collected: u64,
    /// Uncollectable objects (kept by save-garbage mode or by a contract violation).
    pub uncollectable: u64,
    /// Objects resurrected by finalizers.
    pub resurrected: u64,
    /// Contract violations found.
    pub violations: u64,
    /// Threads reported stuck at a safepoint.
    pub stuck_threads: u64,
    /// Duration of the last collection, ns.
    pub last_duration_ns: u64,
    /// Total time in collections, ns.
    pub total_gc_ns: u64,
    /// Total world-stopped time, ns.
    pub total_stopped_ns: u64,
}

type Callback = Arc<dyn Fn(CallbackPhase, &CallbackInfo) + Send + Sync>;
type Subscriber = Arc<dyn Fn(&CollectionRecord) + Send + Sync>;

/// Shared state of one runtime.
pub(crate) struct Shared<B: VmBinding> {
    pub(crate) binding: B,
    pub(crate) space: Arc<HeapSpace>,
    pub(crate) safepoints: Safepoints,
    pub(crate) pool: Option<rayon::ThreadPool>,
    pub(crate) workers: usize,
    pub(crate) config: GcConfig,
    pub(crate) epoch: Instant,
    /// Held for the whole of a collection: one at a time.
    pub(crate) collect_lock: Mutex<()>,
    enabled: AtomicBool,
    save_garbage: AtomicBool,
    threshold: AtomicU64,
    stress_every: AtomicU64,
    /// Net allocations (allocations minus frees by mutators) since the last collection.
    young: AtomicI64,
    /// Allocations ever counted (for the stress knob).
    allocated: AtomicU64,
    pub(crate) live_after_last: AtomicU64,
    /// A pending request's reason (TriggerReason as u8 + 1; 0 = none).
    request: AtomicU8,
    pub(crate) seq: AtomicU64,
    pub(crate) stats: Mutex<GcStats>,
    pub(crate) records: Mutex<VecDeque<CollectionRecord>>,
    pub(crate) violations: Mutex<Vec<ContractViolation>>,
    pub(crate) saved_garbage: Mutex<Vec<ObjRef>>,
    /// Garbage-list memory reused from one collection to the next.
    pub(crate) garbage_lists: crate::collector::garbage::ListPool,
    callbacks: RwLock<Vec<Callback>>,
    subscribers: RwLock<Vec<Subscriber>>,
    pub(crate) stuck: Mutex<Vec<StuckThread>>,
    #[cfg(feature = "fault-injection")]
    pub(crate) fault_skip_mark: Mutex<Option<ObjRef>>,
    #[cfg(feature = "fault-injection")]
    pub(crate) fault_helper_delay_us: std::sync::atomic::AtomicU64,
}

impl<B: VmBinding> Shared<B> {
    #[inline]
    pub(crate) fn flush_batch(&self) -> u32 {
        self.config.flush_batch
    }

    /// Add `n` net allocations (negative: frees) to the young count and request a
    /// collection when a trigger fires.
    pub(crate) fn note_allocations(&self, n: i64) {
        let before = self.young.fetch_add(n, Ordering::Relaxed);
        let now = before + n;
        if n > 0 {
            // The stress knob counts allocations, not net growth.
            let stress = self.stress_every.load(Ordering::Relaxed);
            let total = self.allocated.fetch_add(n as u64, Ordering::Relaxed);
            if stress > 0 && total / stress != (total + n as u64) / stress {
                self.request(TriggerReason::Stress);
                return;
            }
        }
        if now <= 0 {
            return;
        }
        let now = now as u64;
        if !self.enabled.load(Ordering::Relaxed) {
            return;
        }
        let threshold = self
            .threshold
            .load(Ordering::Relaxed)
            .max(self.live_after_last.load(Ordering::Relaxed) / 4);
        if now >= threshold {
            self.request(TriggerReason::Allocation);
        }
    }

    fn request(&self, reason: TriggerReason) {
        let code = match reason {
            TriggerReason::Allocation => 1,
            TriggerReason::Manual => 2,
            TriggerReason::Stress => 3,
        };
        // Whether or not this call wins the request word, make sure a poller will look at it:
        // the pending bit may have been cleared by a `take_request` racing with us. A spurious
        // bit costs one slow poll, which clears it.
        let _ = self
            .request
            .compare_exchange(0, code, Ordering::AcqRel, Ordering::Relaxed);
        self.safepoints.set_pending(PENDING_COLLECT);
    }

    /// Take a pending automatic request (first poller wins).
    ///
    /// The pending bit is cleared *before* the request word is taken: a request made in
    /// between then sets the bit again (see `request`), so no request is ever left set with
    /// its bit clear, which would stop automatic collection for good.
    pub(crate) fn take_request(&self) -> Option<TriggerReason> {
        self.safepoints.clear_pending(PENDING_COLLECT);
        let code = self.request.swap(0, Ordering::AcqRel);
        if code == 0 {
            return None;
        }
        Some(match code {
            1 => TriggerReason::Allocation,
            2 => TriggerReason::Manual,
            _ => TriggerReason::Stress,
        })
    }

    /// Tracked objects the next collection will see, roughly: last survivors plus allocations
    /// since (the allocation count includes untracked objects, so this over-estimates).
    pub(crate) fn estimated_objects(&self) -> u64 {
        self.live_after_last.load(Ordering::Relaxed)
            + self.young.load(Ordering::Relaxed).max(0) as u64
    }

    /// Reset the young count at the start of a collection.
    pub(crate) fn reset_young(&self) {
        self.young.store(0, Ordering::Relaxed);
        // Same order as `take_request`.
        self.safepoints.clear_pending(PENDING_COLLECT);
        self.request.swap(0, Ordering::AcqRel);
    }

    pub(crate) fn save_garbage(&self) -> bool {
        self.save_garbage.load(Ordering::Relaxed)
    }

    pub(crate) fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    pub(crate) fn run_callbacks(&self, phase: CallbackPhase, info: &CallbackInfo) {
        let cbs: Vec<Callback> = self.callbacks.read().clone();
        for cb in cbs {
            cb(phase, info);
        }
    }

    pub(crate) fn publish(&self, record: CollectionRecord) {
        let subs: Vec<Subscriber> = self.subscribers.read().clone();
        for s in &subs {
            s(&record);
        }
        let mut ring = self.records.lock();
        if ring.len() >= self.config.record_capacity.max(1) {
            ring.pop_front();
        }
        ring.push_back(record);
    }
}

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
        let workers = config.workers.max(1);
        let pool = (workers > 1).then(|| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(workers - 1)
                .thread_name(|i| format!("gc-worker-{}", i + 1))
                .build()
                .expect("failed to start GC worker threads")
        });
        let safepoints = Safepoints::with_config(SafepointConfig {
            stuck_threshold: config.stuck_threshold,
            ..SafepointConfig::default()
        });
        let shared = Arc::new(Shared {
            binding,
            space: HeapSpace::new(),
            safepoints,
            pool,
            workers,
            epoch: Instant::now(),
            collect_lock: Mutex::new(()),
            enabled: AtomicBool::new(config.enabled),
            save_garbage: AtomicBool::new(config.save_garbage),
            threshold: AtomicU64::new(config.threshold),
            stress_every: AtomicU64::new(config.stress_every),
            young: AtomicI64::new(0),
            allocated: AtomicU64::new(0),
            live_after_last: AtomicU64::new(0),
            request: AtomicU8::new(0),
            seq: AtomicU64::new(0),
            stats: Mutex::new(GcStats::default()),
            records: Mutex::new(VecDeque::new()),
            violations: Mutex::new(Vec::new()),
            saved_garbage: Mutex::new(Vec::new()),
            garbage_lists: Default::default(),
            callbacks: RwLock::new(Vec::new()),
            subscribers: RwLock::new(Vec::new()),
            stuck: Mutex::new(Vec::new()),
            #[cfg(feature = "fault-injection")]
            fault_skip_mark: Mutex::new(None),
            #[cfg(feature = "fault-injection")]
            fault_helper_delay_us: std::sync::atomic::AtomicU64::new(0),
            config,
        });
        let weak = Arc::downgrade(&shared);
        shared
            .safepoints
            .set_stuck_hook(Box::new(move |t: &StuckThread| {
                if let Some(s) = weak.upgrade() {
                    s.stuck.lock().push(t.clone());
                    s.stats.lock().stuck_threads += 1;
                }
            }));
        GcRuntime { shared }
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
        self.shared.enabled.store(true, Ordering::Relaxed);
    }
    /// Turn automatic collection off (manual `collect()` still works).
    pub fn disable(&self) {
        self.shared.enabled.store(false, Ordering::Relaxed);
    }
    /// Whether automatic collection is on.
    pub fn is_enabled(&self) -> bool {
        self.shared.enabled.load(Ordering::Relaxed)
    }
    /// Set the automatic-collection threshold.
    pub fn set_threshold(&self, n: u64) {
        self.shared.threshold.store(n, Ordering::Relaxed);
    }
    /// The configured threshold (the effective one is `max(threshold, live_after_last / 4)`).
    pub fn threshold(&self) -> u64 {
        self.shared.threshold.load(Ordering::Relaxed)
    }
    /// Collect every `n` allocations (0 = off).
    pub fn set_stress_every(&self, n: u64) {
        self.shared.stress_every.store(n, Ordering::Relaxed);
    }
    /// Turn save-garbage mode on or off.
    pub fn set_save_garbage(&self, on: bool) {
        self.shared.save_garbage.store(on, Ordering::Relaxed);
    }
    /// Net allocations (allocations minus mutator frees, flushed in batches) since the last
    /// collection: CPython's `gc.get_count()[0]`.
    pub fn young_count(&self) -> u64 {
        self.shared.young.load(Ordering::Relaxed).max(0) as u64
    }

    /// Garbage kept by save-garbage mode (still allocated, never freed by the VM).
    pub fn saved_garbage(&self) -> Vec<ObjRef> {
        self.shared.saved_garbage.lock().clone()
    }

    /// Register a start/stop callback (CPython's `gc.callbacks`). Runs on the collecting
    /// thread with the world running; may run VM code.
    pub fn add_callback(
        &self,
        cb: impl Fn(CallbackPhase, &CallbackInfo) + Send + Sync + 'static,
    ) -> usize {
        let mut v = self.shared.callbacks.write();
        v.push(Arc::new(cb));
        v.len() - 1
    }

    /// Remove every callback.
    pub fn clear_callbacks(&self) {
        self.shared.callbacks.write().clear();
    }

    /// Subscribe to collection records (called at the end of every collection, on the
    /// collecting thread, world running).
    pub fn subscribe(&self, f: impl Fn(&CollectionRecord) + Send + Sync + 'static) {
        self.shared.subscribers.write().push(Arc::new(f));
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
        crate::collector::set_frozen(m, true)
    }

    /// Undo [`freeze`](Self::freeze).
    pub fn unfreeze(&self, m: &Mutator<B>) -> usize {
        crate::collector::set_frozen(m, false)
    }

    /// Test-only fault injection: the next collection skips marking `obj` (so a live object
    /// may be freed) — exists to prove that independent checkers catch collector bugs.
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
