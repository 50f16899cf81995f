//! Builtin functions and builtin type constructors.

use std::sync::Arc;

use num_bigint::BigInt;

use crate::bytecode::CmpOp;
use crate::objects::{int_of, range_len, range_of, small_int, IntVal, Range, TypeObj, TypeTag};
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::{HashKey, Kind, Ref};

type Kw = [(Arc<str>, Ref)];

/// A keyword argument by name.
pub fn kwarg(kw: &Kw, name: &str) -> Option<Ref> {
    kw.iter()
        .find(|(k, _)| &**k == name)
        .map(|(_, v)| v.clone())
}

fn arg_count(vm: &Vm, name: &str, args: &[Ref], min: usize, max: usize) -> PyResult<()> {
    if args.len() < min || args.len() > max {
        return Err(vm.type_error(format!(
            "{name}() takes {} argument{} ({} given)",
            if min == max {
                format!("exactly {min}")
            } else {
                format!("{min} to {max}")
            },
            if max == 1 { "" } else { "s" },
            args.len()
        )));
    }
    Ok(())
}

/// Register the builtins in `vm.builtins`.
pub fn install(vm: &Vm) {
    let d = vm.builtins.as_dict().expect("builtins dict");
    let fns: &[(&'static str, crate::objects::BuiltinFn)] = &[
        ("print", b_print),
        ("len", b_len),
        ("repr", |vm, a, _| Ok(vm.str(&vm.repr(&a[0])?))),
        ("abs", b_abs),
        ("isinstance", b_isinstance),
        ("issubclass", |vm, a, _| {
            Ok(vm.rt.new_bool(vm.is_subclass(&a[0], &a[1])))
        }),
        ("sorted", b_sorted),
        ("sum", b_sum),
        ("min", |vm, a, kw| minmax(vm, a, kw, CmpOp::Lt)),
        ("max", |vm, a, kw| minmax(vm, a, kw, CmpOp::Gt)),
        ("all", b_all),
        ("any", b_any),
        ("enumerate", b_enumerate),
        ("zip", b_zip),
        ("reversed", |vm, a, _| {
            let mut v = vm.iterate(&a[0])?;
            v.reverse();
            vm.get_iter(&vm.rt.new_list(v))
        }),
        ("iter", |vm, a, _| vm.get_iter(&a[0])),
        ("next", b_next),
        ("hasattr", |vm, a, _| {
            let name = a[1].as_str().unwrap_or("");
            Ok(vm.rt.new_bool(vm.getattr(&a[0], name).is_ok()))
        }),
        ("getattr", b_getattr),
        ("setattr", |vm, a, _| {
            vm.setattr(&a[0], a[1].as_str().unwrap_or(""), a[2].clone())?;
            Ok(vm.rt.none())
        }),
        ("delattr", |vm, a, _| {
            vm.delattr(&a[0], a[1].as_str().unwrap_or(""))?;
            Ok(vm.rt.none())
        }),
        ("id", |vm, a, _| Ok(vm.int(a[0].addr() as i64))),
        ("hash", |vm, a, _| Ok(vm.int(vm.hash(&a[0])?))),
        ("callable", |vm, a, _| {
            Ok(vm.rt.new_bool(
                matches!(a[0].kind(), Kind::Function | Kind::Class | Kind::WeakRef)
                    || a[0].is::<TypeObj>(),
            ))
        }),
        ("chr", |vm, a, _| {
            let c = small_int(&a[0]).and_then(|v| char::from_u32(v as u32));
            let c = c.ok_or_else(|| vm.value_error("chr() arg not in range(0x110000)"))?;
            Ok(vm.str(c.encode_utf8(&mut [0; 4])))
        }),
        ("ord", |vm, a, _| {
            let s = a[0].as_str().unwrap_or("");
            let mut it = s.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => Ok(vm.int(c as i64)),
                _ => Err(vm.type_error("ord() expected a character")),
            }
        }),
        ("round", b_round),
        ("divmod", |vm, a, _| vm.divmod(&a[0], &a[1])),
        ("pow", b_pow),
        ("format", |vm, a, _| {
            let spec = a
                .get(1)
                .and_then(|s| s.as_str().map(str::to_string))
                .unwrap_or_default();
            Ok(vm.str(&vm.format(&a[0], &spec)?))
        }),
        ("hex", |vm, a, _| Ok(vm.str(&vm.format(&a[0], "#x")?))),
        ("bin", |vm, a, _| Ok(vm.str(&vm.format(&a[0], "#b")?))),
        ("map", |vm, a, _| {
            let items = vm.iterate(&a[1])?;
            let mut out = Vec::with_capacity(items.len());
            for x in items {
                out.push(vm.call(&a[0], vec![x], Vec::new())?);
            }
            vm.get_iter(&vm.rt.new_list(out))
        }),
        ("filter", |vm, a, _| {
            let mut out = Vec::new();
            for x in vm.iterate(&a[1])? {
                let keep = if a[0].is_none() {
                    vm.truthy(&x)?
                } else {
                    let r = vm.call(&a[0], vec![x.clone()], Vec::new())?;
                    vm.truthy(&r)?
                };
                if keep {
                    out.push(x);
                }
            }
            vm.get_iter(&vm.rt.new_list(out))
        }),
    ];
    for (name, f) in fns {
        d.insert(HashKey::from(*name), vm.builtin(name, *f));
    }
    for t in [
        TypeTag::Int,
        TypeTag::Float,
        TypeTag::Str,
        TypeTag::Bool,
        TypeTag::List,
        TypeTag::Tuple,
        TypeTag::Dict,
        TypeTag::Range,
        TypeTag::Object,
        TypeTag::Type,
    ] {
        d.insert(HashKey::from(t.name()), vm.type_obj(t));
    }
    d.insert(HashKey::from("None"), vm.rt.none());
    d.insert(HashKey::from("NotImplemented"), vm.not_implemented.clone());
    d.insert(HashKey::from("__name__"), vm.str("builtins"));
}

