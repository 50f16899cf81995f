//! Collector semantics, ported from CPython's `test_gc` and `test_finalization` (PEP 442),
//! through the test binding: cycles, finalizers (once, resurrection, self-breaking, creating
//! garbage), weakref callbacks, start/stop callbacks and stats, save-garbage, freeze,
//! `collect()` from a finalizer, and the automatic / stress triggers.

mod support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use gc_core::{CallbackPhase, GcConfig, GcRuntime, Mutator, TriggerReason};
use parking_lot::Mutex;
use support::*;

/// Worker counts most tests run at.
const WORKERS: [usize; 2] = [1, 4];

fn set(ids: &[u64]) -> HashSet<u64> {
    ids.iter().copied().collect()
}

/// A global the finalizers can store strong references in (like a module-level list).
type Global = Arc<Mutex<Vec<Handle>>>;

fn global() -> Global {
    Arc::new(Mutex::new(Vec::new()))
}

// ---------------------------------------------------------------- cycles (test_gc) ----

#[test]
fn self_cycle() {
    for w in WORKERS {
        let (rt, m) = world(w);
        let a = new_node(&m, 1);
        a.link(&a);
        drop(a);
        assert_eq!(m.collect(), 1);
        assert_eq!(rt.binding().destroyed_set(), set(&[1]));
        assert_eq!(m.collect(), 0);
    }
}

#[test]
fn two_node_cycle() {
    for w in WORKERS {
        let (rt, m) = world(w);
        let hs = cycle(&m, &[1, 2]);
        drop(hs);
        assert_eq!(m.collect(), 2);
        assert_eq!(rt.binding().destroyed_set(), set(&[1, 2]));
    }
}

#[test]
fn cycle_through_a_container() {
    // test_instance / test_dict: instance -> dict -> instance; the dict also holds items that
    // are not on the cycle and die with it (they are tracked, so they count as collected).
    for w in WORKERS {
        let (rt, m) = world(w);
        let inst = new_node(&m, 1);
        let dict = new_node(&m, 2);
        inst.link(&dict);
        dict.link(&inst);
        for id in 3..6 {
            let item = new_node(&m, id);
            dict.link(&item);
        }
        // test_list: a list containing itself twice, plus an item.
        let list = new_node(&m, 10);
        list.link(&list);
        list.link(&list);
        let item = new_node(&m, 11);
        list.link(&item);
        drop(item);
        drop((inst, dict, list));
        assert_eq!(m.collect(), 7);
        assert_eq!(rt.binding().destroyed_set(), set(&[1, 2, 3, 4, 5, 10, 11]));
    }
}

#[test]
fn live_container_keeps_its_cycle() {
    for w in WORKERS {
        let (rt, m) = world(w);
        let hs = cycle(&m, &[1, 2, 3]);
        let holder = new_node(&m, 4);
        holder.link(&hs[1]);
        drop(hs);
        assert_eq!(m.collect(), 0);
        assert!(rt.binding().destroyed_set().is_empty());
        assert_eq!(holder.children()[0].edge_ids(), vec![3]);
        drop(holder);
        assert_eq!(m.collect(), 3);
        assert_eq!(rt.binding().destroyed_set(), set(&[1, 2, 3, 4]));
    }
}

#[test]
fn untracked_objects_are_not_collected() {
    // gc.is_tracked: an untracked object is no candidate, so neither it nor what it holds is
    // collected; tracking it again makes the cycle collectable.
    let (rt, m) = world(2);
    let hs = cycle(&m, &[1, 2]);
    rt.untrack(hs[0].obj);
    assert!(!hs[0].obj.is_tracked());
    let objs: Vec<_> = hs.iter().map(|h| h.obj).collect();
    drop(hs);
    assert_eq!(m.collect(), 0);
    assert!(rt.binding().destroyed_set().is_empty());
    rt.track(objs[0]);
    assert_eq!(m.collect(), 2);
    assert_eq!(rt.binding().destroyed_set(), set(&[1, 2]));
}

// ------------------------------------------------------- finalizers (test_finalization) ----

