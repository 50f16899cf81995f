//! `threading`: `Thread` (each one a real OS thread attached as a gc-core mutator), `Lock` /
//! `RLock`, `active_count`, `get_ident`; [`join_all`] waits for the threads at program end.

use std::sync::atomic::Ordering;

use super::builtins::kwarg;
use super::{set, BuiltinFn, Kw};
use crate::objects::{small_int, PyLock};
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::Ref;

/// The `threading` module (and the methods of `threading.Thread`).
pub(crate) fn make(vm: &Vm) -> Ref {
    let m = vm.make_module("threading", THREADING);
    let c = vm.thread_class.as_class().expect("class");
    let methods: &[(&'static str, BuiltinFn)] = &[
        ("__init__", thread_init),
        ("start", thread_start),
        ("join", thread_join),
        ("run", thread_run),
        ("is_alive", thread_is_alive),
    ];
    for (n, f) in methods {
        c.set_attr(n, vm.builtin(n, *f));
    }
    set(&m, "Thread", vm.thread_class.clone());
    m
}

const THREADING: &[(&str, BuiltinFn)] = &[
    ("Lock", new_lock),
    ("RLock", new_lock),
    ("active_count", |vm, _, _| {
        let n = vm
            .threads
            .lock()
            .values()
            .filter(|h| !h.is_finished())
            .count();
        Ok(vm.int(n as i64 + 1))
    }),
    ("get_ident", |vm, _, _| {
        Ok(vm.int(vm.rt.with_mutator(|m| m.heap_id()) as i64))
    }),
];

fn new_lock(vm: &Vm, _a: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    Ok(vm.rt.alloc(PyLock::default()))
}

fn inst(vm: &Vm, o: &Ref) -> PyResult<()> {
    if o.as_instance().is_none() {
        return Err(vm.type_error("Thread method called on a non-Thread"));
    }
    Ok(())
}

fn thread_init(vm: &Vm, a: &[Ref], kw: &Kw) -> PyResult<Ref> {
    inst(vm, &a[0])?;
    let none = vm.rt.none();
    let target = a
        .get(2)
        .cloned()
        .or_else(|| kwarg(kw, "target"))
        .unwrap_or(none.clone());
    let args = a
        .get(4)
        .cloned()
        .or_else(|| kwarg(kw, "args"))
        .unwrap_or_else(|| vm.rt.new_tuple(Vec::new()));
    let kwargs = kwarg(kw, "kwargs").unwrap_or(none.clone());
    let name = kwarg(kw, "name").unwrap_or(none);
    set(&a[0], "_target", target);
    set(&a[0], "_args", args);
    set(&a[0], "_kwargs", kwargs);
    set(&a[0], "name", name);
    set(
        &a[0],
        "daemon",
        kwarg(kw, "daemon").unwrap_or_else(|| vm.rt.new_bool(false)),
    );
    Ok(vm.rt.none())
}

fn thread_run(vm: &Vm, a: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    let i = a[0]
        .as_instance()
        .ok_or_else(|| vm.type_error("not a Thread"))?;
    let Some(target) = i.get_attr("_target").filter(|t| !t.is_none()) else {
        return Ok(vm.rt.none());
    };
    let args = match i.get_attr("_args") {
        Some(a) => vm.iterate(&a)?,
        None => Vec::new(),
    };
    let mut kws = Vec::new();
    if let Some(d) = i.get_attr("_kwargs").as_ref().and_then(|d| d.as_dict()) {
        for (k, v) in d.items() {
            if let Some(s) = k.as_str() {
                kws.push((std::sync::Arc::from(s), v));
            }
        }
    }
    vm.call(&target, args, kws)?;
    Ok(vm.rt.none())
}

fn thread_start(vm: &Vm, a: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    inst(vm, &a[0])?;
    let this = a[0].clone();
    if this
        .as_instance()
        .and_then(|i| i.get_attr("_ident"))
        .is_some()
    {
        return Err(vm.error(&vm.exc.runtime, "threads can only be started once"));
    }
    let id = vm.next_thread.fetch_add(1, Ordering::Relaxed) as i64;
    set(&this, "_ident", vm.int(id));
    let vm2 = vm.arc();
    let t = this.clone();
    let h = std::thread::Builder::new()
        .name(format!("py-thread-{id}"))
        .stack_size(crate::vm::guard::THREAD_STACK)
        .spawn(move || {
            let guard = vm2.rt.attach_thread(format!("py-thread-{id}"));
            vm2.rt.push_root(t.clone());
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                vm2.call_method(&t, "run", Vec::new())
            }));
            let r = match r {
                Ok(r) => r,
                // A panic is a bug in pyrt: recorded, and the run exits non-zero.
                Err(p) => {
                    vm2.record_panic(&format!("py-thread-{id}"), p.as_ref());
                    Ok(vm2.rt.none())
                }
            };
            if let Err(e) = r {
                let tb = crate::vm::exceptions::format_traceback(&vm2, &e);
                eprint!("Exception in thread {id}:\n{tb}");
                drop(e);
            }
            drop(t);
            drop(guard);
        })
        .map_err(|e| vm.error(&vm.exc.runtime, format!("can't start new thread: {e}")))?;
    vm.threads.lock().insert(id, h);
    Ok(vm.rt.none())
}

fn thread_join(vm: &Vm, a: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    let id = a[0]
        .as_instance()
        .and_then(|i| i.get_attr("_ident"))
        .and_then(|i| small_int(&i))
        .ok_or_else(|| vm.error(&vm.exc.runtime, "cannot join thread before it is started"))?;
    let h = vm.threads.lock().remove(&id);
    if let Some(h) = h {
        let _ = vm.rt.detached(|| h.join());
    }
    Ok(vm.rt.none())
}

fn thread_is_alive(vm: &Vm, a: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    let id = a[0]
        .as_instance()
        .and_then(|i| i.get_attr("_ident"))
        .and_then(|i| small_int(&i));
    let alive = id
        .and_then(|id| vm.threads.lock().get(&id).map(|h| !h.is_finished()))
        .unwrap_or(false);
    Ok(vm.rt.new_bool(alive))
}

/// Join every thread still running (end of the program).
pub fn join_all(vm: &Vm) {
    loop {
        let hs: Vec<_> = vm.threads.lock().drain().map(|(_, h)| h).collect();
        if hs.is_empty() {
            return;
        }
        vm.rt.detached(|| {
            for h in hs {
                let _ = h.join();
            }
        });
    }
}
