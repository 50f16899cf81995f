//! Sorting (`sorted`, `list.sort`) and the list operations that read and then write
//! (`remove`, `pop(i)`, `insert`), atomic with respect to other threads.
//!
//! Two rules shape this file:
//!
//! * **No panic.** Comparisons are Python's `<`, which need not be a total order (`nan`, a
//!   `__lt__` that lies): sorting is [`super::timsort`], a port of CPython's list sort that
//!   only asks `lt(a, b)`, never assumes consistency and stops at the first comparison error,
//!   so it gives CPython's order even for an inconsistent `<` (Rust's `sort_by` may panic on
//!   one).
//! * **No lost update.** An operation that reads the list and then writes it must not let
//!   another thread's write in between. When every comparison is native (ints, floats, strs:
//!   no Python code, no allocation), the whole operation runs under the list's write lock.
//!   Otherwise comparisons run Python code, which may touch the list or poll the collector, so
//!   the lock cannot be held across them:
//!   - `sort` follows CPython's protocol: take the items out (the list appears empty during the
//!     sort), sort them, put them back, and raise `ValueError: list modified during sort` if the
//!     list was written meanwhile (what was written then is discarded, as in CPython);
//!   - `remove` compares against a snapshot and removes the matching object (found again by
//!     identity) under the write lock, taking a new snapshot if another thread removed it
//!     first: an item present for the whole call is always found.
//!   - slice assignment / deletion, `pop(i)`, `del l[i]` and `insert` resolve their indices
//!     against the length under the lock of the write (no Python code runs there).
//!   - `index`, `count`, `in`, `extend` / `+=` (from the list itself too) read one snapshot,
//!     a consistent state of the list.

use num_traits::Signed;

use super::timsort::sort_perm;
use super::{int_of, IntVal};
use crate::bytecode::CmpOp;
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::{Kind, List, Ref};

/// `a < b` when it needs neither Python code nor an allocation (ints that fit `i64`, floats,
/// strs); `None` otherwise. Safe to call under a list's lock.
pub fn native_lt(a: &Ref, b: &Ref) -> Option<bool> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x < y);
    }
    let f = |o: &Ref| o.as_float().or_else(|| o.as_i64().map(|i| i as f64));
    if a.kind() == Kind::Float || b.kind() == Kind::Float {
        return Some(f(a)? < f(b)?);
    }
    Some(a.as_str()? < b.as_str()?)
}

/// `a == b` under the same conditions as [`native_lt`] (identity first, as CPython's
/// `PyObject_RichCompareBool`).
pub fn native_eq(a: &Ref, b: &Ref) -> Option<bool> {
    if a.ptr_eq(b) {
        return Some(true);
    }
    let simple = |o: &Ref| match o.kind() {
        Kind::Int => o.as_i64().is_some(),
        Kind::Float | Kind::Str | Kind::None => true,
        _ => false,
    };
    if !simple(a) || !simple(b) {
        return None;
    }
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x == y);
    }
    let f = |o: &Ref| o.as_float().or_else(|| o.as_i64().map(|i| i as f64));
    if let (Some(x), Some(y)) = (f(a), f(b)) {
        return Some(x == y);
    }
    if let (Some(x), Some(y)) = (a.as_str(), b.as_str()) {
        return Some(x == y);
    }
    Some(a.kind() == Kind::None && b.kind() == Kind::None)
}

/// Python's `a < b` as the sort uses it (`__lt__` only, no `__eq__` fallback).
fn py_lt(vm: &Vm, a: &Ref, b: &Ref) -> PyResult<bool> {
    if let Some(r) = native_lt(a, b) {
        return Ok(r);
    }
    if a.kind() == Kind::Instance {
        if let Some(m) = vm.lookup_class_attr(a, "__lt__") {
            let r = vm.call(&m, vec![a.clone(), b.clone()], Vec::new())?;
            return vm.truthy(&r);
        }
    }
    Ok(vm.cmp_order(a, b, CmpOp::Lt)? == std::cmp::Ordering::Less)
}

/// `items` reordered by `perm` (a permutation of their indices).
fn permute(items: Vec<Ref>, perm: &[usize]) -> Vec<Ref> {
    let mut slots: Vec<Option<Ref>> = items.into_iter().map(Some).collect();
    perm.iter().filter_map(|&i| slots[i].take()).collect()
}

/// The sorting order of `items`: keys computed first (an exception in `key` stops the sort),
/// then compared with `<`.
fn sort_order(vm: &Vm, items: &[Ref], key: Option<&Ref>, reverse: bool) -> PyResult<Vec<usize>> {
    let keys: Vec<Ref> = match key {
        Some(k) => items
            .iter()
            .map(|x| vm.call(k, vec![x.clone()], Vec::new()))
            .collect::<PyResult<_>>()?,
        None => items.to_vec(),
    };
    sort_perm(keys.len(), reverse, |i, j| py_lt(vm, &keys[i], &keys[j]))
}

