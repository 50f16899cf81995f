//! `gc-stress collect`: build a graph of a standard shape (DESIGN §5) and time full
//! collections of it, rebuilding the garbage before each.

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use crate::cli::{CollectArgs, CollectShape, Fault};
use crate::model::{Model, ModelWorker, UnitKind, WorldOptions};
use crate::scale::VerifyResult;

/// The `collect` result (JSON).
#[derive(Clone, Debug, Serialize)]
pub struct CollectResult {
    /// Graph shape.
    pub shape: String,
    /// Object model (`adapter` or `lean`).
    pub model: String,
    /// Objects in the graph at each collection.
    pub objects: u64,
    /// GC workers.
    pub workers: usize,
    /// Timed collections.
    pub repeat: usize,
    /// Median whole-collection pause, ns.
    pub pause_ns_median: u64,
    /// Fastest collection, ns.
    pub pause_ns_min: u64,
    /// Slowest collection, ns.
    pub pause_ns_max: u64,
    /// Median world-stopped time, ns.
    pub stopped_ns_median: u64,
    /// Median pause / objects, ns.
    pub ns_per_object: f64,
    /// Objects collected by each collection (the garbage built before it).
    pub collected: u64,
    /// Objects collected by all timed collections.
    pub collected_total: u64,
    /// Live objects (reachable from the roots) at the end.
    pub live_objects: u64,
    /// Objects in use in the heap at the end.
    pub heap_live_objects: u64,
    /// Violations found (0 = nothing lost).
    pub violations: u64,
    /// The first violation messages.
    pub violation_messages: Vec<String>,
    /// `--verify` results (absent without it).
    pub verify: Option<VerifyResult>,
}

/// Why a `collect` request cannot run (a usage error: exit status 2).
pub fn validate(args: &CollectArgs) -> Result<(), String> {
    if args.inject_fault.is_some() && live_part(args.shape, args.objects) == 0 {
        return Err(format!(
            "--inject-fault needs a shape with live objects (tree, mixed, gc_traversal), not {}",
            args.shape.name()
        ));
    }
    Ok(())
}

/// Live objects the shape keeps.
fn live_part(shape: CollectShape, n: u64) -> u64 {
    match shape {
        CollectShape::Tree | CollectShape::GcTraversal => n,
        CollectShape::Mixed => n / 2,
        _ => 0,
    }
}

/// Build the garbage for one collection; returns the number of garbage objects.
fn build_garbage<M: Model>(w: &mut M::Worker, world: &Arc<M>, shape: CollectShape, n: u64) -> u64 {
    let n = n as usize;
    let rings = |w: &mut M::Worker, count: usize, size: usize| {
        let mut objects = 0;
        for _ in 0..count {
            let u = w.ring(size);
            objects += M::Worker::unit_collected(&u);
        }
        objects
    };
    match shape {
        CollectShape::Rings => rings(w, n / 20, 20),
        CollectShape::GcCollect => rings(w, n / 21, 21),
        CollectShape::Mixed => rings(w, (n - n / 2) / 20, 20),
        CollectShape::Tree | CollectShape::GcTraversal => 0,
        CollectShape::CrossThread => cross_thread_rings::<M>(w, world, n / 20),
    }
}

/// `count` rings of 20 whose nodes come in turn from this thread's heap and two helper
/// threads' heaps (the helpers exit afterwards; their pages are adopted later).
fn cross_thread_rings<M: Model>(w: &mut M::Worker, world: &Arc<M>, count: usize) -> u64 {
    const SOURCES: usize = 3;
    let total = count * 20;
    let per_source = |s: usize| (0..total).filter(|i| i % SOURCES == s).count();
    let mut from: Vec<std::vec::IntoIter<M::Node>> = vec![w.alloc_nodes(per_source(0)).into_iter()];
    let helpers: Vec<_> = (1..SOURCES)
        .map(|s| {
            let world = world.clone();
            let n = per_source(s);
            std::thread::spawn(move || {
                let mut h = world.attach(&format!("helper-{s}"));
                h.alloc_nodes(n)
            })
        })
        .collect();
    // The helpers allocate while this thread waits detached (they never stop the world).
    let got: Vec<Vec<M::Node>> = w.detached(|| {
        helpers
            .into_iter()
            .map(|h| h.join().expect("helper thread panicked"))
            .collect()
    });
    from.extend(got.into_iter().map(|v| v.into_iter()));
    let mut objects = 0;
    for r in 0..count {
        let nodes: Vec<M::Node> = (0..20)
            .map(|i| from[(r * 20 + i) % SOURCES].next().expect("enough nodes"))
            .collect();
        let u = w.link(UnitKind::Ring, nodes);
        objects += M::Worker::unit_collected(&u);
    }
    objects
}

fn median(v: &mut [u64]) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}

