//! Property: random object graphs dropped by reference count, while finalizers trigger
//! collections at random points of the cascade, end exactly as full reachability from the
//! roots says (an independent oracle), at 1, 2 and 4 GC workers, with no contract breach.
//!
//! Each case builds `n` instances with random attribute edges, keeps a random set of roots,
//! and gives a random subset of the instances a finalizer that calls `collect()` (the others
//! only count). Then every external reference but the roots is dropped in a random order
//! (refcount deaths, cascades, nested collections) and a last `collect()` runs. Afterwards an
//! object is alive exactly when the oracle reaches it from the roots; every unreachable
//! object was finalized exactly once and every reachable one never.

mod common;

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use gc_vm_adapter::{Ref, Runtime};
use proptest::prelude::*;

thread_local! {
    /// The runtime a finalizer collects through (a closure capturing it would keep the
    /// runtime alive from inside one of its own objects).
    static RT: RefCell<Option<Runtime>> = const { RefCell::new(None) };
}

#[derive(Debug, Clone)]
struct Case {
    n: usize,
    edges: Vec<(usize, usize)>,
    roots: Vec<usize>,
    collectors: Vec<usize>,
    drop_order: Vec<usize>,
}

fn case() -> impl Strategy<Value = Case> {
    (2usize..40).prop_flat_map(|n| {
        (
            proptest::collection::vec((0..n, 0..n), 0..3 * n),
            proptest::collection::vec(0..n, 0..4),
            proptest::collection::vec(0..n, 0..n / 2 + 1),
            Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
        )
            .prop_map(move |(edges, roots, collectors, drop_order)| Case {
                n,
                edges,
                roots,
                collectors,
                drop_order,
            })
    })
}

/// Which objects the roots reach (plain graph search, no runtime involved).
fn oracle(c: &Case) -> HashSet<usize> {
    let mut seen: HashSet<usize> = c.roots.iter().copied().collect();
    let mut stack: Vec<usize> = seen.iter().copied().collect();
    while let Some(i) = stack.pop() {
        for &(a, b) in &c.edges {
            if a == i && seen.insert(b) {
                stack.push(b);
            }
        }
    }
    seen
}

fn run(c: &Case, workers: usize) -> Result<(), TestCaseError> {
    let rt = Runtime::new(common::checked_config(workers));
    let guard = rt.attach_thread("main");
    RT.with(|r| *r.borrow_mut() = Some(rt.clone()));
    let finalized = Arc::new(Mutex::new(vec![0u32; c.n]));
    let counting = rt.new_class("Counting", None);
    let collecting = rt.new_class("Collecting", None);
    for (class, collects) in [(&counting, false), (&collecting, true)] {
        let f = finalized.clone();
        class.as_class().unwrap().set_finalizer(move |obj| {
            let id = obj
                .as_instance()
                .and_then(|i| i.get_attr("id"))
                .and_then(|v| v.as_i64())
                .expect("every instance has an id") as usize;
            f.lock().unwrap()[id] += 1;
            if collects {
                RT.with(|r| {
                    if let Some(rt) = r.borrow().as_ref() {
                        rt.collect();
                    }
                });
            }
        });
    }
    let collectors: HashSet<usize> = c.collectors.iter().copied().collect();
    let objs: Vec<Ref> = (0..c.n)
        .map(|i| {
            let class = if collectors.contains(&i) {
                &collecting
            } else {
                &counting
            };
            let o = rt.new_instance(class);
            o.as_instance()
                .unwrap()
                .set_attr("id", rt.new_int(i as i64));
            o
        })
        .collect();
    for (k, &(a, b)) in c.edges.iter().enumerate() {
        objs[a]
            .as_instance()
            .unwrap()
            .set_attr(&format!("e{k}"), objs[b].clone());
    }
    let watches: Vec<Ref> = objs
        .iter()
        .map(|o| rt.new_weakref(o, None::<fn(&Ref)>))
        .collect();
    let roots: Vec<Ref> = c.roots.iter().map(|&i| objs[i].clone()).collect();
    drop((counting, collecting));
    let mut objs: Vec<Option<Ref>> = objs.into_iter().map(Some).collect();
    for &i in &c.drop_order {
        drop(objs[i].take());
    }
    rt.collect();
    rt.collect();

    let reach = oracle(c);
    let fin = finalized.lock().unwrap().clone();
    for i in 0..c.n {
        let alive = watches[i].as_weakref().unwrap().upgrade().is_some();
        prop_assert_eq!(
            alive,
            reach.contains(&i),
            "object {} (workers {})",
            i,
            workers
        );
        let want = if reach.contains(&i) { 0 } else { 1 };
        prop_assert_eq!(fin[i], want, "finalizer runs of object {}", i);
    }
    // Reachable objects keep every edge, to the right object.
    for (k, &(a, b)) in c.edges.iter().enumerate() {
        if reach.contains(&a) {
            let from = watches[a].as_weakref().unwrap().upgrade().unwrap();
            let to = from.as_instance().unwrap().get_attr(&format!("e{k}"));
            let want = watches[b].as_weakref().unwrap().upgrade();
            prop_assert!(
                matches!((&to, &want), (Some(t), Some(w)) if t.ptr_eq(w)),
                "edge {} -> {} lost",
                a,
                b
            );
        }
    }
    prop_assert!(rt.violations().is_empty(), "{:?}", rt.violations());
    drop((roots, watches));
    RT.with(|r| *r.borrow_mut() = None);
    drop(guard);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn refcount_drops_with_collections_from_finalizers_match_the_oracle(c in case()) {
        for workers in [1, 2, 4] {
            run(&c, workers)?;
        }
    }
}
