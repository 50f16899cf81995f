//! A deliberately wrong `trace` (the hidden over-report hook on an instance) is reported by
//! gc-core as a contract violation, and the objects involved are not freed while live.

use gc_core::{ContractViolation, GcConfig};
use gc_vm_adapter::{Ref, Runtime};

fn runtime() -> Runtime {
    Runtime::new(
        GcConfig::default()
            .with_workers(2)
            .with_parallel_min_objects(0)
            .with_enabled(false)
            .with_check_edges(true)
            .with_panic_on_violation(false),
    )
}

#[test]
fn over_reported_edge_is_detected_and_nothing_live_is_freed() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let class = rt.new_class("Lies", None);
    let inst = rt.new_instance(&class);
    let wc = rt.new_weakref(&class, None::<fn(&Ref)>);
    let wi = rt.new_weakref(&inst, None::<fn(&Ref)>);
    drop(class); // only the instance holds the class now
    inst.debug_over_report_edge(true); // trace reports the class edge twice
    rt.collect();
    let v = rt.violations();
    assert!(
        v.iter()
            .any(|v| matches!(v, ContractViolation::RefcountTooSmall { .. })),
        "expected RefcountTooSmall, got {v:?}"
    );
    let class = wc
        .as_weakref()
        .unwrap()
        .upgrade()
        .expect("live class was freed");
    assert_eq!(class.as_class().unwrap().name(), "Lies");
    assert!(wi.as_weakref().unwrap().upgrade().is_some());
    drop(class);
    // Honest again: dropping the instance frees both by refcount.
    inst.debug_over_report_edge(false);
    drop(inst);
    assert!(wi.as_weakref().unwrap().upgrade().is_none());
    assert!(wc.as_weakref().unwrap().upgrade().is_none());
}

#[test]
fn over_report_inside_garbage_cycle_keeps_the_overcounted_object() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let class = rt.new_class("C", None);
    let a = rt.new_instance(&class);
    let b = rt.new_instance(&class);
    a.as_instance().unwrap().set_attr("b", b.clone());
    b.as_instance().unwrap().set_attr("a", a.clone());
    let wc = rt.new_weakref(&class, None::<fn(&Ref)>);
    drop(class);
    a.debug_over_report_edge(true);
    drop((a, b));
    let before = rt.violations().len();
    rt.collect();
    assert!(rt.violations().len() > before, "violation not reported");
    // The over-counted class survives the collection and is not freed while referenced.
    let c = wc.as_weakref().unwrap().upgrade();
    if let Some(c) = c {
        assert_eq!(c.as_class().unwrap().name(), "C");
    }
}
