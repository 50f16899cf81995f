//! Running one phase on every GC worker, with balanced page chunks and per-worker statistics.
//!
//! Every parallel phase is a closure run once per worker (rayon `broadcast` on the runtime's
//! pool, or inline on the collecting thread when there is one worker). Heap walks hand out
//! page chunks from a shared atomic cursor, so a worker that finishes early takes more
//! chunks: the work stays balanced however unevenly objects are spread over pages.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use parking_lot::Mutex;

use crate::heap::PageRef;
use crate::object::ObjRef;
use crate::record::{Phase, WorkerSpan, WorkerStats};

/// Pages claimed at a time by a heap-walking worker (4 pages = 256 KiB of objects).
const PAGES_PER_CHUNK: usize = 4;

/// Hands out chunks of the page list to workers.
pub(crate) struct PageChunks<'a> {
    pages: &'a [PageRef],
    cursor: AtomicUsize,
}

impl<'a> PageChunks<'a> {
    pub(crate) fn new(pages: &'a [PageRef]) -> Self {
        PageChunks {
            pages,
            cursor: AtomicUsize::new(0),
        }
    }

    /// The next unclaimed chunk, or `None` when the walk is done.
    #[inline]
    pub(crate) fn next(&self) -> Option<&'a [PageRef]> {
        let start = self.cursor.fetch_add(PAGES_PER_CHUNK, Ordering::Relaxed);
        if start >= self.pages.len() {
            return None;
        }
        let end = (start + PAGES_PER_CHUNK).min(self.pages.len());
        Some(&self.pages[start..end])
    }
}

/// Per-worker counters for one collection, merged into the record at the end.
pub(crate) struct WorkerLog {
    stats: Vec<Mutex<WorkerStats>>,
}

impl WorkerLog {
    pub(crate) fn new(workers: usize) -> Self {
        WorkerLog {
            stats: (0..workers)
                .map(|w| {
                    Mutex::new(WorkerStats {
                        worker: w,
                        ..Default::default()
                    })
                })
                .collect(),
        }
    }

    /// Record that `worker` was busy in `phase` from `start` for `traced` objects.
    pub(crate) fn add(
        &self,
        worker: usize,
        phase: Phase,
        start: Instant,
        epoch: Instant,
        traced: u64,
        steals: u64,
    ) {
        let dur = start.elapsed().as_nanos() as u64;
        let mut s = self.stats[worker].lock();
        s.busy_ns += dur;
        s.objects_traced += traced;
        s.steals += steals;
        s.spans.push(WorkerSpan {
            phase,
            start_ns: start.duration_since(epoch).as_nanos() as u64,
            duration_ns: dur,
        });
    }

    pub(crate) fn into_stats(self) -> Vec<WorkerStats> {
        self.stats.into_iter().map(|m| m.into_inner()).collect()
    }
}

/// Run `f(worker_index)` once on each of `workers` workers and wait for all of them.
pub(crate) fn run_on_workers<F>(pool: Option<&rayon::ThreadPool>, workers: usize, f: F)
where
    F: Fn(usize) + Sync,
{
    match pool {
        Some(pool) if workers > 1 => {
            pool.broadcast(|ctx| f(ctx.index()));
        }
        _ => f(0),
    }
}

/// Objects of a list claimed at a time by [`for_slices`].
const SLICE: usize = 4096;

/// Run `f` over slices of `list` on every worker (dynamic claiming from a shared cursor).
pub(crate) fn for_slices<F: Fn(&[ObjRef]) + Sync>(
    pool: Option<&rayon::ThreadPool>,
    workers: usize,
    list: &[ObjRef],
    f: F,
) {
    let cursor = AtomicUsize::new(0);
    run_on_workers(pool, workers, |_| loop {
        let s = cursor.fetch_add(SLICE, Ordering::Relaxed);
        if s >= list.len() {
            break;
        }
        f(&list[s..(s + SLICE).min(list.len())]);
    });
}
