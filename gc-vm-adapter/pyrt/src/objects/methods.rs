//! Methods of builtin types (`list`, `dict`, `str`, `tuple`, locks) and attributes of native
//! objects.

use std::sync::Arc;

use super::search::{self, seq_index};
use super::{listops, name_of, range_of, small_int, BuiltinFn, PyLock};
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
            } else if let Some((a, b, s)) = range_of(o) {
                match name {
                    "start" => return Ok(Some(vm.int(a))),
                    "stop" => return Ok(Some(vm.int(b))),
                    "step" => return Ok(Some(vm.int(s))),
                    _ => None,
                }
            } else {
                None
            }
        }
        Kind::Int | Kind::Bool | Kind::Float => match name {
            "real" => return Ok(Some(o.clone())),
            "is_integer" => Some(|vm, a, _| {
                Ok(vm
                    .rt
                    .new_bool(a[0].as_float().map(|x| x.fract() == 0.0).unwrap_or(true)))
            }),
            "bit_length" => Some(|vm, a, _| {
                // Ints outside i64 too (they were 0); a float has no `bit_length`.
                let bits = match super::int_of(&a[0]) {
                    Some(super::IntVal::B(b)) => b.bits(),
                    _ => 64 - small_int(&a[0]).unwrap_or(0).unsigned_abs().leading_zeros() as u64,
                };
                Ok(vm.int(bits as i64))
            }),
            _ => None,
        },
        _ => None,
    };
    Ok(f.map(|f| {
        let name: &'static str = leak_name(name);
        vm.bound_builtin(o, name, f)
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
            let i = small_int(&a[1]).unwrap_or(0);
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
                Some(r) => vm.truthy(&r)?,
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
            let k = vm.key(&a[1])?;
            Ok(a[0]
                .as_dict()
                .expect("dict")
                .get(&k)
                .or_else(|| a.get(2).cloned())
                .unwrap_or_else(|| vm.rt.none()))
        },
        "keys" => |vm, a, _| {
            let v = a[0]
                .as_dict()
                .expect("dict")
                .keys()
                .iter()
                .map(|k| vm.key_obj(k))
                .collect();
            Ok(vm.rt.new_list(v))
        },
        "values" => |vm, a, _| {
            let v = a[0]
                .as_dict()
                .expect("dict")
                .items()
                .into_iter()
                .map(|(_, v)| v)
                .collect();
            Ok(vm.rt.new_list(v))
        },
        "items" => |vm, a, _| {
            let v = a[0]
                .as_dict()
                .expect("dict")
                .items()
                .into_iter()
                .map(|(k, v)| vm.rt.new_tuple(vec![vm.key_obj(&k), v]))
                .collect();
            Ok(vm.rt.new_list(v))
        },
        "pop" => |vm, a, _| {
            let k = vm.key(&a[1])?;
            match a[0].as_dict().expect("dict").remove(&k) {
                Some(v) => Ok(v),
                None => a.get(2).cloned().ok_or_else(|| vm.key_error(&a[1])),
            }
        },
        "setdefault" => |vm, a, _| {
            let k = vm.key(&a[1])?;
            let d = a[0].as_dict().expect("dict");
            if let Some(v) = d.get(&k) {
                return Ok(v);
            }
            let v = a.get(2).cloned().unwrap_or_else(|| vm.rt.none());
            d.insert(k, v.clone());
            Ok(v)
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
                for (k, v) in tmp.as_dict().expect("dict").items() {
                    drop(d.insert(k, v));
                }
            }
            for (k, v) in kw {
                drop(d.insert(gc_vm_adapter::HashKey::Str(k.clone()), v.clone()));
            }
            Ok(vm.rt.none())
        },
        "clear" => |vm, a, _| {
            a[0].as_dict().expect("dict").clear();
            Ok(vm.rt.none())
        },
        "copy" => |vm, a, _| {
            let d = vm.rt.new_dict();
            for (k, v) in a[0].as_dict().expect("dict").items() {
                d.as_dict().expect("dict").insert(k, v);
            }
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
        "join" => |vm, a, _| {
            let mut parts = Vec::new();
            for x in vm.iterate(&a[1])? {
                match x.as_str() {
                    Some(p) => parts.push(p.to_string()),
                    None => {
                        return Err(vm.type_error(format!(
                            "sequence item {}: expected str instance, {} found",
                            parts.len(),
                            vm.type_name(&x)
                        )))
                    }
                }
            }
            Ok(vm.str(&parts.join(s(&a[0]))))
        },
        "split" => |vm, a, kw| {
            let sep = a
                .get(1)
                .cloned()
                .or_else(|| kwarg(kw, "sep"))
                .filter(|x| !x.is_none());
            let max = a.get(2).cloned().or_else(|| kwarg(kw, "maxsplit"));
            let max = max.as_ref().and_then(small_int).unwrap_or(-1);
            let text = s(&a[0]);
            let parts: Vec<String> = match &sep {
                Some(sp) => {
                    if s(sp).is_empty() {
                        return Err(vm.value_error("empty separator"));
                    }
                    if max < 0 {
                        text.split(s(sp)).map(str::to_string).collect()
                    } else {
                        text.splitn(max as usize + 1, s(sp))
                            .map(str::to_string)
                            .collect()
                    }
                }
                None => {
                    let mut out: Vec<String> = Vec::new();
                    let mut rest = text.trim_start();
                    while !rest.is_empty() {
                        if max >= 0 && out.len() as i64 == max {
                            out.push(rest.trim_end().to_string());
                            break;
                        }
                        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                        out.push(rest[..end].to_string());
                        rest = rest[end..].trim_start();
                    }
                    out
                }
            };
            Ok(vm.rt.new_list(parts.iter().map(|p| vm.str(p)).collect()))
        },
        "upper" => |vm, a, _| Ok(vm.str(&s(&a[0]).to_uppercase())),
        "lower" => |vm, a, _| Ok(vm.str(&s(&a[0]).to_lowercase())),
        "strip" => |vm, a, _| Ok(vm.str(strip(a, |t, c| t.trim_matches(c), str::trim))),
        "lstrip" => {
            |vm, a, _| Ok(vm.str(strip(a, |t, c| t.trim_start_matches(c), str::trim_start)))
        }
        "rstrip" => |vm, a, _| Ok(vm.str(strip(a, |t, c| t.trim_end_matches(c), str::trim_end))),
        "startswith" => |vm, a, _| Ok(vm.rt.new_bool(affix(vm, a, |t, p| t.starts_with(p))?)),
        "endswith" => |vm, a, _| Ok(vm.rt.new_bool(affix(vm, a, |t, p| t.ends_with(p))?)),
        "replace" => |vm, a, _| {
            let (t, from, to) = (s(&a[0]), s(&a[1]), s(&a[2]));
            match a.get(3).and_then(small_int) {
                Some(n) if n >= 0 => Ok(vm.str(&t.replacen(from, to, n as usize))),
                _ => Ok(vm.str(&t.replace(from, to))),
            }
        },
        "find" => |vm, a, _| search::str_search(vm, a, false, false),
        "rfind" => |vm, a, _| search::str_search(vm, a, true, false),
        "index" => |vm, a, _| search::str_search(vm, a, false, true),
        "rindex" => |vm, a, _| search::str_search(vm, a, true, true),
        "count" => seq_count,
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
                .new_bool(!t.is_empty() && t.chars().all(char::is_whitespace)))
        },
        "zfill" => |vm, a, _| {
            let w = small_int(&a[1]).unwrap_or(0).max(0) as usize;
            let t = s(&a[0]);
            let n = t.chars().count();
            if n >= w {
                return Ok(a[0].clone());
            }
            let (sign, rest) = match t.strip_prefix('-') {
                Some(r) => ("-", r),
                None => ("", t),
            };
            // The width is user input: allocate fallibly (`MemoryError`, never an abort).
            let mut out = String::new();
            out.try_reserve_exact(w - n + t.len())
                .map_err(|_| vm.error(&vm.exc.memory, ""))?;
            out.push_str(sign);
            out.extend(std::iter::repeat('0').take(w - n));
            out.push_str(rest);
            Ok(vm.str(&out))
        },
        "ljust" => |vm, a, _| search::str_pad(vm, a, search::Pad::Left, "ljust"),
        "rjust" => |vm, a, _| search::str_pad(vm, a, search::Pad::Right, "rjust"),
        "center" => |vm, a, _| search::str_pad(vm, a, search::Pad::Center, "center"),
        "format" => |vm, a, kw| Ok(vm.str(&str_format(vm, s(&a[0]), &a[1..], kw)?)),
        "splitlines" => |vm, a, _| {
            Ok(vm
                .rt
                .new_list(s(&a[0]).lines().map(|l| vm.str(l)).collect()))
        },
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

