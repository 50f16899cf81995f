//! A binding with `CLEAR_SKIPS_GARBAGE`: `clear` decrements only children that are not
//! collector-held. Random graphs, at several worker counts, against an independent oracle
//! (reachability from the test's handles): exactly the unreachable nodes are destroyed, each
//! once, and every survivor's count is exactly its handles plus its edges from survivors (so
//! edges from garbage into live objects were dropped, and no others).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use gc_core::{GcConfig, GcRuntime, Mutator, ObjRef, Tracer, VmBinding};
use parking_lot::Mutex;
use rand::{Rng, SeedableRng};

struct Node {
    id: usize,
    rc: AtomicUsize,
    edges: Mutex<Vec<ObjRef>>,
}

fn node<'a>(o: ObjRef) -> &'a Node {
    // SAFETY: every object of this binding is a Node written right after allocation, and the
    // collector only hands back objects it has not destroyed.
    unsafe { &*(o.as_ptr() as *const Node) }
}

#[derive(Default)]
struct SkipVm {
    destroyed: Mutex<Vec<usize>>,
    /// Reported to mark-alive (each also counted, rule 1).
    roots: Mutex<Vec<ObjRef>>,
    clears: AtomicUsize,
}

// SAFETY: counts are exact (edges and the test's handles, all counted), trace reports each
// edge once, clear drops every edge to an object that is not collector-held, destroy only
// drops the payload, and the methods used on workers only read atomics or, with the world
// stopped, an uncontended lock (rules 1–8).
unsafe impl VmBinding for SkipVm {
    const CLEAR_ON_WORKERS: bool = true;
    const CLEAR_SKIPS_GARBAGE: bool = true;

    fn refcount(&self, o: ObjRef) -> usize {
        node(o).rc.load(Ordering::Relaxed)
    }

    fn trace<T: Tracer>(&self, o: ObjRef, t: &mut T) {
        for &c in node(o).edges.lock().iter() {
            t.edge(c);
        }
    }

    fn scan_roots<T: Tracer>(&self, t: &mut T) {
        for &r in self.roots.lock().iter() {
            t.edge(r);
        }
    }

