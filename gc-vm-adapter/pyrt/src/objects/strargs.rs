//! `str` methods whose arguments CPython checks (types, optional bounds, counts) and whose
//! edge cases it defines precisely: `split`, `splitlines`, `replace`, `count`, `startswith` /
//! `endswith`, `strip`, `zfill`, `join`. The argument counts are checked before these run
//! (see [`sig`](super::sig)); here are the argument types and the semantics.

use num_traits::ToPrimitive;

use super::{int_of, IntVal};
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::Ref;

type Kw = [(std::sync::Arc<str>, Ref)];

/// An int argument as a `Py_ssize_t`: CPython's `TypeError` for a non-int and `OverflowError`
/// for one past `i64`.
pub fn index_arg(vm: &Vm, o: &Ref) -> PyResult<i64> {
    match int_of(o) {
        Some(IntVal::S(v)) => Ok(v),
        Some(IntVal::B(_)) => Err(vm.error(
            &vm.exc.overflow,
            "Python int too large to convert to C ssize_t",
        )),
        None => Err(not_an_int(vm, o)),
    }
}

/// CPython's `TypeError` for a non-int where an int is needed.
pub fn not_an_int(vm: &Vm, o: &Ref) -> crate::vm::PyErr {
    vm.type_error(format!(
        "'{}' object cannot be interpreted as an integer",
        vm.type_name(o)
    ))
}

/// A `str` argument: "replace() argument 1 must be str, not int".
pub fn str_arg<'a>(vm: &Vm, func: &str, pos: usize, o: &'a Ref) -> PyResult<&'a str> {
    o.as_str().ok_or_else(|| {
        vm.type_error(format!(
            "{func}() argument {pos} must be str, not {}",
            vm.type_name(o)
        ))
    })
}

/// A substring argument of `find` / `count`: "must be str, not int".
fn sub_arg<'a>(vm: &Vm, o: &'a Ref) -> PyResult<&'a str> {
    o.as_str()
        .ok_or_else(|| vm.type_error(format!("must be str, not {}", vm.type_name(o))))
}

fn text(a: &[Ref]) -> &str {
    a[0].as_str().unwrap_or("")
}

/// Byte offsets of the characters of `t`, and its length.
fn offsets(t: &str) -> Vec<usize> {
    t.char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(t.len()))
        .collect()
}

/// `[start, end)` in characters from optional slice-index arguments (`None` allowed), as
/// CPython's `ADJUST_INDICES`; `None` when `start` lies past the end.
fn char_bounds(
    vm: &Vm,
    start: Option<&Ref>,
    end: Option<&Ref>,
    n: usize,
) -> PyResult<Option<(usize, usize)>> {
    let get =
        |b: Option<&Ref>, dflt: i128| -> PyResult<i128> {
            match b.filter(|b| !b.is_none()) {
                None => Ok(dflt),
                Some(b) => match int_of(b) {
                    Some(i) => Ok(i.big().to_i128().unwrap_or(
                        if i.big().sign() == num_bigint::Sign::Minus {
                            i128::MIN / 2
                        } else {
                            i128::MAX / 2
                        },
                    )),
                    None => Err(vm.type_error(
                        "slice indices must be integers or None or have an __index__ method",
                    )),
                },
            }
        };
    let n = n as i128;
    let (mut lo, mut hi) = (get(start, 0)?, get(end, n)?);
    if hi > n {
        hi = n;
    } else if hi < 0 {
        hi = (hi + n).max(0);
    }
    if lo < 0 {
        lo = (lo + n).max(0);
    }
    if lo > n {
        return Ok(None);
    }
    Ok(Some((lo as usize, hi as usize)))
}

