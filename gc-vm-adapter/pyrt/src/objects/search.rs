//! Searching sequences and strings within `start`/`end` bounds (`list.index`,
//! `tuple.index`, `str.find` / `index` / `rfind` / `rindex`) and padding strings
//! (`str.ljust` / `rjust` / `center`).
//!
//! The bounds are CPython's slice bounds: optional ints (or `None`), negative ones count from
//! the end, and every value is clamped to the sequence, so `lst.index(x, 10**30)` searches
//! nothing rather than failing. String positions are in characters, as in Python.

use num_traits::{Signed, ToPrimitive};

use super::int_of;
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::{Kind, Ref};

/// `[start, end)` of a search over `len` items, from the optional bound arguments. `end` is
/// clamped to `len`, `start` only from below: a start past the end finds nothing, not even
/// `''` (`'abc'.find('', 4)` is -1). `None` means the default for strings only (`list.index`
/// and `tuple.index` reject it, as CPython's `_PyEval_SliceIndexNotNone`).
fn bounds(
    vm: &Vm,
    start: Option<&Ref>,
    end: Option<&Ref>,
    len: usize,
    none_ok: bool,
) -> PyResult<(usize, usize)> {
    let one = |b: Option<&Ref>, default: usize, clamp: bool| -> PyResult<usize> {
        let Some(b) = b.filter(|b| !(none_ok && b.is_none())) else {
            return Ok(default);
        };
        let Some(i) = int_of(b) else {
            return Err(vm.type_error("slice indices must be integers or have an __index__ method"));
        };
        let big = i.big();
        let v = if big.is_negative() {
            let from_end = (-&big).to_usize().unwrap_or(usize::MAX);
            len.saturating_sub(from_end)
        } else {
            let v = big.to_usize().unwrap_or(usize::MAX);
            if clamp {
                v.min(len)
            } else {
                v
            }
        };
        Ok(v)
    };
    Ok((one(start, 0, false)?, one(end, len, true)?))
}

/// `list.index(x[, start[, end]])` and `tuple.index(...)`.
pub fn seq_index(vm: &Vm, a: &[Ref], _kw: &[(std::sync::Arc<str>, Ref)]) -> PyResult<Ref> {
    if a.len() < 2 || a.len() > 4 {
        return Err(vm.type_error(format!(
            "index expected at least 1 argument, got {}",
            a.len().saturating_sub(1)
        )));
    }
    let items = vm.iterate(&a[0])?;
    let (lo, hi) = bounds(vm, a.get(2), a.get(3), items.len(), false)?;
    for (i, x) in items.iter().enumerate().take(hi).skip(lo) {
        if vm.eq(x, &a[1])? {
            return Ok(vm.int(i as i64));
        }
    }
    Err(vm.value_error(if a[0].kind() == Kind::Tuple {
        "tuple.index(x): x not in tuple".to_string()
    } else {
        format!("{} is not in list", vm.repr(&a[1])?)
    }))
}

/// Where `sub` occurs in `a[0]` within the bounds `a[2]`, `a[3]`: the character index of the
/// first (or, `last`, the final) match.
fn str_find(vm: &Vm, a: &[Ref], last: bool) -> PyResult<Option<usize>> {
    let t = a[0].as_str().unwrap_or("");
    let Some(sub) = a.get(1).and_then(|s| s.as_str()) else {
        let got = a
            .get(1)
            .map_or_else(|| "nothing".into(), |s| vm.type_name(s));
        return Err(vm.type_error(format!("must be str, not {got}")));
    };
    let offsets: Vec<usize> = t
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(t.len()))
        .collect();
    let n = offsets.len() - 1;
    let (lo, hi) = bounds(vm, a.get(2), a.get(3), n, true)?;
    if lo > hi {
        return Ok(None);
    }
    let hay = &t[offsets[lo]..offsets[hi]];
    let found = if last { hay.rfind(sub) } else { hay.find(sub) };
    Ok(found.map(|b| lo + hay[..b].chars().count()))
}

/// `str.find` / `rfind` (-1 when absent) and `str.index` / `rindex` (`ValueError`).
pub fn str_search(vm: &Vm, a: &[Ref], last: bool, raise: bool) -> PyResult<Ref> {
    match str_find(vm, a, last)? {
        Some(i) => Ok(vm.int(i as i64)),
        None if raise => Err(vm.value_error("substring not found")),
        None => Ok(vm.int(-1)),
    }
}

/// Which side `str.ljust` / `rjust` / `center` pads.
#[derive(Clone, Copy)]
pub enum Pad {
    /// `ljust`: the fill goes right.
    Left,
    /// `rjust`: the fill goes left.
    Right,
    /// `center`: CPython's split, the odd fill character on the left when `width` is odd.
    Center,
}

/// `str.ljust(width[, fillchar])` and its siblings.
pub fn str_pad(vm: &Vm, a: &[Ref], how: Pad, name: &str) -> PyResult<Ref> {
    if a.len() < 2 || a.len() > 3 {
        return Err(vm.type_error(format!(
            "{name} expected 1 or 2 arguments, got {}",
            a.len().saturating_sub(1)
        )));
    }
    let Some(width) = int_of(&a[1]) else {
        return Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name(&a[1])
        )));
    };
    let Some(width) = width.big().to_i64() else {
        return Err(vm.error(
            &vm.exc.overflow,
            "Python int too large to convert to C ssize_t",
        ));
    };
    let fill = match a.get(2) {
        None => ' ',
        Some(f) => {
            let Some(fs) = f.as_str() else {
                return Err(vm.type_error(format!(
                    "The fill character must be a unicode character, not {}",
                    vm.type_name(f)
                )));
            };
            let mut it = fs.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => c,
                _ => {
                    return Err(
                        vm.type_error("The fill character must be exactly one character long")
                    )
                }
            }
        }
    };
    let t = a[0].as_str().unwrap_or("");
    let n = t.chars().count() as i64;
    if n >= width {
        return Ok(a[0].clone());
    }
    let marg = width - n;
    let left = match how {
        Pad::Left => 0,
        Pad::Right => marg,
        Pad::Center => marg / 2 + (marg & width & 1),
    };
    // The width is user input: allocate fallibly (`MemoryError`, never an abort).
    let mut out = String::new();
    out.try_reserve_exact(t.len() + marg as usize * fill.len_utf8())
        .map_err(|_| vm.error(&vm.exc.memory, ""))?;
    out.extend(std::iter::repeat(fill).take(left as usize));
    out.push_str(t);
    out.extend(std::iter::repeat(fill).take((marg - left) as usize));
    Ok(vm.str(&out))
}
