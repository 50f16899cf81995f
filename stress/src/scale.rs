//! `gc-stress scale`: T mutator threads make garbage continuously and keep a live set, with
//! automatic collection, for a fixed duration; one result row per thread count.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Weak};
use std::time::{Duration, Instant};

use gc_core::record::CollectionRecord;
use parking_lot::Mutex;
use serde::Serialize;

use crate::cli::{Fault, ScaleShape, WorkloadArgs};
use crate::model::{Model, ModelWorker, UnitKind, WorldOptions};
use crate::profile::{PauseKind, PauseStats, PauseSummary};
use crate::report::{self, Rng};

/// Nodes per ring (DESIGN §5).
pub const RING: usize = 20;
/// Nodes per cyclic tree unit of the mixed shape.
pub const TREE_UNIT: usize = 15;
/// One unit in this many survives (joins the live set).
pub const SURVIVE_ONE_IN: u64 = 50;
/// Batches of nodes waiting in the cross-thread exchange, at most.
const EXCHANGE_CAP: usize = 256;

/// Pause percentiles of one measure, ns.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Pauses {
    /// Median.
    pub p50_ns: u64,
    /// 90th percentile.
    pub p90_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// 99.9th percentile.
    pub p999_ns: u64,
    /// Maximum.
    pub max_ns: u64,
    /// Sum.
    pub total_ns: u64,
}

impl From<PauseSummary> for Pauses {
    fn from(s: PauseSummary) -> Self {
        Pauses {
            p50_ns: s.p50_ns,
            p90_ns: s.p90_ns,
            p99_ns: s.p99_ns,
            p999_ns: s.p999_ns,
            max_ns: s.max_ns,
            total_ns: s.total_ns,
        }
    }
}

/// What `--verify` found in one run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct VerifyResult {
    /// Checks run (one after every collection, plus the final one).
    pub checks: u64,
    /// Violations found (0 = nothing lost, nothing corrupted).
    pub violations: u64,
    /// The first violation messages.
    pub messages: Vec<String>,
}

/// One thread count's result.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunResult {
    /// Mutator threads.
    pub threads: usize,
    /// GC workers.
    pub workers: usize,
    /// Garbage shape.
    pub shape: String,
    /// Object model (`adapter` or `lean`).
    pub model: String,
    /// Measured wall time of the mutator phase, s.
    pub wall_s: f64,
    /// Objects allocated by the mutators.
    pub allocated: u64,
    /// Objects collected during the measured phase (from the collection records).
    pub collected: u64,
    /// Objects allocated per second.
    pub allocated_per_s: f64,
    /// Objects collected per second.
    pub collected_per_s: f64,
    /// Collections during the measured phase.
    pub collections: u64,
    /// Time in collections / wall time (fraction).
    pub gc_share: f64,
    /// World-stopped time / wall time (fraction).
    pub stopped_share: f64,
    /// Whole-collection pauses.
    pub pause: Pauses,
    /// World-stopped pauses.
    pub stopped: Pauses,
    /// Largest time-to-safepoint, ns.
    pub max_ttsp_ns: u64,
    /// Largest heap in use (bytes) seen by a collection (records' heap bytes before/after).
    pub peak_heap_bytes: u64,
    /// Largest resident set size sampled during the run, bytes (0 where unknown).
    pub peak_rss_bytes: u64,
    /// Requested live-set size, objects.
    pub live_target: u64,
    /// Objects reachable from the live set at the end (independent walk).
    pub live_objects: u64,
    /// Objects in use in the heap after the final collection.
    pub heap_live_objects: u64,
    /// Objects destroyed in total (binding's destroy hook, final collection included).
    pub destroyed: u64,
    /// Violations found (the final accounting always runs; the per-collection checks with
    /// `--verify`).
    pub violations: u64,
    /// The first violation messages.
    pub violation_messages: Vec<String>,
    /// `--verify` results (absent without it).
    pub verify: Option<VerifyResult>,
}

/// Everything a run produced: the result row and its records.
pub struct RunOutcome {
    /// The result row.
    pub result: RunResult,
    /// Records of the measured phase.
    pub records: Vec<CollectionRecord>,
    /// `[t0, t1]` of the measured phase, ns since the runtime epoch.
    pub span: (u64, u64),
}