fn b_print(vm: &Vm, args: &[Ref], kw: &Kw) -> PyResult<Ref> {
    let sep = kwarg(kw, "sep").filter(|s| !s.is_none());
    let end = kwarg(kw, "end").filter(|s| !s.is_none());
    let sep = sep.as_ref().and_then(|s| s.as_str()).unwrap_or(" ");
    let end = end.as_ref().and_then(|s| s.as_str()).unwrap_or("\n");
    let mut s = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            s.push_str(sep);
        }
        s.push_str(&vm.to_str(a)?);
    }
    s.push_str(end);
    vm.write_out(&s);
    Ok(vm.rt.none())
}

/// `len(o)`.
pub fn length(vm: &Vm, o: &Ref) -> PyResult<usize> {
    Ok(match o.kind() {
        Kind::Str => o.as_str().unwrap_or("").chars().count(),
        Kind::List => o.as_list().expect("list").len(),
        Kind::Tuple => o.as_tuple().expect("tuple").len(),
        Kind::Dict => o.as_dict().expect("dict").len(),
        Kind::Other => {
            let r = range_of(o).map(|(a, b, s)| range_len(a, b, s));
            match r {
                Some(n) if n > i64::MAX as u64 => {
                    return Err(vm.error(
                        &vm.exc.overflow,
                        "Python int too large to convert to C ssize_t",
                    ))
                }
                Some(n) => n as usize,
                None => {
                    return Err(
                        vm.type_error(format!("object of type '{}' has no len()", vm.type_name(o)))
                    )
                }
            }
        }
        Kind::Instance if vm.lookup_class_attr(o, "__len__").is_some() => {
            let r = vm.call_method(o, "__len__", Vec::new())?;
            small_int(&r).unwrap_or(0) as usize
        }
        _ => {
            return Err(vm.type_error(format!("object of type '{}' has no len()", vm.type_name(o))))
        }
    })
}

fn b_len(vm: &Vm, args: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    arg_count(vm, "len", args, 1, 1)?;
    Ok(vm.int(length(vm, &args[0])? as i64))
}

fn b_abs(vm: &Vm, args: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    arg_count(vm, "abs", args, 1, 1)?;
    let a = &args[0];
    if let Some(x) = a.as_float() {
        return Ok(vm.rt.new_float(x.abs()));
    }
    match int_of(a) {
        Some(IntVal::S(v)) => Ok(match v.checked_abs() {
            Some(v) => vm.int(v),
            None => vm.new_big(BigInt::from(v) * -1),
        }),
        Some(IntVal::B(b)) => Ok(vm.new_big(if b.sign() == num_bigint::Sign::Minus {
            -b
        } else {
            b
        })),
        None => Err(vm.type_error(format!("bad operand type for abs(): '{}'", vm.type_name(a)))),
    }
}