    fn clear(&self, o: ObjRef) {
        self.clears.fetch_add(1, Ordering::Relaxed);
        let edges = std::mem::take(&mut *node(o).edges.lock());
        for c in edges {
            if !c.is_collector_held() {
                // No survivor reaches zero here: the test holds a handle or a live edge.
                node(c).rc.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    fn destroy(&self, o: ObjRef) {
        self.destroyed.lock().push(node(o).id);
        // SAFETY: destroyed once, after every clear; the payload is a Node.
        unsafe { std::ptr::drop_in_place(o.as_ptr() as *mut Node) };
    }
}

fn alloc(m: &Mutator<SkipVm>, id: usize) -> ObjRef {
    let o = m.alloc(std::mem::size_of::<Node>(), false).unwrap();
    // SAFETY: a fresh allocation big enough for a Node.
    unsafe {
        (o.as_ptr() as *mut Node).write(Node {
            id,
            rc: AtomicUsize::new(0),
            edges: Mutex::new(Vec::new()),
        })
    };
    m.runtime().track(o);
    o
}

/// One random graph: `n` nodes, up to 3 edges each (cycles and self-edges included), about
/// one node in `handle_every` held by a handle (a VM root if `rooted`: then every live node is
/// marked alive and the garbage is exactly the candidates, so only the garbage that points at
/// live nodes is cleared). Collect, then check against the oracle.
fn check(workers: usize, seed: u64, n: usize, handle_every: usize, rooted: bool) {
    check_with(workers, seed, n, handle_every, rooted, false)
}

/// `deferred`: memory comes back through crossbeam-epoch (each worker defers its slices).
fn check_with(
    workers: usize,
    seed: u64,
    n: usize,
    handle_every: usize,
    rooted: bool,
    deferred: bool,
) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let rt = GcRuntime::new(
        SkipVm::default(),
        GcConfig::default()
            .with_workers(workers)
            .with_parallel_min_objects(0)
            .with_deferred_reclamation(deferred)
            .with_enabled(false),
    );
    let m = rt.register_mutator("main");
    let nodes: Vec<ObjRef> = (0..n).map(|i| alloc(&m, i)).collect();
    let mut edges = vec![Vec::new(); n];
    for (i, out) in edges.iter_mut().enumerate() {
        for _ in 0..rng.random_range(0..=3) {
            // Mostly near (rings and chains), sometimes anywhere.
            let j = if rng.random_bool(0.8) {
                (i + rng.random_range(0..8)) % n
            } else {
                rng.random_range(0..n)
            };
            out.push(j);
            node(nodes[i]).edges.lock().push(nodes[j]);
            node(nodes[j]).rc.fetch_add(1, Ordering::Relaxed);
        }
    }
    let handles: Vec<usize> = (0..n)
        .filter(|_| rng.random_range(0..handle_every) == 0)
        .collect();
    for &h in &handles {
        node(nodes[h]).rc.fetch_add(1, Ordering::Relaxed);
        if rooted {
            rt.binding().roots.lock().push(nodes[h]);
        }
    }
    // Oracle: reachable from the handles.
    let mut live = HashSet::new();
    let mut stack = handles.clone();
    while let Some(i) = stack.pop() {
        if live.insert(i) {
            stack.extend(edges[i].iter().copied());
        }
    }
    let collected = m.collect();
    let ctx = format!("workers={workers} seed={seed} n={n} rooted={rooted} deferred={deferred}");
    assert_eq!(collected, n - live.len(), "{ctx}");
    let destroyed = rt.binding().destroyed.lock().clone();
    assert_eq!(destroyed.len(), n - live.len(), "{ctx}: destroyed twice?");
    let destroyed: HashSet<usize> = destroyed.into_iter().collect();
    let expect: HashSet<usize> = (0..n).filter(|i| !live.contains(i)).collect();
    assert_eq!(destroyed, expect, "{ctx}");
    // Survivors: handles plus edges from survivors, nothing more, nothing less.
    let mut want: HashMap<usize, usize> = live.iter().map(|&i| (i, 0)).collect();
    for &h in &handles {
        *want.get_mut(&h).unwrap() += 1;
    }
    for &i in &live {
        for &j in &edges[i] {
            *want.get_mut(&j).unwrap() += 1;
        }
    }
    for (&i, &rc) in &want {
        assert_eq!(
            node(nodes[i]).rc.load(Ordering::Relaxed),
            rc,
            "{ctx}: node {i}"
        );
        assert!(!nodes[i].is_collector_held(), "{ctx}: node {i}");
    }
    assert!(rt.violations().is_empty(), "{ctx}: {:?}", rt.violations());
    if rooted {
        // Only garbage with an edge to a live node needed its clear.
        let pointing_out = (0..n)
            .filter(|i| !live.contains(i) && edges[*i].iter().any(|j| live.contains(j)))
            .count();
        assert_eq!(
            rt.binding().clears.load(Ordering::Relaxed),
            pointing_out,
            "{ctx}"
        );
    }
    // Drop the handles: everything left is garbage now.
    rt.binding().roots.lock().clear();
    for &h in &handles {
        node(nodes[h]).rc.fetch_sub(1, Ordering::Relaxed);
    }
    assert_eq!(m.collect(), live.len(), "{ctx}");
    if deferred {
        // Pinning and flushing moves the epoch on and runs the deferred frees.
        for _ in 0..10_000 {
            if rt.heap_stats().live_objects == 0 {
                break;
            }
            crossbeam_epoch::pin().flush();
        }
    }
    assert_eq!(rt.heap_stats().live_objects, 0, "{ctx}");
}

#[test]
fn random_graphs_match_the_oracle_at_every_worker_count() {
    for workers in [1, 2, 4, 8] {
        for seed in 0..12 {
            let n = 300 + 97 * seed as usize;
            check(workers, seed, n, 2 + seed as usize % 5, false);
            check(workers, seed, n, 2 + seed as usize % 5, true);
        }
    }
}

#[test]
fn random_graphs_with_deferred_reclamation() {
    // Every worker destroys its slices and defers their memory itself.
    for workers in [1, 2, 4] {
        for seed in 0..6 {
            let n = 500 + 131 * seed as usize;
            check_with(workers, seed, n, 3, seed % 2 == 0, true);
        }
        // Several slices of garbage (4096 objects each), so several workers defer.
        check_with(workers, 7, 30_000, 5, false, true);
    }
}

#[test]
fn large_random_graph_on_workers() {
    // Big enough for the parallel paths (pages split over workers, spilled subtractions).
    for workers in [1, 4] {
        check(workers, 99, 60_000, 40, false);
        check(workers, 99, 60_000, 40, true);
    }
}
