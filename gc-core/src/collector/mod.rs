//! One collection (DESIGN §3.4) as a plan: named phases over a [`Scope`], each one function.
//!
//! ```text
//! collect        trigger: admit (lock, back-pressure), begin (worker count); Start
//!                callbacks (without the lock)
//!  find_garbage  world stopped   merge -> mark-alive (roots) -> refs (update+subtract)
//!                                -> mark-reachable -> scan (garbage set, held)
//!                                -> clear weakrefs to garbage -> scope resets the marks
//!  run_vm_code   world running   weakref callbacks -> finalizers (once per object); the
//!                                lock and the gang are released meanwhile (without_lock)
//!  recheck       world stopped   only if VM code ran: resurrection check -> clear weakrefs
//!                world running   the callbacks of those weakrefs
//!  free          world running   clear -> check -> destroy -> free (memory back to its page)
//!  finish        world running   trigger's new base, record, stats, publish; then the
//!                                Stop callbacks without the lock and the gang
//! ```
//!
//! The scope says which objects are candidates and how mark state is left afterwards; the
//! phases only run passes over it. The record is assembled from the [`Timeline`] at the end.
//! Every heap walk and mark runs on all GC workers; see `walk.rs` and `mark.rs`. The result
//! (the garbage set) depends only on the object graph and the counts, never on the number of
//! workers or their timing.

mod edges;
mod finish;
mod free;
mod freeze;
mod gang;
pub(crate) mod garbage;
mod mark;
mod resurrect;
mod scope;
mod scrub;
mod termination;
mod timeline;
mod verify;
mod vm_code;
mod walk;
mod workers;

use std::cell::Cell;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::binding::VmBinding;
use crate::error::ContractViolation;
use crate::heap::PageRef;
use crate::object::{flags, ObjRef};
use crate::record::{CallbackInfo, CallbackPhase, Phase};
use crate::safepoint::ThreadSlot;
use crate::state::Shared;
use crate::trigger::{Admission, Request};

pub(crate) use freeze::set_frozen;

use edges::EdgeFilter;
use gang::Gang;
use garbage::GarbageParts;
use scope::Scope;
use timeline::{Tally, Timeline};
use walk::{ScanResult, WalkCtx};
use workers::WorkerLog;

/// Marks with at least this many workers prefetch by default (`GcConfig::mark_prefetch`).
/// With fewer, steals are rare and the mark keeps the allocation order that the hardware
/// prefetcher follows: prefetching was level on the 16-core Xeon at 2 workers and slower on
/// the 2-core EPYC; it won from 4 workers up (docs/design.md).
const PREFETCH_MIN_WORKERS: usize = 4;

/// Run one collection for `req` on the calling thread, whose safepoint slot is `slot` (an
/// attached mutator, not already collecting). Returns the objects collected.
pub(crate) fn collect<B: VmBinding>(sh: &Shared<B>, slot: &Arc<ThreadSlot>, req: Request) -> usize {
    let Some(admission) = sh
        .trigger
        .admit(&sh.collect_lock, req, &sh.safepoints, slot)
    else {
        return 0;
    };
    let workers = sh.trigger.begin(&sh.safepoints, sh.workers);
    let seq = sh.seq.fetch_add(1, Ordering::Relaxed) + 1;
    let tl = Timeline::start(sh.epoch, seq, req);
    // Callbacks are VM code: run them without the lock, as finalizers are (a callback may
    // wait for a thread that collects). Nothing is held yet: no garbage, no gang.
    admission.unlocked(&sh.safepoints, slot, || {
        sh.run_callbacks(CallbackPhase::Start, &CallbackInfo::start(req.kind))
    });

    let violations = Mutex::new(Vec::<ContractViolation>::new());
    let log = WorkerLog::new(workers);
    // Hold the pool's threads for the whole collection (see gang.rs).
    let gang = (workers > 1)
        .then_some(sh.pool.as_ref())
        .flatten()
        .map(|pool| Gang::start(pool, workers, sh.helper_delay_us()));
    let workers = gang.as_ref().map_or(1, |g| g.workers());
    let tally = {
        let filter = EdgeFilter::new(&sh.space, sh.config.check_edges, &violations)
            .skipping(sh.take_fault_skip_mark());
        let scope = Scope::new(req.kind, &sh.space);
        let ctx = walk_ctx(sh, &filter, &log, gang.as_ref(), workers, &scope);
        Collection {
            sh,
            slot,
            admission: &admission,
            scope,
            ctx,
            violations: &violations,
            tl: &tl,
            unpended: Cell::new(false),
        }
        .run()
    };
    let stats = log.into_stats();
    let done = finish::finish(sh, tl, tally, workers, stats, violations.into_inner());
    // The stop callbacks run without the lock and the gang (as the start callbacks do), still
    // inside this collection's admission: a `collect()` they make on this thread returns 0,
    // another thread's waits for them unless this thread blocks detached (trigger.rs).
    drop(gang);
    admission.unlocked(&sh.safepoints, slot, || {
        sh.run_callbacks(CallbackPhase::Stop, &done.stop_info)
    });
    done.check_violations();
    done.collected
}

