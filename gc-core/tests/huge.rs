//! Extreme shapes at 8 GC workers: one object with a million references (all garbage, then
//! live), and a million-node chain closed into a cycle (garbage, then live). The self-check is
//! off here for speed; the test checks the result itself. Debug builds use 200k instead of 1M.

mod support;

use gc_core::{GcConfig, GcRuntime, Mutator};
use support::*;

/// 1M (200k in debug builds, where 1M takes ~30 s for the four tests on 2 cores);
/// `GC_HUGE_N` overrides.
fn size() -> usize {
    if let Some(n) = std::env::var("GC_HUGE_N").ok().and_then(|v| v.parse().ok()) {
        return n;
    }
    if cfg!(debug_assertions) {
        200_000
    } else {
        1_000_000
    }
}

fn world() -> (GcRuntime<TestVm>, Mutator<TestVm>) {
    let config = GcConfig::default()
        .with_workers(8)
        .with_enabled(false)
        .with_panic_on_violation(false)
        .with_verify(false);
    let rt = runtime(config);
    let m = rt.register_mutator("main");
    (rt, m)
}

/// Every id in `0..n` destroyed exactly once.
fn assert_all_destroyed(rt: &GcRuntime<TestVm>, n: usize) {
    let mut d = rt.binding().destroyed.lock().clone();
    d.sort_unstable();
    assert_eq!(d.len(), n, "destroyed count");
    assert!(
        d.iter().enumerate().all(|(i, &id)| id == i as u64),
        "destroyed ids are not exactly 0..{n} once each"
    );
    assert_eq!(rt.heap_stats().live_objects, 0);
    assert!(rt.violations().is_empty(), "{:?}", rt.violations());
}

/// A hub (id 0) with edges to nodes 1..=n; node 1 points back at the hub (so the hub is on a
/// cycle). Returns (hub, node 1).
fn hub(m: &Mutator<TestVm>, n: usize) -> (Handle, Handle) {
    let hub = new_node(m, 0);
    let first = new_node(m, 1);
    hub.link(&first);
    first.link(&hub);
    for i in 2..=n as u64 {
        let c = new_node(m, i);
        hub.link(&c);
        if i % 4096 == 0 {
            m.poll();
        }
    }
    (hub, first)
}

#[test]
fn huge_object_all_garbage() {
    let n = size();
    let (rt, m) = world();
    let (h, first) = hub(&m, n);
    assert_eq!(h.edge_count(), n);
    drop((h, first));
    assert_eq!(m.collect(), n + 1);
    assert_all_destroyed(&rt, n + 1);
    let rec = rt.last_record().unwrap();
    assert_eq!(rec.workers, 8);
    assert_eq!(rec.collected, n as u64 + 1);
}

#[test]
fn huge_object_live() {
    let n = size();
    let (rt, m) = world();
    let (h, first) = hub(&m, n);
    drop(first);
    assert_eq!(m.collect(), 0);
    assert!(rt.binding().destroyed.lock().is_empty());
    // Every edge is still there and every child intact (edge_ids reads each child's canary).
    let ids = h.edge_ids();
    assert_eq!(ids.len(), n);
    assert!(ids.iter().enumerate().all(|(i, &id)| id == i as u64 + 1));
    assert_eq!(h.refcount(), 2);
    // Unreachable again: collected whole.
    drop(h);
    assert_eq!(m.collect(), n + 1);
    assert_all_destroyed(&rt, n + 1);
}

/// Nodes 0..n, i -> i+1, and n-1 -> 0. Returns node 0.
fn chain(m: &Mutator<TestVm>, n: usize) -> Handle {
    let first = new_node(m, 0);
    let mut prev = first.clone();
    for i in 1..n as u64 {
        let c = new_node(m, i);
        prev.link(&c);
        prev = c;
        if i % 4096 == 0 {
            m.poll();
        }
    }
    prev.link(&first);
    first
}

#[test]
fn long_cyclic_chain_garbage() {
    let n = size();
    let (rt, m) = world();
    drop(chain(&m, n));
    assert_eq!(m.collect(), n);
    assert_all_destroyed(&rt, n);
}

#[test]
fn long_cyclic_chain_live() {
    let n = size();
    let (rt, m) = world();
    let first = chain(&m, n);
    assert_eq!(m.collect(), 0);
    assert!(rt.binding().destroyed.lock().is_empty());
    // Walk the whole chain: every link intact, back at the start after n steps.
    let mut cur = first.clone();
    for i in 1..=n as u64 {
        let next = cur.children().pop().expect("chain link missing");
        assert_eq!(next.id(), i % n as u64);
        cur = next;
    }
    assert_eq!(cur.id(), 0);
    drop(cur);
    drop(first);
    assert_eq!(m.collect(), n);
    assert_all_destroyed(&rt, n);
}