/// Run `collect`.
pub fn run<M: Model>(args: &CollectArgs) -> CollectResult {
    let world: Arc<M> = M::create(&WorldOptions {
        workers: args
            .workers
            .unwrap_or_else(gc_core::config::default_workers),
        automatic: false,
        core_verify: args.verify && !args.no_core_verify && args.inject_fault.is_none(),
    });
    let mut w = world.attach("main");
    let n = args.objects;
    let live = live_part(args.shape, n) as usize;
    let fault = args.inject_fault == Some(Fault::SkipMark);
    let live_unit: Option<M::Unit> = match args.shape {
        // The faulty unit needs a head whose count is all internal references (see
        // `model::lean`): the tree with back-edges to its root.
        CollectShape::Tree if fault => {
            let nodes = w.alloc_nodes(live);
            Some(w.link(UnitKind::CyclicTree, nodes))
        }
        CollectShape::Tree => Some(w.tree(live)),
        CollectShape::Mixed if live > 0 => Some(w.tree(live)),
        CollectShape::GcTraversal => Some(w.list_chain(live)),
        _ => None,
    };
    let mut live_objects = 0;
    if let Some(u) = live_unit {
        live_objects = M::Worker::unit_size(&u);
        if fault {
            // The next collection skips the live unit's mark (see `model::lean`).
            w.keep_faulty(u);
        } else {
            w.keep(u);
        }
    }
    let v = world.violations().clone();
    let mut pauses = Vec::with_capacity(args.repeat);
    let mut stopped = Vec::with_capacity(args.repeat);
    let (mut collected_last, mut collected_total, mut checks) = (0u64, 0u64, 0u64);
    for rep in 0..args.repeat {
        let garbage = build_garbage::<M>(&mut w, &world, args.shape, n);
        w.flush_counts();
        let t = Instant::now();
        let got = w.collect() as u64;
        let dt = t.elapsed().as_nanos() as u64;
        pauses.push(dt);
        stopped.push(world.last_record().map_or(0, |r| r.stopped_ns));
        collected_last = got;
        collected_total += got;
        if got != garbage {
            v.push(format!(
                "collection {}: collected {got} objects, but {garbage} garbage objects were built",
                rep + 1
            ));
        }
        if args.verify {
            world.check();
            checks += 1;
        }
        if v.count() > 0 {
            break;
        }
    }
    w.flush_counts();
    let fin = world.check();
    checks += 1;
    let heap_live = world.heap_live_objects();
    if fin.live_objects != heap_live || fin.live_objects != live_objects {
        v.push(format!(
            "at the end the heap holds {heap_live} objects, the live set reaches {}, expected \
             {live_objects}",
            fin.live_objects
        ));
    }
    let (allocated, destroyed) = (world.allocated(), world.destroyed());
    if destroyed + fin.live_objects != allocated {
        v.push(format!(
            "allocated {allocated} objects, destroyed {destroyed}, live {}: {} unaccounted for",
            fin.live_objects,
            allocated as i128 - destroyed as i128 - fin.live_objects as i128
        ));
    }
    for r in world.records() {
        for e in &r.errors {
            v.push(format!("collection {}: gc-core reported: {e}", r.seq));
        }
    }
    world.teardown();
    drop(w);
    let pause_min = pauses.iter().copied().min().unwrap_or(0);
    let pause_max = pauses.iter().copied().max().unwrap_or(0);
    let med = median(&mut pauses);
    CollectResult {
        shape: args.shape.name().to_string(),
        model: M::NAME.to_string(),
        objects: n,
        workers: world.workers(),
        repeat: args.repeat,
        pause_ns_median: med,
        pause_ns_min: pause_min,
        pause_ns_max: pause_max,
        stopped_ns_median: median(&mut stopped),
        ns_per_object: med as f64 / n as f64,
        collected: collected_last,
        collected_total,
        live_objects: fin.live_objects,
        heap_live_objects: heap_live,
        violations: v.count(),
        violation_messages: v.messages(),
        verify: args.verify.then(|| VerifyResult {
            checks,
            violations: v.count(),
            messages: v.messages(),
        }),
    }
}

/// Human-readable summary of a `collect` result.
pub fn summary(r: &CollectResult) -> String {
    format!(
        "collect {} model={} objects={} workers={} repeat={}: median {:.3} ms (min {:.3}, max {:.3}; \
         stopped {:.3}) = {:.1} ns/object, collected {} per collection, live {}{}",
        r.shape,
        r.model,
        r.objects,
        r.workers,
        r.repeat,
        r.pause_ns_median as f64 / 1e6,
        r.pause_ns_min as f64 / 1e6,
        r.pause_ns_max as f64 / 1e6,
        r.stopped_ns_median as f64 / 1e6,
        r.ns_per_object,
        r.collected,
        r.live_objects,
        match &r.verify {
            Some(v) if v.violations == 0 => format!(", verify ok ({} checks)", v.checks),
            Some(v) => format!(", verify FAILED ({} violations)", v.violations),
            None => String::new(),
        }
    )
}
