//! Synthetic `CollectionRecord` builder shared by the profile tests.
#![allow(dead_code)]

use gc_core::record::{
    CollectionRecord, Phase, PhaseTime, ThreadSafepoint, TriggerReason, WorkerSpan, WorkerStats,
};

pub const US: u64 = 1_000;
pub const MS: u64 = 1_000_000;

/// Builds a record whose phases run back to back from `start_ns`.
pub struct RecordBuilder {
    seq: u64,
    reason: TriggerReason,
    start_ns: u64,
    phases: Vec<(Phase, u64)>,
    workers: usize,
    mutators: Vec<(u64, String, u64)>,
    collected: u64,
    heap: (u64, u64),
}

impl RecordBuilder {
    pub fn new(seq: u64, start_ns: u64) -> Self {
        RecordBuilder {
            seq,
            reason: TriggerReason::Allocation,
            start_ns,
            phases: vec![
                (Phase::StopTheWorld, 20 * US),
                (Phase::Merge, 10 * US),
                (Phase::MarkAlive, 200 * US),
                (Phase::UpdateRefs, 150 * US),
                (Phase::MarkReachable, 80 * US),
                (Phase::ScanGarbage, 40 * US),
                (Phase::Weakrefs, 5 * US),
                (Phase::Free, 300 * US),
            ],
            workers: 2,
            mutators: vec![(7, "main".into(), 15 * US), (9, "worker-1".into(), 3 * US)],
            collected: 1000,
            heap: (12_300_000, 4_500_000),
        }
    }

    pub fn reason(mut self, r: TriggerReason) -> Self {
        self.reason = r;
        self
    }

    pub fn phases(mut self, p: &[(Phase, u64)]) -> Self {
        self.phases = p.to_vec();
        self
    }

    pub fn workers(mut self, n: usize) -> Self {
        self.workers = n;
        self
    }

    pub fn mutators(mut self, m: &[(u64, &str, u64)]) -> Self {
        self.mutators = m.iter().map(|&(i, n, t)| (i, n.to_string(), t)).collect();
        self
    }

    pub fn collected(mut self, n: u64) -> Self {
        self.collected = n;
        self
    }

    pub fn build(self) -> CollectionRecord {
        let mut t = self.start_ns;
        let mut phases = Vec::new();
        for &(phase, d) in &self.phases {
            phases.push(PhaseTime {
                phase,
                start_ns: t,
                duration_ns: d,
            });
            t += d;
        }
        let end_ns = t;
        // Stops: maximal runs of consecutive world-stopped phases.
        let mut stops: Vec<(u64, u64)> = Vec::new();
        let mut prev_stopped = false;
        for p in &phases {
            if p.phase.world_stopped() {
                if prev_stopped {
                    stops.last_mut().unwrap().1 += p.duration_ns;
                } else {
                    stops.push((p.start_ns, p.duration_ns));
                }
            }
            prev_stopped = p.phase.world_stopped();
        }
        let stopped_ns: u64 = stops.iter().map(|s| s.1).sum();
        // Workers are busy during the parallel phases: worker i works the first (i+1)/(n+1)
        // of each phase.
        let parallel = [
            Phase::MarkAlive,
            Phase::UpdateRefs,
            Phase::MarkReachable,
            Phase::ScanGarbage,
        ];
        let worker_stats = (0..self.workers)
            .map(|w| {
                let spans: Vec<WorkerSpan> = phases
                    .iter()
                    .filter(|p| parallel.contains(&p.phase))
                    .map(|p| WorkerSpan {
                        phase: p.phase,
                        start_ns: p.start_ns,
                        duration_ns: p.duration_ns * (w as u64 + 1) / (self.workers as u64 + 1),
                    })
                    .collect();
                WorkerStats {
                    worker: w,
                    busy_ns: spans.iter().map(|s| s.duration_ns).sum(),
                    objects_traced: 100,
                    steals: w as u64,
                    spans,
                }
            })
            .collect();
        let ttsp: Vec<ThreadSafepoint> = self
            .mutators
            .iter()
            .map(|(id, name, t)| ThreadSafepoint {
                thread_id: *id,
                name: name.clone(),
                ttsp_ns: *t,
            })
            .collect();
        CollectionRecord {
            seq: self.seq,
            reason: self.reason,
            kind: gc_core::CollectionKind::Full,
            start_ns: self.start_ns,
            end_ns,
            stopped_ns,
            running_ns: (end_ns - self.start_ns) - stopped_ns,
            stops,
            max_ttsp_ns: ttsp.iter().map(|t| t.ttsp_ns).max().unwrap_or(0),
            ttsp,
            stuck_threads: vec![],
            phases,
            workers: self.workers,
            worker_stats,
            visited: 5000,
            candidates: 2000,
            collected: self.collected,
            resurrected: 0,
            uncollectable: 0,
            finalized: 0,
            weakref_callbacks: 0,
            heap_bytes_before: self.heap.0,
            heap_bytes_after: self.heap.1,
            errors: vec![],
        }
    }
}

/// `n` default records, one every `period_ns` starting at `first_ns`.
pub fn periodic(n: u64, first_ns: u64, period_ns: u64) -> Vec<CollectionRecord> {
    (0..n)
        .map(|i| RecordBuilder::new(i + 1, first_ns + i * period_ns).build())
        .collect()
}

/// A fresh, unique directory under the system temp dir.
pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "gc-stress-{tag}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
