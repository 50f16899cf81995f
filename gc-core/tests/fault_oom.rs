//! Fault injection: the OS refuses memory. Allocation returns a clear, typed error (never UB,
//! never an abort), and the runtime keeps working afterwards. Needs `--features fault-injection`
//! (run by `.ci/test.sh`). Alone in its binary: the failure switch is process-wide.
#![cfg(feature = "fault-injection")]

mod support;

use gc_core::heap::fault::fail_next_page_allocations;
use gc_core::AllocError;
use support::*;

#[test]
fn allocation_when_the_os_refuses_memory_is_a_clear_error() {
    let rt = runtime(config(2));
    let m = rt.register_mutator("main");
    fail_next_page_allocations(1);
    let err = m.alloc(64, false).unwrap_err();
    assert!(
        matches!(err, AllocError::OutOfMemory { requested: 64 }),
        "{err:?}"
    );
    assert!(err.to_string().contains("out of memory"), "{err}");
    // Large objects too.
    fail_next_page_allocations(1);
    assert!(matches!(
        m.alloc(1 << 20, false),
        Err(AllocError::OutOfMemory { .. })
    ));
    // Nothing was lost: the heap works and collects normally afterwards.
    let a = new_node(&m, 1);
    let b = new_node(&m, 2);
    a.link(&b);
    b.link(&a);
    drop((a, b));
    assert_eq!(m.collect(), 2);
    assert_eq!(rt.heap_stats().live_objects, 0);
}
