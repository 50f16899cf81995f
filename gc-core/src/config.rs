//! Runtime configuration: worker count, trigger thresholds, checks.

use std::time::Duration;

/// Environment variable that overrides [`GcConfig::workers`] for quick experiments.
pub const WORKERS_ENV: &str = "GC_WORKERS";
/// Environment variable that turns on the per-collection one-line log on stderr.
pub const TRACE_ENV: &str = "GC_TRACE";
/// Environment variable that turns on the collector self-check after every collection.
pub const VERIFY_ENV: &str = "GC_VERIFY";
/// Environment variable that forces prefetching in the mark loop on (`1`) or off (`0`).
pub const MARK_PREFETCH_ENV: &str = "GC_MARK_PREFETCH";
/// Environment variable that overrides [`GcConfig::parallel_min_objects`].
pub const PARALLEL_MIN_ENV: &str = "GC_PARALLEL_MIN_OBJECTS";

/// How a [`GcRuntime`](crate::GcRuntime) behaves. Build with [`GcConfig::default`] and the
/// `with_*` methods.
#[derive(Clone, Debug)]
pub struct GcConfig {
    /// GC worker threads used while the world is stopped. Default: the `GC_WORKERS`
    /// environment variable if set, else the number of available cores.
    pub workers: usize,
    /// Minimum young allocation count that triggers an automatic collection (CPython's
    /// generation-0 threshold analogue). The effective threshold is
    /// `max(threshold, live_after_last / 4)`.
    pub threshold: u64,
    /// Collect every N allocations regardless of the threshold (stress knob); 0 = off.
    pub stress_every: u64,
    /// Whether automatic collection is on at start.
    pub enabled: bool,
    /// Keep garbage in a list instead of freeing it (debug aid, like `gc.DEBUG_SAVEALL`).
    pub save_garbage: bool,
    /// Check every edge reported by `trace` against the heap (catches foreign pointers).
    /// Default: on in debug builds.
    pub check_edges: bool,
    /// Panic (after the collection has finished safely) when a contract violation is found.
    /// Default: on in debug builds.
    pub panic_on_violation: bool,
    /// Re-derive liveness independently after every collection and panic on a mismatch
    /// (like Go's gccheckmark). Default: the `GC_VERIFY` environment variable.
    pub verify: bool,
    /// Print one line per collection on stderr. Default: the `GC_TRACE` environment variable.
    pub trace_log: bool,
    /// A thread that has not reached a safepoint this long after a stop request is reported
    /// as stuck.
    pub stuck_threshold: Duration,
    /// Defer reuse of freed memory with crossbeam-epoch, for VMs whose readers load slots
    /// without locks (DESIGN §3.6).
    pub deferred_reclamation: bool,
    /// How many collection records to keep in memory.
    pub record_capacity: usize,
    /// Allocations a mutator counts locally before flushing to the shared young count.
    pub flush_batch: u32,
    /// Prefetch children's headers while marking and claim them a few edges later.
    /// `None` (default): on when a collection marks with 4 or more workers, where it
    /// measured faster; off with fewer, where it measured level or slower (docs/design.md).
    /// `GC_MARK_PREFETCH=1` / `=0` forces it.
    pub mark_prefetch: Option<bool>,
    /// Heaps with fewer tracked objects than this (survivors of the last collection plus
    /// allocations since) are collected on the collecting thread alone: waking the worker
    /// pool costs more than the work it would share (default: `GC_PARALLEL_MIN_OBJECTS` if
    /// set, else 20 000; a 0.5 MB heap took 0.2–2.5 ms with the pool and 0.18 ms inline on the
    /// 2-core development VM). 0 runs every collection on all `workers`, which tests use to
    /// exercise the parallel paths on small graphs.
    pub parallel_min_objects: u64,
}

fn env_flag(name: &str) -> bool {
    std::env::var(name)
        .map(|v| !v.is_empty() && v != "0")
        .unwrap_or(false)
}

/// The worker count from `GC_WORKERS`, or the available cores.
pub fn default_workers() -> usize {
    if let Some(n) = std::env::var(WORKERS_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
    {
        return n;
    }
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

impl Default for GcConfig {
    fn default() -> Self {
        GcConfig {
            workers: default_workers(),
            threshold: 2000,
            stress_every: 0,
            enabled: true,
            save_garbage: false,
            check_edges: cfg!(debug_assertions),
            panic_on_violation: cfg!(debug_assertions),
            verify: env_flag(VERIFY_ENV),
            trace_log: env_flag(TRACE_ENV),
            stuck_threshold: Duration::from_millis(200),
            deferred_reclamation: false,
            record_capacity: 1024,
            flush_batch: 64,
            mark_prefetch: std::env::var_os(MARK_PREFETCH_ENV)
                .is_some()
                .then(|| env_flag(MARK_PREFETCH_ENV)),
            parallel_min_objects: std::env::var(PARALLEL_MIN_ENV)
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(20_000),
        }
    }
}

impl GcConfig {
    /// Force prefetching in the mark loop on or off (see [`GcConfig::mark_prefetch`]).
    pub fn with_mark_prefetch(mut self, on: bool) -> Self {
        self.mark_prefetch = Some(on);
        self
    }

    /// Collect heaps below `n` tracked objects inline (see
    /// [`GcConfig::parallel_min_objects`]); 0 = always use every worker.
    pub fn with_parallel_min_objects(mut self, n: u64) -> Self {
        self.parallel_min_objects = n;
        self
    }

    /// Set the number of GC workers (at least 1).
    pub fn with_workers(mut self, n: usize) -> Self {
        self.workers = n.max(1);
        self
    }
    /// Set the automatic-collection threshold.
    pub fn with_threshold(mut self, n: u64) -> Self {
        self.threshold = n;
        self
    }
    /// Collect every `n` allocations (0 = off).
    pub fn with_stress_every(mut self, n: u64) -> Self {
        self.stress_every = n;
        self
    }
    /// Start with automatic collection on or off.
    pub fn with_enabled(mut self, on: bool) -> Self {
        self.enabled = on;
        self
    }
    /// Keep garbage instead of freeing it.
    pub fn with_save_garbage(mut self, on: bool) -> Self {
        self.save_garbage = on;
        self
    }
    /// Check every traced edge against the heap.
    pub fn with_check_edges(mut self, on: bool) -> Self {
        self.check_edges = on;
        self
    }
    /// Panic after a collection that found a contract violation.
    pub fn with_panic_on_violation(mut self, on: bool) -> Self {
        self.panic_on_violation = on;
        self
    }
    /// Run the independent self-check after every collection.
    pub fn with_verify(mut self, on: bool) -> Self {
        self.verify = on;
        self
    }
    /// Print a line per collection on stderr.
    pub fn with_trace_log(mut self, on: bool) -> Self {
        self.trace_log = on;
        self
    }
    /// Set the stuck-thread threshold.
    pub fn with_stuck_threshold(mut self, d: Duration) -> Self {
        self.stuck_threshold = d;
        self
    }
    /// Turn deferred reclamation on or off.
    pub fn with_deferred_reclamation(mut self, on: bool) -> Self {
        self.deferred_reclamation = on;
        self
    }
}
