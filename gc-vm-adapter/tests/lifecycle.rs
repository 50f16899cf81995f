//! Refcount death and callbacks as edges: cycles through a weakref callback and through a
//! finalizer are collected; million-deep chains of every container type are freed by
//! refcount in a 256 KiB stack (the trashcan); a finalizer that calls `collect()` in the
//! middle of a refcount-death cascade never shows the collector a tracked object with a
//! count of zero.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use gc_core::GcConfig;
use gc_vm_adapter::{Ref, Runtime};

fn config(workers: usize) -> GcConfig {
    common::checked_config(workers)
}

fn watch(rt: &Runtime, r: &Ref) -> Ref {
    rt.new_weakref(r, None::<fn(&Ref)>)
}

fn dead(w: &Ref) -> bool {
    w.as_weakref().unwrap().upgrade().is_none()
}

#[test]
fn cycle_through_a_weakref_callback_is_collected() {
    for workers in [1, 2, 4, 8] {
        let rt = Runtime::new(config(workers));
        let _g = rt.attach_thread("main");
        let fired = Arc::new(AtomicUsize::new(0));
        let class = rt.new_class("Owner", None);
        let a = rt.new_instance(&class);
        // a -> w (attribute), w -> cb (callback slot), cb -> a (captured, traced).
        let f = fired.clone();
        let cb = rt.new_native_callable(vec![a.clone()], move |_, _| {
            f.fetch_add(1, Ordering::SeqCst);
        });
        let w = rt.new_weakref_with(&a, Some(cb));
        assert!(w.obj_ref().is_tracked());
        a.as_instance().unwrap().set_attr("w", w.clone());
        let wa = watch(&rt, &a);
        drop((a, w));
        assert_eq!(rt.collect(), 3, "workers={workers}");
        assert!(dead(&wa));
        // CPython: the weakref is garbage itself, so its callback never fires.
        assert_eq!(fired.load(Ordering::SeqCst), 0);
        assert!(rt.violations().is_empty(), "{:?}", rt.violations());
    }
}

#[test]
fn live_weakref_callback_object_fires_on_collector_and_refcount_death() {
    let rt = Runtime::new(config(2));
    let _g = rt.attach_thread("main");
    let fired = Arc::new(AtomicUsize::new(0));
    let f = fired.clone();
    let cb = rt.new_native_callable(vec![], move |_, w| {
        assert!(w.as_weakref().unwrap().upgrade().is_none());
        f.fetch_add(1, Ordering::SeqCst);
    });
    let a = rt.new_list(vec![]);
    a.as_list().unwrap().push(a.clone());
    let w1 = rt.new_weakref_with(&a, Some(cb.clone()));
    drop(a);
    assert_eq!(rt.collect(), 1);
    assert_eq!(fired.load(Ordering::SeqCst), 1);
    let b = rt.new_list(vec![]);
    let w2 = rt.new_weakref_with(&b, Some(cb));
    drop(b);
    assert_eq!(fired.load(Ordering::SeqCst), 2);
    drop((w1, w2));
}

#[test]
fn cycle_through_a_finalizer_is_collected_and_finalized_once() {
    for workers in [1, 2, 4, 8] {
        let rt = Runtime::new(config(workers));
        let _g = rt.attach_thread("main");
        let runs = Arc::new(AtomicUsize::new(0));
        // Instance finalizer capturing its instance: i -> fin -> i.
        let class = rt.new_class("C", None);
        let i = rt.new_instance(&class);
        let r = runs.clone();
        let fin = rt.new_native_callable(vec![i.clone()], move |caps, me| {
            assert!(caps[0].ptr_eq(me));
            r.fetch_add(1, Ordering::SeqCst);
        });
        i.as_instance().unwrap().set_finalizer_object(Some(fin));
        let wi = watch(&rt, &i);
        drop(i);
        assert!(!dead(&wi), "refcount cannot free a cycle");
        assert_eq!(rt.collect(), 2, "workers={workers}");
        assert!(dead(&wi));
        assert_eq!(runs.load(Ordering::SeqCst), 1);

        // Class finalizer capturing its class: C <-> fin; instances die by refcount and
        // run it; the class cycle is then collected.
        let r = runs.clone();
        let fin = rt.new_native_callable(vec![class.clone()], move |caps, me| {
            let c = me.as_instance().unwrap().class().unwrap();
            assert!(c.ptr_eq(caps[0].borrow()));
            r.fetch_add(1, Ordering::SeqCst);
        });
        class.as_class().unwrap().set_finalizer_object(Some(fin));
        drop(rt.new_instance(&class));
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        let wc = watch(&rt, &class);
        drop(class);
        assert_eq!(rt.collect(), 2, "workers={workers}");
        assert!(dead(&wc));
        assert!(rt.violations().is_empty(), "{:?}", rt.violations());
    }
}