#[test]
fn finalizer_runs_exactly_once_across_collections() {
    for w in WORKERS {
        let (rt, m) = world(w);
        // A cycle whose finalizer resurrects it (SelfCycleResurrector).
        let g = global();
        let hs = cycle(&m, &[1, 2]);
        let gg = g.clone();
        hs[0].set_finalizer(move |rt, obj| gg.lock().push(Handle::from_obj(rt, obj)));
        // A plain cycle with finalizers on both nodes (SelfCycleBase with __del__).
        let plain = cycle(&m, &[3, 4]);
        let calls = Arc::new(AtomicUsize::new(0));
        for h in &plain {
            let c = calls.clone();
            h.set_finalizer(move |_, _| {
                c.fetch_add(1, Ordering::SeqCst);
            });
        }
        drop((hs, plain));

        assert_eq!(m.collect(), 2, "workers={w}: only the plain cycle is freed");
        assert_eq!(rt.binding().destroyed_set(), set(&[3, 4]));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        let mut fin = rt.binding().finalized.lock().clone();
        fin.sort_unstable();
        assert_eq!(fin, vec![1, 3, 4]);
        assert_eq!(rt.stats().resurrected, 2);
        assert_eq!(g.lock().len(), 1);
        assert_eq!(
            g.lock()[0].edge_ids(),
            vec![2],
            "resurrected node was cleared"
        );

        // Still reachable from the global: nothing happens, the finalizer does not run again.
        assert_eq!(m.collect(), 0);
        // Unreachable again: freed without a second finalizer call.
        g.lock().clear();
        assert_eq!(m.collect(), 2);
        assert_eq!(rt.binding().destroyed_set(), set(&[1, 2, 3, 4]));
        assert_eq!(
            rt.binding().finalized.lock().len(),
            3,
            "a finalizer ran twice"
        );
        assert!(rt.violations().is_empty());
    }
}

#[test]
fn non_cyclic_resurrection() {
    // A garbage object that is not on a cycle (hanging off one) resurrects itself: it and what
    // it holds survive uncleared; the cycle is freed.
    for w in WORKERS {
        let (rt, m) = world(w);
        let g = global();
        let hs = cycle(&m, &[1, 2]);
        let c = new_node(&m, 3);
        let d = new_node(&m, 4);
        hs[0].link(&c);
        c.link(&d);
        let gg = g.clone();
        c.set_finalizer(move |rt, obj| gg.lock().push(Handle::from_obj(rt, obj)));
        drop((hs, c, d));

        assert_eq!(m.collect(), 2);
        assert_eq!(rt.binding().destroyed_set(), set(&[1, 2]));
        assert_eq!(*rt.binding().finalized.lock(), vec![3]);
        let rec = rt.last_record().unwrap();
        assert_eq!((rec.collected, rec.resurrected, rec.finalized), (2, 2, 1));
        {
            let gl = g.lock();
            assert_eq!(gl[0].id(), 3);
            assert_eq!(gl[0].edge_ids(), vec![4], "resurrected object was cleared");
            assert_eq!(
                gl[0].refcount(),
                1,
                "the freed cycle still holds a reference"
            );
        }
        // Dropping the only reference frees it by refcount, without running the finalizer.
        g.lock().clear();
        assert_eq!(rt.binding().destroyed_set(), set(&[1, 2, 3, 4]));
        assert_eq!(m.collect(), 0);
        assert_eq!(rt.binding().finalized.lock().len(), 1);
    }
}

#[test]
fn cyclic_resurrection_is_transitive() {
    // One node of a cycle is stored in a global by its finalizer: the whole cycle and what it
    // holds survive, and nothing in it was cleared.
    for w in WORKERS {
        let (rt, m) = world(w);
        let g = global();
        let hs = cycle(&m, &[1, 2, 3]);
        let leaf = new_node(&m, 4);
        hs[2].link(&leaf);
        drop(leaf);
        let calls = Arc::new(AtomicUsize::new(0));
        for (i, h) in hs.iter().enumerate() {
            let c = calls.clone();
            let gg = g.clone();
            h.set_finalizer(move |rt, obj| {
                c.fetch_add(1, Ordering::SeqCst);
                if i == 1 {
                    gg.lock().push(Handle::from_obj(rt, obj));
                }
            });
        }
        drop(hs);

        assert_eq!(m.collect(), 0, "workers={w}");
        assert!(rt.binding().destroyed_set().is_empty());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            3,
            "every finalizer of the cycle runs"
        );
        assert_eq!(rt.last_record().unwrap().resurrected, 4);
        {
            // Walk the cycle from the resurrected node: every edge is still there.
            let gl = g.lock();
            let b = &gl[0];
            assert_eq!(b.id(), 2);
            let c = b.children().pop().unwrap();
            assert_eq!(c.id(), 3);
            assert_eq!(c.edge_ids(), vec![1, 4]);
            let a = c.children().into_iter().find(|h| h.id() == 1).unwrap();
            assert_eq!(a.edge_ids(), vec![2]);
        }
        assert_eq!(m.collect(), 0);
        g.lock().clear();
        assert_eq!(m.collect(), 4);
        assert_eq!(rt.binding().destroyed_set(), set(&[1, 2, 3, 4]));
        assert_eq!(calls.load(Ordering::SeqCst), 3, "a finalizer ran twice");
    }
}

