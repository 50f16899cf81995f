//! Stop-the-world protocol on real threads (`gc_core::safepoint`).
#![cfg(not(loom))]

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use gc_core::safepoint::{SafepointConfig, Safepoints, ThreadSlot, ThreadState, PENDING_STOP};

/// Abort the process if a test deadlocks instead of hanging CI forever.
fn watchdog(name: &'static str, secs: u64) -> Arc<AtomicBool> {
    let done = Arc::new(AtomicBool::new(false));
    let d = Arc::clone(&done);
    thread::spawn(move || {
        let start = Instant::now();
        while !d.load(Ordering::Relaxed) {
            if start.elapsed() > Duration::from_secs(secs) {
                eprintln!("watchdog: test `{name}` did not finish in {secs}s (deadlock?)");
                std::process::abort();
            }
            thread::sleep(Duration::from_millis(50));
        }
    });
    done
}

fn assert_only_requester_attached(sp: &Safepoints, requester: Option<&ThreadSlot>) {
    for t in sp.threads() {
        if Some(t.id) == requester.map(|r| r.id()) {
            assert_eq!(
                t.state,
                ThreadState::Attached,
                "requester must stay attached"
            );
        } else {
            assert_eq!(
                t.state,
                ThreadState::Suspended,
                "thread {} ({}) not suspended while stopped",
                t.name,
                t.id
            );
        }
    }
}

#[test]
fn stop_with_attached_and_detached_threads() {
    let done = watchdog("stop_with_attached_and_detached_threads", 60);
    let sp = Arc::new(Safepoints::new());
    let quit = Arc::new(AtomicBool::new(false));
    let stopped = Arc::new(AtomicBool::new(false));
    let attached_work = Arc::new(AtomicU64::new(0));
    let blocker = Arc::new(Mutex::new(()));
    let mutex_thread_reattached = Arc::new(AtomicUsize::new(0));
    let sleeper_reattached = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();

    // Attached pollers.
    for i in 0..3 {
        let (sp, quit, stopped, work) = (
            Arc::clone(&sp),
            Arc::clone(&quit),
            Arc::clone(&stopped),
            Arc::clone(&attached_work),
        );
        handles.push(thread::spawn(move || {
            let slot = sp.register(format!("poller-{i}"));
            sp.attach(&slot);
            while !quit.load(Ordering::Relaxed) {
                work.fetch_add(1, Ordering::SeqCst);
                assert!(
                    !stopped.load(Ordering::SeqCst),
                    "ran attached while stopped"
                );
                for _ in 0..100 {
                    std::hint::spin_loop();
                }
                sp.poll(&slot);
            }
            sp.detach(&slot);
            sp.unregister(&slot);
        }));
    }
    // Detached in thread::sleep.
    {
        let (sp, quit, stopped, re) = (
            Arc::clone(&sp),
            Arc::clone(&quit),
            Arc::clone(&stopped),
            Arc::clone(&sleeper_reattached),
        );
        handles.push(thread::spawn(move || {
            let slot = sp.register("sleeper");
            sp.attach(&slot);
            while !quit.load(Ordering::Relaxed) {
                sp.detached(&slot, || thread::sleep(Duration::from_millis(7)));
                assert!(!stopped.load(Ordering::SeqCst), "re-attached while stopped");
                re.fetch_add(1, Ordering::SeqCst);
                sp.poll(&slot);
            }
            sp.unregister(&slot);
        }));
    }
    // Detached while blocked on a std Mutex the test holds.
    let held = blocker.lock().unwrap();
    {
        let (sp, quit, stopped, re, blocker) = (
            Arc::clone(&sp),
            Arc::clone(&quit),
            Arc::clone(&stopped),
            Arc::clone(&mutex_thread_reattached),
            Arc::clone(&blocker),
        );
        handles.push(thread::spawn(move || {
            let slot = sp.register("mutex-waiter");
            sp.attach(&slot);
            while !quit.load(Ordering::Relaxed) {
                let g = sp.detached(&slot, || blocker.lock().unwrap());
                assert!(!stopped.load(Ordering::SeqCst), "re-attached while stopped");
                drop(g);
                re.fetch_add(1, Ordering::SeqCst);
                sp.poll(&slot);
                thread::yield_now();
            }
            sp.unregister(&slot);
        }));
    }

    let me = sp.register("requester");
    sp.attach(&me);
    // Wait for everybody to be registered and running.
    while sp.threads().len() < 6 || attached_work.load(Ordering::SeqCst) < 1000 {
        thread::sleep(Duration::from_millis(1));
    }

    // Round 0: the mutex holder is released while the world is stopped; its re-attach must wait.
    let report = sp.stop_the_world(Some(&me));
    stopped.store(true, Ordering::SeqCst);
    assert_eq!(report.per_thread.len(), 5);
    assert!(report.stuck.is_empty());
    assert_only_requester_attached(&sp, Some(&me));
    let work_at_stop = attached_work.load(Ordering::SeqCst);
    let sleeper_at_stop = sleeper_reattached.load(Ordering::SeqCst);
    drop(held); // the mutex waiter wakes up and tries to re-attach
    thread::sleep(Duration::from_millis(60)); // the sleeper also tries (7 ms sleeps)
    assert_eq!(attached_work.load(Ordering::SeqCst), work_at_stop);
    assert_eq!(mutex_thread_reattached.load(Ordering::SeqCst), 0);
    assert_eq!(sleeper_reattached.load(Ordering::SeqCst), sleeper_at_stop);
    assert_only_requester_attached(&sp, Some(&me));
    stopped.store(false, Ordering::SeqCst);
    sp.restart_the_world();
    assert_eq!(sp.pending() & PENDING_STOP, 0);

    // Everything resumes.
    let t0 = Instant::now();
    while mutex_thread_reattached.load(Ordering::SeqCst) == 0
        || sleeper_reattached.load(Ordering::SeqCst) == sleeper_at_stop
        || attached_work.load(Ordering::SeqCst) < work_at_stop + 1000
    {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "world did not resume"
        );
        thread::sleep(Duration::from_millis(1));
    }

    // Many short rounds, with the guard API.
    for _ in 0..50 {
        let g = sp.stop(Some(&me));
        stopped.store(true, Ordering::SeqCst);
        assert_only_requester_attached(&sp, Some(&me));
        let w = attached_work.load(Ordering::SeqCst);
        thread::sleep(Duration::from_micros(500));
        assert_eq!(attached_work.load(Ordering::SeqCst), w);
        assert!(g.max_ttsp >= g.per_thread.iter().map(|t| t.ttsp).max().unwrap());
        stopped.store(false, Ordering::SeqCst);
        drop(g);
        sp.poll(&me);
    }

    quit.store(true, Ordering::Relaxed);
    for h in handles {
        h.join().unwrap();
    }
    sp.detach(&me);
    sp.unregister(&me);
    assert!(sp.threads().is_empty());
    done.store(true, Ordering::Relaxed);
}

