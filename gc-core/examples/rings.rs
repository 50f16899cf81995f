//! A complete minimal VM binding and the rings workload: R rings of 20 nodes (`next`/`prev`),
//! all garbage, collected with 1 and 2 (or `--workers`) GC workers.
//!
//! Run: `cargo run --release -p gc-core --example rings -- [objects] [workers...]`

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use gc_core::{GcConfig, GcRuntime, Mutator, ObjRef, Tracer, VmBinding};

/// A ring node: a count and two strong references.
struct Node {
    rc: AtomicUsize,
    next: Option<ObjRef>,
    prev: Option<ObjRef>,
}

fn node<'a>(o: ObjRef) -> &'a mut Node {
    // SAFETY: every object of this VM is a Node written right after allocation; the collector
    // only hands back live objects.
    unsafe { &mut *(o.as_ptr() as *mut Node) }
}

struct RingVm;

// SAFETY: counts are exact (every `next`/`prev` and the builder's handles are counted), trace
// reports both edges, clear drops both, destroy touches nothing else (rules 1–8).
unsafe impl VmBinding for RingVm {
    // clear only decrements counts and runs no VM code: safe on GC workers.
    const CLEAR_ON_WORKERS: bool = true;
    fn refcount(&self, o: ObjRef) -> usize {
        node(o).rc.load(Ordering::Relaxed)
    }
    fn trace<T: Tracer>(&self, o: ObjRef, t: &mut T) {
        let n = node(o);
        n.next.into_iter().chain(n.prev).for_each(|c| t.edge(c));
    }
    fn clear(&self, o: ObjRef) {
        let n = node(o);
        for c in [n.next.take(), n.prev.take()].into_iter().flatten() {
            // Children are collector-held garbage here: just drop the count (rule 6).
            node(c).rc.fetch_sub(1, Ordering::Relaxed);
        }
    }
    fn destroy(&self, _o: ObjRef) {}
}

fn build_rings(m: &Mutator<RingVm>, objects: usize) {
    for _ in 0..objects / 20 {
        let nodes: Vec<ObjRef> = (0..20)
            .map(|_| {
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
            })
            .collect();
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

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let objects = args.first().copied().unwrap_or(1_000_000);
    let workers: Vec<usize> = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        vec![1, 2]
    };
    for &w in &workers {
        let rt = GcRuntime::new(
            RingVm,
            GcConfig::default().with_workers(w).with_enabled(false),
        );
        let m = rt.register_mutator("main");
        let mut times = Vec::new();
        for _ in 0..7 {
            build_rings(&m, objects);
            let t = Instant::now();
            let n = m.collect();
            times.push(t.elapsed());
            assert_eq!(n, objects / 20 * 20);
        }
        times.sort();
        let med = times[times.len() / 2];
        let rec = rt.last_record().unwrap();
        let phases: Vec<String> = rec
            .phases
            .iter()
            .map(|p| format!("{} {:.2}ms", p.phase.as_str(), p.duration_ns as f64 / 1e6))
            .collect();
        println!(
            "rings {objects} workers {w}: median {:.2} ms = {:.1} ns/object (stopped {:.2} ms); {}",
            med.as_secs_f64() * 1e3,
            med.as_nanos() as f64 / objects as f64,
            rec.stopped_ns as f64 / 1e6,
            phases.join(", ")
        );
    }
}