/// Nodes handed between threads for cross-thread rings.
struct Exchange<N> {
    batches: Mutex<Vec<(usize, Vec<N>)>>,
}

impl<N> Exchange<N> {
    fn new() -> Self {
        Exchange {
            batches: Mutex::new(Vec::new()),
        }
    }
    fn take_other(&self, me: usize) -> Option<Vec<N>> {
        let mut q = self.batches.lock();
        let i = q
            .iter()
            .rposition(|(t, _)| *t != me)
            .or_else(|| (!q.is_empty()).then(|| q.len() - 1))?;
        Some(q.swap_remove(i).1)
    }
    fn give(&self, me: usize, nodes: Vec<N>) -> Result<(), Vec<N>> {
        let mut q = self.batches.lock();
        if q.len() >= EXCHANGE_CAP {
            return Err(nodes);
        }
        q.push((me, nodes));
        Ok(())
    }
    fn drain(&self) -> Vec<N> {
        self.batches.lock().drain(..).flat_map(|(_, v)| v).collect()
    }
}

struct ThreadCtx<N> {
    index: usize,
    quota: u64,
    shape: ScaleShape,
    stop: Arc<AtomicBool>,
    exchange: Arc<Exchange<N>>,
    fault: Option<Fault>,
    progress: Arc<AtomicU64>,
    /// Every mutator waits here (detached) before unregistering: see `mutator_loop`.
    done: Arc<Barrier>,
}

fn cross_ring<W: ModelWorker>(w: &mut W, ctx: &ThreadCtx<W::Node>) -> W::Unit {
    let half = RING / 2;
    let mut nodes = w.alloc_nodes(half);
    match ctx.exchange.take_other(ctx.index) {
        Some(other) => nodes.extend(other),
        None => nodes.extend(w.alloc_nodes(RING - half)),
    }
    let unit = w.link(UnitKind::Ring, nodes);
    let gift = w.alloc_nodes(RING - half);
    if let Err(back) = ctx.exchange.give(ctx.index, gift) {
        // Exchange full: the nodes become garbage right away.
        w.discard(back);
    }
    unit
}

fn mutator_loop<M: Model>(world: Arc<M>, ctx: ThreadCtx<M::Node>) {
    let mut w = world.attach(&format!("mutator-{}", ctx.index));
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15 ^ (ctx.index as u64 + 1));
    let mut kept_objects = 0u64;
    let mut units = 0u64;
    let mut injected = false;
    while !ctx.stop.load(Ordering::Relaxed) {
        let unit = match ctx.shape {
            ScaleShape::Rings => w.ring(RING),
            ScaleShape::CrossThread => cross_ring(&mut w, &ctx),
            ScaleShape::Mixed => match units % 3 {
                0 => w.ring(RING),
                1 => cross_ring(&mut w, &ctx),
                _ => {
                    let nodes = w.alloc_nodes(TREE_UNIT);
                    w.link(UnitKind::CyclicTree, nodes)
                }
            },
        };
        units += 1;
        if rng.below(SURVIVE_ONE_IN) == 0 && ctx.quota > 0 {
            let size = M::Worker::unit_size(&unit);
            if kept_objects + size <= ctx.quota || w.kept() == 0 {
                if ctx.fault == Some(Fault::SkipMark) && !injected && ctx.index == 0 {
                    // The faulty unit: a ring (every count, its head's included, is
                    // internal references only) kept through the injected fault (see
                    // `model::lean`). The unit just built becomes garbage.
                    drop(unit);
                    let ring = w.ring(RING);
                    w.keep_faulty(ring);
                    injected = true;
                } else {
                    w.keep(unit);
                }
                kept_objects += size;
            } else {
                let i = rng.below(w.kept() as u64) as usize;
                let old = w.kept_size(i);
                w.replace(i, unit);
                kept_objects = kept_objects + size - old;
            }
        }
        if units & 15 == 0 {
            w.flush_counts();
            ctx.progress.fetch_add(16, Ordering::Relaxed);
        }
        w.poll();
    }
    w.flush_counts();
    // Unregister only once no thread can be collecting any more. A mutator dropped while
    // another thread's collection runs would abandon its heap under the collector's page
    // snapshot (gc-core's `Mutator` drops its heap after detaching; the heap may release
    // empty pages the collector is still walking). Collections run inside polls, so once
    // every thread has left its loop none is in progress and none can start. Wait detached,
    // so a collection still running on another thread can stop the world.
    w.detached(|| ctx.done.wait());
}