#[test]
fn untracked_objects_are_finalized_at_most_once() {
    // An instance untracked by the VM (never a cycle candidate) still uses gc-core's bit.
    let rt = Runtime::new(config(2));
    let _g = rt.attach_thread("main");
    let keep = rt.new_list(vec![]);
    let runs = Arc::new(AtomicUsize::new(0));
    let class = rt.new_class("U", None);
    let (k, r) = (keep.clone(), runs.clone());
    class.as_class().unwrap().set_finalizer(move |me| {
        r.fetch_add(1, Ordering::SeqCst);
        k.as_list().unwrap().push(me.clone());
    });
    let i = rt.new_instance(&class);
    rt.gc().untrack(i.obj_ref());
    drop(i);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let back = keep.as_list().unwrap().pop().unwrap();
    assert!(back.obj_ref().is_finalized());
    drop(back);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

const DEEP: usize = 1_000_000;

/// Build a `DEEP` chain with `link(prev) -> next` and drop it, on a thread with a 256 KiB
/// stack; the innermost object must be freed.
fn deep_chain(name: &'static str, link: fn(&Runtime, Ref) -> Ref) {
    let rt = Runtime::new(config(2));
    std::thread::Builder::new()
        .name(name.into())
        .stack_size(256 * 1024)
        .spawn(move || {
            let _g = rt.attach_thread(name);
            let first = rt.new_list(vec![]);
            let w = watch(&rt, &first);
            let mut head = first;
            for _ in 0..DEEP {
                head = link(&rt, head);
            }
            drop(head);
            assert!(dead(&w), "{name}: innermost object still alive");
        })
        .unwrap()
        .join()
        .unwrap_or_else(|_| panic!("{name}: chain drop failed"));
}

#[test]
fn deep_list_chain_is_freed_in_a_small_stack() {
    deep_chain("list", |rt, prev| rt.new_list(vec![prev]));
}

#[test]
fn deep_tuple_chain_is_freed_in_a_small_stack() {
    deep_chain("tuple", |rt, prev| rt.new_tuple(vec![prev]));
}

#[test]
fn deep_dict_chain_is_freed_in_a_small_stack() {
    deep_chain("dict", |rt, prev| {
        let d = rt.new_dict();
        d.as_dict().unwrap().insert(rt.new_str("next"), prev);
        d
    });
}

#[test]
fn deep_instance_chain_is_freed_in_a_small_stack() {
    deep_chain("instance", |rt, prev| {
        // The class is looked up from the previous link (or made once).
        let class = match prev.as_instance() {
            Some(i) => i.class().unwrap().to_ref(),
            None => rt.new_class("Node", None),
        };
        let i = rt.new_instance(&class);
        i.as_instance().unwrap().set_attr("next", prev);
        i
    });
}

#[test]
fn deep_class_base_chain_is_freed_in_a_small_stack() {
    deep_chain("class", |rt, prev| {
        let base = prev.is::<gc_vm_adapter::Class>().then_some(&prev);
        let c = rt.new_class("K", base);
        if base.is_none() {
            // The first link: hang the list watched by deep_chain off the first class.
            c.as_class().unwrap().set_attr("first", prev);
        }
        c
    });
}

#[test]
fn finalizer_lookup_walks_a_deep_base_chain_in_a_small_stack() {
    let rt = Runtime::new(config(2));
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let _g = rt.attach_thread("bases");
            let runs = Arc::new(AtomicUsize::new(0));
            let root = rt.new_class("Root", None);
            let r = runs.clone();
            root.as_class().unwrap().set_finalizer(move |_| {
                r.fetch_add(1, Ordering::SeqCst);
            });
            let mut c = root;
            for _ in 0..DEEP {
                c = rt.new_class("Sub", Some(&c));
            }
            drop(rt.new_instance(&c));
            assert_eq!(runs.load(Ordering::SeqCst), 1);
            // And through the collector (has_finalizer walks the chain on a GC worker).
            let i = rt.new_instance(&c);
            i.as_instance().unwrap().set_attr("me", i.clone());
            drop(i);
            assert_eq!(rt.collect(), 1);
            assert_eq!(runs.load(Ordering::SeqCst), 2);
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn deep_cell_chain_is_freed_in_a_small_stack() {
    deep_chain("cell", |rt, prev| rt.new_cell(Some(prev)));
}

#[test]
fn deep_function_defaults_chain_is_freed_in_a_small_stack() {
    deep_chain("function", |rt, prev| {
        let f = rt.new_function("f", None, vec![], None);
        f.as_function().unwrap().set_defaults(vec![prev]);
        f
    });
}

#[test]
fn deep_function_cells_and_globals_chain_is_freed_in_a_small_stack() {
    deep_chain("closure", |rt, prev| {
        rt.new_function("g", None, vec![rt.new_cell(Some(prev))], None)
    });
}

#[test]
fn deep_native_callable_chain_is_freed_in_a_small_stack() {
    deep_chain("native", |rt, prev| {
        rt.new_native_callable(vec![prev], |_, _| {})
    });
}

/// 40 nested `[t, Ouch()]` lists; every 17th `Ouch` finalizer calls `collect()` while the
/// cascade is dropping the lists around it.
fn cascade_with_collecting_finalizers(rt: &Runtime) {
    let runs = Arc::new(AtomicUsize::new(0));
    let class = rt.new_class("Ouch", None);
    let (r, rt2) = (runs.clone(), rt.clone());
    class.as_class().unwrap().set_finalizer(move |_| {
        if r.fetch_add(1, Ordering::SeqCst) % 17 == 16 {
            rt2.collect();
        }
    });
    let mut t = rt.none();
    for _ in 0..40 {
        t = rt.new_list(vec![t, rt.new_instance(&class)]);
    }
    drop(t);
    assert_eq!(runs.load(Ordering::SeqCst), 40);
}

#[test]
fn finalizer_collecting_during_a_cascade_sees_no_dying_tracked_object() {
    for workers in [1, 2, 4, 8] {
        let rt = Runtime::new(config(workers));
        let _g = rt.attach_thread("main");
        cascade_with_collecting_finalizers(&rt);
        assert!(rt.violations().is_empty(), "{:?}", rt.violations());
    }
}

#[test]
fn finalizers_collecting_during_cascades_on_four_threads() {
    for workers in [1, 2, 4, 8] {
        let rt = Runtime::new(config(workers));
        let _g = rt.attach_thread("main");
        let hs: Vec<_> = (0..4)
            .map(|t| {
                let rt = rt.clone();
                std::thread::spawn(move || {
                    let _g = rt.attach_thread(format!("t{t}"));
                    for _ in 0..3 {
                        cascade_with_collecting_finalizers(&rt);
                        rt.poll();
                    }
                })
            })
            .collect();
        for h in hs {
            rt.detached(|| h.join()).unwrap();
        }
        assert!(rt.violations().is_empty(), "{:?}", rt.violations());
    }
}

#[test]
fn collector_finalized_then_resurrected_object_is_not_finalized_again_by_refcount() {
    let rt = Runtime::new(config(2));
    let _g = rt.attach_thread("main");
    let keep = rt.new_list(vec![]);
    let runs = Arc::new(AtomicUsize::new(0));
    let class = rt.new_class("R", None);
    let (k, r) = (keep.clone(), runs.clone());
    class.as_class().unwrap().set_finalizer(move |me| {
        r.fetch_add(1, Ordering::SeqCst);
        k.as_list().unwrap().push(me.clone());
    });
    let a = rt.new_instance(&class);
    a.as_instance().unwrap().set_attr("self", a.clone()); // a -> a
    drop(a);
    assert_eq!(rt.collect(), 0, "resurrected by its finalizer");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let a = keep.as_list().unwrap().pop().unwrap();
    assert!(a.obj_ref().is_finalized());
    drop(a.as_instance().unwrap().del_attr("self"));
    drop(a); // refcount death: the shared bit says it already ran
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(keep.as_list().unwrap().len(), 0);
}

/// An interpreter-like hook: finalizers and callbacks are function objects, "called" by
/// recording their name.
struct CallLog(parking_lot::Mutex<Vec<String>>);

impl gc_vm_adapter::VmHooks for CallLog {
    fn call_finalizer(&self, finalizer: &Ref, _obj: &Ref) {
        let f = finalizer.as_function().expect("a function object");
        self.0.lock().push(format!("del:{}", f.name()));
    }
    fn call_weakref_callback(&self, callback: &Ref, _weakref: &Ref) {
        let f = callback.as_function().expect("a function object");
        self.0.lock().push(format!("cb:{}", f.name()));
    }
}

#[test]
fn vm_hooks_call_the_vms_own_function_objects() {
    let log = Arc::new(CallLog(Default::default()));
    let rt = Runtime::with_hooks(config(2), log.clone());
    let _g = rt.attach_thread("main");
    let class = rt.new_class("C", None);
    let del = rt.new_function("__del__", None, vec![], None);
    class.as_class().unwrap().set_finalizer_object(Some(del));
    let cb = rt.new_function("on_dead", None, vec![], None);
    let i = rt.new_instance(&class);
    let w = rt.new_weakref_with(&i, Some(cb));
    drop(i);
    assert_eq!(*log.0.lock(), ["del:__del__", "cb:on_dead"]);
    // Through the collector too.
    let j = rt.new_instance(&class);
    j.as_instance().unwrap().set_attr("me", j.clone());
    let cb = rt.new_function("on_dead2", None, vec![], None);
    let w2 = rt.new_weakref_with(&j, Some(cb));
    drop(j);
    assert_eq!(rt.collect(), 1);
    assert_eq!(
        *log.0.lock(),
        ["del:__del__", "cb:on_dead", "cb:on_dead2", "del:__del__"]
    );
    drop((w, w2));
}
