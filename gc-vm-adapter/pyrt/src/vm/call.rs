//! Calls (argument binding, classes, bound methods), attributes and iteration.

use std::sync::Arc;

use super::eval::{run_frame, Frame};
use super::{PyResult, Vm};
use crate::bytecode::CodeKind;
use crate::objects::{BoundMethod, Builtin, PyFunction, RangeIter, SeqIter, TypeObj, TypeTag};
use gc_vm_adapter::{HashKey, Kind, Ref};

/// Keyword arguments.
pub type Kwargs = Vec<(Arc<str>, Ref)>;

impl Vm {
    /// Call `f(*args, **kw)`.
    pub fn call(&self, f: &Ref, args: Vec<Ref>, kw: Kwargs) -> PyResult<Ref> {
        if let Some(func) = f.downcast::<PyFunction>() {
            return self.call_user(f, func, args, kw);
        }
        if let Some(b) = f.downcast::<Builtin>() {
            let (args, kw) = match b.sig {
                Some(sig) => sig.bind(self, args, kw)?,
                None => (args, kw),
            };
            return match b.this() {
                None => (b.f)(self, &args, &kw),
                Some(this) => {
                    let mut a = Vec::with_capacity(args.len() + 1);
                    a.push(this);
                    a.extend(args);
                    (b.f)(self, &a, &kw)
                }
            };
        }
        if let Some(m) = f.downcast::<BoundMethod>() {
            let Some((this, m)) = m.parts() else {
                return Err(self.not_callable(f));
            };
            let mut a = Vec::with_capacity(args.len() + 1);
            a.push(this);
            a.extend(args);
            return self.call(&m, a, kw);
        }
        if let Some(t) = f.downcast::<TypeObj>() {
            let (args, kw) = match crate::objects::sig::constructor(t.0) {
                Some(sig) => sig.bind(self, args, kw)?,
                None => (args, kw),
            };
            return crate::stdlib::builtins::construct(self, t.0, &args, &kw);
        }
        match f.kind() {
            Kind::Class => self.instantiate(f, args, kw),
            Kind::WeakRef => {
                let w = f.as_weakref().and_then(|w| w.upgrade());
                Ok(w.unwrap_or_else(|| self.rt.none()))
            }
            Kind::Instance => {
                if let Some(m) = self.lookup_class_attr(f, "__call__") {
                    let mut a = vec![f.clone()];
                    a.extend(args);
                    return self.call(&m, a, kw);
                }
                Err(self.not_callable(f))
            }
            _ => Err(self.not_callable(f)),
        }
    }

    fn not_callable(&self, f: &Ref) -> super::PyErr {
        self.type_error(format!("'{}' object is not callable", self.type_name(f)))
    }

    fn call_user(&self, f: &Ref, func: &PyFunction, args: Vec<Ref>, kw: Kwargs) -> PyResult<Ref> {
        self.rt.poll();
        let code = func.code.clone();
        let globals = func.globals().unwrap_or_else(|| self.rt.new_dict());
        let mut frame = Frame::with_cache(
            self,
            code.clone(),
            func.cache.clone(),
            globals,
            func.cells(),
        );
        let defaults = func.defaults();
        let kwdefaults = func.kwdefaults();
        self.bind_args(&code, &mut frame, args, kw, &defaults, kwdefaults.as_ref())?;
        // Cells of captured parameters.
        for (i, p) in code.cell2arg.iter().enumerate() {
            if let Some(p) = p {
                let v = frame.locals[*p as usize].take();
                if let Some(c) = frame.cells[i].as_cell() {
                    c.set(v);
                }
            }
        }
        self.rt.push_root(f.clone());
        let r = run_frame(self, &mut frame);
        drop(self.rt.pop_root());
        r
    }