/// Run the workload with `threads` mutator threads. `on_tick` is called about every 100 ms
/// with (elapsed, allocated so far, collections so far).
pub fn run_one<M: Model>(
    args: &WorkloadArgs,
    threads: usize,
    progress: &dyn Fn(Tick),
) -> RunOutcome {
    let core_verify = args.verify && !args.no_core_verify && args.inject_fault.is_none();
    let world = M::create(&WorldOptions {
        workers: args
            .workers
            .unwrap_or_else(gc_core::config::default_workers),
        automatic: true,
        core_verify,
    });
    let records: Arc<Mutex<Vec<CollectionRecord>>> = Arc::default();
    {
        let records = records.clone();
        world.subscribe(move |r| records.lock().push(r.clone()));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let checks = Arc::new(AtomicU64::new(0));
    if args.verify {
        let weak: Weak<M> = Arc::downgrade(&world);
        let (stop, checks) = (stop.clone(), checks.clone());
        world.subscribe(move |_| {
            if let Some(w) = weak.upgrade() {
                w.check();
                checks.fetch_add(1, Ordering::Relaxed);
                if w.violations().count() > 0 {
                    stop.store(true, Ordering::Relaxed);
                }
            }
        });
    }
    let exchange = Arc::new(Exchange::<M::Node>::new());
    let units_done = Arc::new(AtomicU64::new(0));
    let done = Arc::new(Barrier::new(threads));
    let duration = Duration::from_secs_f64(args.seconds);
    let t0 = world.now_ns();
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let quota =
                args.live / threads as u64 + u64::from((i as u64) < args.live % threads as u64);
            let ctx = ThreadCtx {
                index: i,
                quota,
                shape: args.shape,
                stop: stop.clone(),
                exchange: exchange.clone(),
                fault: args.inject_fault,
                progress: units_done.clone(),
                done: done.clone(),
            };
            let world = world.clone();
            std::thread::Builder::new()
                .name(format!("mutator-{i}"))
                .spawn(move || mutator_loop::<M>(world, ctx))
                .expect("failed to start a mutator thread")
        })
        .collect();
    let mut peak_rss = report::rss_bytes().unwrap_or(0);
    loop {
        let elapsed = start.elapsed();
        if elapsed >= duration || stop.load(Ordering::Relaxed) || world.violations().count() > 0 {
            break;
        }
        std::thread::sleep((duration - elapsed).min(Duration::from_millis(50)));
        // RSS only: sampling the heap (`heap_stats`) walks every page under the page
        // registry's lock and stalls every mutator that needs a new page.
        peak_rss = peak_rss.max(report::rss_bytes().unwrap_or(0));
        progress(Tick {
            threads,
            elapsed: start.elapsed().min(duration),
            total: duration,
            allocated: world.allocated(),
            collections: world.stats().collections,
        });
    }
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        if h.join().is_err() {
            world
                .violations()
                .push("a mutator thread panicked".to_string());
        }
    }
    let wall = start.elapsed();
    let t1 = world.now_ns();
    peak_rss = peak_rss.max(report::rss_bytes().unwrap_or(0));
    let measured: Vec<CollectionRecord> = records.lock().clone();

    // Final collection: everything not in the live set is garbage now.
    let mut d = world.attach("driver");
    d.discard(exchange.drain());
    d.collect();
    let fin = world.check();
    if args.verify {
        checks.fetch_add(1, Ordering::Relaxed);
    }
    let heap_live = world.heap_live_objects();
    let allocated = world.allocated();
    let destroyed = world.destroyed();
    let v = world.violations();
    if fin.live_objects != heap_live {
        v.push(format!(
            "after the final collection the heap holds {heap_live} objects but the live set \
             has {} (garbage was not collected, or objects were lost)",
            fin.live_objects
        ));
    }
    if destroyed + fin.live_objects != allocated {
        v.push(format!(
            "allocated {allocated} objects, destroyed {destroyed}, live {}: {} unaccounted for",
            fin.live_objects,
            allocated as i128 - destroyed as i128 - fin.live_objects as i128
        ));
    }
    for r in &measured {
        for e in &r.errors {
            v.push(format!("collection {}: gc-core reported: {e}", r.seq));
        }
    }
    world.teardown();
    drop(d);

    let stats = PauseStats::from_records(&measured);
    let wall_ns = wall.as_nanos() as u64;
    let secs = wall.as_secs_f64().max(1e-9);
    let collected: u64 = measured.iter().map(|r| r.collected).sum();
    let peak_heap = measured
        .iter()
        .map(|r| r.heap_bytes_before.max(r.heap_bytes_after))
        .max()
        .unwrap_or(0);
    let result = RunResult {
        threads,
        workers: world.workers(),
        shape: args.shape.name().to_string(),
        model: M::NAME.to_string(),
        wall_s: secs,
        allocated,
        collected,
        allocated_per_s: allocated as f64 / secs,
        collected_per_s: collected as f64 / secs,
        collections: measured.len() as u64,
        gc_share: stats.gc_share(wall_ns),
        stopped_share: stats.share(PauseKind::Stopped, wall_ns),
        pause: stats.summary(PauseKind::Collection).into(),
        stopped: stats.summary(PauseKind::Stopped).into(),
        max_ttsp_ns: stats.max_ttsp_ns(),
        peak_heap_bytes: peak_heap,
        peak_rss_bytes: peak_rss,
        live_target: args.live,
        live_objects: fin.live_objects,
        heap_live_objects: heap_live,
        destroyed,
        violations: v.count(),
        violation_messages: v.messages(),
        verify: args.verify.then(|| VerifyResult {
            checks: checks.load(Ordering::Relaxed),
            violations: v.count(),
            messages: v.messages(),
        }),
    };
    RunOutcome {
        result,
        records: measured,
        span: (t0, t1),
    }
}

