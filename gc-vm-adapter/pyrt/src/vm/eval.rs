//! Frames and the evaluation loop.

use std::sync::Arc;

use super::{CodeCache, PyErr, PyResult, Vm};
use crate::bytecode::{CodeObject, Conversion, Instr, UnaryOp};
use crate::objects::{CodeConst, PyFunction, Slice};
use gc_vm_adapter::{Kind, Ref};

pub use super::guard::RECURSION_LIMIT;

/// A block of the block stack.
pub enum Block {
    /// `SetupExcept(handler)` with the value-stack depth.
    Except(usize, usize),
    /// `SetupFinally(handler)`.
    Finally(usize, usize),
    /// `WithEnter(handler)` (depth includes the manager).
    With(usize, usize),
    /// An entered except handler: the exception being handled.
    Handler(Ref),
}

/// An activation of a code object.
pub struct Frame {
    /// The code.
    pub code: Arc<CodeObject>,
    cache: Arc<CodeCache>,
    /// Fast locals.
    pub locals: Vec<Option<Ref>>,
    /// Cells (cellvars then freevars).
    pub cells: Vec<Ref>,
    stack: Vec<Ref>,
    blocks: Vec<Block>,
    /// Globals dict.
    pub globals: Ref,
    /// Class namespace (class bodies).
    pub ns: Option<Ref>,
    pc: usize,
}

impl Frame {
    /// A frame for `code` with unbound locals and fresh cells; `closure` fills the free cells.
    pub fn new(vm: &Vm, code: Arc<CodeObject>, globals: Ref, closure: Vec<Ref>) -> Frame {
        let cache = vm.code_cache(&code);
        Frame::with_cache(vm, code, cache, globals, closure)
    }

    /// Like [`Frame::new`] with the code's cache at hand.
    pub fn with_cache(
        vm: &Vm,
        code: Arc<CodeObject>,
        cache: Arc<CodeCache>,
        globals: Ref,
        closure: Vec<Ref>,
    ) -> Frame {
        let mut cells: Vec<Ref> = (0..code.cellvars.len())
            .map(|_| vm.rt.new_cell(None))
            .collect();
        cells.extend(closure);
        Frame {
            locals: vec![None; code.varnames.len()],
            cells,
            stack: Vec::with_capacity(code.max_stack as usize),
            blocks: Vec::new(),
            globals,
            ns: None,
            pc: 0,
            cache,
            code,
        }
    }
}

/// Run a module / class-body code object (no arguments).
pub fn run_code(vm: &Vm, code: Arc<CodeObject>, globals: Ref, ns: Option<Ref>) -> PyResult<Ref> {
    let mut f = Frame::new(vm, code, globals, Vec::new());
    f.ns = ns;
    run_frame(vm, &mut f)
}

/// Execute `f` to completion: its return value or the exception leaving it.
pub fn run_frame(vm: &Vm, f: &mut Frame) -> PyResult<Ref> {
    // One level of the depth shared with the native recursion of `repr`, `==`, ... .
    let _depth = super::guard::enter(vm, super::guard::IN_CALL)?;
    loop {
        match exec(vm, f) {
            Ok(v) => return Ok(v),
            Err(mut e) => {
                let line = f.code.line_of(f.pc.saturating_sub(1));
                let tb_line = format!(
                    "  File \"{}\", line {}, in {}",
                    f.code.filename, line, f.code.name
                );
                if !unwind(vm, f, &mut e, tb_line) {
                    return Err(e);
                }
            }
        }
    }
}