/// The passes' context for a collection of `scope` on `workers` workers.
fn walk_ctx<'a, B: VmBinding>(
    sh: &'a Shared<B>,
    filter: &'a EdgeFilter<'a>,
    log: &'a WorkerLog,
    gang: Option<&'a Gang>,
    workers: usize,
    scope: &Scope,
) -> WalkCtx<'a, B> {
    WalkCtx {
        binding: &sh.binding,
        filter,
        pool: gang,
        workers,
        log,
        epoch: sh.epoch,
        prefetch: sh
            .config
            .mark_prefetch
            .unwrap_or(workers >= PREFETCH_MIN_WORKERS),
        candidate: scope.candidates(),
    }
}

/// What the stopped part found.
struct Found {
    scan: ScanResult,
    /// Tracked objects examined.
    visited: u64,
    candidates: u64,
}

/// One collection in progress: what every phase needs.
struct Collection<'a, 'l, B: VmBinding> {
    sh: &'a Shared<B>,
    /// The collecting thread (it requests the stops).
    slot: &'a ThreadSlot,
    /// The collection lock, released while finalizers and weakref callbacks run.
    admission: &'a Admission<'l>,
    scope: Scope,
    ctx: WalkCtx<'a, B>,
    violations: &'a Mutex<Vec<ContractViolation>>,
    tl: &'a Timeline,
    /// The garbage no longer carries PENDING (see [`Collection::without_lock`]).
    unpended: Cell<bool>,
}

impl<B: VmBinding> Collection<'_, '_, B> {
    /// The plan: find garbage (stopped) -> run VM code (running) -> recheck (stopped, only if
    /// VM code ran) -> free (running). Returns its counts for the record.
    fn run(&self) -> Tally {
        let Found {
            scan,
            visited,
            candidates,
        } = self.find_garbage();
        let mut t = Tally {
            visited,
            candidates,
            heap_objects_before: scan.heap_objects,
            heap_bytes_before: scan.heap_bytes,
            ..Tally::default()
        };
        let mut garbage = scan.garbage;
        (t.weakref_callbacks, t.finalized) =
            if scan.to_finalize.is_empty() && scan.weakly_referenced.is_empty() {
                // No finalizer and no weakref to the garbage: the binding has queued no
                // callback for it, so this runs nothing of the garbage's (cheap: keep the lock).
                self.run_vm_code(&[])
            } else {
                self.without_lock(&garbage, || self.run_vm_code(&scan.to_finalize))
            };
        let vm_code_ran = t.finalized > 0 || t.weakref_callbacks > 0;
        if vm_code_ran {
            let (resurrected, callbacks) = self.recheck(&mut garbage);
            t.resurrected = resurrected;
            t.weakref_callbacks += callbacks;
        }
        // VM code that ran on the garbage (finalizers, callbacks) may have stored new
        // references in it: `clear` must then see all of it.
        let to_clear = if vm_code_ran { None } else { scan.to_clear };
        let freed_bytes;
        (t.collected, t.uncollectable, freed_bytes) = self.free(&garbage, to_clear.as_deref());
        garbage.recycle(&self.sh.garbage_lists);
        // Cheap estimate (no heap walk): what was in use minus what this collection freed.
        t.heap_bytes_after = t.heap_bytes_before.saturating_sub(freed_bytes);
        t
    }