/// Progress of a running measurement.
#[derive(Clone, Debug)]
pub struct Tick {
    /// Mutator threads.
    pub threads: usize,
    /// Time so far.
    pub elapsed: Duration,
    /// Planned duration.
    pub total: Duration,
    /// Objects allocated so far.
    pub allocated: u64,
    /// Collections so far.
    pub collections: u64,
}

/// A progress display: an indicatif bar on a terminal, a plain line per second otherwise.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    last_line: Mutex<Option<Instant>>,
}

impl Progress {
    /// A progress display for one thread count's run.
    pub fn new(threads: usize, total: Duration) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new(total.as_millis() as u64);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{prefix:>6} [{bar:30}] {elapsed_precise} {msg}",
                )
                .expect("valid progress template")
                .progress_chars("=> "),
            );
            b.set_prefix(format!("T={threads}"));
            b
        });
        Progress {
            bar,
            last_line: Mutex::new(None),
        }
    }

    /// Show one tick.
    pub fn tick(&self, t: Tick) {
        let msg = format!(
            "{} allocated, {} collections",
            report::si(t.allocated as f64),
            t.collections
        );
        if let Some(b) = &self.bar {
            b.set_position(t.elapsed.as_millis() as u64);
            b.set_message(msg);
            return;
        }
        let mut last = self.last_line.lock();
        let due = match *last {
            None => true,
            Some(l) => l.elapsed() >= Duration::from_secs(1),
        };
        if due {
            *last = Some(Instant::now());
            eprintln!(
                "[T={}] {:.1}/{:.1} s: {msg}",
                t.threads,
                t.elapsed.as_secs_f64(),
                t.total.as_secs_f64()
            );
        }
    }

    /// Remove the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// The whole `scale` output (JSON).
#[derive(Clone, Debug, Serialize)]
pub struct ScaleReport {
    /// Always "scale" (or "profile").
    pub command: String,
    /// Object model.
    pub model: String,
    /// Garbage shape.
    pub shape: String,
    /// Seconds per thread count.
    pub seconds: f64,
    /// Live-set size asked for.
    pub live: u64,
    /// Whether `--verify` was on.
    pub verify: bool,
    /// Whether gc-core was built with the poison feature (freed memory poisoned).
    pub poison: bool,
    /// Peak RSS of the whole process (VmHWM), bytes.
    pub process_peak_rss_bytes: u64,
    /// One entry per thread count.
    pub runs: Vec<RunResult>,
}

/// Total violations over all runs.
pub fn violations(runs: &[RunResult]) -> u64 {
    runs.iter().map(|r| r.violations).sum()
}
