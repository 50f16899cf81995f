//! Running one phase on every GC worker, with balanced page chunks and per-worker statistics.
//!
//! Every parallel phase is a closure run once per worker (on the collection's [`Gang`], or
//! inline on the collecting thread when there is one worker). Heap walks hand out
//! page chunks from a shared atomic cursor, so a worker that finishes early takes more
//! chunks: the work stays balanced however unevenly objects are spread over pages.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use parking_lot::Mutex;

use crate::collector::gang::Gang;
use crate::collector::garbage::Slices;
use crate::heap::PageRef;
use crate::object::ObjRef;
use crate::record::{Phase, WorkerSpan, WorkerStats};

/// Pages claimed at a time by a heap-walking worker (4 pages = 256 KiB of objects).
const PAGES_PER_CHUNK: usize = 4;

/// Hands out chunks of the page list to workers.
///
/// Worker `w` first walks its *home* range (the w-th contiguous share of the chunks), then
/// helps the others from where they are. The home ranges are the same in every pass of a
/// collection, so a worker mostly revisits pages whose headers it wrote in the previous pass
/// and that are still in its core's cache: with one shared cursor the passes that write
/// headers (the scan) ran 2–3x slower with two workers than with one, moving cache lines
/// between cores.
pub(crate) struct PageChunks<'a> {
    pages: &'a [PageRef],
    /// Per worker: next chunk index and end of its home range.
    ranges: Vec<(AtomicUsize, usize)>,
}

impl<'a> PageChunks<'a> {
    pub(crate) fn new(pages: &'a [PageRef], workers: usize) -> Self {
        let chunks = pages.len().div_ceil(PAGES_PER_CHUNK);
        let workers = workers.max(1);
        let ranges = (0..workers)
            .map(|w| {
                (
                    AtomicUsize::new(chunks * w / workers),
                    chunks * (w + 1) / workers,
                )
            })
            .collect();
        PageChunks { pages, ranges }
    }

    /// The next chunk for worker `w`, or `None` when the walk is done.
    #[inline]
    pub(crate) fn next(&self, w: usize) -> Option<&'a [PageRef]> {
        let n = self.ranges.len();
        for k in 0..n {
            let (cursor, end) = &self.ranges[(w + k) % n];
            if cursor.load(Ordering::Relaxed) >= *end {
                continue;
            }
            let c = cursor.fetch_add(1, Ordering::Relaxed);
            if c < *end {
                let start = c * PAGES_PER_CHUNK;
                let stop = (start + PAGES_PER_CHUNK).min(self.pages.len());
                return Some(&self.pages[start..stop]);
            }
        }
        None
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

/// Run `f(worker_index)` once on each of `workers` workers and wait for all of them: on the
/// collection's gang when there is one, else inline as worker 0.
pub(crate) fn run_on_workers<F>(gang: Option<&Gang>, workers: usize, f: F)
where
    F: Fn(usize) + Sync,
{
    match gang {
        Some(g) if workers > 1 => {
            debug_assert_eq!(g.workers(), workers);
            g.run(&f);
        }
        _ => f(0),
    }
}

/// Where a slice phase records each worker's busy span.
#[derive(Clone, Copy)]
pub(crate) struct SpanLog<'a> {
    pub log: &'a WorkerLog,
    pub phase: Phase,
    pub epoch: Instant,
}

impl SpanLog<'_> {
    /// Record work worker `w` did in this phase since `start` (worker 0: the collecting
    /// thread, also for work it does alone).
    pub(crate) fn record(&self, w: usize, start: Instant) {
        self.log.add(w, self.phase, start, self.epoch, 0, 0);
    }
}

/// Run `f` on each of `slices` once, spread over every worker (dynamic claiming from a shared
/// cursor, so a worker that finishes early takes more). Each worker's busy time goes to
/// `span`, so slice phases show in the record's worker spans like the heap walks and marks
/// do (they trace nothing: `objects_traced` is left alone).
pub(crate) fn for_each_slice<F: Fn(&[ObjRef]) + Sync>(
    pool: Option<&Gang>,
    workers: usize,
    slices: &Slices<'_>,
    span: Option<SpanLog<'_>>,
    f: F,
) {
    let record = |w: usize, start: Instant| {
        if let Some(s) = span {
            s.record(w, start);
        }
    };
    let n = slices.len();
    if n == 0 {
        return;
    }
    if workers <= 1 || n <= 1 {
        let start = Instant::now();
        slices.iter().for_each(&f);
        record(0, start);
        return;
    }
    let cursor = AtomicUsize::new(0);
    run_on_workers(pool, workers, |w| {
        let start = Instant::now();
        loop {
            let i = cursor.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            f(slices.get(i));
        }
        record(w, start);
    });
}
