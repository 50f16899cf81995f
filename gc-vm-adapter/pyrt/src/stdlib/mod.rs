//! Built-in modules: one file each (`threading`, `time`, `gc`, `weakref`, `sys`, `math`), the
//! builtins in [`builtins`] (with [`numfns`] and [`seqfns`]), and the registry ([`MODULES`]) that `import` looks names up in.

pub mod builtins;
pub mod gc;
pub mod math;
pub mod numfns;
pub mod seqfns;
pub mod sys;
pub mod threading;
pub mod time;
pub mod weakref;

use std::sync::Arc;

use crate::objects::small_int;
pub(crate) use crate::objects::BuiltinFn;
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::Ref;

type Kw = [(Arc<str>, Ref)];

/// Creates a built-in module object (called once per VM, on first import).
pub type MakeModule = fn(&Vm) -> Ref;

/// The built-in modules `import` knows, with the function that creates each one.
pub const MODULES: &[(&str, MakeModule)] = &[
    ("threading", threading::make),
    ("time", time::make),
    ("gc", gc::make),
    ("weakref", weakref::make),
    ("sys", sys::make),
    ("math", math::make),
];

impl Vm {
    /// `import name` (built-in modules only; created once per VM).
    pub fn import(&self, name: &str) -> PyResult<Ref> {
        if let Some(m) = self.modules.lock().get(name) {
            return Ok(m.clone());
        }
        let Some((_, make)) = MODULES.iter().find(|(n, _)| *n == name) else {
            return Err(self.error(
                &self.exc.import,
                format!("No module named '{name}' (this runtime has only built-in modules: threading, time, gc, weakref, sys, math)"),
            ));
        };
        let m = make(self);
        self.rt.add_root(&m);
        let mut mods = self.modules.lock();
        Ok(mods.entry(name.to_string()).or_insert(m).clone())
    }

    pub(crate) fn make_module(&self, name: &str, fns: &[(&'static str, BuiltinFn)]) -> Ref {
        let m = self.rt.new_instance(&self.module_class);
        set(&m, "__name__", self.str(name));
        for (n, f) in fns {
            let sig = crate::objects::sig::module_fn(name, n);
            set(&m, n, self.builtin_sig(n, *f, sig));
        }
        m
    }
}

fn set(m: &Ref, name: &str, v: Ref) {
    if let Some(i) = m.as_instance() {
        i.set_attr(name, v);
    }
}

fn num_arg(vm: &Vm, a: Option<&Ref>) -> PyResult<f64> {
    let a = a.ok_or_else(|| vm.type_error("missing argument"))?;
    a.as_float()
        .or_else(|| small_int(a).map(|v| v as f64))
        .ok_or_else(|| vm.type_error(format!("must be real number, not {}", vm.type_name(a))))
}
