//! The end of a collection (world running): the trigger's new base, the record and where it
//! goes (statistics, the gctrace line, subscribers, the ring), violations. The stop callbacks
//! run after it, without the lock (`collect`).

use crate::binding::VmBinding;
use crate::collector::timeline::{Tally, Timeline};
use crate::error::ContractViolation;
use crate::record::{CallbackInfo, CollectionRecord, WorkerStats};
use crate::state::Shared;
use crate::trigger::Request;

/// What a finished collection leaves for its last steps (stop callbacks, the violation check).
pub(crate) struct Finished {
    /// Objects collected.
    pub(crate) collected: usize,
    /// What the stop callbacks are told.
    pub(crate) stop_info: CallbackInfo,
    /// `GcConfig::panic_on_violation`'s panic, if due: (sequence number, count, first).
    panic: Option<(u64, usize, String)>,
}

impl Finished {
    /// Panic if the configuration asks to on violations and there were some (after the stop
    /// callbacks, so that they ran for this collection too).
    pub(crate) fn check_violations(&self) {
        if let Some((seq, n, first)) = &self.panic {
            panic!(
                "gc-core: collection #{seq} found {n} binding contract violation(s); first: {first}"
            );
        }
    }
}

/// Finish the collection timed by `tl` (the lock held).
pub(crate) fn finish<B: VmBinding>(
    sh: &Shared<B>,
    tl: Timeline,
    tally: Tally,
    workers: usize,
    worker_stats: Vec<WorkerStats>,
    violations: Vec<ContractViolation>,
) -> Finished {
    sh.binding.after_collection();
    let end_ns = tl.now_ns();
    // The next threshold's base is every object the next walk will visit, tracked or not:
    // the walk costs that much, and the young count counts both. With tracked survivors only,
    // a program keeping many untracked objects alive (a 10^7-chain of tuples of tuples)
    // walked them all every few thousand allocations: quadratic.
    let survivors = tally.visited.max(tally.heap_objects_before);
    sh.trigger.end(survivors.saturating_sub(tally.collected));
    let seq = tl.seq();
    let req = tl.req();
    let errors = violations.iter().map(|v| v.to_string()).collect();
    let record = tl.into_record(end_ns, workers, worker_stats, &tally, errors);
    add_stats(sh, &record, violations.len() as u64);
    if sh.config.trace_log {
        eprintln!("{}", crate::gctrace::format_gctrace_line(&record));
    }
    sh.publish(record);
    keep_violations(sh, &violations);
    let panic = (sh.config.panic_on_violation && !violations.is_empty())
        .then(|| (seq, violations.len(), violations[0].to_string()));
    Finished {
        collected: tally.collected as usize,
        stop_info: stop_info(req, &tally),
        panic,
    }
}

fn add_stats<B: VmBinding>(sh: &Shared<B>, record: &CollectionRecord, violations: u64) {
    let mut st = sh.stats.lock();
    st.collections += 1;
    st.collected += record.collected;
    st.uncollectable += record.uncollectable;
    st.resurrected += record.resurrected;
    st.violations += violations;
    st.last_duration_ns = record.duration_ns();
    st.total_gc_ns += record.duration_ns();
    st.total_stopped_ns += record.stopped_ns;
}

/// Keep `found` in the runtime's list, bounded to the first `MAX_VIOLATIONS`.
fn keep_violations<B: VmBinding>(sh: &Shared<B>, found: &[ContractViolation]) {
    if found.is_empty() {
        return;
    }
    let mut all = sh.violations.lock();
    let room = crate::error::MAX_VIOLATIONS.saturating_sub(all.len());
    all.extend(found.iter().take(room).cloned());
}

fn stop_info(req: Request, tally: &Tally) -> CallbackInfo {
    CallbackInfo {
        generation: req.kind.callback_generation(),
        kind: req.kind,
        collected: tally.collected,
        uncollectable: tally.uncollectable,
    }
}
