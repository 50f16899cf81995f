//! Binding-contract breaches (binding.rs rules 1, 2, 5 and panicking VM code): each is
//! detected, reported as a typed [`ContractViolation`], and never makes the collector free a
//! live object or crash.

mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use gc_core::{ContractViolation, GcRuntime, Mutator, ObjRef};
use support::*;

fn pair(m: &Mutator<TestVm>, a: u64, b: u64) -> (Handle, Handle) {
    let x = new_node(m, a);
    let y = new_node(m, b);
    x.link(&y);
    y.link(&x);
    (x, y)
}

fn foreign_pointers(rt: &GcRuntime<TestVm>) -> Vec<(usize, usize)> {
    rt.violations()
        .into_iter()
        .filter_map(|v| match v {
            ContractViolation::ForeignPointer { parent, pointer } => Some((parent, pointer)),
            _ => None,
        })
        .collect()
}

#[test]
fn refcount_too_small_is_reported_and_kept_alive() {
    for w in [1, 2, 4] {
        let (rt, m) = world(w);
        // Externally held, but the count lies: 0 reported, 1 internal reference traced.
        let (a, b) = pair(&m, 1, 2);
        let rc = a.refcount();
        assert_eq!(rc, 2);
        a.skew_refcount(rc);
        drop(b);
        // Pure garbage whose count lies the same way: also kept (the collector cannot know).
        let (c, d) = pair(&m, 3, 4);
        c.skew_refcount(10);
        drop(d);
        let c_addr = c.obj.addr();
        drop(c);
        // Honest garbage next to the breach is still collected.
        drop(pair(&m, 5, 6));

        assert_eq!(m.collect(), 2, "workers={w}");
        assert_eq!(rt.binding().destroyed_set(), [5, 6].into_iter().collect());
        let v = rt.violations();
        assert!(
            v.contains(&ContractViolation::RefcountTooSmall {
                object: a.obj.addr(),
                refcount: 0,
                excess: 1
            }),
            "workers={w}: {v:?}"
        );
        assert!(v.iter().any(|x| matches!(
            x,
            ContractViolation::RefcountTooSmall { object, .. } if *object == c_addr
        )));
        assert_eq!(v.len(), 2, "{v:?}");
        assert_eq!(rt.stats().violations, 2);
        assert!(!rt.last_record().unwrap().errors.is_empty());
        // Intact.
        assert_eq!(a.edge_ids(), vec![2]);
        assert_eq!(a.children()[0].edge_ids(), vec![1]);
        // Honest again: collected once unreachable.
        a.skew_refcount(0);
        drop(a);
        assert_eq!(m.collect(), 2);
        assert!(rt
            .binding()
            .destroyed_set()
            .is_superset(&[1, 2].into_iter().collect()));
    }
}

#[test]
fn foreign_pointers_are_reported_and_ignored() {
    for w in [1, 4] {
        let (rt, m) = world(w);
        let on_stack = 0x1234_5678u64;
        let stack_addr = &on_stack as *const u64 as usize;
        let boxed = Box::new([0u8; 64]);
        let box_addr = boxed.as_ptr() as usize;

        // A live node reporting a stack address.
        let live = new_node(&m, 1);
        live.report_foreign(stack_addr);
        // Garbage reporting a Box address: still collected.
        let (g1, g2) = pair(&m, 2, 3);
        g2.report_foreign(box_addr);
        drop((g1, g2));
        // An interior pointer into a live object.
        let other = new_node(&m, 4);
        let inner = new_node(&m, 5);
        other.report_foreign(inner.obj.addr() + 8);
        // A root that is not an object.
        // SAFETY: deliberately breaking from_raw's contract: the collector must validate roots.
        let bad_root = unsafe { ObjRef::from_raw(NonNull::new(box_addr as *mut u8).unwrap()) };
        rt.binding().roots.lock().push(bad_root);

        assert_eq!(m.collect(), 2, "workers={w}");
        assert_eq!(rt.binding().destroyed_set(), [2, 3].into_iter().collect());
        let fp = foreign_pointers(&rt);
        assert!(fp.contains(&(live.obj.addr(), stack_addr)), "{fp:?}");
        assert!(fp.contains(&(0, box_addr)), "{fp:?}");
        assert!(
            fp.contains(&(other.obj.addr(), inner.obj.addr() + 8)),
            "{fp:?}"
        );
        assert!(fp.iter().any(|&(_, p)| p == box_addr));
        // Nothing else went wrong, and everything live is intact.
        assert!(rt
            .violations()
            .iter()
            .all(|v| matches!(v, ContractViolation::ForeignPointer { .. })));
        assert_eq!((live.id(), other.id(), inner.id()), (1, 4, 5));
        assert_eq!(inner.refcount(), 1);
        assert_eq!(on_stack, 0x1234_5678);
        assert_eq!(*boxed, [0u8; 64]);

        rt.binding().roots.lock().clear();
        live.report_foreign(0x8); // still bogus, never dereferenced
        drop((live, other, inner));
        assert_eq!(m.collect(), 0);
        assert_eq!(rt.heap_stats().live_objects, 0);
    }
}