#[test]
fn cycle_broken_by_its_own_finalizer() {
    for w in WORKERS {
        let (rt, m) = world(w);
        let hs = cycle(&m, &[1, 2]);
        hs[0].set_finalizer(|rt, obj| {
            let me = Handle::from_obj(rt, obj);
            for child in me.children() {
                me.unlink(&child);
            }
        });
        drop(hs);
        assert_eq!(m.collect(), 2);
        assert_eq!(rt.binding().destroyed_set(), set(&[1, 2]));
        assert!(rt.violations().is_empty(), "{:?}", rt.violations());
        assert_eq!(rt.heap_stats().live_objects, 0);
    }
}

#[test]
fn finalizer_creating_new_garbage_is_collected_later() {
    for w in WORKERS {
        let (rt, m) = world(w);
        let _cur = CurrentMutator::set(&m);
        let hs = cycle(&m, &[1, 2]);
        hs[0].set_finalizer(|_, _| {
            with_current_mutator(|m| {
                // New cyclic garbage, allocated while the collection is running.
                drop(cycle(m, &[100, 101]));
            })
        });
        drop(hs);
        assert_eq!(m.collect(), 2);
        assert_eq!(rt.binding().destroyed_set(), set(&[1, 2]));
        assert_eq!(m.collect(), 2);
        assert_eq!(rt.binding().destroyed_set(), set(&[1, 2, 100, 101]));
        assert_eq!(rt.binding().finalized.lock().len(), 1);
        assert_eq!(rt.heap_stats().live_objects, 0);
    }
}

#[test]
fn collect_inside_a_finalizer_returns_zero() {
    for w in [1, 2] {
        let (rt, m) = world(w);
        let _cur = CurrentMutator::set(&m);
        let inner = Arc::new(Mutex::new(Vec::new()));
        let hs = cycle(&m, &[1, 2]);
        let i2 = inner.clone();
        hs[0].set_finalizer(move |_, _| {
            i2.lock().push(with_current_mutator(|m| {
                assert!(m.is_collecting());
                m.collect()
            }));
        });
        // Garbage the nested call could (wrongly) collect.
        drop(cycle(&m, &[3, 4]));
        drop(hs);
        assert_eq!(m.collect(), 4);
        assert_eq!(*inner.lock(), vec![0]);
        assert_eq!(rt.stats().collections, 1);
        assert!(!m.is_collecting());
        assert_eq!(m.collect(), 0);
    }
}

// ----------------------------------------------------------------------- weakrefs ----

#[test]
fn weakref_callback_sees_cleared_referent() {
    // test_bug1055820b: a live weakref to cyclic trash: its callback runs once, and the
    // referent is already unreachable through it.
    for w in WORKERS {
        let (rt, m) = world(w);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let hs = cycle(&m, &[1, 2]);
        let s2 = seen.clone();
        let wr = new_weakref(
            &m,
            10,
            &hs[0],
            Some(Box::new(move |_, w: &Handle| {
                s2.lock().push(w.weak_get().is_none());
            })),
        );
        // A weakref to a live object: never fires, stays valid.
        let live = new_node(&m, 20);
        let s3 = seen.clone();
        let wl = new_weakref(
            &m,
            21,
            &live,
            Some(Box::new(move |_, _: &Handle| s3.lock().push(false))),
        );
        assert_eq!(wr.weak_get().unwrap().id(), 1);
        drop(hs);
        assert_eq!(m.collect(), 2);
        assert_eq!(*seen.lock(), vec![true]);
        assert!(wr.weak_get().is_none());
        assert_eq!(wl.weak_get().unwrap().id(), 20);
        assert_eq!(rt.last_record().unwrap().weakref_callbacks, 1);
        assert_eq!(m.collect(), 0);
        assert_eq!(seen.lock().len(), 1, "callback ran twice");
        assert_eq!(rt.binding().destroyed_set(), set(&[1, 2]));
    }
}

