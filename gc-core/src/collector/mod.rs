//! One full collection (DESIGN §3.4), phase by phase.
//!
//! ```text
//! world stopped   merge -> mark-alive (roots) -> refs (update+subtract) -> mark-reachable
//!                 -> scan (garbage set, held) -> clear weakrefs to garbage
//! world running   weakref callbacks -> finalizers (once per object)
//! world stopped   resurrection check (only if VM code ran) -> clear weakrefs again
//! world running   clear -> check -> destroy -> free (memory back to its owning page)
//! ```
//!
//! Every heap walk and mark runs on all GC workers; see `walk.rs` and `mark.rs`. The result
//! (the garbage set) depends only on the object graph and the counts, never on the number of
//! workers or their timing.

mod edges;
mod free;
mod gang;
pub(crate) mod garbage;
mod mark;
mod resurrect;
mod scrub;
mod termination;
mod verify;
mod walk;
mod workers;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use parking_lot::Mutex;

use crate::binding::{GarbageQuery, Tracer, VmBinding};
use crate::error::{panic_message, ContractViolation};
use crate::mutator::Mutator;
use crate::object::{flags, ObjRef};
use crate::record::{CollectionRecord, Phase, PhaseTime, ThreadSafepoint, TriggerReason};
use crate::runtime::{CallbackInfo, CallbackPhase, Shared};
use crate::safepoint::StopReport;

use edges::EdgeFilter;
use walk::{candidate_rule, ScanResult, WalkCtx};
use workers::WorkerLog;

struct HeldGarbage;

impl GarbageQuery for HeldGarbage {
    fn is_garbage(&self, obj: ObjRef) -> bool {
        obj.header().flags() & flags::GARBAGE != 0
    }
}

struct RootCollector<'a, 'f> {
    filter: &'a EdgeFilter<'f>,
    roots: Vec<ObjRef>,
}

impl Tracer for RootCollector<'_, '_> {
    fn edge(&mut self, child: ObjRef) {
        if self.filter.flags(0, child).is_some() {
            self.roots.push(child);
        }
    }
}

/// Times phases and stops for the record.
struct Timeline<'a, B: VmBinding> {
    sh: &'a Shared<B>,
    phases: Vec<PhaseTime>,
    stops: Vec<(u64, u64)>,
    max_ttsp_ns: u64,
    ttsp: Vec<ThreadSafepoint>,
    stuck: Vec<String>,
}

impl<'a, B: VmBinding> Timeline<'a, B> {
    fn phase<R>(&mut self, phase: Phase, f: impl FnOnce() -> R) -> R {
        let _span = tracing::trace_span!("gc_phase", phase = phase.as_str()).entered();
        let start = self.sh.now_ns();
        let r = f();
        self.phases.push(PhaseTime {
            phase,
            start_ns: start,
            duration_ns: self.sh.now_ns() - start,
        });
        r
    }

    fn note_stop(&mut self, report: &StopReport, first: bool) {
        let start = report.requested_at.duration_since(self.sh.epoch).as_nanos() as u64;
        self.phases.push(PhaseTime {
            phase: Phase::StopTheWorld,
            start_ns: start,
            duration_ns: report.stop_duration().as_nanos() as u64,
        });
        self.max_ttsp_ns = self.max_ttsp_ns.max(report.max_ttsp.as_nanos() as u64);
        if first {
            self.ttsp = report
                .per_thread
                .iter()
                .map(|t| ThreadSafepoint {
                    thread_id: t.id,
                    name: t.name.clone(),
                    ttsp_ns: t.ttsp.as_nanos() as u64,
                })
                .collect();
        }
        self.stuck
            .extend(report.stuck.iter().map(|s| s.name.clone()));
    }

    /// A stop ends when the restart released the threads, not when it returned: the
    /// collecting thread is often descheduled by the threads it just woke (for a time slice,
    /// ~1 ms, on a machine with no idle core), and the world runs meanwhile.
    fn note_restart(&mut self, stopped_at_ns: u64, released: Instant) {
        let end = (released.duration_since(self.sh.epoch).as_nanos() as u64).max(stopped_at_ns);
        self.stops.push((stopped_at_ns, end - stopped_at_ns));
    }
}

/// Marks with at least this many workers prefetch by default (`GcConfig::mark_prefetch`).
/// With fewer, steals are rare and the mark keeps the allocation order that the hardware
/// prefetcher follows: prefetching was level on the 16-core Xeon at 2 workers and slower on
/// the 2-core EPYC; it won from 4 workers up (docs/design.md).
const PREFETCH_MIN_WORKERS: usize = 4;