#[test]
fn over_reported_edge_does_not_free_a_live_object() {
    for w in [1, 2, 4] {
        let (rt, m) = world(w);
        // b is held by the test; a traces its edge to b twice, so b's count looks internal.
        let (a, b) = pair(&m, 1, 2);
        a.trace_extra(1);
        drop(a);
        assert_eq!(m.collect(), 1, "workers={w}: only a is freed");
        assert_eq!(rt.binding().destroyed_set(), [1].into_iter().collect());
        let v = rt.violations();
        assert_eq!(
            v,
            vec![ContractViolation::ReferencedAfterClear {
                object: b.obj.addr(),
                refcount: 1
            }]
        );
        // b survives intact (canary checked by every access), back in the VM's hands; its
        // edge to a was cleared with the rest of the cycle before the check.
        assert_eq!(b.id(), 2);
        assert_eq!(b.refcount(), 1);
        assert!(!b.obj.is_collector_held());
        assert_eq!(b.edge_count(), 0);
        assert_eq!(rt.stats().uncollectable, 1);
        assert_eq!(rt.last_record().unwrap().uncollectable, 1);
        // The world goes on: b is freed by refcount, later collections work.
        drop(b);
        assert_eq!(rt.binding().destroyed_set(), [1, 2].into_iter().collect());
        drop(pair(&m, 3, 4));
        assert_eq!(m.collect(), 2);
        assert_eq!(rt.heap_stats().live_objects, 0);
    }
}

#[test]
fn panicking_finalizer_is_reported_and_the_rest_is_freed() {
    for w in [1, 4] {
        let (rt, m) = world(w);
        let (a, b) = pair(&m, 1, 2);
        a.set_finalizer(|_, _| panic!("boom in finalizer"));
        let ran = Arc::new(AtomicUsize::new(0));
        let (c, d) = pair(&m, 3, 4);
        for h in [&b, &c, &d] {
            let r = ran.clone();
            h.set_finalizer(move |_, _| {
                r.fetch_add(1, Ordering::SeqCst);
            });
        }
        let e = new_node(&m, 5);
        e.link(&e);
        let a_addr = a.obj.addr();
        drop((a, b, c, d, e));

        assert_eq!(m.collect(), 5, "workers={w}");
        assert_eq!(ran.load(Ordering::SeqCst), 3);
        assert_eq!(rt.binding().destroyed_set(), (1..=5).collect());
        let v = rt.violations();
        assert_eq!(v.len(), 1, "{v:?}");
        match &v[0] {
            ContractViolation::FinalizerPanicked { object, message } => {
                assert_eq!(*object, a_addr);
                assert!(message.contains("boom in finalizer"), "{message}");
            }
            other => panic!("unexpected violation {other:?}"),
        }
        assert_eq!(rt.stats().collections, 1);
        assert!(!m.is_collecting());
        drop(pair(&m, 6, 7));
        assert_eq!(m.collect(), 2);
        assert_eq!(rt.heap_stats().live_objects, 0);
    }
}