#[test]
fn weakref_callbacks_run_before_finalizers() {
    let (_rt, m) = world(2);
    let order = Arc::new(Mutex::new(Vec::new()));
    let hs = cycle(&m, &[1, 2]);
    let o1 = order.clone();
    hs[0].set_finalizer(move |_, _| o1.lock().push("finalizer"));
    let o2 = order.clone();
    let _w = new_weakref(
        &m,
        10,
        &hs[1],
        Some(Box::new(move |_, _: &Handle| o2.lock().push("callback"))),
    );
    drop(hs);
    assert_eq!(m.collect(), 2);
    assert_eq!(*order.lock(), vec!["callback", "finalizer"]);
}

#[test]
fn weakref_to_resurrected_object_stays_cleared() {
    // PEP 442: weakrefs are cleared before finalizers run, even if the object is resurrected.
    let (rt, m) = world(2);
    let g = global();
    let hs = cycle(&m, &[1, 2]);
    let gg = g.clone();
    hs[0].set_finalizer(move |rt, obj| gg.lock().push(Handle::from_obj(rt, obj)));
    let wr = new_weakref(&m, 10, &hs[0], None);
    drop(hs);
    assert_eq!(m.collect(), 0);
    assert!(wr.weak_get().is_none());
    assert_eq!(g.lock()[0].id(), 1);
    g.lock().clear();
    assert_eq!(m.collect(), 2);
    assert_eq!(rt.binding().destroyed_set(), set(&[1, 2]));
}

#[test]
fn weakref_in_the_garbage_never_fires() {
    // test_bug1055820c-ish: the weakref itself is part of the cyclic trash.
    for w in WORKERS {
        let (rt, m) = world(w);
        let fired = Arc::new(AtomicUsize::new(0));
        let hs = cycle(&m, &[1, 2]);
        let f2 = fired.clone();
        let wr = new_weakref(
            &m,
            10,
            &hs[0],
            Some(Box::new(move |_, _: &Handle| {
                f2.fetch_add(1, Ordering::SeqCst);
            })),
        );
        hs[0].link(&wr);
        // A second weakref in the trash, to an object outside it that dies later.
        let outside = new_node(&m, 20);
        let f3 = fired.clone();
        let wr2 = new_weakref(
            &m,
            21,
            &outside,
            Some(Box::new(move |_, _: &Handle| {
                f3.fetch_add(1, Ordering::SeqCst);
            })),
        );
        hs[1].link(&wr2);
        drop((hs, wr, wr2));
        assert_eq!(m.collect(), 4);
        assert_eq!(fired.load(Ordering::SeqCst), 0);
        assert_eq!(rt.last_record().unwrap().weakref_callbacks, 0);
        drop(outside);
        assert_eq!(fired.load(Ordering::SeqCst), 0);
        assert_eq!(rt.binding().destroyed_set(), set(&[1, 2, 10, 20, 21]));
    }
}

// ------------------------------------------------------ callbacks, stats, controls ----

#[test]
fn start_stop_callbacks_and_stats() {
    let (rt, m) = world(2);
    let events = Arc::new(Mutex::new(Vec::new()));
    let e2 = events.clone();
    rt.add_callback(move |phase, info| {
        e2.lock()
            .push((phase, info.generation, info.collected, info.uncollectable))
    });
    for i in 0..3 {
        drop(cycle(&m, &[i * 2, i * 2 + 1]));
    }
    assert_eq!(m.collect(), 6);
    assert_eq!(
        *events.lock(),
        vec![
            (CallbackPhase::Start, 2, 0, 0),
            (CallbackPhase::Stop, 2, 6, 0)
        ]
    );
    let st = rt.stats();
    assert_eq!((st.collections, st.collected, st.uncollectable), (1, 6, 0));
    assert_eq!(rt.last_record().unwrap().reason, TriggerReason::Manual);

    // Uncollectable: garbage kept by save-garbage mode.
    rt.set_save_garbage(true);
    drop(cycle(&m, &[10, 11]));
    events.lock().clear();
    assert_eq!(m.collect(), 0);
    assert_eq!(
        *events.lock(),
        vec![
            (CallbackPhase::Start, 2, 0, 0),
            (CallbackPhase::Stop, 2, 0, 2)
        ]
    );
    let st = rt.stats();
    assert_eq!((st.collections, st.collected, st.uncollectable), (2, 6, 2));
    assert_eq!(rt.records().len(), 2);

    rt.clear_callbacks();
    events.lock().clear();
    m.collect();
    assert!(events.lock().is_empty());
    assert_eq!(rt.stats().collections, 3);
}