/// Run the VM's queued weakref callbacks (world running), catching a panic.
fn run_callbacks<B: VmBinding>(sh: &Shared<B>, filter: &EdgeFilter<'_>) -> u64 {
    match catch_unwind(AssertUnwindSafe(|| sh.binding.run_weakref_callbacks())) {
        Ok(n) => n as u64,
        Err(p) => {
            filter.report(ContractViolation::CallbackPanicked {
                message: panic_message(&*p),
            });
            0
        }
    }
}

/// Run one collection on mutator `m`'s thread. Returns objects collected.
pub(crate) fn collect<B: VmBinding>(m: &Mutator<B>, reason: TriggerReason) -> usize {
    let sh = m.runtime().shared();
    // One collection at a time. A manual collect that finds one running waits for it
    // (detached, so the running one can stop the world) and then runs its own. An automatic
    // trigger is satisfied by the running one, but still waits for it to end: the thread has
    // allocated a whole threshold's worth since that collection started, and waiting is the
    // back-pressure that keeps mutators from outrunning the collector (heap growth stays
    // bounded when mutators outnumber cores).
    let _lock = match sh.collect_lock.try_lock() {
        Some(g) => g,
        None if reason != TriggerReason::Manual => {
            m.detached(|| drop(sh.collect_lock.lock()));
            return 0;
        }
        None => m.detached(|| sh.collect_lock.lock()),
    };
    // Small heaps are collected on this thread alone: waking the pool costs more than the
    // work it would share (`GcConfig::parallel_min_objects`).
    let workers = if sh.estimated_objects() < sh.config.parallel_min_objects {
        1
    } else {
        sh.workers
    };
    sh.reset_young();
    let seq = sh.seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
    let start_ns = sh.now_ns();
    sh.run_callbacks(CallbackPhase::Start, &CallbackInfo::default());

    let violations = Mutex::new(Vec::<ContractViolation>::new());
    let mut filter = EdgeFilter::new(&sh.space, sh.config.check_edges, &violations);
    #[cfg(feature = "fault-injection")]
    {
        filter.skip = sh.fault_skip_mark.lock().take();
    }
    #[cfg(not(feature = "fault-injection"))]
    let _ = &mut filter;
    let log = WorkerLog::new(workers);
    // Hold the pool's threads for the whole collection (see gang.rs).
    let gang = match &sh.pool {
        Some(pool) if workers > 1 => {
            #[cfg(feature = "fault-injection")]
            let delay = sh
                .fault_helper_delay_us
                .load(std::sync::atomic::Ordering::Relaxed);
            #[cfg(not(feature = "fault-injection"))]
            let delay = 0;
            Some(gang::Gang::start(pool, workers, delay))
        }
        _ => None,
    };
    let workers = gang.as_ref().map_or(1, |g| g.workers());
    // The mark bit's "not marked" value in this collection (only collections, which hold
    // `collect_lock`, change it).
    let unmarked = sh.space.unmarked_bit();
    let ctx = WalkCtx {
        binding: &sh.binding,
        filter: &filter,
        pool: gang.as_ref(),
        workers,
        log: &log,
        epoch: sh.epoch,
        prefetch: sh
            .config
            .mark_prefetch
            .unwrap_or(workers >= PREFETCH_MIN_WORKERS),
        candidate: candidate_rule(unmarked),
        unmarked_next: unmarked ^ flags::MARKED,
    };
    let mut tl = Timeline {
        sh,
        phases: Vec::new(),
        stops: Vec::new(),
        max_ttsp_ns: 0,
        ttsp: Vec::new(),
        stuck: Vec::new(),
    };

    // ---- world stopped (1) ----
    let guard = sh.safepoints.stop(Some(m.slot()));
    tl.note_stop(guard.report(), true);
    let stopped_at = sh.now_ns();
    tl.phase(Phase::Merge, || sh.binding.merge_thread_state());
    let pages = sh.space.pages();
    // Declared after `guard`: on unwind it undoes the marks before the world restarts.
    let mut scrub = scrub::Scrub::new(&pages, &sh.saved_garbage, unmarked);
    let alive = tl.phase(Phase::MarkAlive, || {
        let mut rc = RootCollector {
            filter: &filter,
            roots: Vec::new(),
        };
        sh.binding.scan_roots(&mut rc);
        ctx.mark_from(&rc.roots, ctx.candidate, Phase::MarkAlive)
    });
    // When the roots reached every object in the heap there is no candidate: skip the refs
    // pass, mark-reachable and the scan (nothing was subtracted, so H1 holds; the mark bits
    // need no reset, see `flags::MARKED`). Counting is O(pages), not O(objects).
    let (in_use, in_use_bytes) = if alive > 0 {
        ctx.count_in_use(&pages)
    } else {
        (u64::MAX, 0)
    };
    let everything_alive = in_use == alive;
    let (visited, candidates, scan) = if everything_alive {
        let scan = ScanResult {
            heap_bytes: in_use_bytes,
            ..ScanResult::default()
        };
        (alive, 0, scan)
    } else {
        let refs = tl.phase(Phase::UpdateRefs, || {
            ctx.refs_pass(&pages, &sh.garbage_lists)
        });
        // The refs pass held every candidate. Without seeds (no candidate has external
        // references: every page's count is 0, so every gc_refs is 0 and H1 holds), that is
        // the garbage set and the scan is skipped. Without candidates there is nothing to
        // seed from either.
        let scan = if refs.candidates == 0
            || !tl.phase(Phase::MarkReachable, || ctx.mark_reachable_pass(&pages))
        {
            refs.held
        } else {
            tl.phase(Phase::ScanGarbage, || {
                ctx.scan_pass(&pages, &sh.garbage_lists, refs.held)
            })
        };
        (refs.visited, refs.candidates, scan)
    };
    let heap_before = scan.heap_bytes;
    if sh.config.verify {
        if let Err(msg) = verify::verify_garbage(
            &sh.binding,
            &sh.space,
            &pages,
            &scan.garbage.iter().collect::<Vec<_>>(),
        ) {
            scrub.run_now();
            drop(guard);
            panic!("{msg}");
        }
    }
    tl.phase(Phase::Weakrefs, || {
        for &g in &scan.weakly_referenced {
            sh.binding.clear_weakrefs(g, &HeldGarbage);
        }
    });
    // Survivors carry this collection's marked value: from now on it means "not marked".
    sh.space.set_unmarked_bit(ctx.unmarked_next);
    scrub.disarm();
    drop(scrub);
    let (_, released) = guard.restart_timed();
    tl.note_restart(stopped_at, released);

    // ---- world running: weakref callbacks, then finalizers ----
    let mut garbage = scan.garbage;
    let (mut callbacks_run, finalized) = tl.phase(Phase::Finalize, || {
        let cbs = run_callbacks(sh, &filter);
        let mut fin = 0u64;
        for &g in &scan.to_finalize {
            if g.header().set(flags::FINALIZED) & flags::FINALIZED != 0 {
                continue;
            }
            fin += 1;
            if let Err(p) = catch_unwind(AssertUnwindSafe(|| sh.binding.finalize(g))) {
                filter.report(ContractViolation::FinalizerPanicked {
                    object: g.addr(),
                    message: panic_message(&*p),
                });
            }
        }
        (cbs, fin)
    });

    let vm_code_ran = finalized > 0 || callbacks_run > 0;
    // VM code that ran on the garbage (finalizers, callbacks) may have stored new references
    // in it: `clear` must then see all of it.
    let to_clear = if vm_code_ran { None } else { scan.to_clear };

    // ---- world stopped (2): resurrection, only if VM code ran on the garbage ----
    let mut resurrected = 0u64;
    if vm_code_ran {
        let guard = sh.safepoints.stop(Some(m.slot()));
        tl.note_stop(guard.report(), false);
        let stopped_at = sh.now_ns();
        sh.binding.merge_thread_state();
        let back = tl.phase(Phase::Resurrection, || ctx.resurrection_pass(&mut garbage));
        resurrected = back.len() as u64;
        for g in garbage.iter() {
            if sh.binding.has_weakrefs(g) {
                sh.binding.clear_weakrefs(g, &HeldGarbage);
            }
        }
        let (_, released) = guard.restart_timed();
        tl.note_restart(stopped_at, released);
        // Weakrefs a finalizer made to what is still garbage were just cleared; their
        // callbacks run now, in this collection, not in the next one.
        callbacks_run += tl.phase(Phase::Finalize, || run_callbacks(sh, &filter));
    }

    // ---- world running: free ----
    let (collected, uncollectable, freed_bytes) = tl.phase(Phase::Free, || {
        if sh.save_garbage() {
            let n = garbage.len() as u64;
            // Held for good, no longer by this collection (see `flags::PENDING`).
            garbage.iter().for_each(|g| {
                g.header().unset(flags::PENDING);
            });
            sh.saved_garbage.lock().extend(garbage.iter());
            (0, n, 0)
        } else {
            let f = free::FreeCtx {
                binding: &sh.binding,
                space: &sh.space,
                deferred: sh.config.deferred_reclamation,
                violations: &violations,
                pool: gang.as_ref(),
                workers,
                unmarked: ctx.unmarked_next,
                span: workers::SpanLog {
                    log: &log,
                    phase: Phase::Free,
                    epoch: sh.epoch,
                },
            }
            .free_garbage(&garbage, to_clear.as_deref());
            (f.collected, f.released, f.bytes)
        }
    });
    garbage.recycle(&sh.garbage_lists);
    // Cheap estimate (no heap walk): what was in use minus what this collection freed.
    let heap_after = heap_before.saturating_sub(freed_bytes);
    sh.binding.after_collection();
    let end_ns = sh.now_ns();

    let live = visited.saturating_sub(collected);
    sh.live_after_last
        .store(live, std::sync::atomic::Ordering::Relaxed);
    let violations = violations.into_inner();
    let stopped_ns: u64 = tl.stops.iter().map(|&(_, d)| d).sum();
    let record = CollectionRecord {
        seq,
        reason,
        start_ns,
        end_ns,
        stopped_ns,
        running_ns: (end_ns - start_ns).saturating_sub(stopped_ns),
        stops: tl.stops,
        max_ttsp_ns: tl.max_ttsp_ns,
        ttsp: tl.ttsp,
        stuck_threads: tl.stuck,
        phases: tl.phases,
        workers,
        worker_stats: log.into_stats(),
        visited,
        candidates,
        collected,
        resurrected,
        uncollectable,
        finalized,
        weakref_callbacks: callbacks_run,
        heap_bytes_before: heap_before,
        heap_bytes_after: heap_after,
        errors: violations.iter().map(|v| v.to_string()).collect(),
    };
    {
        let mut st = sh.stats.lock();
        st.collections += 1;
        st.collected += collected;
        st.uncollectable += uncollectable;
        st.resurrected += resurrected;
        st.violations += violations.len() as u64;
        st.last_duration_ns = record.duration_ns();
        st.total_gc_ns += record.duration_ns();
        st.total_stopped_ns += record.stopped_ns;
    }
    if sh.config.trace_log {
        eprintln!("{}", crate::gctrace::format_gctrace_line(&record));
    }
    sh.publish(record);
    if !violations.is_empty() {
        let mut all = sh.violations.lock();
        let room = crate::error::MAX_VIOLATIONS.saturating_sub(all.len());
        all.extend(violations.iter().take(room).cloned());
    }
    sh.run_callbacks(
        CallbackPhase::Stop,
        &CallbackInfo {
            generation: 0,
            collected,
            uncollectable,
        },
    );
    if sh.config.panic_on_violation && !violations.is_empty() {
        panic!(
            "gc-core: collection #{seq} found {} binding contract violation(s); first: {}",
            violations.len(),
            violations[0]
        );
    }
    collected as usize
}

/// Set or clear FROZEN on every tracked object (world stopped). Returns how many changed.
pub(crate) fn set_frozen<B: VmBinding>(m: &Mutator<B>, frozen: bool) -> usize {
    let sh = m.runtime().shared();
    let _lock = m.detached(|| sh.collect_lock.lock());
    let guard = sh.safepoints.stop(Some(m.slot()));
    let mut n = 0;
    for page in sh.space.pages() {
        for obj in page.objects() {
            let f = obj.header().flags();
            if f & flags::TRACKED == 0 || f & flags::GARBAGE != 0 {
                continue;
            }
            if frozen && f & flags::FROZEN == 0 {
                obj.header().set(flags::FROZEN);
                n += 1;
            } else if !frozen && f & flags::FROZEN != 0 {
                // Its mark bit is stale (frozen objects are never marked).
                obj.header().set_mark_bit(sh.space.unmarked_bit());
                obj.header().unset(flags::FROZEN);
                n += 1;
            }
        }
    }
    drop(guard);
    n
}