#[test]
fn concurrent_stoppers_do_not_deadlock() {
    let done = watchdog("concurrent_stoppers_do_not_deadlock", 60);
    let sp = Arc::new(Safepoints::new());
    let quit = Arc::new(AtomicBool::new(false));
    let in_stop = Arc::new(AtomicUsize::new(0));
    // A background poller.
    let poller = {
        let (sp, quit) = (Arc::clone(&sp), Arc::clone(&quit));
        thread::spawn(move || {
            let slot = sp.register("poller");
            sp.attach(&slot);
            while !quit.load(Ordering::Relaxed) {
                sp.poll(&slot);
            }
            sp.unregister(&slot);
        })
    };
    let rounds = 300;
    let barrier = Arc::new(Barrier::new(2));
    let stoppers: Vec<_> = (0..2)
        .map(|i| {
            let (sp, in_stop, barrier) =
                (Arc::clone(&sp), Arc::clone(&in_stop), Arc::clone(&barrier));
            thread::spawn(move || {
                let me = sp.register(format!("stopper-{i}"));
                sp.attach(&me);
                barrier.wait();
                for _ in 0..rounds {
                    let report = sp.stop_the_world(Some(&me));
                    assert_eq!(
                        in_stop.fetch_add(1, Ordering::SeqCst),
                        0,
                        "two stops at once"
                    );
                    assert_only_requester_attached(&sp, Some(&me));
                    assert!(report.per_thread.iter().all(|t| t.id != me.id()));
                    in_stop.fetch_sub(1, Ordering::SeqCst);
                    sp.restart_the_world();
                    sp.poll(&me);
                }
                sp.unregister(&me);
                rounds
            })
        })
        .collect();
    let total: usize = stoppers.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, 2 * rounds);
    quit.store(true, Ordering::Relaxed);
    poller.join().unwrap();
    done.store(true, Ordering::Relaxed);
}

