//! No collector phase recurses on graph depth: a 1 000 000-deep chain (alive, then closed into
//! a garbage cycle) is collected and verified (the self-check on) by a collection whose
//! calling thread has a 256 KiB stack. Marking (mark-alive, mark-reachable, resurrection) uses
//! explicit work stacks, the refs and scan passes walk pages, `clear`/destroy/free walk the
//! garbage list, and the self-check is a breadth-first search with a queue. GC workers run on
//! the pool's threads (rayon's default stack), doing the same loops. `GC_DEEP_N` overrides the
//! depth.

mod support;

use support::*;

const STACK: usize = 256 * 1024;

fn depth() -> u64 {
    std::env::var("GC_DEEP_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// On a thread with a 256 KiB stack: build a chain 0 -> 1 -> ... -> n-1 held only by its head,
/// collect (nothing freed, self-check on), close it into a cycle, drop the head, collect (all
/// freed).
fn deep_chain(workers: usize) {
    let n = depth();
    std::thread::Builder::new()
        .name(format!("deep-{workers}"))
        .stack_size(STACK)
        .spawn(move || {
            let (rt, m) = world(workers);
            let head = new_node(&m, 0);
            let mut last = head.clone();
            for i in 1..n {
                let next = new_node(&m, i);
                last.link(&next);
                last = next;
                if i % 4096 == 0 {
                    m.poll();
                }
            }
            assert_eq!(m.collect(), 0, "workers={workers}: live chain");
            assert_eq!(rt.heap_stats().live_objects, n as usize);
            // Garbage: a cycle n nodes deep.
            last.link(&head);
            drop((head, last));
            assert_eq!(m.collect(), n as usize, "workers={workers}: garbage cycle");
            assert_eq!(rt.binding().destroyed_set().len(), n as usize);
            assert_eq!(rt.heap_stats().live_objects, 0);
            assert!(rt.violations().is_empty(), "{:?}", rt.violations());
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn million_deep_chain_on_a_small_stack_one_worker() {
    deep_chain(1);
}

#[test]
fn million_deep_chain_on_a_small_stack_four_workers() {
    deep_chain(4);
}
