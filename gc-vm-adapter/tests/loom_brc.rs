//! Loom model of the biased-refcount protocol ([`gc_vm_adapter::header::RefCount`]: under
//! `--cfg loom` its atomics are loom's, so this checks the crate's own code).
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=/work/target-loom-adapter \
//!       cargo test -p gc-vm-adapter --test loom_brc --release`
//!
//! Each model holds a `RefCount`, a model merge queue `(alive, entries)` under a loom mutex, a
//! `freed` counter and a `held` counter (references not yet released). Every holder decrements
//! `held` before its decref; dealloc asserts `held == 0` (never freed while a reference exists)
//! and the end of the model asserts `freed == 1` (freed exactly once).
#![cfg(loom)]

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;

use gc_vm_adapter::header::{DecOutcome, RefCount};

const OWNER: u64 = 1;
const OTHER: u64 = 2;
const THIRD: u64 = 3;

struct Model {
    rc: RefCount,
    queue: Mutex<(bool, usize)>,
    freed: AtomicUsize,
    held: AtomicUsize,
}

impl Model {
    fn new(rc: RefCount, holders: usize) -> Arc<Model> {
        Arc::new(Model {
            rc,
            queue: Mutex::new((true, 0)),
            freed: AtomicUsize::new(0),
            held: AtomicUsize::new(holders),
        })
    }

    fn dealloc(&self) {
        assert_eq!(
            self.held.load(Ordering::SeqCst),
            0,
            "freed while referenced"
        );
        assert_eq!(self.freed.fetch_add(1, Ordering::SeqCst), 0, "freed twice");
    }

    /// A holder on thread `me` releases its reference.
    fn release(&self, me: u64) {
        self.held.fetch_sub(1, Ordering::SeqCst);
        match self.rc.decref(me, || false) {
            DecOutcome::Alive => {}
            DecOutcome::Dead => self.dealloc(),
            DecOutcome::Queue => {
                let mut q = self.queue.lock().unwrap();
                if q.0 {
                    q.1 += 1;
                } else {
                    drop(q);
                    // Owner exited: merge here.
                    if self.rc.explicit_merge(-1) == 0 {
                        self.dealloc();
                    }
                }
            }
        }
    }

    /// The owner's safepoint (or the collector with the world stopped): merge the queue.
    fn merge(&self, exit: bool) {
        let n = {
            let mut q = self.queue.lock().unwrap();
            if exit {
                q.0 = false;
            }
            std::mem::take(&mut q.1)
        };
        for _ in 0..n {
            if self.rc.explicit_merge(-1) == 0 {
                self.dealloc();
            }
        }
    }
}

/// Owner holds one reference, another thread one (counted locally: handed over); the
/// non-owner's drop queues, racing the owner's drop; the owner merges afterwards.
#[test]
fn owner_decref_races_queueing_non_owner_decref() {
    loom::model(|| {
        let rc = RefCount::new_owned(OWNER);
        rc.incref(OWNER); // local 2
        let m = Model::new(rc, 2);
        let m2 = m.clone();
        let t = thread::spawn(move || m2.release(OTHER));
        m.release(OWNER);
        m.merge(false);
        t.join().unwrap();
        m.merge(false); // the owner's next safepoint
        assert_eq!(m.freed.load(Ordering::SeqCst), 1);
    });
}

/// Owner's last local reference vs a non-owner's shared reference: one of them frees.
#[test]
fn merge_zero_local_races_shared_decref() {
    loom::model(|| {
        let rc = RefCount::new_owned(OWNER);
        rc.incref(OTHER); // shared 1
        let m = Model::new(rc, 2);
        let m2 = m.clone();
        let t = thread::spawn(move || m2.release(OTHER));
        m.release(OWNER);
        t.join().unwrap();
        assert_eq!(m.freed.load(Ordering::SeqCst), 1);
    });
}

/// Two non-owners drop references the owner counted; the owner exits concurrently (marks its
/// queue dead and merges what was queued); late queuers merge themselves.
#[test]
fn owner_exit_races_queueing() {
    loom::model(|| {
        let rc = RefCount::new_owned(OWNER);
        rc.incref(OWNER); // local 2, both handed to other threads
        let m = Model::new(rc, 2);
        let (a, b) = (m.clone(), m.clone());
        let ta = thread::spawn(move || a.release(OTHER));
        let tb = thread::spawn(move || b.release(THIRD));
        m.merge(true); // owner exits
        ta.join().unwrap();
        tb.join().unwrap();
        assert_eq!(m.freed.load(Ordering::SeqCst), 1);
    });
}

/// A weakref upgrade (try_incref) racing the owner's last decref: either the upgrade fails
/// (object dead) or it succeeds and the upgraded reference is the one that frees.
#[test]
fn try_incref_races_last_decref() {
    loom::model(|| {
        let m = Model::new(RefCount::new_owned(OWNER), 1);
        let m2 = m.clone();
        let t = thread::spawn(move || {
            if m2.freed.load(Ordering::SeqCst) == 0 && m2.rc.try_incref(OTHER) {
                m2.held.fetch_add(1, Ordering::SeqCst);
                m2.release(OTHER);
            }
        });
        m.release(OWNER);
        t.join().unwrap();
        m.merge(false);
        assert_eq!(m.freed.load(Ordering::SeqCst), 1);
    });
}
