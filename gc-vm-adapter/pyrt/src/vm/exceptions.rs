//! Exceptions: the built-in exception classes (adapter classes with a single-inheritance base
//! chain), [`PyErr`] (an exception instance plus traceback lines) and traceback text.

use std::sync::Arc;

use super::{PyResult, Vm};
use gc_vm_adapter::{Kind, Ref, Runtime};

/// A raised exception in flight: the exception instance and the traceback lines collected so
/// far (innermost first).
pub struct PyErr {
    /// The exception instance.
    pub exc: Ref,
    /// `File "..", line N, in f` lines, innermost first.
    pub tb: Vec<String>,
}

impl std::fmt::Debug for PyErr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PyErr({:?})", self.exc)
    }
}

/// The built-in exception classes.
pub struct ExcClasses {
    /// `BaseException`
    pub base_exception: Ref,
    /// `Exception`
    pub exception: Ref,
    /// `ArithmeticError`
    pub arithmetic: Ref,
    /// `ZeroDivisionError`
    pub zero_division: Ref,
    /// `OverflowError`
    pub overflow: Ref,
    /// `LookupError`
    pub lookup: Ref,
    /// `KeyError`
    pub key: Ref,
    /// `IndexError`
    pub index: Ref,
    /// `ValueError`
    pub value: Ref,
    /// `TypeError`
    pub type_: Ref,
    /// `AttributeError`
    pub attribute: Ref,
    /// `NameError`
    pub name: Ref,
    /// `UnboundLocalError`
    pub unbound_local: Ref,
    /// `RuntimeError`
    pub runtime: Ref,
    /// `NotImplementedError`
    pub not_implemented: Ref,
    /// `RecursionError`
    pub recursion: Ref,
    /// `AssertionError`
    pub assertion: Ref,
    /// `StopIteration`
    pub stop_iteration: Ref,
    /// `ImportError`
    pub import: Ref,
    /// `MemoryError` (a size computed from user input too big to allocate)
    pub memory: Ref,
    /// `KeyboardInterrupt`-free `SystemExit`
    pub system_exit: Ref,
}

impl ExcClasses {
    pub(crate) fn new(rt: &Runtime) -> ExcClasses {
        let mk = |name: &str, base: Option<&Ref>| {
            let c = rt.new_class(name, base);
            rt.add_root(&c);
            c
        };
        let base_exception = mk("BaseException", None);
        let exception = mk("Exception", Some(&base_exception));
        let arithmetic = mk("ArithmeticError", Some(&exception));
        let lookup = mk("LookupError", Some(&exception));
        let name = mk("NameError", Some(&exception));
        let runtime = mk("RuntimeError", Some(&exception));
        ExcClasses {
            zero_division: mk("ZeroDivisionError", Some(&arithmetic)),
            overflow: mk("OverflowError", Some(&arithmetic)),
            key: mk("KeyError", Some(&lookup)),
            index: mk("IndexError", Some(&lookup)),
            value: mk("ValueError", Some(&exception)),
            type_: mk("TypeError", Some(&exception)),
            attribute: mk("AttributeError", Some(&exception)),
            unbound_local: mk("UnboundLocalError", Some(&name)),
            not_implemented: mk("NotImplementedError", Some(&runtime)),
            recursion: mk("RecursionError", Some(&runtime)),
            assertion: mk("AssertionError", Some(&exception)),
            stop_iteration: mk("StopIteration", Some(&exception)),
            import: mk("ImportError", Some(&exception)),
            memory: mk("MemoryError", Some(&exception)),
            system_exit: mk("SystemExit", Some(&base_exception)),
            base_exception,
            exception,
            arithmetic,
            lookup,
            name,
            runtime,
        }
    }

    fn all(&self) -> Vec<&Ref> {
        vec![
            &self.base_exception,
            &self.exception,
            &self.arithmetic,
            &self.zero_division,
            &self.overflow,
            &self.lookup,
            &self.key,
            &self.index,
            &self.value,
            &self.type_,
            &self.attribute,
            &self.name,
            &self.unbound_local,
            &self.runtime,
            &self.not_implemented,
            &self.recursion,
            &self.assertion,
            &self.stop_iteration,
            &self.import,
            &self.memory,
            &self.system_exit,
        ]
    }

    pub(crate) fn install(&self, vm: &Vm) {
        let d = vm.builtins.as_dict().expect("builtins dict");
        for c in self.all() {
            let name = c.as_class().expect("class").name().to_string();
            d.insert(vm.str(&name), c.clone());
        }
        let init = vm.builtin("__init__", exc_init);
        self.base_exception
            .as_class()
            .expect("class")
            .set_attr("__init__", init);
        let s = vm.builtin("__str__", exc_str_method);
        self.base_exception
            .as_class()
            .expect("class")
            .set_attr("__str__", s);
    }
}

fn exc_init(vm: &Vm, args: &[Ref], _kw: &[(Arc<str>, Ref)]) -> PyResult<Ref> {
    if let Some(inst) = args.first().and_then(|a| a.as_instance()) {
        inst.set_attr("args", vm.rt.new_tuple(args[1..].to_vec()));
    }
    Ok(vm.rt.none())
}