/// `isinstance(o, t)` for one type object.
pub fn isinstance(vm: &Vm, o: &Ref, t: &Ref) -> PyResult<bool> {
    if let Some(items) = t.as_tuple() {
        for it in items {
            if isinstance(vm, o, it)? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    if t.kind() == Kind::Class {
        return Ok(vm.is_instance_of(o, t));
    }
    let tag = t.downcast::<TypeObj>().map(|t| t.0);
    let Some(tag) = tag else {
        return Err(vm.type_error("isinstance() arg 2 must be a type or tuple of types"));
    };
    Ok(match tag {
        TypeTag::Int => matches!(o.kind(), Kind::Int | Kind::Bool),
        TypeTag::Float => o.kind() == Kind::Float,
        TypeTag::Str => o.kind() == Kind::Str,
        TypeTag::Bool => o.kind() == Kind::Bool,
        TypeTag::List => o.kind() == Kind::List,
        TypeTag::Tuple => o.kind() == Kind::Tuple,
        TypeTag::Dict => o.kind() == Kind::Dict,
        TypeTag::Range => o.is::<Range>(),
        TypeTag::Object => true,
        TypeTag::Type => o.kind() == Kind::Class || o.is::<TypeObj>(),
        TypeTag::NoneType => o.is_none(),
        TypeTag::Function => o.kind() == Kind::Function,
    })
}

fn b_isinstance(vm: &Vm, args: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    arg_count(vm, "isinstance", args, 2, 2)?;
    Ok(vm.rt.new_bool(isinstance(vm, &args[0], &args[1])?))
}

fn b_sorted(vm: &Vm, args: &[Ref], kw: &Kw) -> PyResult<Ref> {
    arg_count(vm, "sorted", args, 1, 1)?;
    let items = vm.iterate(&args[0])?;
    let rev = match kwarg(kw, "reverse") {
        Some(r) => vm.truthy(&r)?,
        None => false,
    };
    let v = crate::objects::listops::sorted(vm, items, kwarg(kw, "key").as_ref(), rev)?;
    Ok(vm.rt.new_list(v))
}

fn b_sum(vm: &Vm, args: &[Ref], kw: &Kw) -> PyResult<Ref> {
    arg_count(vm, "sum", args, 1, 2)?;
    let mut acc = args
        .get(1)
        .cloned()
        .or_else(|| kwarg(kw, "start"))
        .unwrap_or_else(|| vm.int(0));
    for x in vm.iterate(&args[0])? {
        acc = vm.binary_op(crate::BinOp::Add, &acc, &x)?;
    }
    Ok(acc)
}

fn minmax(vm: &Vm, args: &[Ref], kw: &Kw, op: CmpOp) -> PyResult<Ref> {
    let name = if op == CmpOp::Lt { "min" } else { "max" };
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
                if better {
                    Some((k, x))
                } else {
                    Some((bk, bx))
                }
            }
        };
    }
    match best {
        Some((_, x)) => Ok(x),
        None => match kwarg(kw, "default") {
            Some(d) => Ok(d),
            None => Err(vm.value_error(format!("{name}() iterable argument is empty"))),
        },
    }
}

fn b_all(vm: &Vm, args: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    for x in vm.iterate(&args[0])? {
        if !vm.truthy(&x)? {
            return Ok(vm.rt.new_bool(false));
        }
    }
    Ok(vm.rt.new_bool(true))
}

fn b_any(vm: &Vm, args: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    for x in vm.iterate(&args[0])? {
        if vm.truthy(&x)? {
            return Ok(vm.rt.new_bool(true));
        }
    }
    Ok(vm.rt.new_bool(false))
}

fn b_enumerate(vm: &Vm, args: &[Ref], kw: &Kw) -> PyResult<Ref> {
    let start = args.get(1).cloned().or_else(|| kwarg(kw, "start"));
    let start = start.as_ref().and_then(small_int).unwrap_or(0);
    let items = vm.iterate(&args[0])?;
    let v = items
        .into_iter()
        .enumerate()
        .map(|(i, x)| vm.rt.new_tuple(vec![vm.int(start + i as i64), x]))
        .collect();
    vm.get_iter(&vm.rt.new_list(v))
}

