//! A tracked object whose count is 0 at the start of a collection (a refcount death that left
//! it tracked while its teardown ran VM code: binding rule 9) is reported and never cleared,
//! finalized or freed by the collector, nor is anything it refers to.

mod support;

use gc_core::ContractViolation;
use support::*;

#[test]
fn tracked_node_with_refcount_zero_is_reported_and_survives() {
    for w in [1, 2, 4, 8] {
        let (rt, m) = world(w);
        // x (count 0, tracked, with a finalizer) -> y <-> z: nothing counts x, and y and z are
        // held only by edges (x's and each other's), so trial deletion alone would free all
        // three.
        let x = new_node(&m, 1);
        let y = new_node(&m, 2);
        let z = new_node(&m, 3);
        x.link(&y);
        y.link(&z);
        z.link(&y);
        x.set_finalizer(|_, _| panic!("x must not be finalized"));
        y.set_finalizer(|_, _| panic!("y must not be finalized"));
        drop((y, z));
        let xo = x.obj;
        // Take the handle's count away without freeing: count 0, still tracked.
        std::mem::forget(x);
        assert_eq!(node(xo).decref_no_free(), 1);
        assert_eq!(node(xo).refcount(), 0);
        // Honest garbage next to the breach is still collected.
        let (a, b) = (new_node(&m, 5), new_node(&m, 6));
        a.link(&b);
        b.link(&a);
        drop((a, b));

        assert_eq!(m.collect(), 2, "workers={w}");
        assert_eq!(rt.binding().destroyed_set(), [5, 6].into_iter().collect());
        assert!(rt.binding().finalized.lock().is_empty(), "workers={w}");
        assert_eq!(
            rt.violations(),
            vec![ContractViolation::RefcountZero { object: xo.addr() }],
            "workers={w}"
        );
        // Memory valid, canaries intact (node() checks them), edges untouched.
        assert_eq!(node(xo).id, 1);
        let x = Handle::from_obj(&rt, xo);
        assert_eq!(x.edge_ids(), vec![2]);
        {
            let y = x.children().remove(0);
            assert_eq!(y.edge_ids(), vec![3]);
            assert_eq!(y.children()[0].edge_ids(), vec![2]);
        }

        // The same at the next collection: reported again, kept again.
        let xo = x.obj;
        std::mem::forget(x);
        assert_eq!(node(xo).decref_no_free(), 1);
        assert_eq!(m.collect(), 0, "workers={w}");
        assert_eq!(rt.violations().len(), 2);
        assert_eq!(node(xo).id, 1);

        // Honest again: the VM's own refcount death frees x; y <-> z is then ordinary garbage
        // (finalizers run this time: make them harmless).
        let x = Handle::from_obj(&rt, xo);
        let y = x.children().remove(0);
        x.set_finalizer(|_, _| {});
        y.set_finalizer(|_, _| {});
        drop((x, y));
        assert_eq!(m.collect(), 2, "workers={w}");
        assert_eq!(
            rt.binding().destroyed_set(),
            [1, 2, 3, 5, 6].into_iter().collect()
        );
        assert_eq!(rt.heap_stats().live_objects, 0);
        assert_eq!(rt.violations().len(), 2, "workers={w}");
    }
}