    /// World stopped: merge, mark-alive, trial deletion over the scope, clear weakrefs to the
    /// garbage; the scope resets the mark state before the world restarts.
    fn find_garbage(&self) -> Found {
        let sh = self.sh;
        let guard = sh.safepoints.stop(Some(self.slot));
        self.tl.note_stop(guard.report(), true);
        let stopped_at = self.tl.now_ns();
        self.tl
            .phase(Phase::Merge, || sh.binding.merge_thread_state());
        let pages = self.scope.pages(&sh.space);
        // Declared after `guard`: on unwind it undoes the marks before the world restarts.
        let mut scrub = scrub::Scrub::new(&pages, &sh.saved_garbage, self.scope.unmarked());
        let alive = self.tl.phase(Phase::MarkAlive, || self.ctx.mark_alive());
        let found = self.trial_deletion(&pages, alive);
        if let Err(msg) = self.verify(&pages, &found.scan) {
            scrub.run_now();
            drop(guard);
            panic!("{msg}");
        }
        self.tl.phase(Phase::Weakrefs, || {
            vm_code::clear_weakrefs(&sh.binding, &found.scan.weakly_referenced)
        });
        self.scope.reset_marks(&sh.space);
        scrub.disarm();
        drop(scrub);
        let (_, released) = guard.restart_timed();
        self.tl.note_restart(stopped_at, released);
        found
    }

    /// DESIGN §3.4 steps 3-6 over the scope: refs (update and subtract, fused),
    /// mark-reachable, scan.
    fn trial_deletion(&self, pages: &[PageRef], alive: u64) -> Found {
        // When the roots reached every object of the scope there is no candidate: skip the
        // refs pass, mark-reachable and the scan (nothing was subtracted, so H1 holds; the
        // scope resets the marks as after any collection). Counting is O(pages).
        let (in_use, in_use_bytes) = if alive > 0 {
            self.ctx.count_in_use(pages)
        } else {
            (u64::MAX, 0)
        };
        if self.scope.everything_alive(in_use, alive) {
            let scan = ScanResult {
                heap_objects: in_use,
                heap_bytes: in_use_bytes,
                ..ScanResult::default()
            };
            return Found {
                scan,
                visited: alive,
                candidates: 0,
            };
        }
        let lists = &self.sh.garbage_lists;
        let refs = self
            .tl
            .phase(Phase::UpdateRefs, || self.ctx.refs_pass(pages, lists));
        // The refs pass held every candidate. Without seeds (no candidate has external
        // references: every page's count is 0, so every gc_refs is 0 and H1 holds), that is
        // the garbage set and the scan is skipped. Without candidates there is nothing to
        // seed from either.
        let scan = if refs.candidates == 0
            || !self
                .tl
                .phase(Phase::MarkReachable, || self.ctx.mark_reachable_pass(pages))
        {
            refs.held
        } else {
            self.tl.phase(Phase::ScanGarbage, || {
                self.ctx.scan_pass(pages, lists, refs.held)
            })
        };
        Found {
            scan,
            visited: refs.visited,
            candidates: refs.candidates,
        }
    }

    /// The self-check (`GcConfig::verify`): an independent recount of the garbage set.
    fn verify(&self, pages: &[PageRef], scan: &ScanResult) -> Result<(), String> {
        if !self.sh.config.verify {
            return Ok(());
        }
        let garbage: Vec<ObjRef> = scan.garbage.iter().collect();
        verify::verify_garbage(&self.sh.binding, &self.sh.space, pages, &garbage)
    }

    /// World running: weakref callbacks, then finalizers. Returns (callbacks, finalizers) run.
    fn run_vm_code(&self, to_finalize: &[ObjRef]) -> (u64, u64) {
        let (binding, filter) = (&self.sh.binding, self.ctx.filter);
        self.tl.phase(Phase::Finalize, || {
            let callbacks = vm_code::run_callbacks(binding, filter);
            (callbacks, vm_code::finalize(binding, filter, to_finalize))
        })
    }