fn exc_str_method(vm: &Vm, args: &[Ref], _kw: &[(Arc<str>, Ref)]) -> PyResult<Ref> {
    let s = exc_message(vm, &args[0]);
    Ok(vm.str(&s))
}

/// `str(exc)`: empty for no args, `str(arg)` for one (`repr` for `KeyError`), else the tuple.
pub fn exc_message(vm: &Vm, e: &Ref) -> String {
    let args = e.as_instance().and_then(|i| i.get_attr("args"));
    let Some(args) = args else {
        return String::new();
    };
    match args.as_tuple() {
        Some([]) => String::new(),
        Some([a]) => {
            if vm.is_subclass_instance(e, &vm.exc.key) {
                vm.repr(a).unwrap_or_default()
            } else {
                vm.to_str(a).unwrap_or_default()
            }
        }
        _ => vm.repr(&args).unwrap_or_default(),
    }
}

impl Vm {
    /// A new exception instance of `class` with `args`.
    pub fn new_exception(&self, class: &Ref, args: Vec<Ref>) -> Ref {
        let e = self.rt.new_instance(class);
        if let Some(i) = e.as_instance() {
            i.set_attr("args", self.rt.new_tuple(args));
        }
        e
    }

    /// A `PyErr` of `class` with message `msg`.
    pub fn error(&self, class: &Ref, msg: impl AsRef<str>) -> PyErr {
        // No message, no argument: CPython's own `MemoryError()` (repr `MemoryError()`, not
        // `MemoryError('')`).
        let args = match msg.as_ref() {
            "" => Vec::new(),
            m => vec![self.str(m)],
        };
        PyErr {
            exc: self.new_exception(class, args),
            tb: Vec::new(),
        }
    }

    /// `TypeError(msg)`.
    pub fn type_error(&self, msg: impl AsRef<str>) -> PyErr {
        self.error(&self.exc.type_, msg)
    }

    /// `ValueError(msg)`.
    pub fn value_error(&self, msg: impl AsRef<str>) -> PyErr {
        self.error(&self.exc.value, msg)
    }

    /// `IndexError(msg)`.
    pub fn index_error(&self, msg: impl AsRef<str>) -> PyErr {
        self.error(&self.exc.index, msg)
    }

    /// `KeyError(key)`.
    pub fn key_error(&self, key: &Ref) -> PyErr {
        PyErr {
            exc: self.new_exception(&self.exc.key, vec![key.clone()]),
            tb: Vec::new(),
        }
    }

    /// `AttributeError`.
    pub fn attr_error(&self, o: &Ref, name: &str) -> PyErr {
        let msg = if o.kind() == Kind::Class {
            let n = o
                .as_class()
                .map(|c| c.name().to_string())
                .unwrap_or_default();
            format!("type object '{n}' has no attribute '{name}'")
        } else if o.as_instance().is_some() && self.is_instance_of(o, &self.module_class) {
            let n = o
                .as_instance()
                .and_then(|i| i.get_attr("__name__"))
                .and_then(|n| n.as_str().map(str::to_string))
                .unwrap_or_default();
            format!("module '{n}' has no attribute '{name}'")
        } else {
            format!("'{}' object has no attribute '{name}'", self.type_name(o))
        };
        self.error(&self.exc.attribute, msg)
    }

    /// Whether `o` is an instance whose class chain contains `class`.
    pub fn is_subclass_instance(&self, o: &Ref, class: &Ref) -> bool {
        self.is_instance_of(o, class)
    }

    /// Whether class `c` is `base` or derives from it.
    pub fn is_subclass(&self, c: &Ref, base: &Ref) -> bool {
        let mut cur = Some(c.clone());
        while let Some(k) = cur {
            if k.ptr_eq(base) {
                return true;
            }
            cur = k.as_class().and_then(|c| c.base().map(|b| b.to_ref()));
        }
        false
    }

    /// Whether `o` is an instance of class `class` (adapter class chain).
    pub fn is_instance_of(&self, o: &Ref, class: &Ref) -> bool {
        match o.as_instance().and_then(|i| i.class().map(|c| c.to_ref())) {
            Some(c) => self.is_subclass(&c, class),
            None => false,
        }
    }

    /// Whether `o` is an exception instance.
    pub fn is_exception(&self, o: &Ref) -> bool {
        self.is_instance_of(o, &self.exc.base_exception)
    }

    /// The class name of an exception.
    pub fn exc_class_name(&self, e: &Ref) -> String {
        self.type_name(e)
    }
}

/// The traceback text of an uncaught exception (CPython layout).
pub fn format_traceback(vm: &Vm, e: &PyErr) -> String {
    let mut s = String::from("Traceback (most recent call last):\n");
    for l in e.tb.iter().rev() {
        s.push_str(l);
        s.push('\n');
    }
    let msg = exc_message(vm, &e.exc);
    let name = vm.exc_class_name(&e.exc);
    if msg.is_empty() {
        s.push_str(&name);
    } else {
        s.push_str(&format!("{name}: {msg}"));
    }
    s.push('\n');
    s
}