fn strip<'a>(
    a: &'a [Ref],
    with: fn(&'a str, &[char]) -> &'a str,
    ws: fn(&'a str) -> &'a str,
) -> &'a str {
    match a.get(1).filter(|c| !c.is_none()) {
        Some(c) => {
            let chars: Vec<char> = s(c).chars().collect();
            with(s(&a[0]), &chars)
        }
        None => ws(s(&a[0])),
    }
}

fn affix(vm: &Vm, a: &[Ref], f: fn(&str, &str) -> bool) -> PyResult<bool> {
    let t = s(&a[0]);
    match a[1].as_tuple() {
        Some(items) => Ok(items.iter().any(|p| f(t, s(p)))),
        None => match a[1].as_str() {
            Some(p) => Ok(f(t, p)),
            None => {
                Err(vm.type_error("startswith/endswith first arg must be str or a tuple of str"))
            }
        },
    }
}

/// `str.format`: `{}`, `{0}`, `{name}`, `{x!r}`, `{:spec}`, `{{` / `}}`; `.attr` / `[i]` not supported.
pub fn str_format(vm: &Vm, fmt: &str, args: &[Ref], kw: &Kw) -> PyResult<String> {
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    let mut auto = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    field.push(c);
                }
                let (head, spec) = match field.split_once(':') {
                    Some((h, sp)) => (h.to_string(), sp.to_string()),
                    None => (field.clone(), String::new()),
                };
                let (name, conv) = match head.split_once('!') {
                    Some((n, c)) => (n.to_string(), Some(c.to_string())),
                    None => (head, None),
                };
                let v = if name.is_empty() {
                    auto += 1;
                    args.get(auto - 1).cloned()
                } else if let Ok(i) = name.parse::<usize>() {
                    args.get(i).cloned()
                } else {
                    kwarg(kw, &name)
                };
                let v = v.ok_or_else(|| {
                    vm.error(
                        &vm.exc.index,
                        format!("Replacement index {name} out of range"),
                    )
                })?;
                let v = match conv.as_deref() {
                    Some("r") => vm.str(&vm.repr(&v)?),
                    Some("s") => vm.str(&vm.to_str(&v)?),
                    _ => v,
                };
                out.push_str(&vm.format(&v, &spec)?);
            }
            c => out.push(c),
        }
    }
    Ok(out)
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
