//! Collection records: what happened in one collection, for stats, logs, traces and plots.
//!
//! A [`CollectionRecord`] is produced at the end of every collection. All times are nanoseconds
//! since the runtime's epoch (`start_ns`) or durations in nanoseconds, so records serialise to
//! JSON without loss and sort by time. The start/stop callbacks' info and the cumulative
//! statistics live here too: they are the same facts, per collection and summed.

use serde::Serialize;

/// Why a collection ran.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerReason {
    /// The young allocation count passed `max(threshold, live_after_last / 4)`.
    Allocation,
    /// An explicit `collect()` call.
    Manual,
    /// The stress knob ("collect every N allocations").
    Stress,
}

impl TriggerReason {
    /// Short lowercase name (used in logs and traces).
    pub fn as_str(self) -> &'static str {
        match self {
            TriggerReason::Allocation => "alloc",
            TriggerReason::Manual => "manual",
            TriggerReason::Stress => "stress",
        }
    }
}

/// Which part of the heap a collection covered: chosen by the trigger, carried to the record,
/// the gctrace line, traces and callbacks (the collector's `Scope` implements each kind).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CollectionKind {
    /// Every tracked, unfrozen object is a candidate (DESIGN §3.4).
    #[default]
    Full,
}

impl CollectionKind {
    /// Short lowercase name (used in logs and traces).
    pub fn as_str(self) -> &'static str {
        match self {
            CollectionKind::Full => "full",
        }
    }

    /// The `generation` that start/stop callbacks report for this kind ([`CallbackInfo`]),
    /// in CPython's numbering so a VM can hand it to its `gc.callbacks` unchanged: a full
    /// collection is CPython's oldest generation, 2 (what `gc.collect()` reports there).
    pub fn callback_generation(self) -> u32 {
        match self {
            CollectionKind::Full => 2,
        }
    }
}

/// The phases of one collection, in order (DESIGN §3.4).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Stopping the world (request until every thread is parked).
    StopTheWorld,
    /// Merging per-thread state (allocation counts, queued refcount merges).
    Merge,
    /// Marking everything reachable from the VM's roots.
    MarkAlive,
    /// `gc_refs = refcount` and `gc_refs[child] -= 1` for every candidate, in one heap walk
    /// (DESIGN §3.4 steps 3 and 4 are fused: docs/design.md, "Fused update/subtract").
    UpdateRefs,
    /// Marking everything reachable from an object with external references.
    MarkReachable,
    /// Collecting the unmarked candidates into the garbage set.
    ScanGarbage,
    /// Clearing weakrefs to garbage and queueing callbacks (world stopped).
    Weakrefs,
    /// Running weakref callbacks and finalizers (world running).
    Finalize,
    /// Recomputing the garbage set after finalizers (world stopped again).
    Resurrection,
    /// Clearing the garbage's references, destroying and freeing it (world running).
    Free,
}

impl Phase {
    /// Every phase, in execution order.
    pub const ALL: [Phase; 10] = [
        Phase::StopTheWorld,
        Phase::Merge,
        Phase::MarkAlive,
        Phase::UpdateRefs,
        Phase::MarkReachable,
        Phase::ScanGarbage,
        Phase::Weakrefs,
        Phase::Finalize,
        Phase::Resurrection,
        Phase::Free,
    ];

    /// Short snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::StopTheWorld => "stop_the_world",
            Phase::Merge => "merge",
            Phase::MarkAlive => "mark_alive",
            Phase::UpdateRefs => "update_refs",
            Phase::MarkReachable => "mark_reachable",
            Phase::ScanGarbage => "scan_garbage",
            Phase::Weakrefs => "weakrefs",
            Phase::Finalize => "finalize",
            Phase::Resurrection => "resurrection",
            Phase::Free => "free",
        }
    }

    /// Whether this phase runs with the world stopped.
    pub fn world_stopped(self) -> bool {
        !matches!(self, Phase::Finalize | Phase::Free)
    }
}

/// One phase's timing.
#[derive(Clone, Debug, Serialize)]
pub struct PhaseTime {
    /// Which phase.
    pub phase: Phase,
    /// Start, ns since the runtime epoch.
    pub start_ns: u64,
    /// Duration in ns.
    pub duration_ns: u64,
}