#[test]
fn save_garbage_keeps_objects() {
    for w in WORKERS {
        let (rt, m) = world(w);
        rt.set_save_garbage(true);
        let hs = cycle(&m, &[1, 2]);
        let c = new_node(&m, 3);
        c.link(&c);
        drop((hs, c));
        assert_eq!(m.collect(), 0);
        let saved = rt.saved_garbage();
        let ids: HashSet<u64> = saved.iter().map(|&o| node(o).id).collect();
        assert_eq!(ids, set(&[1, 2, 3]));
        assert!(rt.binding().destroyed_set().is_empty());
        for &o in &saved {
            assert!(o.is_collector_held());
            // Not cleared: the edges are still there.
            assert_eq!(Handle::from_obj(&rt, o).edge_count(), 1);
        }
        // Saved garbage is not found again, nor freed when the mode is turned off.
        assert_eq!(m.collect(), 0);
        assert_eq!(rt.saved_garbage().len(), 3);
        rt.set_save_garbage(false);
        assert_eq!(m.collect(), 0);
        assert!(rt.binding().destroyed_set().is_empty());
        assert_eq!(rt.stats().uncollectable, 3);
        // New garbage is collected normally again.
        drop(cycle(&m, &[4, 5]));
        assert_eq!(m.collect(), 2);
        assert_eq!(rt.binding().destroyed_set(), set(&[4, 5]));
        // Also when objects with external references make the collection run its scan.
        let keep = cycle(&m, &[6, 7]);
        drop(cycle(&m, &[8, 9]));
        assert_eq!(m.collect(), 2);
        assert_eq!(rt.binding().destroyed_set(), set(&[4, 5, 8, 9]));
        assert_eq!(rt.saved_garbage().len(), 3);
        drop(keep);
        assert_eq!(m.collect(), 2);
    }
}

#[test]
fn freeze_excludes_objects_until_unfreeze() {
    for w in WORKERS {
        let (rt, m) = world(w);
        let hs = cycle(&m, &[1, 2]);
        assert_eq!(rt.freeze(&m), 2);
        assert!(hs[0].obj.is_frozen());
        drop(hs);
        // Created after the freeze: collected as usual.
        drop(cycle(&m, &[3, 4]));
        assert_eq!(m.collect(), 2);
        assert_eq!(rt.binding().destroyed_set(), set(&[3, 4]));
        assert_eq!(m.collect(), 0);
        assert_eq!(rt.unfreeze(&m), 2);
        assert_eq!(m.collect(), 2);
        assert_eq!(rt.binding().destroyed_set(), set(&[1, 2, 3, 4]));
    }
}

#[test]
fn frozen_object_keeps_what_it_references() {
    // A frozen object is not a candidate but its references are real: a non-frozen cycle it
    // holds must survive.
    let (rt, m) = world(2);
    let holder = new_node(&m, 1);
    holder.link(&holder);
    rt.freeze(&m);
    let hs = cycle(&m, &[2, 3]);
    holder.link(&hs[0]);
    drop((holder, hs));
    assert_eq!(m.collect(), 0);
    assert!(rt.binding().destroyed_set().is_empty());
    rt.unfreeze(&m);
    assert_eq!(m.collect(), 3);
}

/// Allocate garbage (2-cycles) and poll after every allocation until a collection happens or
/// `limit` allocations are made; returns the allocations made when it happened.
fn allocs_until_collection(
    rt: &GcRuntime<TestVm>,
    m: &Mutator<TestVm>,
    next_id: &mut u64,
    limit: u64,
) -> Option<u64> {
    let start = rt.stats().collections;
    let mut pending: Option<Handle> = None;
    for i in 1..=limit {
        let h = new_node(m, *next_id);
        *next_id += 1;
        match pending.take() {
            None => pending = Some(h),
            Some(p) => {
                p.link(&h);
                h.link(&p);
            }
        }
        m.poll();
        if rt.stats().collections > start {
            return Some(i);
        }
    }
    None
}