#[test]
fn panicking_weakref_callback_is_reported_and_finalizers_still_run() {
    let (rt, m) = world(2);
    let (a, b) = pair(&m, 1, 2);
    let fin = Arc::new(AtomicUsize::new(0));
    let f2 = fin.clone();
    b.set_finalizer(move |_, _| {
        f2.fetch_add(1, Ordering::SeqCst);
    });
    let w = new_weakref(
        &m,
        10,
        &a,
        Some(Box::new(|_, _: &Handle| panic!("boom in callback"))),
    );
    drop((a, b));
    assert_eq!(m.collect(), 2);
    assert_eq!(fin.load(Ordering::SeqCst), 1);
    assert!(w.weak_get().is_none());
    let v = rt.violations();
    assert!(
        matches!(&v[..], [ContractViolation::CallbackPanicked { message }] if message.contains("boom in callback")),
        "{v:?}"
    );
}

#[test]
fn panic_on_violation_panics_after_finishing_safely() {
    for w in [1, 4] {
        let rt = runtime(config(w).with_panic_on_violation(true));
        let m = rt.register_mutator("main");
        // Another mutator, waiting detached through the collection.
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<usize>();
        let rt2 = rt.clone();
        let other = std::thread::spawn(move || {
            let m2 = rt2.register_mutator("other");
            m2.detached(|| go_rx.recv()).unwrap();
            // The world is running: allocate, poll, and collect from this thread.
            drop(pair(&m2, 100, 101));
            m2.poll();
            let n = m2.collect();
            done_tx.send(n).unwrap();
        });

        let (a, b) = pair(&m, 1, 2);
        a.skew_refcount(a.refcount());
        drop(b);
        drop(pair(&m, 3, 4));
        let r = catch_unwind(AssertUnwindSafe(|| m.collect()));
        let msg = match r {
            Ok(n) => panic!("workers={w}: collect returned {n} instead of panicking"),
            Err(p) => p
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "<non-string>".into()),
        };
        assert!(msg.contains("contract violation"), "{msg}");
        // It finished first: the garbage is freed, the breach recorded, the lock released.
        assert_eq!(rt.binding().destroyed_set(), [3, 4].into_iter().collect());
        assert_eq!(rt.stats().collections, 1);
        assert_eq!(rt.violations().len(), 1);
        assert!(!m.is_collecting());
        // Honest again; the other thread runs, and its collection works and does not panic.
        a.skew_refcount(0);
        go_tx.send(()).unwrap();
        let n = m
            .detached(|| done_rx.recv_timeout(std::time::Duration::from_secs(30)))
            .expect("other thread could not run or collect after the panic");
        assert_eq!(n, 2);
        other.join().unwrap();
        drop(a);
        assert_eq!(m.collect(), 2);
        assert_eq!(
            rt.binding().destroyed_set(),
            (1..=4).chain([100, 101]).collect()
        );
        assert_eq!(rt.heap_stats().live_objects, 0);
    }
}

#[test]
fn finalizer_that_resurrects_then_panics_keeps_the_object() {
    let (rt, m) = world(2);
    let g: Arc<parking_lot::Mutex<Vec<Handle>>> = Arc::default();
    let (a, b) = pair(&m, 1, 2);
    let gg = g.clone();
    a.set_finalizer(move |rt, obj| {
        gg.lock().push(Handle::from_obj(rt, obj));
        panic!("boom after resurrecting");
    });
    drop((a, b));
    assert_eq!(m.collect(), 0);
    assert!(rt.binding().destroyed_set().is_empty());
    assert!(matches!(
        &rt.violations()[..],
        [ContractViolation::FinalizerPanicked { .. }]
    ));
    assert_eq!(g.lock()[0].edge_ids(), vec![2]);
    assert!(g.lock()[0].obj.is_finalized());
    g.lock().clear();
    assert_eq!(m.collect(), 2);
    assert_eq!(rt.binding().finalized.lock().len(), 1);
}
