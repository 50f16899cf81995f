//! A binding with `CLEAR_SKIPS_GARBAGE`: `clear` decrements only children that are not
//! collector-held. Random graphs, at several worker counts, against an independent oracle
//! (reachability from the test's handles): exactly the unreachable nodes are destroyed, each
//! once, and every survivor's count is exactly its handles plus its edges from survivors (so
//! edges from garbage into live objects were dropped, and no others).

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use gc_core::GcRuntime;
use gc_core::{GcConfig, Mutator, ObjRef};
use gc_testkit::checked::{alloc_raw, decref, link_raw, node_in, runtime_with, SkipVm};
use gc_testkit::{oracle, shape};
use rand::{Rng, SeedableRng};

// The binding: gc-testkit's checked flavor with `CLEAR_SKIPS_GARBAGE` and `CLEAR_ON_WORKERS`
// (`SkipVm`): counts are exact (edges and the test's handles, all counted), trace reports each
// edge once, clear drops every edge to an object that is not collector-held and counts its
// calls, destroy logs the id.

fn node<'a>(o: ObjRef) -> &'a gc_testkit::Node<gc_testkit::checked::Checked<true>> {
    node_in::<true>(o)
}

fn alloc(m: &Mutator<SkipVm>, id: usize) -> ObjRef {
    alloc_raw(m, id as u64, 0)
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
    let rt = runtime_with::<true>(
        GcConfig::default()
            .with_workers(workers)
            .with_parallel_min_objects(0)
            .with_deferred_reclamation(deferred)
            .with_enabled(false),
    );
    let m = rt.register_mutator("main");
    let nodes: Vec<ObjRef> = (0..n).map(|i| alloc(&m, i)).collect();
    let edges = shape::random(&mut rng, n);
    for (i, out) in edges.iter().enumerate() {
        for &j in out {
            link_raw::<true>(nodes[i], nodes[j]);
        }
    }
    let handles: Vec<usize> = (0..n)
        .filter(|_| rng.random_range(0..handle_every) == 0)
        .collect();
    for &h in &handles {
        node(nodes[h]).incref_by(1);
        if rooted {
            rt.binding().roots.lock().push(nodes[h]);
        }
    }
    // Oracle: reachable from the handles.
    let live = oracle::reachable_in(&edges, handles.iter().copied());
    // Nodes nobody references die by reference counting, as in a VM (a tracked object with a
    // count of 0 at a collection is a breach, rule 9), with whatever dies with them.
    let by_rc = free_unreferenced(&rt, &nodes);
    let collected = m.collect();
    let ctx = format!("workers={workers} seed={seed} n={n} rooted={rooted} deferred={deferred}");
    assert_eq!(collected, n - live.len() - by_rc.len(), "{ctx}");
    let destroyed = rt.binding().destroyed.lock().clone();
    assert_eq!(destroyed.len(), n - live.len(), "{ctx}: destroyed twice?");
    let destroyed: HashSet<usize> = destroyed.into_iter().map(|id| id as usize).collect();
    let expect: HashSet<usize> = (0..n).filter(|i| !live.contains(i)).collect();
    assert_eq!(destroyed, expect, "{ctx}");
    // Survivors: handles plus edges from survivors, nothing more, nothing less.
    let want = oracle::expected_counts(&edges, &live, &handles);
    for (&i, &rc) in &want {
        assert_eq!(node(nodes[i]).refcount(), rc, "{ctx}: node {i}");
        assert!(!nodes[i].is_collector_held(), "{ctx}: node {i}");
    }
    assert!(rt.violations().is_empty(), "{ctx}: {:?}", rt.violations());
    if rooted {
        // Only garbage with an edge to a live node needed its clear.
        let pointing_out = (0..n)
            .filter(|i| !live.contains(i) && !by_rc.contains(i))
            .filter(|i| edges[*i].iter().any(|j| live.contains(j)))
            .count();
        assert_eq!(
            rt.binding().clears.load(Ordering::Relaxed),
            pointing_out,
            "{ctx}"
        );
    }
    // Drop the handles: everything left is garbage now.
    rt.binding().roots.lock().clear();
    let before = rt.binding().destroyed.lock().len();
    for &h in &handles {
        decref(&rt, nodes[h]);
    }
    let by_rc = rt.binding().destroyed.lock().len() - before;
    assert_eq!(m.collect(), live.len() - by_rc, "{ctx}");
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

/// Free every node whose count is 0 the way the VM does: it reaches zero, so reference
/// counting destroys it and decrements its children (cascading). Returns the indices freed.
fn free_unreferenced(rt: &GcRuntime<SkipVm>, nodes: &[ObjRef]) -> HashSet<usize> {
    let mut freed = HashSet::new();
    for (i, &o) in nodes.iter().enumerate() {
        if freed.contains(&i) || node(o).refcount() != 0 {
            continue;
        }
        let before = rt.binding().destroyed.lock().len();
        node(o).incref_by(1);
        decref(rt, o);
        freed.extend(
            rt.binding().destroyed.lock()[before..]
                .iter()
                .map(|&id| id as usize),
        );
    }
    freed
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