    fn bind_args(
        &self,
        code: &crate::CodeObject,
        frame: &mut Frame,
        args: Vec<Ref>,
        kw: Kwargs,
        defaults: &[Ref],
        kwdefaults: Option<&Ref>,
    ) -> PyResult<()> {
        let argc = code.argcount as usize;
        let kwonly = code.kwonlyargcount as usize;
        let nargs = args.len();
        let mut extra = Vec::new();
        for (i, a) in args.into_iter().enumerate() {
            if i < argc {
                frame.locals[i] = Some(a);
            } else {
                extra.push(a);
            }
        }
        let mut slot = argc + kwonly;
        if code.has_varargs {
            frame.locals[slot] = Some(self.rt.new_tuple(extra));
            slot += 1;
        } else if !extra.is_empty() {
            return Err(self.type_error(format!(
                "{}() takes {} positional argument{} but {} were given",
                code.name,
                argc,
                if argc == 1 { "" } else { "s" },
                nargs
            )));
        }
        let kwargs_dict = if code.has_varkeywords {
            let d = self.rt.new_dict();
            frame.locals[slot] = Some(d.clone());
            Some(d)
        } else {
            None
        };
        for (k, v) in kw {
            let pos = code.varnames[code.posonlyargcount as usize..argc + kwonly]
                .iter()
                .position(|n| **n == *k)
                .map(|p| p + code.posonlyargcount as usize);
            match pos {
                Some(p) => {
                    if frame.locals[p].is_some() {
                        return Err(self.type_error(format!(
                            "{}() got multiple values for argument '{k}'",
                            code.name
                        )));
                    }
                    frame.locals[p] = Some(v);
                }
                None => match &kwargs_dict {
                    Some(d) => self.dict_set_str(d.as_dict().expect("dict"), &k, v)?,
                    None => {
                        return Err(self.type_error(format!(
                            "{}() got an unexpected keyword argument '{k}'",
                            code.name
                        )))
                    }
                },
            }
        }
        let first_default = argc - defaults.len().min(argc);
        for i in 0..argc {
            if frame.locals[i].is_none() {
                if i >= first_default {
                    frame.locals[i] = Some(defaults[i - first_default].clone());
                } else {
                    return Err(self.type_error(format!(
                        "{}() missing 1 required positional argument: '{}'",
                        code.name, code.varnames[i]
                    )));
                }
            }
        }
        for i in argc..argc + kwonly {
            if frame.locals[i].is_none() {
                let name = &code.varnames[i];
                let d = kwdefaults
                    .and_then(|d| d.as_dict())
                    .and_then(|d| d.get(&HashKey::from(name.as_str())));
                match d {
                    Some(v) => frame.locals[i] = Some(v),
                    None => {
                        return Err(self.type_error(format!(
                            "{}() missing 1 required keyword-only argument: '{name}'",
                            code.name
                        )))
                    }
                }
            }
        }
        Ok(())
    }

    /// Call `obj.name(*args)`.
    pub fn call_method(&self, obj: &Ref, name: &str, args: Vec<Ref>) -> PyResult<Ref> {
        let m = self.getattr(obj, name)?;
        self.call(&m, args, Vec::new())
    }

    /// Instantiate a class: a new instance, then `__init__` (found along the base chain).
    fn instantiate(&self, class: &Ref, args: Vec<Ref>, kw: Kwargs) -> PyResult<Ref> {
        let inst = self.rt.new_instance(class);
        if let Some(init) = self.class_lookup(class, "__init__") {
            let mut a = Vec::with_capacity(args.len() + 1);
            a.push(inst.clone());
            a.extend(args);
            let r = self.call(&init, a, kw)?;
            if !r.is_none() {
                return Err(self.type_error("__init__() should return None"));
            }
        } else if !args.is_empty() || !kw.is_empty() {
            let n = class
                .as_class()
                .map(|c| c.name().to_string())
                .unwrap_or_default();
            return Err(self.type_error(format!("{n}() takes no arguments")));
        }
        Ok(inst)
    }

    /// `MakeClass`: run the body with a fresh namespace and build the class.
    pub fn make_class(&self, body: &Ref, name: &str, bases: &[Ref]) -> PyResult<Ref> {
        if bases.len() > 1 {
            return Err(self.error(
                &self.exc.not_implemented,
                "multiple inheritance is not supported by this runtime",
            ));
        }
        let base = match bases.first() {
            Some(b) if b.kind() == Kind::Class => Some(b.clone()),
            Some(b) if b.downcast::<TypeObj>().map(|t| t.0) == Some(TypeTag::Object) => None,
            Some(b) => {
                return Err(self.type_error(format!(
                    "cannot subclass '{}' in this runtime",
                    self.type_name(b)
                )))
            }
            None => None,
        };
        let func = body
            .downcast::<PyFunction>()
            .filter(|f| f.code.kind == CodeKind::ClassBody)
            .ok_or_else(|| self.type_error("MakeClass: bad class body"))?;
        let code = func.code.clone();
        let ns = self.rt.new_dict();
        let globals = func.globals().unwrap_or_else(|| self.rt.new_dict());
        let mut frame = Frame::new(self, code, globals, func.cells());
        frame.ns = Some(ns.clone());
        run_frame(self, &mut frame)?;
        let class = self.rt.new_class(name, base.as_ref());
        let c = class.as_class().expect("class");
        let mut classcell = None;
        for (k, v) in ns.as_dict().expect("dict").items() {
            if let Some(s) = k.as_str() {
                if s == "__classcell__" {
                    classcell = Some(v);
                    continue;
                }
                c.set_attr(s, v);
            }
        }
        if let Some(cell) = classcell.as_ref().and_then(|c| c.as_cell()) {
            cell.set(Some(class.clone()));
        }
        if c.get_attr("__del__").is_some() {
            // The finalizer is the `__del__` function object itself, in the class's traced
            // finalizer slot (a cycle through its closure is collectable); `PyHooks` calls it.
            c.set_finalizer_object(c.get_attr("__del__"));
        }
        Ok(class)
    }

