//! Methods of builtin types (`list`, `dict`, `str`, `tuple`, locks) and attributes of native
//! objects.

use std::sync::Arc;

use super::search::{self, seq_index};
use super::{int_of, listops, name_of, small_int, strargs, BuiltinFn, IntVal, PyLock};
use crate::stdlib::builtins::{kwarg, length};
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::{Kind, Ref};

type Kw = [(Arc<str>, Ref)];

/// The attribute `name` of a non-instance, non-class object (bound builtin methods).
pub fn builtin_attr(vm: &Vm, o: &Ref, name: &str) -> PyResult<Option<Ref>> {
    let f: Option<BuiltinFn> = match o.kind() {
        Kind::List => list_method(name),
        Kind::Dict => dict_method(name),
        Kind::Str => str_method(name),
        Kind::Tuple => match name {
            "index" => Some(seq_index),
            "count" => Some(seq_count),
            _ => None,
        },
        Kind::Function | Kind::Other => {
            if name == "__name__" {
                if let Some(n) = name_of(o) {
                    return Ok(Some(vm.str(&n)));
                }
            }
            if o.is::<PyLock>() {
                lock_method(name)
            } else if super::range::is_range(o) {
                if let Some(v) = super::range::attr(vm, o, name) {
                    return Ok(Some(v));
                }
                super::range::method(name)
            } else {
                None
            }
        }
        Kind::Int | Kind::Bool | Kind::Float => return number_attr(vm, o, name),
        _ => None,
    };
    Ok(f.map(|f| {
        let name: &'static str = leak_name(name);
        let type_name = match o.kind() {
            Kind::List => "list",
            Kind::Tuple => "tuple",
            Kind::Str => "str",
            Kind::Int | Kind::Bool => "int",
            Kind::Float => "float",
            _ => "",
        };
        vm.bound_builtin_sig(o, name, f, super::sig::method(type_name, name))
    }))
}

/// Attributes and methods of ints, bools and floats (`bit_length` is an int's only,
/// `is_integer` a float's only, as in CPython 3.11).
fn number_attr(vm: &Vm, o: &Ref, name: &str) -> PyResult<Option<Ref>> {
    let float = o.kind() == Kind::Float;
    let as_int = || match int_of(o) {
        Some(IntVal::S(v)) => vm.int(v),
        Some(IntVal::B(b)) => vm.new_big(b),
        None => o.clone(),
    };
    Ok(Some(match name {
        "real" => as_int(),
        "imag" if float => vm.rt.new_float(0.0),
        "imag" => vm.int(0),
        "numerator" if !float => as_int(),
        "denominator" if !float => vm.int(1),
        _ => {
            let f: BuiltinFn = match name {
                "conjugate" => |vm, a, _| match int_of(&a[0]) {
                    Some(i) => Ok(vm.new_big(i.big())),
                    None => Ok(a[0].clone()),
                },
                "is_integer" if float => |vm, a, _| {
                    Ok(vm.rt.new_bool(
                        a[0].as_float()
                            .is_some_and(|x| x.is_finite() && x.fract() == 0.0),
                    ))
                },
                "bit_length" if !float => |vm, a, _| {
                    let bits = int_of(&a[0]).map_or(0, |i| i.big().magnitude().bits());
                    Ok(vm.int(bits as i64))
                },
                _ => return Ok(None),
            };
            let type_name = if float { "float" } else { "int" };
            let name: &'static str = leak_name(name);
            return Ok(Some(vm.bound_builtin_sig(
                o,
                name,
                f,
                super::sig::method(type_name, name),
            )));
        }
    }))
}

fn leak_name(name: &str) -> &'static str {
    // Method names come from a fixed set; intern them to keep `&'static str`.
    static NAMES: parking_lot::Mutex<Vec<&'static str>> = parking_lot::Mutex::new(Vec::new());
    let mut v = NAMES.lock();
    if let Some(n) = v.iter().find(|n| **n == name) {
        return n;
    }
    let n: &'static str = Box::leak(name.to_string().into_boxed_str());
    v.push(n);
    n
}