/// Find a handler for `e` in `f`'s block stack; false if the frame must exit with it.
fn unwind(vm: &Vm, f: &mut Frame, e: &mut PyErr, tb_line: String) -> bool {
    while let Some(b) = f.blocks.pop() {
        let (h, d, except) = match b {
            Block::Handler(_) => continue,
            Block::Except(h, d) => (h, d, true),
            Block::Finally(h, d) | Block::With(h, d) => (h, d, false),
        };
        f.stack.truncate(d);
        e.tb.push(tb_line);
        if let Some(i) = e.exc.as_instance() {
            i.set_attr("__tb__", vm.str(&e.tb.join("\n")));
        }
        if except {
            f.blocks.push(Block::Handler(e.exc.clone()));
        }
        f.stack.push(e.exc.clone());
        f.pc = h;
        return true;
    }
    e.tb.push(tb_line);
    false
}

/// A `PyErr` re-raising `exc` with its saved traceback.
pub fn reraise(exc: Ref) -> PyErr {
    let tb = exc
        .as_instance()
        .and_then(|i| i.get_attr("__tb__"))
        .and_then(|s| s.as_str().map(|s| s.lines().map(str::to_string).collect()))
        .unwrap_or_default();
    PyErr { exc, tb }
}

#[inline]
fn pop(f: &mut Frame) -> Ref {
    f.stack.pop().expect("value stack underflow")
}

#[inline]
fn top(f: &Frame) -> &Ref {
    f.stack.last().expect("value stack underflow")
}