#[test]
fn automatic_collection_within_bounded_allocations() {
    let rt = runtime(config(2));
    let m = rt.register_mutator("main");
    let flush = rt.config().flush_batch as u64;
    let mut id = 0;
    rt.set_threshold(500);
    rt.enable();
    for _ in 0..3 {
        let at =
            allocs_until_collection(&rt, &m, &mut id, 10_000).expect("no automatic collection");
        assert!(
            (500..=500 + flush).contains(&at),
            "collection after {at} allocations (threshold 500, flush batch {flush})"
        );
        assert_eq!(rt.last_record().unwrap().reason, TriggerReason::Allocation);
    }
    // The garbage made so far was freed by those collections (but for the last cycle,
    // possibly made after the collection started).
    assert!(rt.binding().destroyed_set().len() as u64 >= id - 2 - flush);

    // Never when disabled.
    rt.disable();
    let before = rt.stats().collections;
    assert_eq!(allocs_until_collection(&rt, &m, &mut id, 5_000), None);
    assert_eq!(rt.stats().collections, before);
    assert!(rt.young_count() >= 5_000 - flush);
    // Enabled again: the next flushed batch triggers.
    rt.enable();
    let at = allocs_until_collection(&rt, &m, &mut id, 10_000).expect("no collection");
    assert!(at <= flush, "collection after {at} allocations");
    drop(m);
}

#[test]
fn automatic_threshold_grows_with_live_heap() {
    // CPython's rule against quadratic behaviour: the young count must also pass a quarter
    // of what survived the last collection.
    let rt = runtime(config(2));
    let m = rt.register_mutator("main");
    let flush = rt.config().flush_batch as u64;
    let live: Vec<Handle> = (0..8000).map(|i| new_node(&m, i)).collect();
    assert_eq!(m.collect(), 0);
    let mut id = 8000;
    rt.set_threshold(100);
    rt.enable();
    let at = allocs_until_collection(&rt, &m, &mut id, 20_000).expect("no collection");
    assert!(
        (2000..=2000 + flush).contains(&at),
        "collection after {at} allocations, want ~max(100, 8000/4)"
    );
    drop(live);
    drop(m);
}

#[test]
fn stress_knob_collects_every_n_allocations() {
    // flush_batch 1 so the count is exact.
    let rt = runtime(GcConfig {
        flush_batch: 1,
        ..config(2)
    });
    let m = rt.register_mutator("main");
    assert!(
        !rt.is_enabled(),
        "stress works even with automatic collection off"
    );
    rt.set_stress_every(50);
    let mut id = 0;
    for _ in 0..10 {
        let at = allocs_until_collection(&rt, &m, &mut id, 1000).expect("no stress collection");
        assert_eq!(at, 50);
        assert_eq!(rt.last_record().unwrap().reason, TriggerReason::Stress);
    }
    assert_eq!(rt.stats().collections, 10);
    rt.set_stress_every(0);
    assert_eq!(allocs_until_collection(&rt, &m, &mut id, 2000), None);
    drop(m);

    // With the default flush batch, stress collections come at batch granularity.
    let rt = runtime(config(2));
    let m = rt.register_mutator("main");
    let flush = rt.config().flush_batch as u64;
    rt.set_stress_every(10);
    let mut id = 0;
    for _ in 0..5 {
        let at = allocs_until_collection(&rt, &m, &mut id, 1000).expect("no stress collection");
        assert!(at <= flush, "stress collection after {at} allocations");
    }
}

