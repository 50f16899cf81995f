//! Builtin functions and builtin type constructors.

use std::sync::Arc;

use num_bigint::BigInt;

use crate::bytecode::CmpOp;
use crate::objects::{int_of, small_int, IntVal, TypeObj, TypeTag};
use crate::stdlib::{numfns, seqfns};
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
        ("issubclass", b_issubclass),
        ("sorted", b_sorted),
        ("sum", seqfns::sum),
        ("min", |vm, a, kw| seqfns::minmax(vm, a, kw, CmpOp::Lt)),
        ("max", |vm, a, kw| seqfns::minmax(vm, a, kw, CmpOp::Gt)),
        ("all", b_all),
        ("any", b_any),
        ("enumerate", seqfns::enumerate),
        ("zip", seqfns::zip),
        ("reversed", seqfns::reversed),
        ("iter", |vm, a, _| vm.get_iter(&a[0])),
        ("next", b_next),
        ("hasattr", |vm, a, _| {
            let name = attr_name(vm, &a[1])?;
            match vm.getattr(&a[0], name) {
                Ok(_) => Ok(vm.rt.new_bool(true)),
                Err(e) if vm.is_instance_of(&e.exc, &vm.exc.attribute) => Ok(vm.rt.new_bool(false)),
                Err(e) => Err(e),
            }
        }),
        ("getattr", b_getattr),
        ("setattr", |vm, a, _| {
            vm.setattr(&a[0], attr_name(vm, &a[1])?, a[2].clone())?;
            Ok(vm.rt.none())
        }),
        ("delattr", |vm, a, _| {
            vm.delattr(&a[0], attr_name(vm, &a[1])?)?;
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
        ("chr", numfns::chr),
        ("ord", numfns::ord),
        ("round", b_round),
        ("divmod", numfns::divmod),
        ("pow", b_pow),
        ("format", |vm, a, _| {
            let spec = match a.get(1) {
                None => "",
                Some(s) => s.as_str().ok_or_else(|| {
                    let t = if s.is_none() {
                        "None".into()
                    } else {
                        vm.type_name(s)
                    };
                    vm.type_error(format!("format() argument 2 must be str, not {t}"))
                })?,
            };
            Ok(vm.str(&vm.format(&a[0], spec)?))
        }),
        ("hex", |vm, a, _| numfns::radix(vm, &a[0], "0x", 16)),
        ("oct", |vm, a, _| numfns::radix(vm, &a[0], "0o", 8)),
        ("bin", |vm, a, _| numfns::radix(vm, &a[0], "0b", 2)),
        ("map", seqfns::map),
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
        d.insert(
            vm.str(name),
            vm.builtin_sig(name, *f, crate::objects::sig::builtin(name)),
        );
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
        d.insert(vm.str(t.name()), vm.type_obj(t));
    }
    d.insert(vm.str("None"), vm.rt.none());
    d.insert(vm.str("NotImplemented"), vm.not_implemented.clone());
    d.insert(vm.str("__name__"), vm.str("builtins"));
}

/// An attribute name argument: "attribute name must be string, not 'int'".
fn attr_name<'a>(vm: &Vm, o: &'a Ref) -> PyResult<&'a str> {
    o.as_str().ok_or_else(|| {
        vm.type_error(format!(
            "attribute name must be string, not '{}'",
            vm.type_name(o)
        ))
    })
}