fn exec(vm: &Vm, f: &mut Frame) -> PyResult<Ref> {
    let code = f.code.clone();
    let instrs = &code.instructions[..];
    loop {
        let ins = instrs[f.pc];
        f.pc += 1;
        match ins {
            Instr::Nop => {}
            Instr::Pop => drop(pop(f)),
            Instr::Dup => {
                let v = top(f).clone();
                f.stack.push(v);
            }
            Instr::Dup2 => {
                let n = f.stack.len();
                let (a, b) = (f.stack[n - 2].clone(), f.stack[n - 1].clone());
                f.stack.push(a);
                f.stack.push(b);
            }
            Instr::Rot2 => {
                let n = f.stack.len();
                f.stack.swap(n - 1, n - 2);
            }
            Instr::Rot3 => {
                let v = pop(f);
                let n = f.stack.len();
                f.stack.insert(n - 2, v);
            }
            Instr::LoadConst(i) => f.stack.push(f.cache.consts[i as usize].clone()),
            Instr::LoadFast(i) => match &f.locals[i as usize] {
                Some(v) => f.stack.push(v.clone()),
                None => return Err(unbound_local(vm, &code.varnames[i as usize])),
            },
            Instr::StoreFast(i) => {
                let v = pop(f);
                drop(f.locals[i as usize].replace(v));
            }
            Instr::DeleteFast(i) => {
                if f.locals[i as usize].take().is_none() {
                    return Err(unbound_local(vm, &code.varnames[i as usize]));
                }
            }
            Instr::LoadDeref(i) => {
                let v = f.cells[i as usize].as_cell().and_then(|c| c.get());
                match v {
                    Some(v) => f.stack.push(v),
                    None => {
                        let n = code.cell_name(i);
                        return Err(vm.error(
                            &vm.exc.name,
                            format!(
                                "cannot access free variable '{n}' where it is not associated with a value in enclosing scope"
                            ),
                        ));
                    }
                }
            }
            Instr::StoreDeref(i) => {
                let v = pop(f);
                if let Some(c) = f.cells[i as usize].as_cell() {
                    c.set(Some(v));
                }
            }
            Instr::DeleteDeref(i) => {
                if let Some(c) = f.cells[i as usize].as_cell() {
                    c.set(None);
                }
            }
            Instr::LoadClosure(i) => f.stack.push(f.cells[i as usize].clone()),
            Instr::LoadGlobal(i) => {
                let v = load_global(vm, f, i)?;
                f.stack.push(v);
            }
            Instr::StoreGlobal(i) => {
                let v = pop(f);
                vm.dict_set_name(dict(&f.globals), &f.cache.names[i as usize], v)?;
            }
            Instr::DeleteGlobal(i) => {
                if vm
                    .dict_del_name(dict(&f.globals), &f.cache.names[i as usize])?
                    .is_none()
                {
                    return Err(name_error(vm, &code.names[i as usize]));
                }
            }
            Instr::LoadName(i) => {
                let k = &f.cache.names[i as usize];
                let v = match &f.ns {
                    Some(ns) => vm.dict_get_name(dict(ns), k)?,
                    None => None,
                };
                let v = match v {
                    Some(v) => v,
                    None => load_global(vm, f, i)?,
                };
                f.stack.push(v);
            }
            Instr::StoreName(i) => {
                let v = pop(f);
                let ns = f.ns.as_ref().unwrap_or(&f.globals);
                vm.dict_set_name(dict(ns), &f.cache.names[i as usize], v)?;
            }
            Instr::DeleteName(i) => {
                let ns = f.ns.as_ref().unwrap_or(&f.globals);
                if vm
                    .dict_del_name(dict(ns), &f.cache.names[i as usize])?
                    .is_none()
                {
                    return Err(name_error(vm, &code.names[i as usize]));
                }
            }
            Instr::LoadAttr(i) => {
                let o = pop(f);
                let v = vm.getattr(&o, &code.names[i as usize])?;
                f.stack.push(v);
            }
            Instr::StoreAttr(i) => {
                let o = pop(f);
                let v = pop(f);
                vm.setattr(&o, &code.names[i as usize], v)?;
            }
            Instr::DeleteAttr(i) => {
                let o = pop(f);
                vm.delattr(&o, &code.names[i as usize])?;
            }
            Instr::LoadSubscr => {
                let k = pop(f);
                let c = pop(f);
                let v = vm.getitem(&c, &k)?;
                f.stack.push(v);
            }
            Instr::StoreSubscr => {
                let k = pop(f);
                let c = pop(f);
                let v = pop(f);
                vm.setitem(&c, &k, v)?;
            }
            Instr::DeleteSubscr => {
                let k = pop(f);
                let c = pop(f);
                vm.delitem(&c, &k)?;
            }
            Instr::BuildTuple(n) => {
                let items = f.stack.split_off(f.stack.len() - n as usize);
                f.stack.push(vm.rt.new_tuple(items));
            }
            Instr::BuildList(n) => {
                let items = f.stack.split_off(f.stack.len() - n as usize);
                f.stack.push(vm.rt.new_list(items));
            }
            Instr::BuildMap(n) => {
                let items = f.stack.split_off(f.stack.len() - 2 * n as usize);
                let d = vm.rt.new_dict();
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    vm.dict_set(dict(&d), &k, v)?;
                }
                f.stack.push(d);
            }
            Instr::BuildSlice(n) => {
                let mut items = f.stack.split_off(f.stack.len() - n as usize);
                if items.len() == 2 {
                    items.push(vm.rt.none());
                }
                let track = items.iter().any(|r| r.obj_ref().is_tracked());
                let [lo, hi, step]: [Ref; 3] = items.try_into().expect("BuildSlice: 3 items");
                f.stack
                    .push(vm.rt.alloc_with(Slice::new(lo, hi, step), track));
            }
            Instr::BuildString(n) => {
                let items = f.stack.split_off(f.stack.len() - n as usize);
                let mut s = String::new();
                for it in &items {
                    s.push_str(it.as_str().unwrap_or(""));
                }
                f.stack.push(vm.str(&s));
            }
            Instr::ListAppend(i) => {
                let v = pop(f);
                let n = f.stack.len();
                match f.stack[n - i as usize].as_list() {
                    Some(l) => l.push(v),
                    None => return Err(vm.type_error("ListAppend: not a list")),
                }
            }
            Instr::ListExtend(i) => {
                let v = pop(f);
                let items = vm.iterate(&v)?;
                let n = f.stack.len();
                if let Some(l) = f.stack[n - i as usize].as_list() {
                    l.with_items_mut(|xs| xs.extend(items));
                }
            }
            Instr::MapAdd(i) => {
                let v = pop(f);
                let k = pop(f);
                let n = f.stack.len();
                vm.dict_set(dict(&f.stack[n - i as usize]), &k, v)?;
            }
            Instr::DictMerge(i) => {
                let m = pop(f);
                let n = f.stack.len();
                let target = f.stack[n - i as usize].clone();
                let Some(src) = m.as_dict() else {
                    return Err(vm.type_error(format!(
                        "argument after ** must be a mapping, not {}",
                        vm.type_name(&m)
                    )));
                };
                vm.dict_merge(dict(&target), src)?;
            }
            Instr::ListToTuple => {
                let l = pop(f);
                let items = l.as_list().map(|l| l.snapshot()).unwrap_or_default();
                f.stack.push(vm.rt.new_tuple(items));
            }
            Instr::UnpackSequence(n) => {
                let s = pop(f);
                let items = vm.iterate(&s)?;
                if items.len() != n as usize {
                    return Err(vm.value_error(if items.len() > n as usize {
                        format!("too many values to unpack (expected {n})")
                    } else {
                        format!(
                            "not enough values to unpack (expected {n}, got {})",
                            items.len()
                        )
                    }));
                }
                f.stack.extend(items.into_iter().rev());
            }
            Instr::BinaryOp(op) => {
                let b = pop(f);
                let a = pop(f);
                let r = vm.binary_op(op, &a, &b)?;
                f.stack.push(r);
            }
            Instr::InplaceOp(op) => {
                let b = pop(f);
                let a = pop(f);
                let r = vm.inplace_op(op, &a, &b)?;
                f.stack.push(r);
            }
            Instr::UnaryOp(op) => {
                let a = pop(f);
                let r = match op {
                    UnaryOp::Not => vm.rt.new_bool(!vm.truthy(&a)?),
                    _ => vm.unary_op(op, &a)?,
                };
                f.stack.push(r);
            }
            Instr::Compare(op) => {
                let b = pop(f);
                let a = pop(f);
                let r = vm.compare(op, &a, &b)?;
                f.stack.push(r);
            }
            Instr::Jump(t) => f.pc = t as usize,
            Instr::JumpBackward(t) => {
                f.pc = t as usize;
                vm.rt.poll();
            }
            Instr::PopJumpIfFalse(t) => {
                let c = pop(f);
                if !vm.truthy(&c)? {
                    f.pc = t as usize;
                }
            }
            Instr::PopJumpIfTrue(t) => {
                let c = pop(f);
                if vm.truthy(&c)? {
                    f.pc = t as usize;
                }
            }
            Instr::JumpIfFalseOrPop(t) => {
                if !vm.truthy(top(f))? {
                    f.pc = t as usize;
                } else {
                    pop(f);
                }
            }
            Instr::JumpIfTrueOrPop(t) => {
                if vm.truthy(top(f))? {
                    f.pc = t as usize;
                } else {
                    pop(f);
                }
            }
            Instr::GetIter => {
                let o = pop(f);
                let it = vm.get_iter(&o)?;
                f.stack.push(it);
            }
            Instr::ForIter(t) => match vm.iter_next(top(f))? {
                Some(v) => f.stack.push(v),
                None => {
                    pop(f);
                    f.pc = t as usize;
                }
            },
            Instr::Call(n) => {
                let args = f.stack.split_off(f.stack.len() - n as usize);
                let func = pop(f);
                let r = vm.call(&func, args, Vec::new())?;
                f.stack.push(r);
            }
            Instr::CallKw(n) => {
                let names = pop(f);
                let mut args = f.stack.split_off(f.stack.len() - n as usize);
                let func = pop(f);
                let names = names.as_tuple().unwrap_or(&[]);
                let kvals = args.split_off(args.len() - names.len());
                let kw = names
                    .iter()
                    .zip(kvals)
                    .map(|(k, v)| (Arc::<str>::from(k.as_str().unwrap_or("")), v))
                    .collect();
                let r = vm.call(&func, args, kw)?;
                f.stack.push(r);
            }
            Instr::CallEx { kwargs } => {
                let kwd = if kwargs { Some(pop(f)) } else { None };
                let args = pop(f);
                let func = pop(f);
                let args = vm.iterate(&args)?;
                let mut kw = Vec::new();
                if let Some(d) = kwd.as_ref().and_then(|d| d.as_dict()) {
                    for (k, v) in d.items() {
                        match k.as_str() {
                            Some(s) => kw.push((std::sync::Arc::from(s), v)),
                            None => return Err(vm.type_error("keywords must be strings")),
                        }
                    }
                }
                let r = vm.call(&func, args, kw)?;
                f.stack.push(r);
            }
            Instr::MakeFunction(flags) => {
                let code_obj = pop(f);
                let closure = if flags.closure {
                    pop(f).as_tuple().map(|t| t.to_vec()).unwrap_or_default()
                } else {
                    Vec::new()
                };
                let kwdefaults = if flags.kwdefaults { Some(pop(f)) } else { None };
                let defaults = if flags.defaults {
                    pop(f).as_tuple().map(|t| t.to_vec()).unwrap_or_default()
                } else {
                    Vec::new()
                };
                let code = code_obj
                    .downcast::<CodeConst>()
                    .map(|c| c.0.clone())
                    .ok_or_else(|| vm.type_error("MakeFunction: not a code object"))?;
                let cache = vm.code_cache(&code);
                let func = vm.rt.alloc(PyFunction::new(
                    code,
                    cache,
                    closure,
                    defaults,
                    kwdefaults,
                    f.globals.clone(),
                ));
                f.stack.push(func);
            }
            Instr::MakeClass(n) => {
                let bases = f.stack.split_off(f.stack.len() - n as usize);
                let name = pop(f);
                let body = pop(f);
                let c = vm.make_class(&body, name.as_str().unwrap_or("?"), &bases)?;
                f.stack.push(c);
            }
            Instr::LoadLocals => {
                let ns = f.ns.clone().unwrap_or_else(|| f.globals.clone());
                f.stack.push(ns);
            }
            Instr::Return => return Ok(pop(f)),
            Instr::SetupExcept(h) => f.blocks.push(Block::Except(h as usize, f.stack.len())),
            Instr::SetupFinally(h) => f.blocks.push(Block::Finally(h as usize, f.stack.len())),
            Instr::PopBlock => {
                f.blocks.pop();
            }
            Instr::PopExcept => {
                if let Some(i) = f
                    .blocks
                    .iter()
                    .rposition(|b| matches!(b, Block::Handler(_)))
                {
                    f.blocks.remove(i);
                }
            }
            Instr::CheckExcMatch => {
                let t = pop(f);
                let r = vm.exc_matches(top(f), &t)?;
                f.stack.push(vm.rt.new_bool(r));
            }
            Instr::Raise(n) => {
                let cause = if n == 2 { Some(pop(f)) } else { None };
                drop(cause);
                if n == 0 {
                    let cur = f.blocks.iter().rev().find_map(|b| match b {
                        Block::Handler(e) => Some(e.clone()),
                        _ => None,
                    });
                    return Err(match cur {
                        Some(e) => reraise(e),
                        None => vm.error(&vm.exc.runtime, "No active exception to reraise"),
                    });
                }
                let e = pop(f);
                return Err(vm.make_raise(e)?);
            }
            Instr::Reraise => return Err(reraise(pop(f))),
            Instr::LoadAssertionError => f.stack.push(vm.exc.assertion.clone()),
            Instr::WithEnter(h) => {
                let m = top(f).clone();
                let enter = vm.getattr(&m, "__enter__")?;
                let r = vm.call(&enter, Vec::new(), Vec::new())?;
                f.blocks.push(Block::With(h as usize, f.stack.len()));
                f.stack.push(r);
            }
            Instr::WithExit => {
                let m = pop(f);
                let exit = vm.getattr(&m, "__exit__")?;
                let none = vm.rt.none();
                vm.call(&exit, vec![none.clone(), none.clone(), none], Vec::new())?;
            }
            Instr::WithExceptExit => {
                let e = pop(f);
                let m = pop(f);
                let exit = vm.getattr(&m, "__exit__")?;
                let t = vm.type_of(&e);
                let r = vm.call(&exit, vec![t, e.clone(), vm.rt.none()], Vec::new())?;
                if !vm.truthy(&r)? {
                    return Err(reraise(e));
                }
            }
            Instr::Import(i) => {
                let m = vm.import(&code.names[i as usize])?;
                f.stack.push(m);
            }
            Instr::ImportFrom(i) => {
                let m = top(f).clone();
                let name = &code.names[i as usize];
                let v = vm.getattr(&m, name).map_err(|_| {
                    vm.error(&vm.exc.import, format!("cannot import name '{name}'"))
                })?;
                f.stack.push(v);
            }
            Instr::FormatValue { conversion, spec } => {
                let spec = if spec { Some(pop(f)) } else { None };
                let v = pop(f);
                let v = match conversion {
                    Conversion::None => v,
                    Conversion::Str => vm.str(&vm.to_str(&v)?),
                    Conversion::Repr | Conversion::Ascii => vm.str(&vm.repr(&v)?),
                };
                let spec = spec.as_ref().and_then(|s| s.as_str()).unwrap_or("");
                let s = vm.format(&v, spec)?;
                f.stack.push(vm.str(&s));
            }
        }
    }
}

