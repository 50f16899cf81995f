//! Built-in modules: `threading`, `time`, `gc`, `weakref`, `sys` (and a small `math`).

use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use super::builtins::kwarg;
use super::object::{small_int, BuiltinFn, Native, PyLock};
use super::{PyResult, Vm};
use crate::{HashKey, Ref};

type Kw = [(Arc<str>, Ref)];

impl Vm {
    /// `import name` (built-in modules only; created once per VM).
    pub fn import(&self, name: &str) -> PyResult<Ref> {
        if let Some(m) = self.modules.lock().get(name) {
            return Ok(m.clone());
        }
        let m = match name {
            "threading" => self.make_threading(),
            "time" => self.make_module(name, TIME),
            "gc" => {
                let m = self.make_module(name, GC);
                set(&m, "callbacks", self.gc_callbacks.clone());
                set(&m, "garbage", self.rt.new_list(Vec::new()));
                m
            }
            "weakref" => self.make_module(name, WEAKREF),
            "sys" => self.make_sys(),
            "math" => {
                let m = self.make_module(name, MATH);
                set(&m, "pi", self.rt.new_float(std::f64::consts::PI));
                set(&m, "e", self.rt.new_float(std::f64::consts::E));
                set(&m, "inf", self.rt.new_float(f64::INFINITY));
                m
            }
            _ => {
                return Err(self.error(
                    &self.exc.import,
                    format!("No module named '{name}' (this runtime has only built-in modules: threading, time, gc, weakref, sys, math)"),
                ))
            }
        };
        self.rt.add_root(&m);
        let mut mods = self.modules.lock();
        Ok(mods.entry(name.to_string()).or_insert(m).clone())
    }

