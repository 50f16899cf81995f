//! Builtins over iterables with CPython's argument checks and errors: `min` / `max`, `sum`,
//! `map`, `zip(strict=)`, `enumerate`, `reversed`. The argument counts are checked before
//! these run ([`sig`](crate::objects::sig)). pyrt's `map` / `zip` / `enumerate` consume their
//! iterables eagerly and iterate over the results.

use crate::bytecode::CmpOp;
use crate::objects::{int_of, IntVal};
use crate::stdlib::builtins::kwarg;
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::{Kind, Ref};

type Kw = [(std::sync::Arc<str>, Ref)];

/// `min(...)` / `max(...)`: one iterable or several arguments, `key=`, `default=` (only with
/// one iterable).
pub fn minmax(vm: &Vm, args: &[Ref], kw: &Kw, op: CmpOp) -> PyResult<Ref> {
    let name = if op == CmpOp::Lt { "min" } else { "max" };
    let default = kwarg(kw, "default");
    if args.len() > 1 && default.is_some() {
        return Err(vm.type_error(format!(
            "Cannot specify a default for {name}() with multiple positional arguments"
        )));
    }
    let items = if args.len() == 1 {
        vm.iterate(&args[0])?
    } else {
        args.to_vec()
    };
    let key = kwarg(kw, "key").filter(|k| !k.is_none());
    let mut best: Option<(Ref, Ref)> = None;
    for x in items {
        let k = match &key {
            Some(f) => vm.call(f, vec![x.clone()], Vec::new())?,
            None => x.clone(),
        };
        best = match best {
            None => Some((k, x)),
            Some((bk, bx)) => {
                let o = vm.cmp_order(&k, &bk, op)?;
                let better = if op == CmpOp::Lt {
                    o.is_lt()
                } else {
                    o.is_gt()
                };
                Some(if better { (k, x) } else { (bk, bx) })
            }
        };
    }
    match (best, default) {
        (Some((_, x)), _) => Ok(x),
        (None, Some(d)) => Ok(d),
        (None, None) => Err(vm.value_error(format!("{name}() arg is an empty sequence"))),
    }
}

/// `sum(iterable, start=0)`: strings are refused as the start, as in CPython.
pub fn sum(vm: &Vm, args: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    let mut acc = args.get(1).cloned().unwrap_or_else(|| vm.int(0));
    if acc.kind() == Kind::Str {
        return Err(vm.type_error("sum() can't sum strings [use ''.join(seq) instead]"));
    }
    for x in vm.iterate(&args[0])? {
        acc = vm.binary_op(crate::BinOp::Add, &acc, &x)?;
    }
    Ok(acc)
}

/// `map(f, *iterables)`: `f` applied to the items taken together, up to the shortest.
pub fn map(vm: &Vm, a: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    let seqs = a[1..]
        .iter()
        .map(|s| vm.iterate(s))
        .collect::<PyResult<Vec<_>>>()?;
    let n = seqs.iter().map(Vec::len).min().unwrap_or(0);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let call_args = seqs.iter().map(|s| s[i].clone()).collect();
        out.push(vm.call(&a[0], call_args, Vec::new())?);
    }
    vm.get_iter(&vm.rt.new_list(out))
}

/// `zip(*iterables, strict=False)`; with `strict`, CPython's `ValueError` when the lengths
/// differ.
pub fn zip(vm: &Vm, args: &[Ref], kw: &Kw) -> PyResult<Ref> {
    let seqs = args
        .iter()
        .map(|a| vm.iterate(a))
        .collect::<PyResult<Vec<_>>>()?;
    let strict = match kwarg(kw, "strict") {
        Some(s) => vm.truthy(&s)?,
        None => false,
    };
    let n = seqs.iter().map(Vec::len).min().unwrap_or(0);
    if strict {
        if let Some(first) = seqs.first() {
            if let Some(j) = seqs.iter().position(|s| s.len() != first.len()) {
                let how = if seqs[j].len() < first.len() {
                    "shorter"
                } else {
                    "longer"
                };
                let than = if j == 1 {
                    "argument 1".to_string()
                } else {
                    format!("arguments 1-{j}")
                };
                return Err(
                    vm.value_error(format!("zip() argument {} is {how} than {than}", j + 1))
                );
            }
        }
    }
    let v = (0..n)
        .map(|i| vm.rt.new_tuple(seqs.iter().map(|s| s[i].clone()).collect()))
        .collect();
    vm.get_iter(&vm.rt.new_list(v))
}

/// `enumerate(iterable, start=0)`; the start may be any int.
pub fn enumerate(vm: &Vm, args: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    let start = match args.get(1) {
        None => IntVal::S(0),
        Some(s) => int_of(s).ok_or_else(|| crate::objects::strargs::not_an_int(vm, s))?,
    };
    let items = vm.iterate(&args[0])?;
    let v = items
        .into_iter()
        .enumerate()
        .map(|(i, x)| {
            let n = match &start {
                IntVal::S(s) => match s.checked_add(i as i64) {
                    Some(v) => vm.int(v),
                    None => vm.new_big(num_bigint::BigInt::from(*s) + i),
                },
                IntVal::B(b) => vm.new_big(b + i),
            };
            vm.rt.new_tuple(vec![n, x])
        })
        .collect();
    vm.get_iter(&vm.rt.new_list(v))
}

/// `reversed(seq)`: a sequence (list, tuple, str, dict, range or an instance with
/// `__reversed__` / `__len__` and `__getitem__`), else "'int' object is not reversible".
pub fn reversed(vm: &Vm, a: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    let o = &a[0];
    if let Some(it) = crate::objects::range::reversed(vm, o) {
        return Ok(it);
    }
    let seq = match o.kind() {
        Kind::List | Kind::Tuple | Kind::Str | Kind::Dict => true,
        Kind::Instance => {
            if vm.lookup_class_attr(o, "__reversed__").is_some() {
                return vm.call_method(o, "__reversed__", Vec::new());
            }
            vm.lookup_class_attr(o, "__len__").is_some()
                && vm.lookup_class_attr(o, "__getitem__").is_some()
        }
        _ => false,
    };
    if !seq {
        return Err(vm.type_error(format!("'{}' object is not reversible", vm.type_name(o))));
    }
    let mut v = if o.kind() == Kind::Instance {
        let n = crate::stdlib::builtins::length(vm, o)?;
        let mut v = Vec::with_capacity(n);
        for i in 0..n {
            v.push(vm.getitem(o, &vm.int(i as i64))?);
        }
        v
    } else {
        vm.iterate(o)?
    };
    v.reverse();
    vm.get_iter(&vm.rt.new_list(v))
}
