//! Basic type behaviour: list/dict/instance operations from several threads, weakref callbacks
//! (refcount death and collector death), untracked atomic types.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use gc_core::GcConfig;
use gc_vm_adapter::{HashKey, Kind, Ref, Runtime};

fn runtime() -> Runtime {
    Runtime::new(
        GcConfig::default()
            .with_workers(2)
            .with_parallel_min_objects(0)
            .with_enabled(false),
    )
}

#[test]
fn list_and_dict_from_several_threads() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let list = rt.new_list(Vec::new());
    let dict = rt.new_dict();
    let hs: Vec<_> = (0..4)
        .map(|t| {
            let (rt, list, dict) = (rt.clone(), list.clone(), dict.clone());
            std::thread::spawn(move || {
                let _g = rt.attach_thread(format!("t{t}"));
                for i in 0..1000i64 {
                    list.as_list().unwrap().push(rt.new_int(t * 1000 + i));
                    let k = HashKey::Int(t * 1000 + i);
                    dict.as_dict()
                        .unwrap()
                        .insert(rt.new_int(t * 1000 + i), rt.new_str(&format!("v{i}")));
                    if i % 3 == 0 {
                        dict.as_dict().unwrap().remove(&k);
                    }
                    if i % 100 == 0 {
                        rt.poll();
                    }
                }
            })
        })
        .collect();
    for h in hs {
        rt.detached(|| h.join()).unwrap();
    }
    let l = list.as_list().unwrap();
    assert_eq!(l.len(), 4000);
    let mut vals: Vec<i64> = l.snapshot().iter().map(|r| r.as_i64().unwrap()).collect();
    vals.sort();
    assert_eq!(vals, (0..4000).collect::<Vec<_>>());
    let d = dict.as_dict().unwrap();
    assert_eq!(d.len(), 4 * (1000 - 334));
    assert_eq!(d.get(&HashKey::Int(1001)).unwrap().as_str(), Some("v1"));
    assert!(d.get(&HashKey::Int(1000)).is_none());
    assert_eq!(l.pop().unwrap().kind(), Kind::Int);
    l.set(0, rt.new_str("x"));
    assert_eq!(l.get(0).unwrap().as_str(), Some("x"));
}

#[test]
fn scalars_and_tuples() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let i = rt.new_int(42);
    let f = rt.new_float(1.5);
    let s = rt.new_str("hi");
    assert_eq!(i.as_i64(), Some(42));
    assert_eq!(f.as_float(), Some(1.5));
    assert_eq!(s.as_str(), Some("hi"));
    for o in [&i, &f, &s] {
        assert!(!o.obj_ref().is_tracked(), "atomic {o:?} is tracked");
    }
    let t_atoms = rt.new_tuple(vec![i.clone(), s.clone()]);
    assert!(!t_atoms.obj_ref().is_tracked());
    let t_nested = rt.new_tuple(vec![t_atoms.clone()]);
    assert!(!t_nested.obj_ref().is_tracked());
    let t_list = rt.new_tuple(vec![rt.new_list(vec![])]);
    assert!(t_list.obj_ref().is_tracked());
    assert_eq!(t_atoms.as_tuple().unwrap().len(), 2);
    assert_eq!(
        HashKey::from_object(&t_atoms),
        Some(HashKey::Tuple(
            vec![HashKey::Int(42), HashKey::from("hi")].into()
        ))
    );
    let none = rt.none();
    assert!(none.is_none() && rt.none().ptr_eq(&none));
    assert_eq!(rt.new_bool(true).as_bool(), Some(true));
    assert!(!rt.new_list(vec![]).obj_ref().is_collector_held());
    assert!(rt.new_list(vec![]).obj_ref().is_tracked());
}

