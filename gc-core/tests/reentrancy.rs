//! Re-entrancy (docs/design.md, "Re-entrancy"): VM code run by a collection (finalizers,
//! weakref callbacks) may call back into the collector, or wait for threads that do, without
//! deadlock. Each scenario runs under a watchdog: a hang fails the test with a message after
//! 60 s instead of hanging CI.
//!
//! The rule the scenarios follow (binding guide, "VM code the collector runs"): a finalizer
//! that blocks (on a lock, a join, a channel) detaches first, like any mutator code.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use parking_lot::Mutex;
use support::*;

const WATCHDOG: Duration = Duration::from_secs(60);

/// Run `f` on its own thread; fail loudly if it has not finished within [`WATCHDOG`] (the
/// stuck thread is left behind: the test binary exits anyway).
fn watchdog(name: &str, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel::<()>();
    let h = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            f();
            let _ = tx.send(());
        })
        .unwrap();
    match rx.recv_timeout(WATCHDOG) {
        Ok(()) => h.join().unwrap(),
        Err(RecvTimeoutError::Disconnected) => {
            if let Err(p) = h.join() {
                std::panic::resume_unwind(p);
            }
        }
        Err(RecvTimeoutError::Timeout) => {
            panic!("{name}: did not finish within {WATCHDOG:?}: deadlock or hang")
        }
    }
}

/// (a) A finalizer calls `collect()`: it returns 0 at once (collections do not nest on one
/// thread), and the outer collection finishes.
#[test]
fn finalizer_calling_collect_returns_at_once() {
    for w in [1, 4] {
        watchdog("nested-collect", move || {
            let (rt, m) = world(w);
            let _cur = CurrentMutator::set(&m);
            let nested = Arc::new(Mutex::new(Vec::new()));
            let hs = cycle(&m, &[1, 2]);
            let n2 = nested.clone();
            hs[0].set_finalizer(move |_, _| {
                n2.lock().push(with_current_mutator(|m| m.collect()));
            });
            drop(hs);
            assert_eq!(m.collect(), 2, "workers={w}");
            assert_eq!(*nested.lock(), vec![0]);
            assert_eq!(rt.heap_stats().live_objects, 0);
            assert!(rt.violations().is_empty());
        });
    }
}

/// How the lock holder of (b) gets a collection going.
#[derive(Clone, Copy, Debug)]
enum Provoke {
    /// Allocates until an automatic (stress) collection triggers at its polls.
    Allocate,
    /// Calls `collect()`.
    Collect,
}

/// (b) A finalizer blocks (detached) on a mutex held by another mutator thread, which before
/// releasing it triggers a collection or calls `collect()` itself.
fn finalizer_blocks_on_a_lock_whose_holder_collects(w: usize, how: Provoke) {
    let (rt, m) = world(w);
    let _cur = CurrentMutator::set(&m);
    let lock = Arc::new(Mutex::new(()));
    let in_finalizer = Arc::new(Barrier::new(2));
    let hs = cycle(&m, &[1, 2]);
    let (l2, b2) = (lock.clone(), in_finalizer.clone());
    hs[0].set_finalizer(move |_, _| {
        with_current_mutator(|m| {
            m.detached(|| b2.wait());
            // Blocking: detached, as any mutator must.
            let g = m.detached(|| l2.lock());
            drop(g);
        });
    });
    drop(hs);
    let (rt2, l3, b3) = (rt.clone(), lock.clone(), in_finalizer.clone());
    let (held_tx, held_rx) = mpsc::channel::<()>();
    let other = std::thread::spawn(move || {
        let m2 = rt2.register_mutator("holder");
        let g = l3.lock();
        held_tx.send(()).unwrap();
        m2.detached(|| b3.wait());
        let own = cycle(&m2, &[10, 11]);
        drop(own);
        let n = match how {
            Provoke::Allocate => {
                rt2.set_stress_every(64);
                for i in 0..2_000u64 {
                    drop(new_node(&m2, 100 + i));
                    m2.poll();
                }
                rt2.set_stress_every(0);
                0
            }
            Provoke::Collect => m2.collect(),
        };
        drop(g);
        n
    });
    held_rx.recv().unwrap();
    let main = m.collect();
    let n = m.detached(|| other.join()).unwrap();
    // Whatever order the two collections ran in, each cycle is freed exactly once.
    let extra = m.collect();
    assert!(main >= 2, "workers={w} {how:?}: main={main}");
    let destroyed = rt.binding().destroyed_set();
    assert!(
        [1, 2, 10, 11].iter().all(|i| destroyed.contains(i)),
        "workers={w} {how:?}: main={main} other={n} extra={extra}"
    );
    assert_eq!(
        rt.binding().destroyed.lock().len(),
        destroyed.len(),
        "double destroy"
    );
    if let Provoke::Collect = how {
        // It ran its own collection, alongside the one running the finalizer.
        assert!(rt.stats().collections >= 2);
    }
    assert_eq!(rt.heap_stats().live_objects, 0);
    assert!(rt.violations().is_empty(), "{:?}", rt.violations());
}