fn list_method(name: &str) -> Option<BuiltinFn> {
    Some(match name {
        "append" => |vm, a, _| {
            a[0].as_list().expect("list").push(a[1].clone());
            Ok(vm.rt.none())
        },
        "extend" => |vm, a, _| {
            let items = vm.iterate(&a[1])?;
            a[0].as_list()
                .expect("list")
                .with_items_mut(|v| v.extend(items));
            Ok(vm.rt.none())
        },
        "pop" => |vm, a, _| listops::pop(vm, a[0].as_list().expect("list"), a.get(1)),
        "insert" => |vm, a, _| {
            let i = strargs::index_arg(vm, &a[1])?;
            listops::insert(a[0].as_list().expect("list"), i, a[2].clone());
            Ok(vm.rt.none())
        },
        "index" => seq_index,
        "count" => seq_count,
        "clear" => |vm, a, _| {
            a[0].as_list().expect("list").clear();
            Ok(vm.rt.none())
        },
        "copy" => |vm, a, _| Ok(vm.rt.new_list(a[0].as_list().expect("list").snapshot())),
        "remove" => |vm, a, _| {
            listops::remove(vm, a[0].as_list().expect("list"), &a[1])?;
            Ok(vm.rt.none())
        },
        "reverse" => |vm, a, _| {
            a[0].as_list()
                .expect("list")
                .with_items_mut(|v| v.reverse());
            Ok(vm.rt.none())
        },
        "sort" => |vm, a, kw| {
            let rev = match kwarg(kw, "reverse") {
                Some(r) => strargs::index_arg(vm, &r)? != 0,
                None => false,
            };
            let l = a[0].as_list().expect("list");
            listops::sort(vm, l, kwarg(kw, "key").as_ref(), rev)?;
            Ok(vm.rt.none())
        },
        _ => return None,
    })
}

fn seq_count(vm: &Vm, a: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    if let (Some(s), Some(sub)) = (a[0].as_str(), a[1].as_str()) {
        return Ok(vm.int(s.matches(sub).count() as i64));
    }
    let mut n = 0;
    for x in vm.iterate(&a[0])? {
        if vm.eq(&x, &a[1])? {
            n += 1;
        }
    }
    Ok(vm.int(n))
}

fn dict_method(name: &str) -> Option<BuiltinFn> {
    Some(match name {
        "get" => |vm, a, _| {
            let d = a[0].as_dict().expect("dict");
            Ok(vm
                .dict_get(d, &a[1])?
                .or_else(|| a.get(2).cloned())
                .unwrap_or_else(|| vm.rt.none()))
        },
        "keys" => |vm, a, _| Ok(vm.rt.new_list(a[0].as_dict().expect("dict").keys())),
        "values" => |vm, a, _| Ok(vm.rt.new_list(a[0].as_dict().expect("dict").values())),
        "items" => |vm, a, _| {
            let v = a[0]
                .as_dict()
                .expect("dict")
                .items()
                .into_iter()
                .map(|(k, v)| vm.rt.new_tuple(vec![k, v]))
                .collect();
            Ok(vm.rt.new_list(v))
        },
        "pop" => |vm, a, _| {
            let d = a[0].as_dict().expect("dict");
            // CPython's `_PyDict_Pop`: an empty dict answers without hashing the key.
            let v = if d.is_empty() {
                None
            } else {
                vm.dict_del(d, &a[1])?
            };
            v.or_else(|| a.get(2).cloned())
                .ok_or_else(|| vm.key_error(&a[1]))
        },
        "setdefault" => |vm, a, _| {
            let v = a.get(2).cloned().unwrap_or_else(|| vm.rt.none());
            vm.dict_setdefault(a[0].as_dict().expect("dict"), &a[1], v)
        },
        "update" => |vm, a, kw| {
            let d = a[0].as_dict().expect("dict");
            if let Some(src) = a.get(1) {
                let tmp = crate::stdlib::builtins::construct(
                    vm,
                    super::TypeTag::Dict,
                    std::slice::from_ref(src),
                    &[],
                )?;
                vm.dict_merge(d, tmp.as_dict().expect("dict"))?;
            }
            for (k, v) in kw {
                vm.dict_set_str(d, k, v.clone())?;
            }
            Ok(vm.rt.none())
        },
        "clear" => |vm, a, _| {
            a[0].as_dict().expect("dict").clear();
            Ok(vm.rt.none())
        },
        "copy" => |vm, a, _| {
            let d = vm.rt.new_dict();
            vm.dict_merge(d.as_dict().expect("dict"), a[0].as_dict().expect("dict"))?;
            Ok(d)
        },
        _ => return None,
    })
}

fn s(a: &Ref) -> &str {
    a.as_str().unwrap_or("")
}