fn b_zip(vm: &Vm, args: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    let seqs = args
        .iter()
        .map(|a| vm.iterate(a))
        .collect::<PyResult<Vec<_>>>()?;
    let n = seqs.iter().map(Vec::len).min().unwrap_or(0);
    let v = (0..n)
        .map(|i| vm.rt.new_tuple(seqs.iter().map(|s| s[i].clone()).collect()))
        .collect();
    vm.get_iter(&vm.rt.new_list(v))
}

fn b_next(vm: &Vm, args: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    match vm.iter_next(&args[0])? {
        Some(v) => Ok(v),
        None => match args.get(1) {
            Some(d) => Ok(d.clone()),
            None => Err(crate::vm::PyErr {
                exc: vm.new_exception(&vm.exc.stop_iteration, Vec::new()),
                tb: Vec::new(),
            }),
        },
    }
}

fn b_getattr(vm: &Vm, args: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    arg_count(vm, "getattr", args, 2, 3)?;
    let name = args[1].as_str().unwrap_or("");
    match vm.getattr(&args[0], name) {
        Ok(v) => Ok(v),
        Err(e) => match args.get(2) {
            Some(d) if vm.is_instance_of(&e.exc, &vm.exc.attribute) => Ok(d.clone()),
            _ => Err(e),
        },
    }
}

/// `pow(base, exp[, mod])`: two arguments are the `**` operator; a modulus (not `None`) needs
/// three ints and is computed modulo it, never by the full power (which may be enormous).
fn b_pow(vm: &Vm, args: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    arg_count(vm, "pow", args, 2, 3)?;
    let Some(m) = args.get(2).filter(|m| !m.is_none()) else {
        return vm.binary_op(crate::BinOp::Pow, &args[0], &args[1]);
    };
    let (Some(b), Some(e), Some(m)) = (int_of(&args[0]), int_of(&args[1]), int_of(m)) else {
        let numbers = args
            .iter()
            .all(|x| x.as_float().is_some() || int_of(x).is_some());
        if !numbers {
            return Err(vm.type_error(format!(
                "unsupported operand type(s) for ** or pow(): '{}', '{}', '{}'",
                vm.type_name(&args[0]),
                vm.type_name(&args[1]),
                vm.type_name(&args[2])
            )));
        }
        return Err(
            vm.type_error("pow() 3rd argument not allowed unless all arguments are integers")
        );
    };
    crate::objects::bigint::pow_mod(&b.big(), &e.big(), &m.big())
        .map(|r| vm.new_big(r))
        .map_err(|e| vm.value_error(e.message()))
}

fn b_round(vm: &Vm, args: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    arg_count(vm, "round", args, 1, 2)?;
    crate::objects::numconv::round(vm, &args[0], args.get(1))
}

fn parse_int(vm: &Vm, s: &str, base: u32) -> PyResult<Ref> {
    let t = s.trim().replace('_', "");
    let (neg, digits) = match t.strip_prefix('-') {
        Some(r) => (true, r.to_string()),
        None => (false, t.trim_start_matches('+').to_string()),
    };
    let digits = if base == 16 {
        digits.trim_start_matches("0x").to_string()
    } else {
        digits
    };
    match BigInt::parse_bytes(digits.as_bytes(), base) {
        Some(b) if !digits.is_empty() => Ok(vm.new_big(if neg { -b } else { b })),
        _ => Err(vm.value_error(format!(
            "invalid literal for int() with base {base}: {}",
            vm.repr(&vm.str(s))?
        ))),
    }
}