#[test]
fn unregister_while_stop_requested() {
    let done = watchdog("unregister_while_stop_requested", 30);
    let sp = Arc::new(Safepoints::new());
    // An attached thread that exits (without polling) as soon as it sees the request.
    let exiting = {
        let sp = Arc::clone(&sp);
        thread::spawn(move || {
            let slot = sp.register("exiting");
            sp.attach(&slot);
            while !sp.is_stop_requested() {
                std::hint::spin_loop();
            }
            sp.unregister(&slot); // detaches first
            assert!(!slot.is_registered());
        })
    };
    // A detached thread that is suspended and unregisters while suspended.
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let suspended = {
        let sp = Arc::clone(&sp);
        thread::spawn(move || {
            let slot = sp.register("suspended-exit");
            rx.recv().unwrap();
            assert_eq!(slot.state(), ThreadState::Suspended);
            sp.unregister(&slot);
        })
    };
    while sp.threads().len() < 2 {
        thread::sleep(Duration::from_millis(1));
    }
    let g = sp.stop(None);
    assert!(g.stuck.is_empty());
    tx.send(()).unwrap();
    suspended.join().unwrap();
    exiting.join().unwrap();
    assert!(sp.threads().is_empty());
    drop(g);
    // The registry is usable afterwards, and a new stop does not wait for the departed threads.
    let r = sp.stop_the_world(None);
    assert!(r.per_thread.is_empty());
    sp.restart_the_world();
    done.store(true, Ordering::Relaxed);
}

#[test]
fn stuck_thread_is_reported_then_stop_completes() {
    let done = watchdog("stuck_thread_is_reported_then_stop_completes", 30);
    let sp = Arc::new(Safepoints::with_config(SafepointConfig {
        stuck_threshold: Duration::from_millis(50),
        ..SafepointConfig::default()
    }));
    let hook_calls = Arc::new(Mutex::new(Vec::new()));
    {
        let hook_calls = Arc::clone(&hook_calls);
        sp.set_stuck_hook(Box::new(move |t| {
            hook_calls.lock().unwrap().push(t.clone())
        }));
    }
    let ready = Arc::new(Barrier::new(2));
    let quit = Arc::new(AtomicBool::new(false));
    let busy = {
        let (sp, ready, quit) = (Arc::clone(&sp), Arc::clone(&ready), Arc::clone(&quit));
        thread::spawn(move || {
            let slot = sp.register("busy-native-loop");
            sp.attach(&slot);
            ready.wait();
            let t0 = Instant::now();
            while t0.elapsed() < Duration::from_millis(500) {
                std::hint::spin_loop(); // no poll
            }
            while !quit.load(Ordering::Relaxed) {
                sp.poll(&slot);
            }
            sp.unregister(&slot);
            slot.id()
        })
    };
    // And a well-behaved poller, which must not be reported.
    let good = {
        let (sp, quit) = (Arc::clone(&sp), Arc::clone(&quit));
        thread::spawn(move || {
            let slot = sp.register("good");
            sp.attach(&slot);
            while !quit.load(Ordering::Relaxed) {
                sp.poll(&slot);
            }
            sp.unregister(&slot);
        })
    };
    ready.wait();
    while sp.threads().len() < 2 {
        thread::sleep(Duration::from_millis(1));
    }
    let report = sp.stop_the_world(None);
    sp.restart_the_world();
    quit.store(true, Ordering::Relaxed);
    let busy_id = busy.join().unwrap();
    good.join().unwrap();

    assert_eq!(report.stuck.len(), 1, "{report:?}");
    assert_eq!(report.stuck[0].id, busy_id);
    assert_eq!(report.stuck[0].name, "busy-native-loop");
    assert!(report.stuck[0].waited >= Duration::from_millis(50));
    let calls = hook_calls.lock().unwrap();
    assert_eq!(
        calls.len(),
        1,
        "hook must be called once per thread per stop"
    );
    assert_eq!(calls[0].id, busy_id);
    let busy_ttsp = report
        .per_thread
        .iter()
        .find(|t| t.id == busy_id)
        .unwrap()
        .ttsp;
    assert!(busy_ttsp >= Duration::from_millis(200), "{busy_ttsp:?}");
    assert_eq!(report.max_ttsp, busy_ttsp);
    assert!(report.stop_duration() >= busy_ttsp);
    done.store(true, Ordering::Relaxed);
}