fn str_method(name: &str) -> Option<BuiltinFn> {
    Some(match name {
        "join" => strargs::join,
        "split" => strargs::split,
        "upper" => |vm, a, _| Ok(vm.str(&s(&a[0]).to_uppercase())),
        "lower" => |vm, a, _| Ok(vm.str(&s(&a[0]).to_lowercase())),
        "strip" => |vm, a, _| strargs::strip(vm, a, "strip", true, true),
        "lstrip" => |vm, a, _| strargs::strip(vm, a, "lstrip", true, false),
        "rstrip" => |vm, a, _| strargs::strip(vm, a, "rstrip", false, true),
        "startswith" => |vm, a, _| strargs::affix(vm, a, false),
        "endswith" => |vm, a, _| strargs::affix(vm, a, true),
        "replace" => strargs::replace,
        "find" => |vm, a, _| search::str_search(vm, a, false, false),
        "rfind" => |vm, a, _| search::str_search(vm, a, true, false),
        "index" => |vm, a, _| search::str_search(vm, a, false, true),
        "rindex" => |vm, a, _| search::str_search(vm, a, true, true),
        "count" => strargs::count,
        "isdigit" => |vm, a, _| {
            let t = s(&a[0]);
            Ok(vm
                .rt
                .new_bool(!t.is_empty() && t.chars().all(|c| c.is_ascii_digit())))
        },
        "isalpha" => |vm, a, _| {
            let t = s(&a[0]);
            Ok(vm
                .rt
                .new_bool(!t.is_empty() && t.chars().all(char::is_alphabetic)))
        },
        "isspace" => |vm, a, _| {
            let t = s(&a[0]);
            Ok(vm
                .rt
                .new_bool(!t.is_empty() && t.chars().all(strargs::is_space)))
        },
        "zfill" => strargs::zfill,
        "ljust" => |vm, a, _| search::str_pad(vm, a, search::Pad::Left, "ljust"),
        "rjust" => |vm, a, _| search::str_pad(vm, a, search::Pad::Right, "rjust"),
        "center" => |vm, a, _| search::str_pad(vm, a, search::Pad::Center, "center"),
        "format" => |vm, a, kw| Ok(vm.str(&super::strformat::format(vm, s(&a[0]), &a[1..], kw)?)),
        "splitlines" => strargs::splitlines,
        "title" => |vm, a, _| {
            let mut out = String::new();
            let mut prev = false;
            for c in s(&a[0]).chars() {
                out.extend(if prev {
                    c.to_lowercase().collect::<Vec<_>>()
                } else {
                    c.to_uppercase().collect()
                });
                prev = c.is_alphabetic();
            }
            Ok(vm.str(&out))
        },
        _ => return None,
    })
}

fn lock_method(name: &str) -> Option<BuiltinFn> {
    Some(match name {
        "acquire" | "__enter__" => |vm, a, kw| {
            let blocking = match a.get(1).cloned().or_else(|| kwarg(kw, "blocking")) {
                Some(b) => vm.truthy(&b)?,
                None => true,
            };
            let timeout = a.get(2).cloned().or_else(|| kwarg(kw, "timeout"));
            let timeout = timeout
                .and_then(|t| t.as_float().or_else(|| small_int(&t).map(|v| v as f64)))
                .filter(|t| *t >= 0.0)
                .map(std::time::Duration::from_secs_f64);
            let lock = lock_of(&a[0]);
            let ok = lock.try_acquire()
                || (blocking && vm.rt.detached(|| lock.acquire_blocking(timeout)));
            Ok(vm.rt.new_bool(ok))
        },
        "release" => |vm, a, _| {
            if !lock_of(&a[0]).release() {
                return Err(vm.error(&vm.exc.runtime, "release unlocked lock"));
            }
            Ok(vm.rt.none())
        },
        "__exit__" => |vm, a, _| {
            lock_of(&a[0]).release();
            Ok(vm.rt.none())
        },
        "locked" => |vm, a, _| Ok(vm.rt.new_bool(lock_of(&a[0]).locked())),
        _ => return None,
    })
}

fn lock_of(o: &Ref) -> &PyLock {
    // `builtin_attr` binds lock methods to locks only.
    o.downcast::<PyLock>().expect("lock method bound to a lock")
}

/// `len()` for method implementations.
pub fn len_of(vm: &Vm, o: &Ref) -> PyResult<usize> {
    length(vm, o)
}
