//! Fault injection through the test binding: finalizers that resurrect again and again,
//! weakref callbacks that make new cycles, threads that exit during a stop, threads stuck
//! attached. Each test asserts the documented outcome (docs/reliability.md).

mod support;

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use gc_core::{GcConfig, Mutator};
use parking_lot::Mutex;
use support::*;

thread_local! {
    /// The mutator of the current test thread, for callbacks that allocate.
    static MUTATOR: Cell<*const Mutator<TestVm>> = const { Cell::new(std::ptr::null()) };
}

fn with_mutator<R>(f: impl FnOnce(&Mutator<TestVm>) -> R) -> R {
    let p = MUTATOR.with(|m| m.get());
    assert!(!p.is_null());
    // SAFETY: set by the test to a mutator that outlives every collection it runs.
    f(unsafe { &*p })
}

fn pair(m: &Mutator<TestVm>, id: u64) -> (Handle, Handle) {
    let a = new_node(m, id);
    let b = new_node(m, id + 1);
    a.link(&b);
    b.link(&a);
    (a, b)
}

#[test]
fn finalizer_that_resurrects_every_time_runs_once_per_object() {
    let rt = runtime(config(2));
    let m = rt.register_mutator("main");
    let vault: Arc<Mutex<Vec<Handle>>> = Arc::new(Mutex::new(Vec::new()));
    for round in 0..10u64 {
        let (a, b) = pair(&m, round * 10);
        let v = vault.clone();
        a.set_finalizer(move |rt, obj| v.lock().push(Handle::from_obj(rt, obj)));
        drop((a, b));
        // Collected, finalized, resurrected (transitively: b too).
        assert_eq!(m.collect(), 0, "round {round}");
        assert_eq!(vault.lock().len(), 1);
        // Dropped again: never finalized twice, now freed.
        vault.lock().clear();
        assert_eq!(m.collect(), 2, "round {round}");
    }
    assert_eq!(rt.binding().finalized.lock().len(), 10);
    assert_eq!(rt.heap_stats().live_objects, 0);
}

#[test]
fn weakref_callback_that_creates_new_cycles() {
    let rt = runtime(config(2));
    let m = rt.register_mutator("main");
    MUTATOR.with(|c| c.set(&m as *const _));
    let made = Arc::new(AtomicUsize::new(0));
    let (a, b) = pair(&m, 1);
    let made2 = made.clone();
    let w = new_weakref(
        &m,
        100,
        &a,
        Some(Box::new(move |_rt, w| {
            assert!(w.weak_get().is_none(), "referent must be cleared first");
            with_mutator(|m| {
                for i in 0..5 {
                    let (x, y) = pair(m, 1000 + i * 2);
                    drop((x, y));
                }
            });
            made2.fetch_add(1, Ordering::SeqCst);
        })),
    );
    drop((a, b));
    assert_eq!(m.collect(), 2);
    assert_eq!(made.load(Ordering::SeqCst), 1);
    // The callback's garbage is collected by the next collection.
    assert_eq!(m.collect(), 10);
    drop(w);
    assert_eq!(rt.heap_stats().live_objects, 0);
    MUTATOR.with(|c| c.set(std::ptr::null()));
}

