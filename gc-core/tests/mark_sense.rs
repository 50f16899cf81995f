//! The mark bit's meaning alternates between collections (see `flags::MARKED`): objects that
//! were not marked in a collection (untracked, frozen, resurrected, released) must get the
//! current "not marked" value back before they take part again. Each scenario runs after an
//! even and after an odd number of earlier collections, at 1 and 4 workers, so both values of
//! the bit are exercised.

mod support;

use std::sync::Arc;

use gc_core::{Mutator, Phase};
use parking_lot::Mutex;
use support::*;

/// `n` collections that find nothing.
fn idle_collections(m: &Mutator<TestVm>, n: usize) {
    for _ in 0..n {
        assert_eq!(m.collect(), 0);
    }
}

/// Run `f(workers, earlier_collections)` for both parities and two worker counts.
fn each_parity(f: impl Fn(usize, usize)) {
    for workers in [1, 4] {
        for earlier in 0..4 {
            f(workers, earlier);
        }
    }
}

#[test]
fn object_tracked_again_after_collections_is_a_candidate() {
    each_parity(|w, k| {
        let (rt, m) = world(w);
        idle_collections(&m, k % 2);
        let hs = cycle(&m, &[1, 2]);
        rt.untrack(hs[0].obj);
        let objs: Vec<_> = hs.iter().map(|h| h.obj).collect();
        drop(hs);
        // Untracked through k collections: its mark bit goes stale.
        idle_collections(&m, k);
        rt.track(objs[0]);
        assert_eq!(m.collect(), 2, "workers {w}, {k} collections untracked");
    });
}

#[test]
fn unfrozen_objects_are_candidates_again() {
    each_parity(|w, k| {
        let (rt, m) = world(w);
        idle_collections(&m, k % 2);
        let hs = cycle(&m, &[1, 2]);
        assert_eq!(rt.freeze(&m), 2);
        drop(hs);
        idle_collections(&m, k);
        assert_eq!(rt.unfreeze(&m), 2);
        assert_eq!(m.collect(), 2, "workers {w}, {k} collections frozen");
    });
}

#[test]
fn resurrected_cycle_is_collected_once_dropped() {
    each_parity(|w, k| {
        let (rt, m) = world(w);
        idle_collections(&m, k % 2);
        let keep: Arc<Mutex<Vec<Handle>>> = Arc::default();
        let hs = cycle(&m, &[1, 2]);
        let kk = keep.clone();
        hs[0].set_finalizer(move |rt, obj| kk.lock().push(Handle::from_obj(rt, obj)));
        drop(hs);
        assert_eq!(m.collect(), 0, "the finalizer resurrected the cycle");
        idle_collections(&m, k);
        keep.lock().clear();
        // The finalizer ran already (PEP 442): now it is plain garbage.
        assert_eq!(
            m.collect(),
            2,
            "workers {w}, {k} collections after resurrection"
        );
        assert_eq!(rt.binding().destroyed_set().len(), 2);
    });
}

#[test]
fn survivors_of_many_collections_are_collected_when_dropped() {
    each_parity(|w, k| {
        let (rt, m) = world(w);
        let kept = cycle(&m, &[1, 2, 3]);
        for round in 0..k + 1 {
            drop(cycle(&m, &[100 + round as u64, 200 + round as u64]));
            assert_eq!(m.collect(), 2, "garbage of round {round}");
        }
        drop(kept);
        assert_eq!(
            m.collect(),
            3,
            "workers {w}, survived {} collections",
            k + 1
        );
        assert_eq!(rt.binding().destroyed_set().len(), 3 + 2 * (k + 1));
    });
}

#[test]
fn fully_live_heap_from_roots_then_garbage() {
    // Every object reached from a root: the collector skips the refs pass, mark-reachable
    // and the scan. Dropping the root afterwards must still find the garbage, whatever the
    // parity.
    each_parity(|w, k| {
        let (rt, m) = world(w);
        let hs = cycle(&m, &[1, 2, 3, 4]);
        // A root is a counted reference (rule 1): the handle is its count.
        let root = hs[0].clone();
        rt.binding().roots.lock().push(root.obj);
        drop(hs);
        idle_collections(&m, k + 1);
        let rec = rt.last_record().unwrap();
        assert!(
            rec.phases
                .iter()
                .all(|p| p.phase != Phase::UpdateRefs && p.phase != Phase::ScanGarbage),
            "a fully live heap still ran the refs pass or the scan"
        );
        assert_eq!(rec.visited, 4);
        rt.binding().roots.lock().clear();
        drop(root);
        assert_eq!(m.collect(), 4, "workers {w}, {} live collections", k + 1);
        let rec = rt.last_record().unwrap();
        assert_eq!(rec.collected, 4);
    });
}

#[test]
fn no_candidates_skips_the_scan_and_later_garbage_is_found() {
    // An untracked object in the heap keeps "every object reached" from holding, so the refs
    // pass runs; it finds no candidate, so mark-reachable and the scan are skipped.
    each_parity(|w, k| {
        let (rt, m) = world(w);
        let untracked = new_node(&m, 99);
        rt.untrack(untracked.obj);
        let hs = cycle(&m, &[1, 2, 3]);
        let root = hs[0].clone();
        rt.binding().roots.lock().push(root.obj);
        drop(hs);
        idle_collections(&m, k + 1);
        let rec = rt.last_record().unwrap();
        let ran = |ph: Phase| rec.phases.iter().any(|p| p.phase == ph);
        assert!(ran(Phase::UpdateRefs), "the refs pass must run");
        assert!(!ran(Phase::MarkReachable) && !ran(Phase::ScanGarbage));
        assert_eq!((rec.visited, rec.candidates), (3, 0));
        assert!(rec.heap_bytes_before > 0);
        rt.binding().roots.lock().clear();
        drop(root);
        assert_eq!(m.collect(), 3, "workers {w}, {} collections", k + 1);
        drop(untracked);
    });
}

#[test]
fn pure_garbage_skips_the_scan_and_a_seed_brings_it_back() {
    // The refs pass holds every candidate. Without a candidate with external references no
    // page has a seed: the held candidates are the garbage and the scan is skipped. With one
    // (a cycle held by a handle, not a root), the scan settles what mark-reachable reached.
    each_parity(|w, k| {
        let (rt, m) = world(w);
        idle_collections(&m, k);
        drop(cycle(&m, &[1, 2, 3]));
        assert_eq!(m.collect(), 3, "workers {w}, {k} collections");
        let rec = rt.last_record().unwrap();
        let ran = |ph: Phase| rec.phases.iter().any(|p| p.phase == ph);
        assert!(ran(Phase::UpdateRefs) && !ran(Phase::ScanGarbage));
        assert!(rec.heap_bytes_before > 0);

        let held = cycle(&m, &[4, 5]);
        drop(cycle(&m, &[6, 7, 8]));
        assert_eq!(m.collect(), 3, "workers {w}, {k} collections");
        let rec = rt.last_record().unwrap();
        assert!(rec.phases.iter().any(|p| p.phase == Phase::ScanGarbage));
        let expect: std::collections::HashSet<u64> = [1, 2, 3, 6, 7, 8].into();
        assert_eq!(rt.binding().destroyed_set(), expect);
        // The survivors are ordinary candidates again: found once dropped.
        assert_eq!(m.collect(), 0);
        drop(held);
        assert_eq!(m.collect(), 2, "workers {w}, {k} collections");
    });
}