/// `str.count(sub[, start[, end]])`: non-overlapping matches; `''` matches between every two
/// characters of the range.
pub fn count(vm: &Vm, a: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    let t = text(a);
    let sub = sub_arg(vm, &a[1])?;
    let off = offsets(t);
    let Some((lo, hi)) = char_bounds(vm, a.get(2), a.get(3), off.len() - 1)? else {
        return Ok(vm.int(0));
    };
    if lo > hi {
        return Ok(vm.int(0));
    }
    let hay = &t[off[lo]..off[hi]];
    let n = if sub.is_empty() {
        hi - lo + 1
    } else {
        hay.matches(sub).count()
    };
    Ok(vm.int(n as i64))
}

/// `str.startswith` / `endswith(prefix[, start[, end]])`, `prefix` a str or a tuple of str.
pub fn affix(vm: &Vm, a: &[Ref], ends: bool) -> PyResult<Ref> {
    let name = if ends { "endswith" } else { "startswith" };
    let t = text(a);
    let off = offsets(t);
    let bounds = char_bounds(vm, a.get(2), a.get(3), off.len() - 1)?;
    let test = |p: &str| -> bool {
        let Some((lo, hi)) = bounds else {
            return false;
        };
        let plen = p.chars().count();
        if hi < lo || hi - lo < plen {
            return false;
        }
        let hay = &t[off[lo]..off[hi]];
        if ends {
            hay.ends_with(p)
        } else {
            hay.starts_with(p)
        }
    };
    let r = if let Some(items) = a[1].as_tuple() {
        let mut any = false;
        for p in items {
            let Some(p) = p.as_str() else {
                return Err(vm.type_error(format!(
                    "tuple for {name} must only contain str, not {}",
                    vm.type_name(p)
                )));
            };
            if test(p) {
                any = true;
                break;
            }
        }
        any
    } else if let Some(p) = a[1].as_str() {
        test(p)
    } else {
        return Err(vm.type_error(format!(
            "{name} first arg must be str or a tuple of str, not {}",
            vm.type_name(&a[1])
        )));
    };
    Ok(vm.rt.new_bool(r))
}

/// `str.replace(old, new[, count])`: a negative count replaces all; `''` as `old` inserts
/// `new` before every character and at the end.
pub fn replace(vm: &Vm, a: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    let t = text(a);
    let from = str_arg(vm, "replace", 1, &a[1])?;
    let to = str_arg(vm, "replace", 2, &a[2])?;
    let n = match a.get(3) {
        Some(c) => index_arg(vm, c)?,
        None => -1,
    };
    let n = if n < 0 { usize::MAX } else { n as usize };
    if from.is_empty() {
        let mut out = String::new();
        let mut done = 0;
        for c in t.chars() {
            if done < n {
                out.push_str(to);
                done += 1;
            }
            out.push(c);
        }
        if done < n {
            out.push_str(to);
        }
        return Ok(vm.str(&out));
    }
    Ok(vm.str(&t.replacen(from, to, n)))
}

/// `str.strip` / `lstrip` / `rstrip([chars])`.
pub fn strip(vm: &Vm, a: &[Ref], name: &str, left: bool, right: bool) -> PyResult<Ref> {
    let t = text(a);
    let r = match a.get(1).filter(|c| !c.is_none()) {
        None => {
            let t = if left {
                t.trim_start_matches(is_space)
            } else {
                t
            };
            if right {
                t.trim_end_matches(is_space)
            } else {
                t
            }
        }
        Some(c) => {
            let Some(cs) = c.as_str() else {
                return Err(vm.type_error(format!("{name} arg must be None or str")));
            };
            let chars: Vec<char> = cs.chars().collect();
            let t = if left {
                t.trim_start_matches(&chars[..])
            } else {
                t
            };
            if right {
                t.trim_end_matches(&chars[..])
            } else {
                t
            }
        }
    };
    Ok(vm.str(r))
}