/// Call a builtin type: `int(x)`, `list(it)`, `range(..)` ...
pub fn construct(vm: &Vm, t: TypeTag, args: &[Ref], kw: &Kw) -> PyResult<Ref> {
    let a0 = args.first();
    match t {
        TypeTag::Int => match a0 {
            None => Ok(vm.int(0)),
            Some(x) => {
                if let Some(s) = x.as_str() {
                    let base = args.get(1).and_then(small_int).unwrap_or(10) as u32;
                    return parse_int(vm, s, base);
                }
                if let Some(f) = x.as_float() {
                    return crate::objects::numconv::float_to_int(vm, f);
                }
                match int_of(x) {
                    Some(IntVal::S(v)) => Ok(vm.int(v)),
                    Some(IntVal::B(b)) => Ok(vm.new_big(b)),
                    None => Err(vm.type_error(format!(
                        "int() argument must be a string or a number, not '{}'",
                        vm.type_name(x)
                    ))),
                }
            }
        },
        TypeTag::Float => match a0 {
            None => Ok(vm.rt.new_float(0.0)),
            Some(x) => {
                if let Some(f) = x.as_float() {
                    return Ok(vm.rt.new_float(f));
                }
                if let Some(i) = int_of(x) {
                    return Ok(vm.rt.new_float(vm.int_to_float(&i)?));
                }
                if let Some(s) = x.as_str() {
                    let t = s.trim().to_lowercase();
                    let v = match t.as_str() {
                        "inf" | "+inf" | "infinity" => Some(f64::INFINITY),
                        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
                        "nan" => Some(f64::NAN),
                        _ => t.parse::<f64>().ok(),
                    };
                    return v.map(|v| vm.rt.new_float(v)).ok_or_else(|| {
                        vm.value_error(format!("could not convert string to float: '{s}'"))
                    });
                }
                Err(vm.type_error(format!(
                    "float() argument must be a string or a real number, not '{}'",
                    vm.type_name(x)
                )))
            }
        },
        TypeTag::Str => match a0 {
            None => Ok(vm.str("")),
            Some(x) => Ok(vm.str(&vm.to_str(x)?)),
        },
        TypeTag::Bool => match a0 {
            None => Ok(vm.rt.new_bool(false)),
            Some(x) => Ok(vm.rt.new_bool(vm.truthy(x)?)),
        },
        TypeTag::List => Ok(vm.rt.new_list(match a0 {
            None => Vec::new(),
            Some(x) => vm.iterate(x)?,
        })),
        TypeTag::Tuple => match a0 {
            None => Ok(vm.rt.new_tuple(Vec::new())),
            Some(x) if x.kind() == Kind::Tuple => Ok(x.clone()),
            Some(x) => Ok(vm.rt.new_tuple(vm.iterate(x)?)),
        },
        TypeTag::Dict => {
            let d = vm.rt.new_dict();
            let dd = d.as_dict().expect("dict");
            if let Some(x) = a0 {
                if let Some(src) = x.as_dict() {
                    for (k, v) in src.items() {
                        dd.insert(k, v);
                    }
                } else {
                    for item in vm.iterate(x)? {
                        let kv = vm.iterate(&item)?;
                        if kv.len() != 2 {
                            return Err(vm.value_error(
                                "dictionary update sequence element has wrong length",
                            ));
                        }
                        dd.insert(vm.key(&kv[0])?, kv[1].clone());
                    }
                }
            }
            for (k, v) in kw {
                dd.insert(HashKey::Str(k.clone()), v.clone());
            }
            Ok(d)
        }
        TypeTag::Range => {
            let ints = args
                .iter()
                .map(|a| {
                    small_int(a).ok_or_else(|| {
                        vm.type_error(format!(
                            "'{}' object cannot be interpreted as an integer",
                            vm.type_name(a)
                        ))
                    })
                })
                .collect::<PyResult<Vec<i64>>>()?;
            let (a, b, s) = match ints.as_slice() {
                [b] => (0, *b, 1),
                [a, b] => (*a, *b, 1),
                [a, b, s] => (*a, *b, *s),
                _ => return Err(vm.type_error("range expected 1 to 3 arguments")),
            };
            if s == 0 {
                return Err(vm.value_error("range() arg 3 must not be zero"));
            }
            Ok(vm.rt.alloc(Range {
                start: a,
                stop: b,
                step: s,
            }))
        }
        TypeTag::Object => Ok(vm.rt.new_instance(&vm.object_class())),
        TypeTag::Type => match a0 {
            Some(x) if args.len() == 1 => Ok(vm.type_of(x)),
            _ => Err(vm.type_error("type() takes 1 argument in this runtime")),
        },
        TypeTag::NoneType | TypeTag::Function => {
            Err(vm.type_error(format!("cannot create '{}' instances", t.name())))
        }
    }
}

impl Vm {
    /// The class of plain `object()` instances.
    pub fn object_class(&self) -> Ref {
        let d = self.builtins.as_dict().expect("dict");
        if let Some(c) = d.get(&HashKey::from("__object_class__")) {
            return c;
        }
        let c = self.rt.new_class("object", None);
        d.insert(HashKey::from("__object_class__"), c.clone());
        c
    }
}
