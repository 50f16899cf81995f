//! What one collection did, noted as it happens (phases, stops, time-to-safepoint) and turned
//! into its [`CollectionRecord`] at the end: the phases only report, the record is assembled
//! here.

use std::cell::RefCell;
use std::time::Instant;

use crate::record::{CollectionRecord, Phase, PhaseTime, ThreadSafepoint, WorkerStats};
use crate::safepoint::StopReport;
use crate::trigger::Request;

/// Counts a collection reports, filled in phase by phase.
#[derive(Default)]
pub(crate) struct Tally {
    pub visited: u64,
    pub candidates: u64,
    pub collected: u64,
    pub resurrected: u64,
    pub uncollectable: u64,
    pub finalized: u64,
    pub weakref_callbacks: u64,
    /// Objects in use (tracked or not) when the collection walked the heap.
    pub heap_objects_before: u64,
    pub heap_bytes_before: u64,
    pub heap_bytes_after: u64,
}

#[derive(Default)]
struct Notes {
    phases: Vec<PhaseTime>,
    stops: Vec<(u64, u64)>,
    max_ttsp_ns: u64,
    ttsp: Vec<ThreadSafepoint>,
    stuck: Vec<String>,
}

/// Times phases and stops for the record (on the collecting thread only).
pub(crate) struct Timeline {
    epoch: Instant,
    seq: u64,
    req: Request,
    start_ns: u64,
    notes: RefCell<Notes>,
}

impl Timeline {
    /// The timeline of collection `seq` for `req`, starting now; times are ns since `epoch`.
    pub(crate) fn start(epoch: Instant, seq: u64, req: Request) -> Self {
        Timeline {
            epoch,
            seq,
            req,
            start_ns: epoch.elapsed().as_nanos() as u64,
            notes: RefCell::default(),
        }
    }

    pub(crate) fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    /// Run `f` as `phase` (timed, and as a `gc_phase` tracing span).
    pub(crate) fn phase<R>(&self, phase: Phase, f: impl FnOnce() -> R) -> R {
        let _span = tracing::trace_span!("gc_phase", phase = phase.as_str()).entered();
        let start = self.now_ns();
        let r = f();
        self.notes.borrow_mut().phases.push(PhaseTime {
            phase,
            start_ns: start,
            duration_ns: self.now_ns() - start,
        });
        r
    }

    /// The world stopped (`first`: the collection's first stop, whose per-thread
    /// time-to-safepoint the record keeps).
    pub(crate) fn note_stop(&self, report: &StopReport, first: bool) {
        let start = report.requested_at.duration_since(self.epoch).as_nanos() as u64;
        let mut n = self.notes.borrow_mut();
        n.phases.push(PhaseTime {
            phase: Phase::StopTheWorld,
            start_ns: start,
            duration_ns: report.stop_duration().as_nanos() as u64,
        });
        n.max_ttsp_ns = n.max_ttsp_ns.max(report.max_ttsp.as_nanos() as u64);
        if first {
            n.ttsp = report
                .per_thread
                .iter()
                .map(|t| ThreadSafepoint {
                    thread_id: t.id,
                    name: t.name.clone(),
                    ttsp_ns: t.ttsp.as_nanos() as u64,
                })
                .collect();
        }
        n.stuck.extend(report.stuck.iter().map(|s| s.name.clone()));
    }

    /// A stop ends when the restart released the threads, not when it returned: the
    /// collecting thread is often descheduled by the threads it just woke (for a time slice,
    /// ~1 ms, on a machine with no idle core), and the world runs meanwhile.
    pub(crate) fn note_restart(&self, stopped_at_ns: u64, released: Instant) {
        let end = (released.duration_since(self.epoch).as_nanos() as u64).max(stopped_at_ns);
        self.notes
            .borrow_mut()
            .stops
            .push((stopped_at_ns, end - stopped_at_ns));
    }

    pub(crate) fn seq(&self) -> u64 {
        self.seq
    }

    pub(crate) fn req(&self) -> Request {
        self.req
    }

    /// The record of this collection, which ended at `end_ns`.
    pub(crate) fn into_record(
        self,
        end_ns: u64,
        workers: usize,
        worker_stats: Vec<WorkerStats>,
        t: &Tally,
        errors: Vec<String>,
    ) -> CollectionRecord {
        let n = self.notes.into_inner();
        let stopped_ns: u64 = n.stops.iter().map(|&(_, d)| d).sum();
        CollectionRecord {
            seq: self.seq,
            reason: self.req.reason,
            kind: self.req.kind,
            start_ns: self.start_ns,
            end_ns,
            stopped_ns,
            running_ns: (end_ns - self.start_ns).saturating_sub(stopped_ns),
            stops: n.stops,
            max_ttsp_ns: n.max_ttsp_ns,
            ttsp: n.ttsp,
            stuck_threads: n.stuck,
            phases: n.phases,
            workers,
            worker_stats,
            visited: t.visited,
            candidates: t.candidates,
            collected: t.collected,
            resurrected: t.resurrected,
            uncollectable: t.uncollectable,
            finalized: t.finalized,
            weakref_callbacks: t.weakref_callbacks,
            heap_bytes_before: t.heap_bytes_before,
            heap_bytes_after: t.heap_bytes_after,
            errors,
        }
    }
}