fn b_print(vm: &Vm, args: &[Ref], kw: &Kw) -> PyResult<Ref> {
    let text = |name: &str, dflt: &'static str| -> PyResult<String> {
        match kwarg(kw, name).filter(|s| !s.is_none()) {
            None => Ok(dflt.to_string()),
            Some(s) => s.as_str().map(str::to_string).ok_or_else(|| {
                vm.type_error(format!(
                    "{name} must be None or a string, not {}",
                    vm.type_name(&s)
                ))
            }),
        }
    };
    let (sep, end) = (text("sep", " ")?, text("end", "\n")?);
    let (sep, end) = (sep.as_str(), end.as_str());
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
        Kind::Other => match crate::objects::range::length(vm, o) {
            Some(n) => n?,
            None => {
                return Err(
                    vm.type_error(format!("object of type '{}' has no len()", vm.type_name(o)))
                )
            }
        },
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
        return Err(
            vm.type_error("isinstance() arg 2 must be a type, a tuple of types, or a union")
        );
    };
    Ok(match tag {
        TypeTag::Int => matches!(o.kind(), Kind::Int | Kind::Bool),
        TypeTag::Float => o.kind() == Kind::Float,
        TypeTag::Str => o.kind() == Kind::Str,
        TypeTag::Bool => o.kind() == Kind::Bool,
        TypeTag::List => o.kind() == Kind::List,
        TypeTag::Tuple => o.kind() == Kind::Tuple,
        TypeTag::Dict => o.kind() == Kind::Dict,
        TypeTag::Range => crate::objects::range::is_range(o),
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

/// `issubclass(c, t)`: classes by their chain; builtin types by CPython's (bool derives from
/// int, everything from object).
fn b_issubclass(vm: &Vm, args: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    let (c, t) = (&args[0], &args[1]);
    if c.kind() != Kind::Class && !c.is::<TypeObj>() {
        return Err(vm.type_error("issubclass() arg 1 must be a class"));
    }
    fn check(vm: &Vm, c: &Ref, t: &Ref) -> PyResult<bool> {
        if let Some(items) = t.as_tuple() {
            for it in items {
                if check(vm, c, it)? {
                    return Ok(true);
                }
            }
            return Ok(false);
        }
        if t.kind() == Kind::Class {
            return Ok(c.kind() == Kind::Class && vm.is_subclass(c, t));
        }
        let Some(tt) = t.downcast::<TypeObj>().map(|t| t.0) else {
            return Err(
                vm.type_error("issubclass() arg 2 must be a class, a tuple of classes, or a union")
            );
        };
        let ct = c.downcast::<TypeObj>().map(|c| c.0);
        Ok(tt == TypeTag::Object
            || ct == Some(tt)
            || (ct == Some(TypeTag::Bool) && tt == TypeTag::Int))
    }
    Ok(vm.rt.new_bool(check(vm, c, t)?))
}

fn b_sorted(vm: &Vm, args: &[Ref], kw: &Kw) -> PyResult<Ref> {
    let items = vm.iterate(&args[0])?;
    let rev = match kwarg(kw, "reverse") {
        Some(r) => crate::objects::strargs::index_arg(vm, &r)? != 0,
        None => false,
    };
    let v = crate::objects::listops::sorted(vm, items, kwarg(kw, "key").as_ref(), rev)?;
    Ok(vm.rt.new_list(v))
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
    let name = attr_name(vm, &args[1])?;
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

/// Call a builtin type: `int(x)`, `list(it)`, `range(..)` ...
pub fn construct(vm: &Vm, t: TypeTag, args: &[Ref], kw: &Kw) -> PyResult<Ref> {
    let a0 = args.first();
    match t {
        TypeTag::Int => match a0 {
            None => Ok(vm.int(0)),
            Some(_) if args.len() > 1 => numfns::int_with_base(vm, a0, &args[1]),
            Some(x) => {
                if let Some(s) = x.as_str() {
                    return numfns::parse_int(vm, s, 10);
                }
                if args.len() > 1 {
                    return Err(vm.type_error("int() can't convert non-string with explicit base"));
                }
                if let Some(f) = x.as_float() {
                    return crate::objects::numconv::float_to_int(vm, f);
                }
                match int_of(x) {
                    Some(IntVal::S(v)) => Ok(vm.int(v)),
                    Some(IntVal::B(b)) => Ok(vm.new_big(b)),
                    None => Err(vm.type_error(format!(
                        "int() argument must be a string, a bytes-like object or a real number, not '{}'",
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
                        _ => numfns::float_digits(&t).and_then(|t| t.parse::<f64>().ok()),
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
        TypeTag::Str if args.len() > 1 => Err(vm.type_error(format!(
            "decoding to str: need a bytes-like object, {} found",
            vm.type_name(&args[0])
        ))),
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
                    vm.dict_merge(dd, src)?;
                } else {
                    for item in vm.iterate(x)? {
                        let kv = vm.iterate(&item)?;
                        if kv.len() != 2 {
                            return Err(vm.value_error(
                                "dictionary update sequence element has wrong length",
                            ));
                        }
                        vm.dict_set(dd, &kv[0], kv[1].clone())?;
                    }
                }
            }
            for (k, v) in kw {
                vm.dict_set_str(dd, k, v.clone())?;
            }
            Ok(d)
        }
        TypeTag::Range => crate::objects::range::construct(vm, args, kw),
        TypeTag::Object if args.is_empty() && kw.is_empty() => {
            Ok(vm.rt.new_instance(&vm.object_class()))
        }
        TypeTag::Object => Err(vm.type_error("object() takes no arguments")),
        TypeTag::Type if !kw.is_empty() => Err(vm.type_error("type() takes no keyword arguments")),
        TypeTag::Type => match a0 {
            Some(x) if args.len() == 1 => Ok(vm.type_of(x)),
            _ if args.len() == 3 => Err(vm.type_error(
                "type() with 3 arguments (creating a class) is not supported by this runtime",
            )),
            _ => Err(vm.type_error("type() takes 1 or 3 arguments")),
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
        d.insert(self.str("__object_class__"), c.clone());
        c
    }
}
