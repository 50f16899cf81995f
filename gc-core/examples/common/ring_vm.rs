//! A complete minimal VM binding: ring nodes with a count and `next`/`prev` references.
//! Shared by `examples/rings.rs` and `benches/record.rs`.

use std::sync::atomic::{AtomicUsize, Ordering};

use gc_core::{Mutator, ObjRef, Tracer, VmBinding};

/// A ring node: a count and two strong references.
pub struct Node {
    rc: AtomicUsize,
    next: Option<ObjRef>,
    prev: Option<ObjRef>,
}

fn node<'a>(o: ObjRef) -> &'a mut Node {
    // SAFETY: every object of this VM is a Node written right after allocation; the collector
    // only hands back live objects.
    unsafe { &mut *(o.as_ptr() as *mut Node) }
}

pub struct RingVm;

// SAFETY: counts are exact (every `next`/`prev` and the builder's handles are counted), trace
// reports both edges, clear drops both, destroy touches nothing else (rules 1–8).
unsafe impl VmBinding for RingVm {
    // clear only decrements counts and runs no VM code: safe on GC workers.
    const CLEAR_ON_WORKERS: bool = true;
    // trace reports exactly the counted references, so clear may skip garbage children: a
    // ring of garbage is freed without a single count update.
    const CLEAR_SKIPS_GARBAGE: bool = true;
    fn refcount(&self, o: ObjRef) -> usize {
        node(o).rc.load(Ordering::Relaxed)
    }
    fn trace<T: Tracer>(&self, o: ObjRef, t: &mut T) {
        let n = node(o);
        n.next.into_iter().chain(n.prev).for_each(|c| t.edge(c));
    }
    fn clear(&self, o: ObjRef) {
        let n = node(o);
        for c in [n.next.take(), n.prev.take()].into_iter().flatten() {
            // Garbage children are freed with this node: no count to drop. (A live child
            // would get a real decref, and free itself at zero: none here.)
            if !c.is_collector_held() {
                node(c).rc.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
    fn destroy(&self, _o: ObjRef) {}
}

pub fn build_rings(m: &Mutator<RingVm>, objects: usize) {
    for _ in 0..objects / 20 {
        let nodes: Vec<ObjRef> = (0..20)
            .map(|_| {
                let o = m.alloc(std::mem::size_of::<Node>(), false).unwrap();
                // SAFETY: fresh allocation big enough for a Node.
                unsafe {
                    (o.as_ptr() as *mut Node).write(Node {
                        rc: AtomicUsize::new(0),
                        next: None,
                        prev: None,
                    })
                };
                o
            })
            .collect();
        for i in 0..20 {
            let (n, p) = (nodes[(i + 1) % 20], nodes[(i + 19) % 20]);
            node(nodes[i]).next = Some(n);
            node(nodes[i]).prev = Some(p);
            node(n).rc.fetch_add(1, Ordering::Relaxed);
            node(p).rc.fetch_add(1, Ordering::Relaxed);
            m.runtime().track(nodes[i]);
        }
    }
}
