//! Collections while other mutator threads run: they build and drop rings, mutate a live
//! ring of their own, poll between steps, and spend time detached (blocked) while a collector
//! thread collects over and over. At the end every ring is freed exactly once, live rings were
//! never touched, and the counts add up. Also: several threads calling `collect()` at once.

mod support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::time::Duration;

use gc_core::{GcRuntime, Mutator};
use support::*;

/// Whole-test watchdog: a deadlock fails the test instead of hanging it.
const DEADLINE: Duration = Duration::from_secs(120);

fn ring(m: &Mutator<TestVm>, ids: &AtomicU64, n: usize, both_ways: bool) -> Vec<Handle> {
    let first = ids.fetch_add(n as u64, Ordering::Relaxed);
    let hs: Vec<Handle> = (0..n as u64).map(|i| new_node(m, first + i)).collect();
    for i in 0..n {
        hs[i].link(&hs[(i + 1) % n]);
        if both_ways {
            hs[(i + 1) % n].link(&hs[i]);
        }
    }
    hs
}

/// Check a ring built by `ring(.., false)` is intact (its head may also hold an edge to a
/// garbage ring hanging off it).
fn check_ring(hs: &[Handle], rt: &GcRuntime<TestVm>) {
    let destroyed = rt.binding().destroyed_set();
    for (i, h) in hs.iter().enumerate() {
        assert!(
            !destroyed.contains(&h.id()),
            "live node {} destroyed",
            h.id()
        );
        let next = hs[(i + 1) % hs.len()].id();
        assert!(
            h.edge_ids().contains(&next),
            "ring edge of {} missing",
            h.id()
        );
    }
}

struct MutatorReport {
    allocated: Vec<u64>,
    live: Vec<u64>,
}

fn run_mutator(
    rt: GcRuntime<TestVm>,
    idx: usize,
    ids: Arc<AtomicU64>,
    rounds: usize,
) -> MutatorReport {
    let m = rt.register_mutator(format!("mutator-{idx}"));
    let mut allocated = Vec::new();
    let live = ring(&m, &ids, 16, false);
    allocated.extend(live.iter().map(|h| h.id()));
    for round in 1..=rounds {
        let size = 1 + (round * 7 + idx * 3) % 40;
        let g = ring(&m, &ids, size, round % 2 == 0);
        allocated.extend(g.iter().map(|h| h.id()));
        m.poll();
        if round % 3 == 0 {
            // Hang it off the live ring across a poll (and maybe a collection), then unhook it.
            live[0].link(&g[0]);
            m.poll();
            live[0].unlink(&g[0]);
        }
        drop(g);
        m.poll();
        match round % 5 {
            // Blocked in native code: the world can stop without us.
            0 => m.detached(|| std::thread::sleep(Duration::from_millis(2))),
            1 => m.detached(std::thread::yield_now),
            _ => {}
        }
        if round % 10 == 0 {
            check_ring(&live, &rt);
        }
    }
    // The live ring survived every collection untouched.
    check_ring(&live, &rt);
    for (i, h) in live.iter().enumerate() {
        assert_eq!(h.edge_ids(), vec![live[(i + 1) % live.len()].id()]);
    }
    let live_ids = live.iter().map(|h| h.id()).collect();
    drop(live);
    m.poll();
    MutatorReport {
        allocated,
        live: live_ids,
    }
}

fn with_deadline<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let h = std::thread::spawn(move || {
        let r = f();
        let _ = tx.send(());
        r
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(()) => h.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => match h.join() {
            Ok(r) => r,
            Err(p) => std::panic::resume_unwind(p),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("deadlock: test did not finish in time"),
    }
}

fn mutators_and_collector(workers: usize, mutators: usize) {
    let rt = runtime(config(workers));
    let ids = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = 300;

    let collector = {
        let rt = rt.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let m = rt.register_mutator("collector");
            let (mut total, mut runs) = (0usize, 0usize);
            while !stop.load(Ordering::Relaxed) || runs < 5 {
                total += m.collect();
                runs += 1;
                m.poll();
                if runs % 4 == 0 {
                    m.detached(|| std::thread::sleep(Duration::from_millis(1)));
                }
            }
            (total, runs)
        })
    };
    let threads: Vec<_> = (0..mutators)
        .map(|i| {
            let (rt, ids) = (rt.clone(), ids.clone());
            std::thread::spawn(move || run_mutator(rt, i, ids, rounds))
        })
        .collect();
    let reports: Vec<MutatorReport> = threads.into_iter().map(|h| h.join().unwrap()).collect();
    stop.store(true, Ordering::Relaxed);
    let (collected, runs) = collector.join().unwrap();
    assert!(runs >= 5);
    eprintln!("workers={workers} mutators={mutators}: {runs} collections while mutators ran, {collected} collected");

    let m = rt.register_mutator("main");
    let last = m.collect();
    let all: HashSet<u64> = reports
        .iter()
        .flat_map(|r| r.allocated.iter().copied())
        .collect();
    assert_eq!(all.len() as u64, ids.load(Ordering::Relaxed));
    let destroyed = rt.binding().destroyed.lock().clone();
    let destroyed_set: HashSet<u64> = destroyed.iter().copied().collect();
    assert_eq!(
        destroyed.len(),
        destroyed_set.len(),
        "a node was destroyed twice"
    );
    assert_eq!(
        destroyed_set, all,
        "workers={workers}: not every ring was freed"
    );
    // Every node was on a cycle, so the collector freed all of them.
    assert_eq!(collected + last, all.len(), "workers={workers}: counts");
    assert!(rt.violations().is_empty(), "{:?}", rt.violations());
    assert_eq!(rt.heap_stats().live_objects, 0);
    for r in &reports {
        assert_eq!(r.live.len(), 16);
    }
    assert_eq!(rt.stats().collections as usize, runs + 1);
}