    /// Run `f` (finalizers, weakref callbacks) without the collection lock and without the
    /// gang, so that nothing another collection needs is held while VM code runs: a
    /// finalizer may call `collect()`, `freeze()`, wait for a thread that collects, or block
    /// on a lock whose holder collects (docs/design.md, "Re-entrancy"). Another collection may
    /// run meanwhile. It never takes this one's garbage: that is GARBAGE (never a candidate),
    /// and loses PENDING here, the bit by which a scan would take held objects for its own
    /// (the rest of this collection only ever clears it). Mark-bit values are read from the
    /// heap again afterwards (`HeapSpace::unmarked_bit`), as another collection may have
    /// flipped it.
    fn without_lock<R>(&self, garbage: &GarbageParts, f: impl FnOnce() -> R) -> R {
        if !self.unpended.replace(true) {
            garbage.iter().for_each(|g| {
                g.header().unset(flags::PENDING);
            });
        }
        if let Some(gang) = self.ctx.pool {
            gang.pause();
        }
        let r = self.admission.unlocked(&self.sh.safepoints, self.slot, f);
        if let (Some(gang), Some(pool)) = (self.ctx.pool, self.sh.pool.as_ref()) {
            gang.resume(pool);
        }
        r
    }

    /// World stopped again, only after VM code ran on the garbage: what it made reachable is
    /// resurrected (trial deletion within the garbage set) and weakrefs to what is still
    /// garbage are cleared again; their callbacks run after the restart, in this collection,
    /// not in the next one. Returns (objects resurrected, callbacks run).
    fn recheck(&self, garbage: &mut GarbageParts) -> (u64, u64) {
        let sh = self.sh;
        let guard = sh.safepoints.stop(Some(self.slot));
        self.tl.note_stop(guard.report(), false);
        let stopped_at = self.tl.now_ns();
        sh.binding.merge_thread_state();
        // Another collection may have run while the lock was released: the current value.
        let unmarked = sh.space.unmarked_bit();
        let back = self.tl.phase(Phase::Resurrection, || {
            self.ctx.resurrection_pass(garbage, unmarked)
        });
        vm_code::clear_weakrefs_again(&sh.binding, garbage);
        let (_, released) = guard.restart_timed();
        self.tl.note_restart(stopped_at, released);
        let callbacks = self.without_lock(garbage, || {
            self.tl.phase(Phase::Finalize, || {
                vm_code::run_callbacks(&sh.binding, self.ctx.filter)
            })
        });
        (back.len() as u64, callbacks)
    }

    /// World running: clear, check, destroy and free the garbage, or keep it (save-garbage
    /// mode). Returns (collected, uncollectable, bytes freed).
    fn free(&self, garbage: &GarbageParts, to_clear: Option<&[ObjRef]>) -> (u64, u64, u64) {
        self.tl.phase(Phase::Free, || {
            if self.sh.save_garbage() {
                return self.save(garbage);
            }
            let ctx = &self.ctx;
            let f = free::FreeCtx {
                binding: ctx.binding,
                space: &self.sh.space,
                deferred: self.sh.config.deferred_reclamation,
                violations: self.violations,
                pool: ctx.pool,
                workers: ctx.workers,
                // The current value: another collection may have run while this one ran VM
                // code without the lock (after this one's flip, it is `unmarked_next`).
                unmarked: self.sh.space.unmarked_bit(),
                span: workers::SpanLog {
                    log: ctx.log,
                    phase: Phase::Free,
                    epoch: ctx.epoch,
                },
            }
            .free_garbage(garbage, to_clear);
            (f.collected, f.released, f.bytes)
        })
    }

    /// Save-garbage mode: the garbage is kept for good, no longer held by this collection
    /// (see `flags::PENDING`). All of it is uncollectable.
    fn save(&self, garbage: &GarbageParts) -> (u64, u64, u64) {
        garbage.iter().for_each(|g| {
            g.header().unset(flags::PENDING);
        });
        self.sh.saved_garbage.lock().extend(garbage.iter());
        (0, garbage.len() as u64, 0)
    }
}
