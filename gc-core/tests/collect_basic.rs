//! Basic collections through the test binding at several worker counts.

mod support;

use support::*;

fn ring(m: &gc_core::Mutator<TestVm>, first_id: u64, n: u64) -> Vec<Handle> {
    let nodes: Vec<Handle> = (0..n).map(|i| new_node(m, first_id + i)).collect();
    for i in 0..n as usize {
        nodes[i].link(&nodes[(i + 1) % n as usize]);
        nodes[(i + 1) % n as usize].link(&nodes[i]);
    }
    nodes
}

#[test]
fn self_cycle_and_two_node_cycle_are_collected() {
    for workers in [1, 2, 4] {
        let rt = runtime(config(workers));
        let m = rt.register_mutator("main");
        let a = new_node(&m, 1);
        a.link(&a);
        let b = new_node(&m, 2);
        let c = new_node(&m, 3);
        b.link(&c);
        c.link(&b);
        drop((a, b, c));
        assert_eq!(m.collect(), 3, "workers={workers}");
        assert_eq!(rt.binding().destroyed_set().len(), 3);
        assert_eq!(rt.heap_stats().live_objects, 0);
    }
}

#[test]
fn live_objects_survive_and_rings_are_freed() {
    for workers in [1, 2, 4, 8] {
        let rt = runtime(config(workers));
        let m = rt.register_mutator("main");
        let keep = ring(&m, 0, 20);
        let mut total = 0;
        for r in 0..100u64 {
            let nodes = ring(&m, 1000 + r * 20, 20);
            drop(nodes);
            total += 20;
        }
        let kept_ids: Vec<u64> = keep.iter().map(|h| h.id()).collect();
        let keep_one = keep[0].clone();
        drop(keep);
        assert_eq!(m.collect(), total, "workers={workers}");
        let destroyed = rt.binding().destroyed_set();
        for id in kept_ids {
            assert!(!destroyed.contains(&id), "live node {id} destroyed");
        }
        drop(keep_one);
        assert_eq!(m.collect(), 20);
        assert_eq!(rt.heap_stats().live_objects, 0);
    }
}

#[test]
fn garbage_waiting_for_its_epoch_is_never_collected_again() {
    // Destroyed garbage whose memory waits for the epoch is still in the heap, with its
    // GARBAGE bit. Later collections, with and without objects that have external references
    // (the scan runs only with those), must leave it alone: destroyed exactly once.
    for workers in [1, 4] {
        let rt = runtime(config(workers).with_deferred_reclamation(true));
        let m = rt.register_mutator("main");
        let guard = crossbeam_epoch::pin();
        drop(ring(&m, 0, 40));
        assert_eq!(m.collect(), 40, "workers={workers}");
        assert_eq!(m.collect(), 0, "workers={workers}");
        let keep = ring(&m, 100, 5);
        drop(ring(&m, 200, 7));
        assert_eq!(m.collect(), 7, "workers={workers}");
        assert_eq!(m.collect(), 0, "workers={workers}");
        drop(guard);
        let destroyed = rt.binding().destroyed.lock().clone();
        assert_eq!(destroyed.len(), 47, "workers={workers}: destroyed twice?");
        assert_eq!(rt.binding().destroyed_set().len(), 47);
        drop(keep);
        assert_eq!(m.collect(), 5, "workers={workers}");
    }
}

#[test]
fn deferred_reclamation_returns_the_memory_once_the_epoch_moves_on() {
    // With `deferred_reclamation` the memory of destroyed garbage is returned through
    // crossbeam-epoch: destroyed at once, its slots freed only after the epoch advances
    // (later collections pin and flush, which moves it on).
    for workers in [1, 4] {
        let rt = runtime(config(workers).with_deferred_reclamation(true));
        let m = rt.register_mutator("main");
        let keep = ring(&m, 0, 10);
        let mut freed = 0;
        for round in 0..50u64 {
            drop(ring(&m, 1000 * (round + 1), 30));
            freed += m.collect();
        }
        assert_eq!(freed, 50 * 30, "workers={workers}");
        assert_eq!(rt.binding().destroyed_set().len(), 50 * 30);
        // More collections (each freeing a 2-node ring, deferred too) pin and flush, which
        // moves the epoch on. Every object of the 30-node rounds must come back; only the
        // small rings of the last few collections may still wait for their epoch.
        let mut pending = rt.heap_stats().live_objects - keep.len();
        for _ in 0..200 {
            if pending < 30 {
                break;
            }
            drop(ring(&m, 1, 2));
            assert_eq!(m.collect(), 2);
            pending = rt.heap_stats().live_objects - keep.len();
        }
        assert!(
            pending < 30,
            "workers={workers}: deferred frees never ran ({pending} objects still in the heap)"
        );
    }
}

#[test]
fn every_worker_reports_its_free_phase_span() {
    // Above the inline threshold (20 000 objects), so the worker gang runs every phase.
    // Worker 0 (the collecting thread) runs every job; a helper that is not running when a job
    // is published skips it (gang.rs, "Late helpers"), so on a loaded machine one collection
    // may lack a helper's span. Collect until the helper has been in both phases at least once.
    let workers = 2;
    let rt = runtime(config(workers));
    let m = rt.register_mutator("main");
    let mut helper_seen = false;
    for attempt in 0..50 {
        for r in 0..1500u64 {
            drop(ring(&m, r * 20, 20));
        }
        assert_eq!(m.collect(), 30_000);
        let rec = rt.last_record().expect("a record");
        assert_eq!(rec.worker_stats.len(), workers);
        let has = |w: usize, phase: gc_core::Phase| {
            rec.worker_stats[w].spans.iter().any(|s| s.phase == phase)
        };
        for phase in [gc_core::Phase::UpdateRefs, gc_core::Phase::Free] {
            assert!(has(0, phase), "worker 0 has no {} span", phase.as_str());
        }
        for ws in &rec.worker_stats {
            let span_sum: u64 = ws.spans.iter().map(|s| s.duration_ns).sum();
            assert_eq!(ws.busy_ns, span_sum, "busy time is the sum of the spans");
        }
        if has(1, gc_core::Phase::UpdateRefs) && has(1, gc_core::Phase::Free) {
            helper_seen = true;
            eprintln!("helper in both phases at attempt {attempt}");
            break;
        }
    }
    assert!(
        helper_seen,
        "in 50 collections the helper never reported both an update_refs and a free span"
    );
}