#[test]
fn mutators_build_and_drop_rings_while_a_thread_collects() {
    for (workers, mutators) in [(1, 2), (2, 3), (4, 3)] {
        with_deadline(move || mutators_and_collector(workers, mutators));
    }
}

#[test]
fn threads_collect_concurrently() {
    for workers in [1, 2, 4] {
        with_deadline(move || {
            let rt = runtime(config(workers));
            let ids = Arc::new(AtomicU64::new(0));
            let collected = Arc::new(AtomicUsize::new(0));
            let threads = 3;
            let barrier = Arc::new(Barrier::new(threads));
            let hs: Vec<_> = (0..threads)
                .map(|t| {
                    let (rt, ids, collected, barrier) =
                        (rt.clone(), ids.clone(), collected.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        let m = rt.register_mutator(format!("collector-{t}"));
                        let keep = ring(&m, &ids, 8, true);
                        for i in 0..40 {
                            drop(ring(&m, &ids, 5 + (i + t) % 11, i % 2 == 0));
                            // Start together (waiting detached, so a thread already in a
                            // collection can stop the world).
                            if i % 8 == 0 {
                                m.detached(|| barrier.wait());
                            }
                            let before = rt.binding().destroyed_set();
                            let n = m.collect();
                            collected.fetch_add(n, Ordering::Relaxed);
                            // This thread's own garbage was made before the call, so its
                            // collection (which waits for any running one) has freed it.
                            let now = rt.binding().destroyed_set();
                            assert!(now.len() >= before.len());
                            let kept: Vec<u64> = keep.iter().map(|h| h.id()).collect();
                            assert!(kept.iter().all(|k| !now.contains(k)), "live ring freed");
                        }
                        for h in &keep {
                            assert_eq!(h.edge_count(), 2);
                        }
                        let kept = keep.iter().map(|h| h.id()).collect::<Vec<_>>();
                        drop(keep);
                        m.poll();
                        kept
                    })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
            let m = rt.register_mutator("main");
            let last = m.collect();
            let total = ids.load(Ordering::Relaxed) as usize;
            assert_eq!(collected.load(Ordering::Relaxed) + last, total);
            assert_eq!(rt.binding().destroyed.lock().len(), total);
            assert_eq!(rt.binding().destroyed_set().len(), total);
            assert_eq!(rt.heap_stats().live_objects, 0);
            assert!(rt.violations().is_empty());
        });
    }
}

#[test]
fn manual_collect_waits_for_a_running_one_then_runs_its_own() {
    // A finalizer keeps collection #1 busy; a second thread's collect() must wait for it and
    // then collect the garbage it made before calling (not return 0 or run concurrently).
    let rt = runtime(config(2));
    let m = rt.register_mutator("main");
    let (in_fin_tx, in_fin_rx) = mpsc::channel::<()>();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = parking_lot::Mutex::new(release_rx);
    let in_fin_tx = parking_lot::Mutex::new(in_fin_tx);
    let a = new_node(&m, 1);
    let b = new_node(&m, 2);
    a.link(&b);
    b.link(&a);
    a.set_finalizer(move |_, _| {
        in_fin_tx.lock().send(()).unwrap();
        release_rx.lock().recv().unwrap();
    });
    drop((a, b));
    let rt2 = rt.clone();
    let (made_tx, made_rx) = mpsc::channel::<()>();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let other = std::thread::spawn(move || {
        let m2 = rt2.register_mutator("other");
        let x = new_node(&m2, 10);
        let y = new_node(&m2, 11);
        x.link(&y);
        y.link(&x);
        drop((x, y));
        made_tx.send(()).unwrap();
        m2.detached(|| go_rx.recv()).unwrap();
        let n = m2.collect();
        (n, rt2.stats().collections)
    });
    made_rx.recv().unwrap();
    let main = std::thread::scope(|s| {
        // Release the finalizer once the other thread is (about to be) waiting.
        s.spawn(move || {
            in_fin_rx.recv().unwrap();
            go_tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(50));
            release_tx.send(()).unwrap();
        });
        m.collect()
    });
    // Join detached: the other thread's collection has to stop the world, this thread too.
    let (n, collections) = m.detached(|| other.join()).unwrap();
    // Collection #1 ran while the other cycle already existed, so it may have taken it too;
    // between them, both cycles are freed exactly once and the second call ran a collection.
    assert_eq!(main + n, 4, "main={main} other={n}");
    assert_eq!(collections, 2);
    assert_eq!(
        rt.binding().destroyed_set(),
        [1, 2, 10, 11].into_iter().collect()
    );
}