#[test]
fn mutator_threads_exiting_while_stops_are_requested() {
    let rt = runtime(config(2).with_verify(false));
    let m = rt.register_mutator("main");
    let stop = Arc::new(AtomicBool::new(false));
    let generations = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();
    for t in 0..3u64 {
        let rt = rt.clone();
        let stop = stop.clone();
        let generations = generations.clone();
        threads.push(std::thread::spawn(move || {
            let mut gen = 0u64;
            while !stop.load(Ordering::Relaxed) {
                // Register, make garbage, exit (unregister) — over and over, racing the stops.
                let m = rt.register_mutator(format!("short-lived-{t}"));
                for i in 0..20 {
                    let (a, b) = pair(&m, (t << 40) | (gen << 8) | (i * 2));
                    drop((a, b));
                    m.poll();
                }
                gen += 1;
                generations.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let mut total = 0;
    let mut collections = 0;
    // At least 50 collections, and until the threads have come and gone 30 times.
    while collections < 50 || generations.load(Ordering::Relaxed) < 30 {
        total += m.collect();
        collections += 1;
        m.detached(|| std::thread::sleep(Duration::from_micros(200)));
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    total += m.collect();
    assert!(total > 0);
    assert_eq!(rt.heap_stats().live_objects, 0, "every pair freed");
}

#[test]
fn thread_stuck_attached_is_reported_not_a_deadlock() {
    let rt = runtime(config(1).with_stuck_threshold(Duration::from_millis(20)));
    let m = rt.register_mutator("main");
    let started = Arc::new(AtomicBool::new(false));
    let rt2 = rt.clone();
    let s2 = started.clone();
    let stuck = std::thread::spawn(move || {
        let m = rt2.register_mutator("busy-native-loop");
        s2.store(true, Ordering::SeqCst);
        // Attached, not polling, for 300 ms.
        let t = std::time::Instant::now();
        let mut x = 0u64;
        while t.elapsed() < Duration::from_millis(300) {
            x = x.wrapping_add(1);
            std::hint::black_box(x);
        }
        m.poll();
    });
    while !started.load(Ordering::SeqCst) {
        std::thread::yield_now();
    }
    let (a, b) = pair(&m, 1);
    drop((a, b));
    assert_eq!(m.collect(), 2);
    stuck.join().unwrap();
    let rec = rt.last_record().unwrap();
    assert_eq!(rec.stuck_threads, vec!["busy-native-loop".to_string()]);
    assert!(rec.max_ttsp_ns >= 20_000_000, "ttsp {}", rec.max_ttsp_ns);
    assert_eq!(rt.stats().stuck_threads, 1);
    assert_eq!(rt.stuck_threads()[0].name, "busy-native-loop");
}

#[test]
fn automatic_collection_from_a_poll_with_the_threshold() {
    let rt = runtime(GcConfig::default().with_workers(2).with_threshold(500));
    let m = rt.register_mutator("main");
    for i in 0..2000u64 {
        let (a, b) = pair(&m, i * 2);
        drop((a, b));
        m.poll();
    }
    assert!(rt.stats().collections >= 3, "{:?}", rt.stats());
    m.collect();
    assert_eq!(rt.heap_stats().live_objects, 0);
}

#[test]
fn a_panicking_trace_aborts_the_collection_cleanly() {
    // With several workers the panic hits one of them mid-mark: the others must stop waiting
    // for it to go idle (the mark aborts) and the collection unwind.
    for workers in [1, 2, 4] {
        let rt = runtime(config(workers).with_verify(false));
        let m = rt.register_mutator("main");
        let keep = pair(&m, 1);
        let (a, b) = pair(&m, 10);
        drop((a, b));
        // 4 candidates traced by the refs pass, then the panic in mark-reachable: after
        // marks were set and gc_refs updated.
        rt.binding()
            .trace_panic_countdown
            .store(6, Ordering::SeqCst);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| m.collect()));
        assert!(r.is_err(), "the panic reaches the caller");
        assert_eq!(rt.binding().trace_panic_countdown.load(Ordering::SeqCst), 0);
        // The world runs again, nothing was freed, and no collector state was left behind:
        // the next collection frees exactly the garbage and keeps the rest.
        assert!(rt.binding().destroyed_set().is_empty());
        assert_eq!(m.collect(), 2, "workers={workers}");
        assert_eq!(rt.binding().destroyed_set().len(), 2);
        assert_eq!(keep.0.edge_count(), 1);
        drop(keep);
        assert_eq!(m.collect(), 2);
        assert_eq!(rt.heap_stats().live_objects, 0);
    }
}

#[cfg(feature = "fault-injection")]
#[test]
fn phases_finish_without_helpers_that_come_late() {
    let workers = 2;
    let rt = runtime(config(workers));
    // Helpers wait 0, 2 or 4 ms before each job: worker 0 finishes these small jobs long
    // before, so the late helper must skip them, not hold them up.
    rt.inject_helper_delay_us(4000);
    let m = rt.register_mutator("main");
    let mut keep = Vec::new();
    let mut skipped = 0;
    for round in 0..6u64 {
        for i in 0..200u64 {
            let (a, b) = pair(&m, 1_000_000 * round + 2 * i);
            if i % 10 == 0 {
                keep.push(a);
            }
            drop(b);
        }
        // 180 pairs of garbage per round; the kept pairs stay alive.
        assert_eq!(m.collect(), 360, "round {round}");
        let rec = rt.last_record().expect("a record");
        let phases_w0 = rec.worker_stats[0].spans.len();
        let phases_w1 = rec.worker_stats[1].spans.len();
        assert!(phases_w1 <= phases_w0);
        skipped += phases_w0 - phases_w1;
    }
    assert!(skipped > 0, "no job ever ran without the late helper");
    for h in &keep {
        assert_eq!(h.edge_count(), 1, "a kept pair was broken");
    }
    drop(keep);
    assert_eq!(m.collect(), 240);
    assert_eq!(rt.heap_stats().live_objects, 0);
}