    /// Run `obj.__del__()` (called by the hooks with the class's finalizer object `fin`; the
    /// method is looked up again, as CPython does, in case the class's `__del__` changed);
    /// errors are reported, not raised.
    pub(crate) fn run_del(&self, fin: &Ref, obj: &Ref) {
        let m = self.lookup_class_attr(obj, "__del__");
        let f = m.as_ref().unwrap_or(fin);
        if let Err(e) = self.call(f, vec![obj.clone()], Vec::new()) {
            super::hooks::write_unraisable(self, f, &e);
        }
    }

    /// Look `name` up along a class's base chain.
    pub fn class_lookup(&self, class: &Ref, name: &str) -> Option<Ref> {
        let mut cur = Some(class.clone());
        while let Some(c) = cur {
            let cls = c.as_class()?;
            if let Some(v) = cls.get_attr(name) {
                return Some(v);
            }
            cur = cls.base().map(|b| b.to_ref());
        }
        None
    }

    /// Look `name` up on the class of instance `o` (unbound).
    pub fn lookup_class_attr(&self, o: &Ref, name: &str) -> Option<Ref> {
        let class = o.as_instance()?.class()?.to_ref();
        self.class_lookup(&class, name)
    }

    /// `getattr(o, name)`.
    pub fn getattr(&self, o: &Ref, name: &str) -> PyResult<Ref> {
        match o.kind() {
            Kind::Instance => {
                let inst = o.as_instance().expect("instance");
                if let Some(v) = inst.get_attr(name) {
                    return Ok(v);
                }
                if name == "__class__" {
                    if let Some(c) = inst.class() {
                        return Ok(c.to_ref());
                    }
                }
                if let Some(v) = self.lookup_class_attr(o, name) {
                    if v.is::<PyFunction>() || v.is::<Builtin>() {
                        return Ok(self.rt.alloc(BoundMethod::new(name, o.clone(), v)));
                    }
                    return Ok(v);
                }
                Err(self.attr_error(o, name))
            }
            Kind::Class => {
                if name == "__name__" {
                    let n = o
                        .as_class()
                        .map(|c| c.name().to_string())
                        .unwrap_or_default();
                    return Ok(self.str(&n));
                }
                self.class_lookup(o, name)
                    .ok_or_else(|| self.attr_error(o, name))
            }
            _ => crate::objects::methods::builtin_attr(self, o, name)?
                .ok_or_else(|| self.attr_error(o, name)),
        }
    }

    /// `setattr(o, name, v)`.
    pub fn setattr(&self, o: &Ref, name: &str, v: Ref) -> PyResult<()> {
        match o.kind() {
            Kind::Instance => {
                o.as_instance().expect("instance").set_attr(name, v);
                Ok(())
            }
            Kind::Class => {
                o.as_class().expect("class").set_attr(name, v);
                Ok(())
            }
            _ => Err(self.error(
                &self.exc.attribute,
                format!("'{}' object has no attribute '{name}'", self.type_name(o)),
            )),
        }
    }

    /// `delattr(o, name)`.
    pub fn delattr(&self, o: &Ref, name: &str) -> PyResult<()> {
        let removed = match o.kind() {
            Kind::Instance => o.as_instance().expect("instance").del_attr(name),
            Kind::Class => o.as_class().expect("class").del_attr(name),
            _ => None,
        };
        match removed {
            Some(v) => {
                drop(v);
                Ok(())
            }
            None => Err(self.attr_error(o, name)),
        }
    }