/// `sorted(items, key=key, reverse=reverse)`.
pub fn sorted(vm: &Vm, items: Vec<Ref>, key: Option<&Ref>, reverse: bool) -> PyResult<Vec<Ref>> {
    let key = key.filter(|k| !k.is_none());
    let perm = sort_order(vm, &items, key, reverse)?;
    Ok(permute(items, &perm))
}

/// `list.sort(key=key, reverse=reverse)`; see the module docs for the protocol.
pub fn sort(vm: &Vm, l: &List, key: Option<&Ref>, reverse: bool) -> PyResult<()> {
    let key = key.filter(|k| !k.is_none());
    if key.is_none() {
        // Native comparisons only: sort under the write lock, atomic for other threads.
        let done = l.with_items_mut(|v| {
            let perm = sort_perm(v.len(), reverse, |i, j| native_lt(&v[i], &v[j]).ok_or(()))?;
            let items = std::mem::take(v);
            *v = permute(items, &perm);
            Ok::<(), ()>(())
        });
        if done.is_ok() {
            return Ok(());
        }
    }
    let items = l.with_items_mut(std::mem::take);
    let order = sort_order(vm, &items, key, reverse);
    let sorted = match &order {
        Ok(perm) => permute(items, perm),
        Err(_) => items,
    };
    let (modified, written) = l.with_items_mut(|v| {
        // Taking the items left an empty vector without an allocation: any write since
        // allocated one.
        let modified = !v.is_empty() || v.capacity() != 0;
        (modified, std::mem::replace(v, sorted))
    });
    drop(written);
    order?;
    if modified {
        return Err(vm.value_error("list modified during sort"));
    }
    Ok(())
}

/// `list.remove(x)`.
pub fn remove(vm: &Vm, l: &List, x: &Ref) -> PyResult<()> {
    enum Scan {
        Removed(Ref),
        Missing,
        NeedsPython,
    }
    let r = l.with_items_mut(|v| {
        for i in 0..v.len() {
            match native_eq(&v[i], x) {
                Some(true) => return Scan::Removed(v.remove(i)),
                Some(false) => {}
                None => return Scan::NeedsPython,
            }
        }
        Scan::Missing
    });
    match r {
        // Dropped here, after the lock: a finalizer may touch the list.
        Scan::Removed(old) => {
            drop(old);
            return Ok(());
        }
        Scan::Missing => return Err(vm.value_error("list.remove(x): x not in list")),
        Scan::NeedsPython => {}
    }
    // `==` runs Python code: compare against a snapshot (an index scan of the live list would
    // skip an item that another thread's removal shifts under the cursor), then remove the
    // matching object, wherever it is now, under the lock; if another thread removed it
    // meanwhile, take a fresh snapshot.
    loop {
        let mut found = None;
        for item in l.snapshot() {
            if vm.eq(&item, x)? {
                found = Some(item);
                break;
            }
        }
        let Some(item) = found else {
            return Err(vm.value_error("list.remove(x): x not in list"));
        };
        let old = l.with_items_mut(|v| {
            let i = v.iter().position(|y| y.ptr_eq(&item))?;
            Some(v.remove(i))
        });
        if let Some(old) = old {
            // Dropped after the lock.
            drop(old);
            return Ok(());
        }
    }
}

/// `list.pop(i)`: the index is resolved against the length under the same lock as the removal.
pub fn pop(vm: &Vm, l: &List, index: Option<&Ref>) -> PyResult<Ref> {
    // CPython converts the index before looking at the list: a big int is an `OverflowError`
    // even for an empty list.
    let i = match index.map(|k| (k, int_of(k))) {
        None => -1,
        Some((_, Some(IntVal::S(i)))) => i,
        Some((_, Some(IntVal::B(_)))) => {
            return Err(vm.error(
                &vm.exc.overflow,
                "Python int too large to convert to C ssize_t",
            ))
        }
        Some((k, None)) => {
            return Err(vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                vm.type_name(k)
            )))
        }
    };
    let r = l.with_items_mut(|v| {
        let n = v.len() as i64;
        if n == 0 {
            return Err("pop from empty list");
        }
        let j = if i < 0 { i + n } else { i };
        if j < 0 || j >= n {
            return Err("pop index out of range");
        }
        Ok(v.remove(j as usize))
    });
    r.map_err(|m| vm.index_error(m))
}

/// `list.insert(i, x)`: the index is clamped to the length under the same lock as the insert.
pub fn insert(l: &List, index: i64, x: Ref) {
    l.with_items_mut(|v| {
        let n = v.len() as i64;
        let j = if index < 0 {
            (index + n).max(0)
        } else {
            index.min(n)
        };
        v.insert(j as usize, x);
    });
}