#[inline]
fn dict(o: &Ref) -> &gc_vm_adapter::Dict {
    o.as_dict().expect("namespace is a dict")
}

fn load_global(vm: &Vm, f: &Frame, i: u32) -> PyResult<Ref> {
    let k = &f.cache.names[i as usize];
    if let Some(v) = vm.dict_get_name(dict(&f.globals), k)? {
        return Ok(v);
    }
    if let Some(v) = vm.dict_get_name(dict(&vm.builtins), k)? {
        return Ok(v);
    }
    Err(name_error(vm, &f.code.names[i as usize]))
}

fn name_error(vm: &Vm, name: &str) -> PyErr {
    vm.error(&vm.exc.name, format!("name '{name}' is not defined"))
}

fn unbound_local(vm: &Vm, name: &str) -> PyErr {
    vm.error(
        &vm.exc.unbound_local,
        format!("cannot access local variable '{name}' where it is not associated with a value"),
    )
}

impl Vm {
    /// The exception to raise for `raise e` (a class is instantiated).
    pub fn make_raise(&self, e: Ref) -> PyResult<PyErr> {
        if e.kind() == Kind::Class && self.is_subclass(&e, &self.exc.base_exception) {
            let inst = self.call(&e, Vec::new(), Vec::new())?;
            return Ok(PyErr {
                exc: inst,
                tb: Vec::new(),
            });
        }
        if self.is_exception(&e) {
            return Ok(PyErr {
                exc: e,
                tb: Vec::new(),
            });
        }
        Err(self.type_error("exceptions must derive from BaseException"))
    }

    /// `isinstance(exc, t)` for `except t`.
    pub fn exc_matches(&self, exc: &Ref, t: &Ref) -> PyResult<bool> {
        if let Some(items) = t.as_tuple() {
            for it in items {
                if self.exc_matches(exc, it)? {
                    return Ok(true);
                }
            }
            return Ok(false);
        }
        if t.kind() != Kind::Class {
            return Err(self.type_error(
                "catching classes that do not inherit from BaseException is not allowed",
            ));
        }
        Ok(self.is_instance_of(exc, t))
    }
}