#[test]
fn weakref_callback_fires_on_refcount_death() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let fired = Arc::new(AtomicUsize::new(0));
    let obj = rt.new_list(vec![rt.new_int(1)]);
    let f = fired.clone();
    let w = rt.new_weakref(
        &obj,
        Some(move |w: &Ref| {
            assert!(w.as_weakref().unwrap().upgrade().is_none());
            f.fetch_add(1, Ordering::SeqCst);
        }),
    );
    assert!(w.as_weakref().unwrap().upgrade().unwrap().ptr_eq(&obj));
    drop(obj);
    assert_eq!(fired.load(Ordering::SeqCst), 1);
    // A weakref that dies before its referent never calls back.
    let obj2 = rt.new_int(7);
    let f2 = fired.clone();
    let w2 = rt.new_weakref(
        &obj2,
        Some(move |_: &Ref| {
            f2.fetch_add(100, Ordering::SeqCst);
        }),
    );
    drop(w2);
    drop(obj2);
    assert_eq!(fired.load(Ordering::SeqCst), 1);
    drop(w);
}

#[test]
fn weakref_callback_fires_when_the_collector_frees_the_referent() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let fired = Arc::new(AtomicUsize::new(0));
    let a = rt.new_list(vec![]);
    let b = rt.new_dict();
    a.as_list().unwrap().push(b.clone());
    b.as_dict().unwrap().insert(rt.new_str("a"), a.clone());
    let f = fired.clone();
    let w = rt.new_weakref(
        &a,
        Some(move |_: &Ref| {
            f.fetch_add(1, Ordering::SeqCst);
        }),
    );
    drop((a, b));
    assert_eq!(fired.load(Ordering::SeqCst), 0);
    assert_eq!(rt.collect(), 2);
    assert_eq!(fired.load(Ordering::SeqCst), 1);
    assert!(w.as_weakref().unwrap().upgrade().is_none());
}

#[test]
fn instance_finalizer_runs_once_and_may_resurrect() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let class = rt.new_class("R", None);
    let keep = rt.new_list(vec![]);
    let runs = Arc::new(AtomicUsize::new(0));
    {
        let (keep, runs) = (keep.clone(), runs.clone());
        class.as_class().unwrap().set_finalizer(move |me| {
            runs.fetch_add(1, Ordering::SeqCst);
            keep.as_list().unwrap().push(me.clone()); // resurrect
        });
    }
    let inst = rt.new_instance(&class);
    inst.as_instance().unwrap().set_attr("x", rt.new_int(5));
    drop(inst);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let back = keep.as_list().unwrap().pop().unwrap();
    assert_eq!(
        back.as_instance().unwrap().get_attr("x").unwrap().as_i64(),
        Some(5)
    );
    drop(back); // finalizer does not run again
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(keep.as_list().unwrap().len(), 0);
}

#[test]
fn functions_cells_and_roots() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let cell = rt.new_cell(None);
    let globals = rt.new_dict();
    let f = rt.new_function(
        "f",
        Some(rt.new_int(17)),
        vec![cell.clone()],
        Some(globals.clone()),
    );
    cell.as_cell().unwrap().set(Some(f.clone())); // f -> cell -> f
    assert_eq!(
        f.as_function().unwrap().code().and_then(|c| c.as_i64()),
        Some(17)
    );
    let w = rt.new_weakref(&f, None::<fn(&Ref)>);
    let root = rt.add_root(&f);
    drop((cell, f, globals));
    assert_eq!(rt.collect(), 0);
    rt.push_root(rt.remove_root(root).unwrap());
    assert_eq!(rt.collect(), 0);
    drop(rt.pop_root());
    assert_eq!(rt.collect(), 3);
    assert!(w.as_weakref().unwrap().upgrade().is_none());
}

/// Weakrefs are tracked with or without a callback, as in CPython
/// (`gc.is_tracked(weakref.ref(x))` is True). A callback-less weakref held by a garbage cycle
/// is freed with it (its referent, dying later, finds nothing to clear), and one pointing
/// into its own cycle is freed with its referent.
#[test]
fn weakrefs_are_tracked_and_freed_with_their_cycle() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let target = rt.new_list(vec![]);
    let plain = rt.new_weakref(&target, None::<fn(&Ref)>);
    assert!(plain.obj_ref().is_tracked());
    let holder = rt.new_list(vec![plain]);
    holder.as_list().unwrap().push(holder.clone());
    drop(holder);
    assert_eq!(rt.collect(), 2);
    drop(target);
    let a = rt.new_list(vec![]);
    let w = rt.new_weakref(&a, None::<fn(&Ref)>);
    a.as_list().unwrap().push(w);
    a.as_list().unwrap().push(a.clone());
    drop(a);
    assert_eq!(rt.collect(), 2);
}
