//! Loom models of the safepoint handshake (the real `gc_core::safepoint` code, built on loom's
//! primitives through `primitive.rs`).
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 CARGO_TARGET_DIR=/work/target-loom \
//!     cargo test -p gc-core --test loom_safepoint --release
//! ```
//!
//! Loom's `Condvar::wait_timeout` never times out, so these models also prove that the stopper's
//! timed wait is only a backstop: every wake-up it needs comes from a notification (a lost one
//! shows up as a loom deadlock).
#![cfg(loom)]

use std::sync::atomic::AtomicUsize as StdAtomicUsize;
use std::sync::Arc;

use gc_core::safepoint::{Safepoints, ThreadState};
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::thread;

/// Run `f` under loom (preemption bound 3 unless `LOOM_MAX_PREEMPTIONS` says otherwise) and
/// print how many executions were explored.
fn check(name: &str, f: impl Fn() + Sync + Send + 'static) {
    static RUNS: StdAtomicUsize = StdAtomicUsize::new(0);
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(3);
    }
    let before = RUNS.load(Ordering::Relaxed);
    b.check(move || {
        RUNS.fetch_add(1, Ordering::Relaxed);
        f()
    });
    eprintln!(
        "{name}: {} executions explored",
        RUNS.load(Ordering::Relaxed) - before
    );
}

/// (a) A mutator attaches, runs, polls, runs, detaches, while the main thread stops and restarts
/// the world. No thread is attached while the world is stopped.
#[test]
fn mutator_never_attached_while_stopped() {
    check("mutator_never_attached_while_stopped", || {
        let sp = Arc::new(Safepoints::new());
        let stopped = Arc::new(AtomicBool::new(false));
        let slot = sp.register("mutator");
        let m = {
            let (sp, stopped, slot) = (Arc::clone(&sp), Arc::clone(&stopped), Arc::clone(&slot));
            thread::spawn(move || {
                sp.attach(&slot);
                assert!(!stopped.load(Ordering::SeqCst), "attached while stopped");
                sp.poll(&slot);
                assert!(
                    !stopped.load(Ordering::SeqCst),
                    "attached while stopped (after poll)"
                );
                sp.detach(&slot);
            })
        };
        let report = sp.stop_the_world(None);
        stopped.store(true, Ordering::SeqCst);
        assert_eq!(report.per_thread.len(), 1);
        for t in sp.threads() {
            assert_eq!(
                t.state,
                ThreadState::Suspended,
                "{t:?} not suspended while stopped"
            );
        }
        stopped.store(false, Ordering::SeqCst);
        sp.restart_the_world();
        m.join().unwrap();
        sp.unregister(&slot);
    });
}

/// (b) No lost wake-up: a thread that tries to attach during a stop (it is Suspended) always
/// wakes after the restart, and one that is attached when the stop comes always wakes the stopper
/// when it detaches. A lost notification is a loom deadlock.
#[test]
fn blocked_attach_wakes_after_restart() {
    check("blocked_attach_wakes_after_restart", || {
        let sp = Arc::new(Safepoints::new());
        let slot = sp.register("late-attacher");
        let m = {
            let (sp, slot) = (Arc::clone(&sp), Arc::clone(&slot));
            thread::spawn(move || {
                sp.attach(&slot);
                sp.detach(&slot);
                sp.attach(&slot);
                sp.detach(&slot);
            })
        };
        let g = sp.stop(None);
        assert_eq!(slot.state(), ThreadState::Suspended);
        drop(g);
        m.join().unwrap();
        assert_eq!(slot.state(), ThreadState::Detached);
    });
}

/// (c) Two attached mutators stop the world concurrently: both complete, and while each holds
/// the world the other is suspended (never attached).
#[test]
fn two_concurrent_stoppers() {
    check("two_concurrent_stoppers", || {
        let sp = Arc::new(Safepoints::new());
        let in_stop = Arc::new(AtomicBool::new(false));
        let slots = [sp.register("s0"), sp.register("s1")];
        let hs: Vec<_> = slots
            .iter()
            .map(|slot| {
                let (sp, in_stop, me) = (Arc::clone(&sp), Arc::clone(&in_stop), Arc::clone(slot));
                thread::spawn(move || {
                    sp.attach(&me);
                    let _report = sp.stop_the_world(Some(&me));
                    assert!(!in_stop.swap(true, Ordering::SeqCst), "two stops at once");
                    for t in sp.threads() {
                        if t.id == me.id() {
                            assert_eq!(t.state, ThreadState::Attached);
                        } else {
                            assert_eq!(t.state, ThreadState::Suspended);
                        }
                    }
                    in_stop.store(false, Ordering::SeqCst);
                    sp.restart_the_world();
                    sp.detach(&me);
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
    });
}

/// (d) A thread that exits (unregisters) while a stop is requested: the stop does not wait for it.
#[test]
fn unregister_during_stop() {
    check("unregister_during_stop", || {
        let sp = Arc::new(Safepoints::new());
        let slot = sp.register("exiting");
        let m = {
            let (sp, slot) = (Arc::clone(&sp), Arc::clone(&slot));
            thread::spawn(move || {
                sp.attach(&slot);
                sp.unregister(&slot);
            })
        };
        let g = sp.stop(None);
        assert!(sp
            .threads()
            .iter()
            .all(|t| t.state == ThreadState::Suspended));
        drop(g);
        m.join().unwrap();
        assert!(sp.threads().is_empty());
    });
}

/// (e) Three threads: an attached poller and a detached thread that re-attaches, against a
/// stopper that is itself a registered, attached requester.
#[test]
fn stopper_with_attached_and_detached_mutators() {
    check("stopper_with_attached_and_detached_mutators", || {
        let sp = Arc::new(Safepoints::new());
        let stopped = Arc::new(AtomicBool::new(false));
        let poller = sp.register("poller");
        let sleeper = sp.register("sleeper");
        let me = sp.register("requester");
        sp.attach(&me);
        let h1 = {
            let (sp, stopped, slot) = (Arc::clone(&sp), Arc::clone(&stopped), Arc::clone(&poller));
            thread::spawn(move || {
                sp.attach(&slot);
                sp.poll(&slot);
                assert!(
                    !stopped.load(Ordering::SeqCst),
                    "poller attached while stopped"
                );
                sp.detach(&slot);
            })
        };
        let h2 = {
            let (sp, stopped, slot) = (Arc::clone(&sp), Arc::clone(&stopped), Arc::clone(&sleeper));
            thread::spawn(move || {
                sp.attach(&slot);
                assert!(
                    !stopped.load(Ordering::SeqCst),
                    "sleeper attached while stopped"
                );
                sp.detach(&slot);
            })
        };
        let report = sp.stop_the_world(Some(&me));
        stopped.store(true, Ordering::SeqCst);
        assert_eq!(report.per_thread.len(), 2);
        assert_eq!(me.state(), ThreadState::Attached);
        assert_eq!(poller.state(), ThreadState::Suspended);
        assert_eq!(sleeper.state(), ThreadState::Suspended);
        stopped.store(false, Ordering::SeqCst);
        sp.restart_the_world();
        h1.join().unwrap();
        h2.join().unwrap();
        sp.detach(&me);
    });
}