    fn make_module(&self, name: &str, fns: &[(&'static str, BuiltinFn)]) -> Ref {
        let m = self.rt.new_instance(&self.module_class);
        set(&m, "__name__", self.str(name));
        for (n, f) in fns {
            set(&m, n, self.builtin(n, *f));
        }
        m
    }

    fn make_sys(&self) -> Ref {
        let m = self.make_module("sys", SYS);
        let argv = self.argv.iter().map(|a| self.str(a)).collect();
        set(&m, "argv", self.rt.new_list(argv));
        set(&m, "version", self.str(super::VERSION));
        let vi = [3, 13, 0].iter().map(|v| self.int(*v)).collect();
        set(&m, "version_info", self.rt.new_tuple(vi));
        set(&m, "implementation_name", self.str("gc-parallel-interp"));
        set(&m, "maxsize", self.int(i64::MAX));
        set(&m, "platform", self.str(std::env::consts::OS));
        m
    }

    fn make_threading(&self) -> Ref {
        let m = self.make_module("threading", THREADING);
        let c = self.thread_class.as_class().expect("class");
        let methods: &[(&'static str, BuiltinFn)] = &[
            ("__init__", thread_init),
            ("start", thread_start),
            ("join", thread_join),
            ("run", thread_run),
            ("is_alive", thread_is_alive),
        ];
        for (n, f) in methods {
            c.set_attr(n, self.builtin(n, *f));
        }
        set(&m, "Thread", self.thread_class.clone());
        m
    }
}

fn set(m: &Ref, name: &str, v: Ref) {
    if let Some(i) = m.as_instance() {
        i.set_attr(name, v);
    }
}

fn epoch() -> Instant {
    static E: OnceLock<Instant> = OnceLock::new();
    *E.get_or_init(Instant::now)
}

fn num_arg(vm: &Vm, a: Option<&Ref>) -> PyResult<f64> {
    let a = a.ok_or_else(|| vm.type_error("missing argument"))?;
    a.as_float()
        .or_else(|| small_int(a).map(|v| v as f64))
        .ok_or_else(|| vm.type_error(format!("must be real number, not {}", vm.type_name(a))))
}

const TIME: &[(&str, BuiltinFn)] = &[
    ("perf_counter", |vm, _, _| {
        Ok(vm.rt.new_float(epoch().elapsed().as_secs_f64()))
    }),
    ("monotonic", |vm, _, _| {
        Ok(vm.rt.new_float(epoch().elapsed().as_secs_f64()))
    }),
    ("perf_counter_ns", |vm, _, _| {
        Ok(vm.int(epoch().elapsed().as_nanos() as i64))
    }),
    ("time", |vm, _, _| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        Ok(vm.rt.new_float(t))
    }),
    ("sleep", |vm, a, _| {
        let s = num_arg(vm, a.first())?;
        if s < 0.0 {
            return Err(vm.value_error("sleep length must be non-negative"));
        }
        vm.rt
            .detached(|| std::thread::sleep(std::time::Duration::from_secs_f64(s)));
        Ok(vm.rt.none())
    }),
];

const GC: &[(&str, BuiltinFn)] = &[
    ("collect", |vm, _, _| Ok(vm.int(vm.rt.collect() as i64))),
    ("enable", |vm, _, _| {
        vm.rt.gc().enable();
        Ok(vm.rt.none())
    }),
    ("disable", |vm, _, _| {
        vm.rt.gc().disable();
        Ok(vm.rt.none())
    }),
    ("isenabled", |vm, _, _| {
        Ok(vm.rt.new_bool(vm.rt.gc().is_enabled()))
    }),
    ("get_count", |vm, _, _| {
        let v = vec![
            vm.int(vm.rt.gc().young_count() as i64),
            vm.int(0),
            vm.int(0),
        ];
        Ok(vm.rt.new_tuple(v))
    }),
    ("get_threshold", |vm, _, _| {
        let v = vec![
            vm.int(vm.rt.gc().threshold() as i64),
            vm.int(10),
            vm.int(10),
        ];
        Ok(vm.rt.new_tuple(v))
    }),
    ("set_threshold", |vm, a, _| {
        if let Some(n) = a.first().and_then(small_int) {
            vm.rt.gc().set_threshold(n.max(0) as u64);
        }
        Ok(vm.rt.none())
    }),
    ("get_stats", |vm, _, _| {
        let st = vm.rt.stats();
        let mk = |c: u64, n: u64, u: u64| {
            let d = vm.rt.new_dict();
            let dd = d.as_dict().expect("dict");
            dd.insert(HashKey::from("collections"), vm.int(c as i64));
            dd.insert(HashKey::from("collected"), vm.int(n as i64));
            dd.insert(HashKey::from("uncollectable"), vm.int(u as i64));
            d
        };
        let v = vec![
            mk(st.collections, st.collected, st.uncollectable),
            mk(0, 0, 0),
            mk(0, 0, 0),
        ];
        Ok(vm.rt.new_list(v))
    }),
    ("freeze", |vm, _, _| {
        let n = vm.rt.with_mutator(|m| vm.rt.gc().freeze(m));
        vm.frozen.fetch_add(n, Ordering::Relaxed);
        Ok(vm.rt.none())
    }),
    ("unfreeze", |vm, _, _| {
        vm.rt.with_mutator(|m| vm.rt.gc().unfreeze(m));
        vm.frozen.store(0, Ordering::Relaxed);
        Ok(vm.rt.none())
    }),
    ("get_freeze_count", |vm, _, _| {
        Ok(vm.int(vm.frozen.load(Ordering::Relaxed) as i64))
    }),
    ("is_tracked", |vm, a, _| {
        Ok(vm.rt.new_bool(a[0].obj_ref().is_tracked()))
    }),
];

const WEAKREF: &[(&str, BuiltinFn)] = &[("ref", weakref_ref)];

fn weakref_ref(vm: &Vm, a: &[Ref], kw: &Kw) -> PyResult<Ref> {
    let target = a
        .first()
        .ok_or_else(|| vm.type_error("ref() missing required argument 'object'"))?;
    if matches!(
        target.kind(),
        crate::Kind::None
            | crate::Kind::Bool
            | crate::Kind::Int
            | crate::Kind::Str
            | crate::Kind::Tuple
    ) {
        return Err(vm.type_error(format!(
            "cannot create weak reference to '{}' object",
            vm.type_name(target)
        )));
    }
    let cb = a
        .get(1)
        .cloned()
        .or_else(|| kwarg(kw, "callback"))
        .filter(|c| !c.is_none());
    let weak = Arc::downgrade(&vm.arc());
    let callback = cb.map(|cb| {
        move |w: &Ref| {
            if let Some(vm) = weak.upgrade() {
                if let Err(e) = vm.call(&cb, vec![w.clone()], Vec::new()) {
                    let msg = super::exceptions::exc_message(&vm, &e.exc);
                    eprintln!(
                        "Exception ignored in weakref callback: {}: {msg}",
                        vm.exc_class_name(&e.exc)
                    );
                }
            }
        }
    });
    Ok(vm.rt.new_weakref(target, callback))
}

const SYS: &[(&str, BuiltinFn)] = &[
    ("getrecursionlimit", |vm, _, _| {
        Ok(vm.int(super::eval::RECURSION_LIMIT as i64))
    }),
    ("setrecursionlimit", |vm, _, _| Ok(vm.rt.none())),
    ("exit", |vm, a, _| {
        let args = a.to_vec();
        Err(super::PyErr {
            exc: vm.new_exception(&vm.exc.system_exit, args),
            tb: Vec::new(),
        })
    }),
];

const MATH: &[(&str, BuiltinFn)] = &[
    ("sqrt", |vm, a, _| {
        let x = num_arg(vm, a.first())?;
        if x < 0.0 {
            return Err(vm.value_error("math domain error"));
        }
        Ok(vm.rt.new_float(x.sqrt()))
    }),
    ("floor", |vm, a, _| {
        Ok(vm.int(num_arg(vm, a.first())?.floor() as i64))
    }),
    ("ceil", |vm, a, _| {
        Ok(vm.int(num_arg(vm, a.first())?.ceil() as i64))
    }),
    ("log", |vm, a, _| {
        Ok(vm.rt.new_float(num_arg(vm, a.first())?.ln()))
    }),
    ("exp", |vm, a, _| {
        Ok(vm.rt.new_float(num_arg(vm, a.first())?.exp()))
    }),
    ("fabs", |vm, a, _| {
        Ok(vm.rt.new_float(num_arg(vm, a.first())?.abs()))
    }),
];

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
    Ok(vm.new_native(
        "lock",
        Native::Lock(Arc::new(PyLock::default())),
        Vec::new(),
    ))
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
            if let HashKey::Str(s) = k {
                kws.push((s, v));
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
        .stack_size(64 << 20)
        .spawn(move || {
            let guard = vm2.rt.attach_thread(format!("py-thread-{id}"));
            vm2.rt.push_root(t.clone());
            let r = vm2.call_method(&t, "run", Vec::new());
            if let Err(e) = r {
                let tb = super::exceptions::format_traceback(&vm2, &e);
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

/// Register the gc-core start/stop callback that calls the entries of `gc.callbacks`.
pub fn install_gc_hook(vm: &Vm) {
    let weak = Arc::downgrade(&vm.arc());
    vm.rt.gc().add_callback(move |phase, info| {
        let Some(vm) = weak.upgrade() else { return };
        let cbs = vm
            .gc_callbacks
            .as_list()
            .map(|l| l.snapshot())
            .unwrap_or_default();
        if cbs.is_empty() {
            return;
        }
        let phase = vm.str(match phase {
            gc_core::CallbackPhase::Start => "start",
            gc_core::CallbackPhase::Stop => "stop",
        });
        let d = vm.rt.new_dict();
        let dd = d.as_dict().expect("dict");
        dd.insert(HashKey::from("generation"), vm.int(info.generation as i64));
        dd.insert(HashKey::from("collected"), vm.int(info.collected as i64));
        dd.insert(
            HashKey::from("uncollectable"),
            vm.int(info.uncollectable as i64),
        );
        for cb in cbs {
            if let Err(e) = vm.call(&cb, vec![phase.clone(), d.clone()], Vec::new()) {
                let msg = super::exceptions::exc_message(&vm, &e.exc);
                eprintln!(
                    "Exception ignored in gc callback: {}: {msg}",
                    vm.exc_class_name(&e.exc)
                );
            }
        }
    });
}