    /// `iter(o)`.
    pub fn get_iter(&self, o: &Ref) -> PyResult<Ref> {
        match o.kind() {
            Kind::List | Kind::Tuple => Ok(self.rt.alloc(SeqIter::new(o.clone()))),
            Kind::Dict => Ok(self.rt.alloc(crate::objects::DictIter::new(o.clone()))),
            Kind::Str => {
                let items = self.iterate(o)?;
                let l = self.rt.new_tuple(items);
                Ok(self.rt.alloc(SeqIter::new(l)))
            }
            Kind::Other => {
                if let Some(it) = crate::objects::range::iter(self, o) {
                    Ok(it)
                } else if o.is::<SeqIter>()
                    || o.is::<RangeIter>()
                    || o.is::<crate::objects::DictIter>()
                    || o.is::<crate::objects::range::BigRangeIter>()
                {
                    Ok(o.clone())
                } else {
                    Err(self.not_iterable(o))
                }
            }
            Kind::Instance if self.lookup_class_attr(o, "__iter__").is_some() => {
                self.call_method(o, "__iter__", Vec::new())
            }
            _ => Err(self.not_iterable(o)),
        }
    }

    fn not_iterable(&self, o: &Ref) -> super::PyErr {
        self.type_error(format!("'{}' object is not iterable", self.type_name(o)))
    }

    /// `next(it)`, `None` when exhausted.
    pub fn iter_next(&self, it: &Ref) -> PyResult<Option<Ref>> {
        if it.kind() == Kind::Instance {
            return match self.call_method(it, "__next__", Vec::new()) {
                Ok(v) => Ok(Some(v)),
                Err(e) if self.is_instance_of(&e.exc, &self.exc.stop_iteration) => Ok(None),
                Err(e) => Err(e),
            };
        }
        if let Some(si) = it.downcast::<SeqIter>() {
            return Ok(si.next());
        }
        if let Some(di) = it.downcast::<crate::objects::DictIter>() {
            return di.next().map_err(|m| self.error(&self.exc.runtime, m));
        }
        if let Some(ri) = it.downcast::<RangeIter>() {
            return Ok(ri.next().map(|v| self.int(v)));
        }
        if let Some(v) = crate::objects::range::iter_next(self, it) {
            return Ok(v);
        }
        Err(self.type_error(format!(
            "'{}' object is not an iterator",
            self.type_name(it)
        )))
    }

    /// All items of an iterable, eagerly.
    pub fn iterate(&self, o: &Ref) -> PyResult<Vec<Ref>> {
        match o.kind() {
            Kind::List => Ok(o.as_list().expect("list").snapshot()),
            Kind::Tuple => Ok(o.as_tuple().expect("tuple").to_vec()),
            Kind::Str => Ok(o
                .as_str()
                .expect("str")
                .chars()
                .map(|c| self.str(c.encode_utf8(&mut [0; 4])))
                .collect()),
            Kind::Dict => Ok(o.as_dict().expect("dict").keys()),
            _ => {
                let it = self.get_iter(o)?;
                // A range knows its length: `list(range(10**12))` is a `MemoryError` up front
                // (as in CPython), not an out-of-memory abort after filling the memory.
                let hint = crate::objects::range::length(self, o).transpose()?;
                let mut v = super::guard::reserve(self, hint.unwrap_or(0))?;
                while let Some(x) = self.iter_next(&it)? {
                    v.push(x);
                }
                Ok(v)
            }
        }
    }

    /// `type(o)`: the class of an instance, else a builtin type object.
    pub fn type_of(&self, o: &Ref) -> Ref {
        if let Some(c) = o.as_instance().and_then(|i| i.class().map(|c| c.to_ref())) {
            return c;
        }
        let name = match o.kind() {
            Kind::Int => "int",
            Kind::Float => "float",
            Kind::Str => "str",
            Kind::Bool => "bool",
            Kind::List => "list",
            Kind::Tuple => "tuple",
            Kind::Dict => "dict",
            Kind::None => "NoneType",
            Kind::Class => "type",
            _ if crate::objects::range::is_range(o) => "range",
            _ => "",
        };
        if let Some(t) = self
            .builtins
            .as_dict()
            .and_then(|d| d.get(&HashKey::from(name)))
        {
            return t;
        }
        let tag = if name == "NoneType" {
            TypeTag::NoneType
        } else if crate::objects::range::is_range(o) {
            TypeTag::Range
        } else {
            TypeTag::Function
        };
        self.type_obj(tag)
    }
}