/// One GC worker's share of a collection.
#[derive(Clone, Debug, Default, Serialize)]
pub struct WorkerStats {
    /// Worker index (0-based).
    pub worker: usize,
    /// Time spent doing collection work (not idle or waiting), ns.
    pub busy_ns: u64,
    /// Objects traced (marked or scanned) by this worker.
    pub objects_traced: u64,
    /// Successful steals from other workers' mark stacks.
    pub steals: u64,
    /// Busy intervals `(start_ns, duration_ns)` per phase, for trace export.
    pub spans: Vec<WorkerSpan>,
}

/// A busy interval of one worker within one phase.
#[derive(Clone, Debug, Serialize)]
pub struct WorkerSpan {
    /// The phase.
    pub phase: Phase,
    /// Start, ns since the runtime epoch.
    pub start_ns: u64,
    /// Duration, ns.
    pub duration_ns: u64,
}

/// A mutator's time-to-safepoint for one stop.
#[derive(Clone, Debug, Serialize)]
pub struct ThreadSafepoint {
    /// Mutator id.
    pub thread_id: u64,
    /// Mutator name.
    pub name: String,
    /// Time from the stop request until the thread was parked, ns.
    pub ttsp_ns: u64,
}

/// Everything recorded about one collection.
#[derive(Clone, Debug, Serialize)]
pub struct CollectionRecord {
    /// 1-based sequence number within the runtime.
    pub seq: u64,
    /// Why it ran.
    pub reason: TriggerReason,
    /// Which part of the heap it covered.
    pub kind: CollectionKind,
    /// Start, ns since the runtime epoch.
    pub start_ns: u64,
    /// End, ns since the runtime epoch.
    pub end_ns: u64,
    /// Total time the world was stopped (both stops), ns.
    pub stopped_ns: u64,
    /// Time inside the collection with the world running (callbacks, finalizers, freeing), ns.
    pub running_ns: u64,
    /// Stop intervals `(start_ns, duration_ns)` (one or two per collection).
    pub stops: Vec<(u64, u64)>,
    /// Largest time-to-safepoint over all threads and stops, ns.
    pub max_ttsp_ns: u64,
    /// Time-to-safepoint per thread for the first stop.
    pub ttsp: Vec<ThreadSafepoint>,
    /// Threads that were reported stuck (did not reach a safepoint within the threshold).
    pub stuck_threads: Vec<String>,
    /// Phase timings, in order.
    pub phases: Vec<PhaseTime>,
    /// Number of GC workers used.
    pub workers: usize,
    /// Per-worker statistics.
    pub worker_stats: Vec<WorkerStats>,
    /// Tracked objects examined.
    pub visited: u64,
    /// Candidates (tracked, not frozen, not alive from roots).
    pub candidates: u64,
    /// Objects freed.
    pub collected: u64,
    /// Objects resurrected by finalizers.
    pub resurrected: u64,
    /// Garbage that could not be freed (kept by save-garbage mode).
    pub uncollectable: u64,
    /// Finalizers run.
    pub finalized: u64,
    /// Weakref callbacks run.
    pub weakref_callbacks: u64,
    /// Heap bytes in use before / after.
    pub heap_bytes_before: u64,
    /// Heap bytes in use after.
    pub heap_bytes_after: u64,
    /// Contract violations detected (human-readable).
    pub errors: Vec<String>,
}

impl CollectionRecord {
    /// Wall duration of the whole collection, ns.
    pub fn duration_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }

    /// Duration of a phase, ns (0 if it did not run).
    pub fn phase_ns(&self, phase: Phase) -> u64 {
        self.phases
            .iter()
            .filter(|p| p.phase == phase)
            .map(|p| p.duration_ns)
            .sum()
    }
}

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
    /// CPython's generation number ([`CollectionKind::callback_generation`]: 2 for a full one).
    pub generation: u32,
    /// Which part of the heap the collection covers.
    pub kind: CollectionKind,
    /// Objects collected (0 at `Start`).
    pub collected: u64,
    /// Uncollectable objects found (0 at `Start`).
    pub uncollectable: u64,
}

impl CallbackInfo {
    /// The info of a `Start` callback for a collection of `kind`.
    pub(crate) fn start(kind: CollectionKind) -> Self {
        CallbackInfo {
            generation: kind.callback_generation(),
            kind,
            collected: 0,
            uncollectable: 0,
        }
    }
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
