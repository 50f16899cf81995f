//! The state one runtime shares between its API handles ([`GcRuntime`](crate::GcRuntime),
//! [`Mutator`](crate::Mutator)) and the collector. It sits below both: the API files and
//! `collector/` import it, it imports neither.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::{Mutex, RwLock};

use crate::binding::VmBinding;
use crate::collector::garbage::ListPool;
use crate::config::GcConfig;
use crate::error::ContractViolation;
use crate::heap::HeapSpace;
use crate::object::ObjRef;
use crate::record::{CallbackInfo, CallbackPhase, CollectionRecord, GcStats};
use crate::safepoint::{SafepointConfig, Safepoints, StuckThread};
use crate::trigger::Trigger;

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
    /// When to collect, and which kind.
    pub(crate) trigger: Trigger,
    save_garbage: AtomicBool,
    /// Sequence number of the last collection started.
    pub(crate) seq: AtomicU64,
    pub(crate) stats: Mutex<GcStats>,
    pub(crate) records: Mutex<VecDeque<CollectionRecord>>,
    pub(crate) violations: Mutex<Vec<ContractViolation>>,
    pub(crate) saved_garbage: Mutex<Vec<ObjRef>>,
    /// Garbage-list memory reused from one collection to the next.
    pub(crate) garbage_lists: ListPool,
    callbacks: RwLock<Vec<Callback>>,
    subscribers: RwLock<Vec<Subscriber>>,
    pub(crate) stuck: Mutex<Vec<StuckThread>>,
    #[cfg(feature = "fault-injection")]
    pub(crate) fault_skip_mark: Mutex<Option<ObjRef>>,
    #[cfg(feature = "fault-injection")]
    pub(crate) fault_helper_delay_us: AtomicU64,
}

impl<B: VmBinding> Shared<B> {
    /// Create the state for `binding` with `config`, starting `config.workers - 1` GC worker
    /// threads (the collecting thread is worker 0).
    pub(crate) fn new(binding: B, config: GcConfig) -> Arc<Self> {
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
            trigger: Trigger::new(&config),
            save_garbage: AtomicBool::new(config.save_garbage),
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
            fault_helper_delay_us: AtomicU64::new(0),
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
        shared
    }

    /// Add `n` net allocations (negative: frees); see [`Trigger::note_allocations`].
    #[inline]
    pub(crate) fn note_allocations(&self, n: i64) {
        self.trigger.note_allocations(n, &self.safepoints);
    }

    pub(crate) fn save_garbage(&self) -> bool {
        self.save_garbage.load(Ordering::Relaxed)
    }

    pub(crate) fn set_save_garbage(&self, on: bool) {
        self.save_garbage.store(on, Ordering::Relaxed);
    }

    pub(crate) fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    pub(crate) fn add_callback(&self, cb: Callback) -> usize {
        let mut v = self.callbacks.write();
        v.push(cb);
        v.len() - 1
    }

    pub(crate) fn clear_callbacks(&self) {
        self.callbacks.write().clear();
    }

    pub(crate) fn subscribe(&self, s: Subscriber) {
        self.subscribers.write().push(s);
    }

    /// Call every start/stop callback (on a copy of the list: a callback may add another).
    pub(crate) fn run_callbacks(&self, phase: CallbackPhase, info: &CallbackInfo) {
        let cbs: Vec<Callback> = self.callbacks.read().clone();
        for cb in cbs {
            cb(phase, info);
        }
    }

    /// Hand `record` to the subscribers, then keep it in the bounded ring.
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

    /// Fault injection: the object the next collection must skip marking (taken once).
    #[cfg(feature = "fault-injection")]
    pub(crate) fn take_fault_skip_mark(&self) -> Option<ObjRef> {
        self.fault_skip_mark.lock().take()
    }

    #[cfg(not(feature = "fault-injection"))]
    pub(crate) fn take_fault_skip_mark(&self) -> Option<ObjRef> {
        None
    }

    /// Fault injection: how late GC helpers come to each job, in µs (0: on time).
    #[cfg(feature = "fault-injection")]
    pub(crate) fn helper_delay_us(&self) -> u64 {
        self.fault_helper_delay_us.load(Ordering::Relaxed)
    }

    #[cfg(not(feature = "fault-injection"))]
    pub(crate) fn helper_delay_us(&self) -> u64 {
        0
    }
}