/// Python's `str.isspace` for one character: Unicode whitespace plus the ASCII separators
/// `\x1c`-`\x1f`.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `str.split(sep=None, maxsplit=-1)`.
pub fn split(vm: &Vm, a: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    let t = text(a);
    let sep = match a.get(1).filter(|x| !x.is_none()) {
        None => None,
        Some(s) => Some(s.as_str().ok_or_else(|| {
            vm.type_error(format!("must be str or None, not {}", vm.type_name(s)))
        })?),
    };
    let max = match a.get(2) {
        Some(m) => index_arg(vm, m)?,
        None => -1,
    };
    let max = if max < 0 { usize::MAX } else { max as usize };
    let parts: Vec<&str> = match sep {
        Some("") => return Err(vm.value_error("empty separator")),
        Some(sp) => t.splitn(max.saturating_add(1), sp).collect(),
        None => {
            let mut out = Vec::new();
            let mut rest = t.trim_start_matches(is_space);
            while !rest.is_empty() {
                if out.len() == max {
                    out.push(rest);
                    break;
                }
                let end = rest.find(is_space).unwrap_or(rest.len());
                out.push(&rest[..end]);
                rest = rest[end..].trim_start_matches(is_space);
            }
            out
        }
    };
    Ok(vm.rt.new_list(parts.iter().map(|p| vm.str(p)).collect()))
}

/// `str.splitlines(keepends=False)`: CPython's line boundaries (`\n`, `\r`, `\r\n`, `\v`,
/// `\f`, `\x1c`-`\x1e`, `\x85`, `\u2028`, `\u2029`).
pub fn splitlines(vm: &Vm, a: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    let keep = match a.get(1) {
        Some(k) if k.as_float().is_some() => {
            return Err(vm.type_error("'float' object cannot be interpreted as an integer"))
        }
        Some(k) => index_arg(vm, k)? != 0,
        None => false,
    };
    let t = text(a);
    let mut out = Vec::new();
    let mut start = 0;
    let mut it = t.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let brk = matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if !brk {
            continue;
        }
        let mut end = i + c.len_utf8();
        if c == '\r' {
            if let Some((_, '\n')) = it.peek() {
                it.next();
                end += 1;
            }
        }
        out.push(vm.str(&t[start..if keep { end } else { i }]));
        start = end;
    }
    if start < t.len() {
        out.push(vm.str(&t[start..]));
    }
    Ok(vm.rt.new_list(out))
}

/// `str.zfill(width)`: zeros after a leading sign.
pub fn zfill(vm: &Vm, a: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    let w = index_arg(vm, &a[1])?;
    let t = text(a);
    let n = t.chars().count() as i64;
    if n >= w {
        return Ok(a[0].clone());
    }
    let pad = (w - n) as usize;
    let (sign, rest) = match t.chars().next() {
        Some(c @ ('+' | '-')) => (&t[..c.len_utf8()], &t[c.len_utf8()..]),
        _ => ("", t),
    };
    // The width is user input: allocate fallibly (`MemoryError`, never an abort).
    let mut out = String::new();
    out.try_reserve_exact(pad + t.len())
        .map_err(|_| vm.error(&vm.exc.memory, ""))?;
    out.push_str(sign);
    out.extend(std::iter::repeat('0').take(pad));
    out.push_str(rest);
    Ok(vm.str(&out))
}

/// `sep.join(iterable)`.
pub fn join(vm: &Vm, a: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    let items = match vm.get_iter(&a[1]) {
        Ok(_) => vm.iterate(&a[1])?,
        Err(e) if vm.is_instance_of(&e.exc, &vm.exc.type_) => {
            return Err(vm.type_error("can only join an iterable"))
        }
        Err(e) => return Err(e),
    };
    let mut out = String::new();
    for (i, x) in items.iter().enumerate() {
        let Some(p) = x.as_str() else {
            return Err(vm.type_error(format!(
                "sequence item {i}: expected str instance, {} found",
                vm.type_name(x)
            )));
        };
        if i > 0 {
            out.push_str(text(a));
        }
        out.push_str(p);
    }
    Ok(vm.str(&out))
}
