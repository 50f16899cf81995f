//! A complete minimal VM binding: nodes with a count and two references (`next`/`prev` in a
//! ring, left/right in a tree), and a root list. Shared by `examples/rings.rs` and
//! `examples/tree.rs`.
//!
//! This is the one binding in the workspace written out by hand for reading: everything a VM
//! tells the collector, in under 200 lines. Tests, gc-stress and the benchmarks use
//! gc-testkit's configurable binding instead (one place to change when the contract changes).
#![allow(dead_code)] // each user takes what it needs

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use gc_core::{GcConfig, GcRuntime, Mutator, ObjRef, Tracer, VmBinding};

/// A ring node: a count and two strong references.
pub struct Node {
    rc: AtomicUsize,
    next: Option<ObjRef>,
    prev: Option<ObjRef>,
}

fn node<'a>(o: ObjRef) -> &'a mut Node {
    // SAFETY: every object of this VM is a Node written right after allocation; the collector
    // only hands back live objects.
    unsafe { &mut *(o.as_ptr() as *mut Node) }
}

#[derive(Default)]
pub struct RingVm {
    /// The VM's roots (globals): reported to mark-alive.
    pub roots: parking_lot::Mutex<Vec<ObjRef>>,
}

// SAFETY: counts are exact (every `next`/`prev`, the builder's handles and the roots are
// counted), trace reports both edges (every reference a node holds, as CLEAR_SKIPS_GARBAGE
// requires), clear drops both but those to collector-held nodes, destroy touches nothing else
// (rules 1–8).
unsafe impl VmBinding for RingVm {
    // clear only decrements counts and runs no VM code: safe on GC workers.
    const CLEAR_ON_WORKERS: bool = true;
    // trace reports exactly the counted references, so clear may skip garbage children: a
    // ring of garbage is freed without a single count update.
    const CLEAR_SKIPS_GARBAGE: bool = true;
    fn refcount(&self, o: ObjRef) -> usize {
        node(o).rc.load(Ordering::Relaxed)
    }
    #[inline(always)]
    fn trace<T: Tracer>(&self, o: ObjRef, t: &mut T) {
        let n = node(o);
        if let Some(c) = n.next {
            t.edge(c);
        }
        if let Some(c) = n.prev {
            t.edge(c);
        }
    }
    fn clear(&self, o: ObjRef) {
        let n = node(o);
        for c in [n.next.take(), n.prev.take()].into_iter().flatten() {
            // Garbage children are freed with this node: no count to drop. (A live child
            // would get a real decref, and free itself at zero: none here.)
            if !c.is_collector_held() {
                node(c).rc.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
    fn scan_roots<T: Tracer>(&self, t: &mut T) {
        self.roots.lock().iter().for_each(|&r| t.edge(r));
    }
    fn destroy(&self, _o: ObjRef) {}
}

fn new_node(m: &Mutator<RingVm>) -> ObjRef {
    let o = m.alloc(std::mem::size_of::<Node>(), false).unwrap();
    // SAFETY: fresh allocation big enough for a Node.
    unsafe {
        (o.as_ptr() as *mut Node).write(Node {
            rc: AtomicUsize::new(0),
            next: None,
            prev: None,
        })
    };
    o
}

/// `objects / 20` rings of 20 nodes, all garbage (no handle is kept).
pub fn build_rings(m: &Mutator<RingVm>, objects: usize) {
    for _ in 0..objects / 20 {
        let nodes: Vec<ObjRef> = (0..20).map(|_| new_node(m)).collect();
        for i in 0..20 {
            let (n, p) = (nodes[(i + 1) % 20], nodes[(i + 19) % 20]);
            node(nodes[i]).next = Some(n);
            node(nodes[i]).prev = Some(p);
            node(n).rc.fetch_add(1, Ordering::Relaxed);
            node(p).rc.fetch_add(1, Ordering::Relaxed);
            m.runtime().track(nodes[i]);
        }
    }
}

/// A binary tree of `objects` nodes (node `i`'s children are `2i+1` and `2i+2`, allocated in
/// that order), its root held as a VM root: all live.
pub fn build_tree(m: &Mutator<RingVm>, objects: usize) -> ObjRef {
    let nodes: Vec<ObjRef> = (0..objects).map(|_| new_node(m)).collect();
    for i in 0..objects {
        for (k, c) in [2 * i + 1, 2 * i + 2].into_iter().enumerate() {
            if c < objects {
                let slot = if k == 0 {
                    &mut node(nodes[i]).next
                } else {
                    &mut node(nodes[i]).prev
                };
                *slot = Some(nodes[c]);
                node(nodes[c]).rc.fetch_add(1, Ordering::Relaxed);
            }
        }
        m.runtime().track(nodes[i]);
    }
    // The root list holds a counted reference.
    node(nodes[0]).rc.fetch_add(1, Ordering::Relaxed);
    m.runtime().binding().roots.lock().push(nodes[0]);
    nodes[0]
}

/// Time 7 collections of what `build` makes (rebuilt before each, untimed) with each worker
/// count, and print the median and the phases of the last one. `build` returns the number
/// of objects the collection must free.
pub fn measure(
    label: &str,
    objects: usize,
    workers: &[usize],
    build: impl Fn(&Mutator<RingVm>) -> usize,
) {
    for &w in workers {
        let rt = GcRuntime::new(
            RingVm::default(),
            GcConfig::default().with_workers(w).with_enabled(false),
        );
        let m = rt.register_mutator("main");
        let mut times = Vec::new();
        for _ in 0..7 {
            let expect = build(&m);
            let t = Instant::now();
            let n = m.collect();
            times.push(t.elapsed());
            assert_eq!(n, expect);
        }
        times.sort();
        let med = times[times.len() / 2];
        let rec = rt.last_record().unwrap();
        let phases: Vec<String> = rec
            .phases
            .iter()
            .map(|p| format!("{} {:.2}ms", p.phase.as_str(), p.duration_ns as f64 / 1e6))
            .collect();
        if std::env::var("RINGS_WORKERS_DETAIL").is_ok() {
            for ws in &rec.worker_stats {
                let spans: Vec<String> = ws
                    .spans
                    .iter()
                    .map(|s| {
                        format!(
                            "{} @{:.2} {:.2}ms",
                            s.phase.as_str(),
                            s.start_ns as f64 / 1e6,
                            s.duration_ns as f64 / 1e6
                        )
                    })
                    .collect();
                println!(
                    "  worker {}: traced {} steals {}: {}",
                    ws.worker,
                    ws.objects_traced,
                    ws.steals,
                    spans.join(", ")
                );
            }
        }
        println!(
            "{label} {objects} workers {w}: median {:.2} ms = {:.1} ns/object (stopped {:.2} ms); {}",
            med.as_secs_f64() * 1e3,
            med.as_nanos() as f64 / objects as f64,
            rec.stopped_ns as f64 / 1e6,
            phases.join(", ")
        );
    }
}

/// `[objects] [workers...]` from the command line (defaults: 1M objects, workers 1 and 2).
pub fn args() -> (usize, Vec<usize>) {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let objects = args.first().copied().unwrap_or(1_000_000);
    let workers = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        vec![1, 2]
    };
    (objects, workers)
}