#[test]
fn finalizer_blocked_on_a_lock_whose_holder_triggers_a_collection() {
    for w in [1, 4] {
        watchdog("lock-holder-allocates", move || {
            finalizer_blocks_on_a_lock_whose_holder_collects(w, Provoke::Allocate)
        });
    }
}

#[test]
fn finalizer_blocked_on_a_lock_whose_holder_calls_collect() {
    for w in [1, 4] {
        watchdog("lock-holder-collects", move || {
            finalizer_blocks_on_a_lock_whose_holder_collects(w, Provoke::Collect)
        });
    }
}

/// (c) A finalizer spawns a thread that registers as a mutator, allocates, collects and
/// exits, and joins it (detached: an attached thread blocked in a join would stall the other
/// thread's stop-the-world).
#[test]
fn finalizer_joining_a_thread_that_collects() {
    for w in [1, 4] {
        watchdog("finalizer-joins-collector", move || {
            let (rt, m) = world(w);
            let _cur = CurrentMutator::set(&m);
            let inner = Arc::new(AtomicUsize::new(usize::MAX));
            let hs = cycle(&m, &[1, 2]);
            let i2 = inner.clone();
            hs[0].set_finalizer(move |rt, _| {
                let rt = rt.clone();
                let h = std::thread::spawn(move || {
                    let m2 = rt.register_mutator("spawned");
                    drop(cycle(&m2, &[20, 21, 22]));
                    m2.collect()
                });
                let n = with_current_mutator(|m| m.detached(|| h.join())).unwrap();
                i2.store(n, Ordering::SeqCst);
            });
            drop(hs);
            assert_eq!(m.collect(), 2, "workers={w}");
            // The spawned thread's collection ran alongside and freed its own cycle only
            // (the outer collection's garbage is never a candidate of another collection).
            assert_eq!(inner.load(Ordering::SeqCst), 3, "workers={w}");
            assert_eq!(
                rt.binding().destroyed_set(),
                [1, 2, 20, 21, 22].into_iter().collect()
            );
            assert_eq!(rt.binding().destroyed.lock().len(), 5);
            assert_eq!(rt.heap_stats().live_objects, 0);
            assert!(rt.violations().is_empty(), "{:?}", rt.violations());
        });
    }
}

/// (d) A finalizer calls `freeze()`, `unfreeze()` and `disable()`.
#[test]
fn finalizer_calling_freeze_unfreeze_and_disable() {
    for w in [1, 4] {
        watchdog("finalizer-freezes", move || {
            let (rt, m) = world(w);
            rt.enable();
            let _cur = CurrentMutator::set(&m);
            let keep = new_node(&m, 7);
            let counts = Arc::new(Mutex::new(Vec::new()));
            let ran = Arc::new(AtomicBool::new(false));
            let hs = cycle(&m, &[1, 2]);
            let (c2, r2) = (counts.clone(), ran.clone());
            hs[0].set_finalizer(move |rt, _| {
                with_current_mutator(|m| {
                    // The garbage (held) is never frozen: only `keep` is tracked and live.
                    c2.lock().push(rt.freeze(m));
                    c2.lock().push(rt.unfreeze(m));
                });
                rt.disable();
                r2.store(true, Ordering::SeqCst);
            });
            drop(hs);
            assert_eq!(m.collect(), 2, "workers={w}");
            assert!(ran.load(Ordering::SeqCst));
            assert_eq!(*counts.lock(), vec![1, 1], "workers={w}");
            assert!(!rt.is_enabled());
            // Unfrozen: collectable again.
            drop(keep);
            assert_eq!(rt.heap_stats().live_objects, 0);
            drop(cycle(&m, &[3, 4]));
            assert_eq!(m.collect(), 2);
            assert!(rt.violations().is_empty(), "{:?}", rt.violations());
        });
    }
}

/// A weakref callback may do the same as a finalizer: here it calls `collect()` (returns 0)
/// and joins a thread that collects.
#[test]
fn weakref_callback_joining_a_thread_that_collects() {
    for w in [1, 4] {
        watchdog("callback-joins-collector", move || {
            let (rt, m) = world(w);
            let _cur = CurrentMutator::set(&m);
            let seen = Arc::new(Mutex::new(Vec::new()));
            let hs = cycle(&m, &[1, 2]);
            let s2 = seen.clone();
            let wr = new_weakref(
                &m,
                9,
                &hs[0],
                Some(Box::new(move |rt, _| {
                    let nested = with_current_mutator(|m| m.collect());
                    let rt = rt.clone();
                    let h = std::thread::spawn(move || {
                        let m2 = rt.register_mutator("spawned");
                        drop(cycle(&m2, &[30, 31]));
                        m2.collect()
                    });
                    let n = with_current_mutator(|m| m.detached(|| h.join())).unwrap();
                    s2.lock().push((nested, n));
                })),
            );
            drop(hs);
            assert_eq!(m.collect(), 2, "workers={w}");
            assert_eq!(*seen.lock(), vec![(0, 2)], "workers={w}");
            drop(wr);
            assert_eq!(rt.heap_stats().live_objects, 0);
            assert!(rt.violations().is_empty(), "{:?}", rt.violations());
        });
    }
}