#[test]
fn weakref_made_by_a_finalizer_to_garbage_fires_in_that_collection() {
    // A finalizer creates a new weakref (kept live) to garbage that stays garbage. The
    // weakref is cleared before the object is freed; its callback must run by the time the
    // collection returns, as when CPython's tp_dealloc clears weakrefs of a trash object.
    let (rt, m) = world(2);
    let _cur = CurrentMutator::set(&m);
    let g = global();
    let fired = Arc::new(AtomicUsize::new(0));
    let hs = cycle(&m, &[1, 2]);
    let (gg, f2) = (g.clone(), fired.clone());
    hs[0].set_finalizer(move |rt, obj| {
        let me = Handle::from_obj(rt, obj);
        let f3 = f2.clone();
        let w = with_current_mutator(|m| {
            new_weakref(
                m,
                10,
                &me,
                Some(Box::new(move |_, w: &Handle| {
                    assert!(w.weak_get().is_none());
                    f3.fetch_add(1, Ordering::SeqCst);
                })),
            )
        });
        gg.lock().push(w);
    });
    drop(hs);
    assert_eq!(m.collect(), 2);
    assert_eq!(rt.binding().destroyed_set(), set(&[1, 2]));
    let w = g.lock().pop().unwrap();
    assert!(
        w.weak_get().is_none(),
        "weakref to a freed object not cleared"
    );
    assert_eq!(
        fired.load(Ordering::SeqCst),
        1,
        "callback of a weakref cleared after finalizers did not run in that collection"
    );
    // The weakref is not kept alive by a still-pending callback.
    assert_eq!(w.refcount(), 1);
}

#[test]
fn weakref_made_by_a_finalizer_fires_at_the_latest_in_the_next_collection() {
    // Whatever the timing, the callback runs exactly once (since the fix it runs within the
    // first collection; see the test above).
    let (_rt, m) = world(2);
    let _cur = CurrentMutator::set(&m);
    let g = global();
    let fired = Arc::new(AtomicUsize::new(0));
    let hs = cycle(&m, &[1, 2]);
    let (gg, f2) = (g.clone(), fired.clone());
    hs[0].set_finalizer(move |rt, obj| {
        let me = Handle::from_obj(rt, obj);
        let f3 = f2.clone();
        let w = with_current_mutator(|m| {
            new_weakref(
                m,
                10,
                &me,
                Some(Box::new(move |_, _: &Handle| {
                    f3.fetch_add(1, Ordering::SeqCst);
                })),
            )
        });
        gg.lock().push(w);
    });
    drop(hs);
    assert_eq!(m.collect(), 2);
    let after_first = fired.load(Ordering::SeqCst);
    assert!(after_first <= 1);
    assert_eq!(m.collect(), 0);
    assert_eq!(fired.load(Ordering::SeqCst), 1, "callback never ran");
    m.collect();
    assert_eq!(fired.load(Ordering::SeqCst), 1, "callback ran twice");
    assert_eq!(g.lock()[0].refcount(), 1);
}

#[test]
fn collect_from_a_weakref_callback_or_gc_callback_returns_zero() {
    let (rt, m) = world(2);
    let _cur = CurrentMutator::set(&m);
    let results = Arc::new(Mutex::new(Vec::new()));
    let r1 = results.clone();
    rt.add_callback(move |phase, _| {
        r1.lock()
            .push((format!("{phase:?}"), with_current_mutator(|m| m.collect())));
    });
    let hs = cycle(&m, &[1, 2]);
    let r2 = results.clone();
    let _w = new_weakref(
        &m,
        10,
        &hs[0],
        Some(Box::new(move |_, _: &Handle| {
            r2.lock()
                .push(("weakref".into(), with_current_mutator(|m| m.collect())));
        })),
    );
    drop(hs);
    assert_eq!(m.collect(), 2);
    assert_eq!(
        *results.lock(),
        vec![
            ("Start".to_string(), 0),
            ("weakref".to_string(), 0),
            ("Stop".to_string(), 0)
        ]
    );
    assert_eq!(rt.stats().collections, 1);
}

#[test]
fn automatic_collection_requested_by_another_thread_runs_at_a_poll() {
    // Thread B allocates past the threshold and then blocks detached; the request is served
    // by the next poll of any thread (here: main).
    let rt = runtime(config(2));
    let m = rt.register_mutator("main");
    rt.set_threshold(256);
    rt.enable();
    let rt2 = rt.clone();
    let b = std::thread::spawn(move || {
        let mb = rt2.register_mutator("b");
        for i in 0..150u64 {
            drop(cycle(&mb, &[2 * i, 2 * i + 1]));
        }
        mb.flush();
        // Leave without polling; dropping the mutator detaches and unregisters it.
    });
    m.detached(|| b.join()).unwrap();
    assert_eq!(rt.stats().collections, 0);
    m.poll();
    assert_eq!(rt.stats().collections, 1);
    assert_eq!(rt.last_record().unwrap().reason, TriggerReason::Allocation);
    assert_eq!(rt.binding().destroyed_set().len(), 300);
}