#[test]
fn try_stop_times_out_and_leaves_world_running() {
    let done = watchdog("try_stop_times_out_and_leaves_world_running", 30);
    let sp = Arc::new(Safepoints::new());
    let ready = Arc::new(Barrier::new(3));
    let release = Arc::new(AtomicBool::new(false));
    let quit = Arc::new(AtomicBool::new(false));
    let busy = {
        let (sp, ready, release, quit) = (
            Arc::clone(&sp),
            Arc::clone(&ready),
            Arc::clone(&release),
            Arc::clone(&quit),
        );
        thread::spawn(move || {
            let slot = sp.register("busy");
            sp.attach(&slot);
            ready.wait();
            while !release.load(Ordering::Relaxed) {
                std::hint::spin_loop(); // no poll
            }
            while !quit.load(Ordering::Relaxed) {
                sp.poll(&slot);
            }
            sp.unregister(&slot);
        })
    };
    // A detached thread: suspended by the attempt, must be released by the failure path.
    let attaches = Arc::new(AtomicUsize::new(0));
    let other = {
        let (sp, ready, quit, attaches) = (
            Arc::clone(&sp),
            Arc::clone(&ready),
            Arc::clone(&quit),
            Arc::clone(&attaches),
        );
        thread::spawn(move || {
            let slot = sp.register("other");
            ready.wait();
            while !quit.load(Ordering::Relaxed) {
                thread::sleep(Duration::from_millis(2));
                sp.attach(&slot);
                attaches.fetch_add(1, Ordering::SeqCst);
                sp.detach(&slot);
            }
            sp.unregister(&slot);
        })
    };
    ready.wait();

    let err = sp
        .try_stop_the_world(None, Duration::from_millis(30))
        .expect_err("busy thread never polls: must time out");
    assert!(err.not_arrived.iter().any(|t| t.name == "busy"), "{err:?}");
    assert!(err.waited >= Duration::from_millis(30));
    assert!(!err.to_string().is_empty());
    // The world is running: no stop bit, nobody suspended, the other thread keeps attaching.
    assert!(!sp.is_stop_requested());
    assert!(sp
        .threads()
        .iter()
        .all(|t| t.state != ThreadState::Suspended));
    let a = attaches.load(Ordering::SeqCst);
    let t0 = Instant::now();
    while attaches.load(Ordering::SeqCst) < a + 3 {
        assert!(t0.elapsed() < Duration::from_secs(5), "world not restored");
        thread::sleep(Duration::from_millis(1));
    }

    // try_stop also gives up while another stop holds the token.
    {
        let g = {
            release.store(true, Ordering::Relaxed);
            sp.stop(None)
        };
        let sp2 = Arc::clone(&sp);
        let e = thread::spawn(move || sp2.try_stop_the_world(None, Duration::from_millis(20)))
            .join()
            .unwrap()
            .expect_err("token is held");
        assert!(e.not_arrived.is_empty());
        assert!(sp.is_stop_requested(), "the held stop is unaffected");
        drop(g);
    }
    // And with everybody polling it succeeds.
    let r = sp
        .try_stop_the_world(None, Duration::from_secs(10))
        .expect("all threads cooperate");
    assert_eq!(r.per_thread.len(), 2);
    sp.restart_the_world();

    quit.store(true, Ordering::Relaxed);
    busy.join().unwrap();
    other.join().unwrap();
    done.store(true, Ordering::Relaxed);
}

#[test]
fn register_during_stop_starts_suspended() {
    let done = watchdog("register_during_stop_starts_suspended", 30);
    let sp = Arc::new(Safepoints::new());
    let attached = Arc::new(AtomicBool::new(false));
    let g = sp.stop(None);
    let late = {
        let (sp, attached) = (Arc::clone(&sp), Arc::clone(&attached));
        thread::spawn(move || {
            let slot = sp.register("late");
            assert_eq!(slot.state(), ThreadState::Suspended);
            sp.attach(&slot); // blocks until restart
            attached.store(true, Ordering::SeqCst);
            sp.detach(&slot);
            sp.unregister(&slot);
        })
    };
    thread::sleep(Duration::from_millis(50));
    assert!(!attached.load(Ordering::SeqCst));
    drop(g);
    late.join().unwrap();
    assert!(attached.load(Ordering::SeqCst));
    done.store(true, Ordering::Relaxed);
}

#[test]
fn pending_bits_are_returned_by_poll() {
    const COLLECT: u32 = 1 << 1;
    let sp = Safepoints::new();
    let slot = sp.register("main");
    sp.attach(&slot);
    assert_eq!(sp.poll(&slot), 0);
    assert_eq!(sp.set_pending(COLLECT), 0);
    assert_eq!(sp.poll(&slot), COLLECT);
    assert_eq!(sp.clear_pending(COLLECT), COLLECT);
    assert_eq!(sp.poll(&slot), 0);
    // The requester polling during its own stop neither blocks nor sees PENDING_STOP.
    sp.set_pending(COLLECT);
    let g = sp.stop(Some(&slot));
    assert_eq!(sp.poll(&slot), COLLECT);
    assert_eq!(slot.state(), ThreadState::Attached);
    drop(g);
    sp.detach(&slot);
    sp.unregister(&slot);
}

#[test]
fn safepoints_is_send_sync_and_report_serializes() {
    fn send_sync<T: Send + Sync>() {}
    fn ser<T: serde::Serialize>() {}
    send_sync::<Safepoints>();
    send_sync::<ThreadSlot>();
    ser::<gc_core::safepoint::StopReport>();
    ser::<gc_core::safepoint::StopTimeout>();
}