/// Collections overlapping in VM code: several threads make rings whose finalizers detach
/// (so other threads' collections run alongside) and make new garbage, while every thread
/// collects. Every node is destroyed exactly once, nothing live is freed, and the self-check
/// (on in the test config) agrees with every collection.
#[test]
fn overlapping_collections_with_detaching_finalizers() {
    for w in [1, 4] {
        watchdog("overlapping", move || {
            let rt = runtime(config(w));
            let ids = Arc::new(AtomicUsize::new(0));
            let next = |ids: &AtomicUsize| ids.fetch_add(1, Ordering::Relaxed) as u64;
            let threads: Vec<_> = (0..3)
                .map(|t| {
                    let (rt, ids) = (rt.clone(), ids.clone());
                    std::thread::spawn(move || {
                        let m = rt.register_mutator(format!("t{t}"));
                        let _cur = CurrentMutator::set(&m);
                        let keep = cycle(&m, &[next(&ids), next(&ids)]);
                        for i in 0..150 {
                            let ring = cycle(&m, &[next(&ids), next(&ids), next(&ids)]);
                            let ids2 = ids.clone();
                            ring[0].set_finalizer(move |_, _| {
                                with_current_mutator(|m| {
                                    m.detached(std::thread::yield_now);
                                    drop(cycle(m, &[next(&ids2), next(&ids2)]));
                                });
                            });
                            drop(ring);
                            if (i + t) % 3 == 0 {
                                m.collect();
                            }
                        }
                        assert!(keep.iter().all(|h| h.edge_count() == 1));
                    })
                })
                .collect();
            let m = rt.register_mutator("main");
            // Leftover rings' finalizers run here.
            let _cur = CurrentMutator::set(&m);
            for h in threads {
                m.detached(|| h.join()).unwrap();
            }
            // Garbage made by the last finalizers may still be there.
            while m.collect() > 0 {}
            let total = ids.load(Ordering::Relaxed);
            assert_eq!(rt.binding().destroyed.lock().len(), total, "workers={w}");
            assert_eq!(rt.binding().destroyed_set().len(), total, "workers={w}");
            assert_eq!(rt.heap_stats().live_objects, 0);
            assert!(rt.violations().is_empty(), "{:?}", rt.violations());
        });
    }
}

/// The start and stop callbacks (`add_callback`, CPython's `gc.callbacks`) are VM code too:
/// each calls `collect()` (0: collections do not nest on one thread) and joins a thread that
/// collects. They ran under the collection lock before, and the join hung.
#[test]
fn gc_callbacks_joining_a_thread_that_collects() {
    for w in [1, 4] {
        watchdog("gc-callbacks-join-collector", move || {
            let (rt, m) = world(w);
            let _cur = CurrentMutator::set(&m);
            let seen = Arc::new(Mutex::new(Vec::new()));
            let armed = Arc::new(AtomicBool::new(true));
            let (s2, a2) = (seen.clone(), armed.clone());
            // Taken out at the end: the runtime owns its callbacks, so a handle kept in one
            // would be a cycle.
            let rt_slot = Arc::new(Mutex::new(Some(rt.clone())));
            let r2 = rt_slot.clone();
            let me = std::thread::current().id();
            rt.add_callback(move |phase, _| {
                // Only this thread's collections (the spawned ones run the callbacks too).
                if !a2.load(Ordering::SeqCst) || std::thread::current().id() != me {
                    return;
                }
                let nested = with_current_mutator(|m| m.collect());
                let rt = r2
                    .lock()
                    .clone()
                    .expect("runtime handle present while armed");
                let h = std::thread::spawn(move || {
                    let m2 = rt.register_mutator("spawned");
                    drop(cycle(&m2, &[40, 41]));
                    m2.collect()
                });
                let n = with_current_mutator(|m| m.detached(|| h.join())).unwrap();
                s2.lock().push((format!("{phase:?}"), nested, n));
            });
            drop(cycle(&m, &[1, 2, 3]));
            let ours = m.collect();
            armed.store(false, Ordering::SeqCst);
            rt_slot.lock().take();
            let seen = seen.lock().clone();
            let phases: Vec<_> = seen
                .iter()
                .map(|(p, nested, _)| (p.as_str(), *nested))
                .collect();
            assert_eq!(phases, [("Start", 0), ("Stop", 0)], "workers={w}");
            // The thread spawned by the start callback collected alongside, before ours found
            // its garbage: it took our three-node cycle with its own two, or ours did. The one
            // spawned by the stop callback found only its own.
            assert_eq!(ours + seen[0].2, 3 + 2, "workers={w}: {seen:?}");
            assert_eq!(seen[1].2, 2, "workers={w}");
            assert_eq!(
                rt.binding().destroyed_set(),
                [1, 2, 3, 40, 41].into_iter().collect()
            );
            assert_eq!(rt.heap_stats().live_objects, 0);
            assert!(rt.violations().is_empty(), "{:?}", rt.violations());
        });
    }
}
