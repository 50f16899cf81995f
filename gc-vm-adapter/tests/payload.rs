//! A payload type defined outside the adapter crate: allocated with `Runtime::alloc`, traced,
//! cleared and freed by a collection, and a cycle through it collected; plus a variable-size
//! payload with an inline tail (`Runtime::alloc_var`).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use gc_vm_adapter::{Edges, Kind, Payload, Ref, RefSlot, Runtime, VarPayload};
use parking_lot::RwLock;

fn runtime(workers: usize) -> Runtime {
    Runtime::new(common::checked_config(workers))
}

static PAIRS_DROPPED: AtomicUsize = AtomicUsize::new(0);
static PAIRS_CLEARED: AtomicUsize = AtomicUsize::new(0);

/// A VM-defined container: one fixed slot and one mutable slot.
struct Pair {
    first: RefSlot,
    second: RwLock<Option<Ref>>,
}

// SAFETY: trace reports both slots (rule 1) with lock-free reads (rule 2: data_ptr, world
// stopped); clear empties both and drops the references after unlocking (rule 3).
unsafe impl Payload for Pair {
    gc_vm_adapter::payload_type!(Pair, "pair", Kind::Instance);

    fn trace(&self, e: &mut Edges<'_>) {
        e.slot(&self.first);
        // SAFETY: world stopped; no mutator holds the lock across a safepoint.
        e.opt(unsafe { (*self.second.data_ptr()).as_ref() });
    }

    fn clear(&self) {
        PAIRS_CLEARED.fetch_add(1, Ordering::SeqCst);
        let second = self.second.write().take();
        drop((self.first.take(), second));
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        PAIRS_DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

fn pair(rt: &Runtime, first: Option<Ref>) -> Ref {
    rt.alloc(Pair {
        first: RefSlot::new(first),
        second: RwLock::new(None),
    })
}

#[test]
fn foreign_payload_is_traced_cleared_and_freed_by_a_collection() {
    for workers in [1, 2, 4, 8] {
        let rt = runtime(workers);
        let _g = rt.attach_thread("main");
        let (d0, c0) = (
            PAIRS_DROPPED.load(Ordering::SeqCst),
            PAIRS_CLEARED.load(Ordering::SeqCst),
        );
        // p -> list -> p, and p -> q -> p through the mutable slot.
        let list = rt.new_list(vec![]);
        let p = pair(&rt, Some(list.clone()));
        let q = pair(&rt, Some(p.clone()));
        p.downcast::<Pair>()
            .unwrap()
            .second
            .write()
            .replace(q.clone());
        list.as_list().unwrap().push(p.clone());
        assert!(p.is::<Pair>() && !p.is::<gc_vm_adapter::List>() && p.as_instance().is_none());
        assert!(p.obj_ref().is_tracked());
        assert_eq!(p.type_info().name, "pair");
        let w = rt.new_weakref(&p, None::<fn(&Ref)>);
        // Reachable: traced edges keep everything alive.
        assert_eq!(rt.collect(), 0);
        assert!(w.as_weakref().unwrap().upgrade().is_some());
        drop((list, p, q));
        assert_eq!(rt.collect(), 3, "workers={workers}");
        assert!(w.as_weakref().unwrap().upgrade().is_none());
        assert_eq!(PAIRS_CLEARED.load(Ordering::SeqCst) - c0, 2);
        assert_eq!(PAIRS_DROPPED.load(Ordering::SeqCst) - d0, 2);
        assert!(rt.violations().is_empty(), "{:?}", rt.violations());
        // Refcount death of a foreign payload drops it too.
        let lone = pair(&rt, Some(rt.new_int(1)));
        drop(lone);
        assert_eq!(PAIRS_DROPPED.load(Ordering::SeqCst) - d0, 3);
    }
}

/// A variable-size payload: a label plus an inline tail of references.
struct Row {
    label: u32,
    len: AtomicUsize,
}

// SAFETY: the fixed part holds no reference; tail_len is the allocated length until the
// table's clear takes it (VarPayload rules).
unsafe impl Payload for Row {
    gc_vm_adapter::payload_type!(var Row, "row", Kind::Instance);
}

// SAFETY: see above.
unsafe impl VarPayload for Row {
    fn tail_len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }
    fn take_tail_len(&self) -> usize {
        self.len.swap(0, Ordering::AcqRel)
    }
}

#[test]
fn variable_size_payload_holds_its_tail_inline_and_is_collected() {
    let rt = runtime(2);
    let _g = rt.attach_thread("main");
    let items: Vec<Ref> = (0..5).map(|i| rt.new_int(i)).collect();
    let list = rt.new_list(vec![]);
    let mut tail = items.clone();
    tail.push(list.clone());
    let row = rt.alloc_var(
        Row {
            label: 7,
            len: AtomicUsize::new(6),
        },
        tail,
        true,
    );
    assert_eq!(row.downcast::<Row>().unwrap().label, 7);
    assert_eq!(row.tail().len(), 6);
    assert_eq!(row.tail()[3].as_i64(), Some(3));
    assert_eq!(items[3].refcount(), 2);
    list.as_list().unwrap().push(row.clone()); // row -> list -> row
    let w = rt.new_weakref(&row, None::<fn(&Ref)>);
    drop((row, list));
    assert_eq!(rt.collect(), 2);
    assert!(w.as_weakref().unwrap().upgrade().is_none());
    assert_eq!(items[3].refcount(), 1, "tail item not released");
    assert!(rt.violations().is_empty(), "{:?}", rt.violations());
    // Tuples use the same inline tail.
    let t = rt.new_tuple(items.clone());
    assert_eq!(t.as_tuple().unwrap().len(), 5);
    assert_eq!(t.tail().len(), 5);
    drop(t);
    assert_eq!(items[0].refcount(), 1);
}

#[test]
#[should_panic(expected = "alloc_var")]
fn variable_size_payload_refuses_the_fixed_size_allocation() {
    let rt = runtime(1);
    let _g = rt.attach_thread("main");
    rt.alloc(Row {
        label: 1,
        len: AtomicUsize::new(3),
    });
}
