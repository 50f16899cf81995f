//! Basic collections through the test binding at several worker counts.

mod support;

use support::*;

fn ring(m: &gc_core::Mutator<TestVm>, first_id: u64, n: u64) -> Vec<Handle> {
    let nodes: Vec<Handle> = (0..n).map(|i| new_node(m, first_id + i)).collect();
    for i in 0..n as usize {
        nodes[i].link(&nodes[(i + 1) % n as usize]);
        nodes[(i + 1) % n as usize].link(&nodes[i]);
    }
    nodes
}

#[test]
fn self_cycle_and_two_node_cycle_are_collected() {
    for workers in [1, 2, 4] {
        let rt = runtime(config(workers));
        let m = rt.register_mutator("main");
        let a = new_node(&m, 1);
        a.link(&a);
        let b = new_node(&m, 2);
        let c = new_node(&m, 3);
        b.link(&c);
        c.link(&b);
        drop((a, b, c));
        assert_eq!(m.collect(), 3, "workers={workers}");
        assert_eq!(rt.binding().destroyed_set().len(), 3);
        assert_eq!(rt.heap_stats().live_objects, 0);
    }
}

#[test]
fn live_objects_survive_and_rings_are_freed() {
    for workers in [1, 2, 4, 8] {
        let rt = runtime(config(workers));
        let m = rt.register_mutator("main");
        let keep = ring(&m, 0, 20);
        let mut total = 0;
        for r in 0..100u64 {
            let nodes = ring(&m, 1000 + r * 20, 20);
            drop(nodes);
            total += 20;
        }
        let kept_ids: Vec<u64> = keep.iter().map(|h| h.id()).collect();
        let keep_one = keep[0].clone();
        drop(keep);
        assert_eq!(m.collect(), total, "workers={workers}");
        let destroyed = rt.binding().destroyed_set();
        for id in kept_ids {
            assert!(!destroyed.contains(&id), "live node {id} destroyed");
        }
        drop(keep_one);
        assert_eq!(m.collect(), 20);
        assert_eq!(rt.heap_stats().live_objects, 0);
    }
}