/// A slice's `(start, stop, step)` before they are resolved against a length (which, for a
/// list other threads write, is only known under the list's lock).
#[derive(Clone, Copy)]
pub struct SliceParts {
    lo: Option<i64>,
    hi: Option<i64>,
    step: i64,
}

/// The parts of `sl` if it is a slice (`None` for anything else); the errors of bad parts.
pub fn slice_parts(vm: &Vm, sl: &Ref) -> PyResult<Option<SliceParts>> {
    let Some(c) = sl.downcast::<super::Slice>().and_then(super::Slice::parts) else {
        return Ok(None);
    };
    let get = |r: &Ref| -> PyResult<Option<i64>> {
        if r.is_none() {
            Ok(None)
        } else {
            // A bound past `i64` clamps, as CPython's `_PyEval_SliceIndex` clamps to `isize`;
            // the step's lower clamp keeps it negatable.
            match int_of(r) {
                Some(IntVal::S(v)) => Ok(Some(v)),
                Some(IntVal::B(b)) if b.is_negative() => Ok(Some(i64::MIN + 1)),
                Some(IntVal::B(_)) => Ok(Some(i64::MAX)),
                None => Err(vm.type_error(
                    "slice indices must be integers or None or have an __index__ method",
                )),
            }
        }
    };
    let (lo, hi, st) = (get(&c[0])?, get(&c[1])?, get(&c[2])?);
    let step = st.unwrap_or(1);
    if step == 0 {
        return Err(vm.value_error("slice step cannot be zero"));
    }
    Ok(Some(SliceParts { lo, hi, step }))
}

impl SliceParts {
    /// `(start, stop)` clamped to `len` as CPython's `PySlice_AdjustIndices`.
    fn bounds(self, len: usize) -> (i64, i64) {
        let n = len as i64;
        let clamp = |v: Option<i64>, dflt: i64, lo_b: i64, hi_b: i64| match v {
            None => dflt,
            // Saturating: `-2**63` plus a length must not overflow.
            Some(v) => (if v < 0 { v.saturating_add(n) } else { v }).clamp(lo_b, hi_b),
        };
        if self.step > 0 {
            (clamp(self.lo, 0, 0, n), clamp(self.hi, n, 0, n))
        } else {
            (
                clamp(self.lo, n - 1, -1, n - 1),
                clamp(self.hi, -1, -1, n - 1),
            )
        }
    }

    /// The indices the slice selects in a sequence of `len` items, in slice order.
    pub fn indices(self, len: usize) -> Vec<usize> {
        let (a, b) = self.bounds(len);
        let mut out = Vec::new();
        let mut i = a;
        while (self.step > 0 && i < b) || (self.step < 0 && i > b) {
            out.push(i as usize);
            i = match i.checked_add(self.step) {
                Some(i) => i,
                None => break,
            };
        }
        out
    }
}

/// `l[slice] = new`, resolved and done under one write lock (another thread's write cannot
/// make the indices stale). A step-1 slice is replaced (`l[1:1] = [x]` inserts); an extended
/// slice needs as many items as it selects.
pub fn set_slice(vm: &Vm, l: &List, parts: SliceParts, new: Vec<Ref>) -> PyResult<()> {
    let r = l.with_items_mut(|xs| {
        if parts.step == 1 {
            let (a, b) = parts.bounds(xs.len());
            let (a, b) = (a as usize, b.max(a) as usize);
            return Ok(xs.splice(a..b, new).collect::<Vec<Ref>>());
        }
        let ix = parts.indices(xs.len());
        if ix.len() != new.len() {
            return Err((new, ix.len()));
        }
        Ok(ix
            .into_iter()
            .zip(new)
            .map(|(i, x)| std::mem::replace(&mut xs[i], x))
            .collect())
    });
    // Old values (and the rejected new ones) are dropped here, after the lock.
    match r {
        Ok(old) => {
            drop(old);
            Ok(())
        }
        Err((new, want)) => Err(vm.value_error(format!(
            "attempt to assign sequence of size {} to extended slice of size {want}",
            new.len()
        ))),
    }
}

/// `del l[slice]` under one write lock.
pub fn del_slice(l: &List, parts: SliceParts) {
    let old: Vec<Ref> = l.with_items_mut(|xs| {
        let mut ix = parts.indices(xs.len());
        ix.sort_unstable();
        ix.iter().rev().map(|&i| xs.remove(i)).collect()
    });
    drop(old);
}

/// `del l[i]`: the index is resolved against the length under the lock of the removal.
pub fn del_index(vm: &Vm, l: &List, i: i64) -> PyResult<()> {
    let old = l.with_items_mut(|xs| {
        let n = xs.len() as i64;
        let j = if i < 0 { i + n } else { i };
        (0..n).contains(&j).then(|| xs.remove(j as usize))
    });
    match old {
        Some(old) => {
            drop(old);
            Ok(())
        }
        None => Err(vm.index_error("list assignment index out of range")),
    }
}
