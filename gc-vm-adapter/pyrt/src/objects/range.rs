//! `range` beyond `i64`: CPython's ranges take any int as start, stop and step. The common
//! case stays the `i64` [`Range`] (whose iterator is pyrt's hottest path); a range with a bound
//! or a step outside `i64` is a [`BigRange`], and every operation other than iterating a small
//! range (length, indexing, slicing, `in`, `index`, `count`, `reversed`, `==`, repr, bool) is
//! computed here on big ints for both, as CPython's `rangeobject.c` does for its long ranges.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};
use parking_lot::Mutex;

use super::{int_of, IntVal, Range, RangeIter, Slice};
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::{payload_type, Kind, Payload, Ref};

/// `range(start, stop, step)` where one of them does not fit `i64`.
pub struct BigRange {
    /// Start.
    pub start: BigInt,
    /// Stop.
    pub stop: BigInt,
    /// Step (non-zero).
    pub step: BigInt,
}

// SAFETY: no references (rules 1-3 trivially); untracked.
unsafe impl Payload for BigRange {
    const TRACKED: bool = false;
    payload_type!(BigRange, "range", Kind::Other);
}

/// An iterator over a range with big values (or a reversed range whose end overflows `i64`):
/// the next value, the step and how many values are left.
pub struct BigRangeIter {
    state: Mutex<(BigInt, BigInt, BigInt)>,
}

// SAFETY: no references (rules 1-3 trivially); untracked.
unsafe impl Payload for BigRangeIter {
    const TRACKED: bool = false;
    payload_type!(BigRangeIter, "longrange_iterator", Kind::Other);
}

impl BigRangeIter {
    /// The next value, `None` when exhausted.
    pub fn next(&self) -> Option<BigInt> {
        let mut g = self.state.lock();
        let (cur, step, left) = &mut *g;
        if !left.is_positive() {
            return None;
        }
        *left -= 1;
        let v = cur.clone();
        *cur += &*step;
        Some(v)
    }
}

/// Whether `o` is a range (small or big).
pub fn is_range(o: &Ref) -> bool {
    o.is::<Range>() || o.is::<BigRange>()
}

/// `(start, stop, step)` of any range as big ints.
pub fn big_parts(o: &Ref) -> Option<(BigInt, BigInt, BigInt)> {
    if let Some(r) = o.downcast::<Range>() {
        return Some((r.start.into(), r.stop.into(), r.step.into()));
    }
    o.downcast::<BigRange>()
        .map(|r| (r.start.clone(), r.stop.clone(), r.step.clone()))
}

/// The number of items of `range(a, b, s)`.
pub fn big_len(a: &BigInt, b: &BigInt, s: &BigInt) -> BigInt {
    let (lo, hi, st) = if s.is_positive() {
        (a, b, s.clone())
    } else {
        (b, a, -s)
    };
    if lo >= hi {
        return BigInt::zero();
    }
    (hi - lo - 1u32) / st + 1u32
}

/// A range object: the `i64` payload when all three fit, else a [`BigRange`].
pub fn new_range(vm: &Vm, a: BigInt, b: BigInt, s: BigInt) -> Ref {
    match (a.to_i64(), b.to_i64(), s.to_i64()) {
        (Some(start), Some(stop), Some(step)) => vm.rt.alloc(Range { start, stop, step }),
        _ => vm.rt.alloc(BigRange {
            start: a,
            stop: b,
            step: s,
        }),
    }
}

/// `range(...)` called with `args` (ints or bools) and `kw`, with CPython's errors.
pub fn construct(vm: &Vm, args: &[Ref], kw: &[(std::sync::Arc<str>, Ref)]) -> PyResult<Ref> {
    if !kw.is_empty() {
        return Err(vm.type_error("range() takes no keyword arguments"));
    }
    if args.is_empty() {
        return Err(vm.type_error("range expected at least 1 argument, got 0"));
    }
    if args.len() > 3 {
        return Err(vm.type_error(format!(
            "range expected at most 3 arguments, got {}",
            args.len()
        )));
    }
    let mut v = Vec::with_capacity(3);
    for a in args {
        v.push(int_of(a).ok_or_else(|| {
            vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                vm.type_name(a)
            ))
        })?);
    }
    // The common case: all small, no big-int arithmetic.
    let small: Option<Vec<i64>> = v
        .iter()
        .map(|x| match x {
            IntVal::S(i) => Some(*i),
            IntVal::B(_) => None,
        })
        .collect();
    if let Some(s) = small {
        let (start, stop, step) = match s.as_slice() {
            [b] => (0, *b, 1),
            [a, b] => (*a, *b, 1),
            [a, b, s] => (*a, *b, *s),
            _ => unreachable!("1 to 3 arguments"),
        };
        if step == 0 {
            return Err(vm.value_error("range() arg 3 must not be zero"));
        }
        return Ok(vm.rt.alloc(Range { start, stop, step }));
    }
    let mut b: Vec<BigInt> = v.iter().map(IntVal::big).collect();
    let (a, e, s) = match b.len() {
        1 => (BigInt::zero(), b.remove(0), BigInt::one()),
        2 => {
            let e = b.remove(1);
            (b.remove(0), e, BigInt::one())
        }
        _ => {
            let s = b.remove(2);
            let e = b.remove(1);
            (b.remove(0), e, s)
        }
    };
    if s.is_zero() {
        return Err(vm.value_error("range() arg 3 must not be zero"));
    }
    Ok(new_range(vm, a, e, s))
}

/// `len(r)` as a `usize`: CPython's `OverflowError` when it does not fit `ssize_t`.
pub fn length(vm: &Vm, r: &Ref) -> Option<PyResult<usize>> {
    let n = if let Some(r) = r.downcast::<Range>() {
        BigInt::from(super::range_len(r.start, r.stop, r.step))
    } else {
        let (a, b, s) = big_parts(r)?;
        big_len(&a, &b, &s)
    };
    Some(match n.to_i64() {
        Some(n) => Ok(n as usize),
        None => Err(vm.error(
            &vm.exc.overflow,
            "Python int too large to convert to C ssize_t",
        )),
    })
}

/// Whether the range is non-empty.
pub fn truthy(r: &Ref) -> Option<bool> {
    if let Some(r) = r.downcast::<Range>() {
        return Some(super::range_len(r.start, r.stop, r.step) > 0);
    }
    let (a, b, s) = big_parts(r)?;
    Some(!big_len(&a, &b, &s).is_zero())
}

/// `r[k]` for an int or a slice `k`.
pub fn getitem(vm: &Vm, r: &Ref, k: &Ref) -> Option<PyResult<Ref>> {
    let (a, b, s) = big_parts(r)?;
    let n = big_len(&a, &b, &s);
    if let Some(sl) = k.downcast::<Slice>() {
        return Some(slice(vm, (a, s), &n, sl));
    }
    let Some(i) = int_of(k) else {
        return Some(Err(vm.type_error(format!(
            "range indices must be integers or slices, not {}",
            vm.type_name(k)
        ))));
    };
    let i = i.big();
    let j = if i.is_negative() { i + &n } else { i };
    if j.is_negative() || j >= n {
        return Some(Err(vm.index_error("range object index out of range")));
    }
    Some(Ok(vm.new_big(a + s * j)))
}

/// `r[lo:hi:st]`: the sub-range, its indices resolved as `slice.indices(len(r))` on big ints.
fn slice(vm: &Vm, (a, s): (BigInt, BigInt), n: &BigInt, sl: &Slice) -> PyResult<Ref> {
    let Some(parts) = sl.parts() else {
        return Ok(new_range(vm, a.clone(), a, s));
    };
    let get = |r: &Ref| -> PyResult<Option<BigInt>> {
        if r.is_none() {
            return Ok(None);
        }
        int_of(r).map(|i| Some(i.big())).ok_or_else(|| {
            vm.type_error("slice indices must be integers or None or have an __index__ method")
        })
    };
    let st = get(&parts[2])?.unwrap_or_else(BigInt::one);
    if st.is_zero() {
        return Err(vm.value_error("slice step cannot be zero"));
    }
    let (lower, upper) = if st.is_negative() {
        (BigInt::from(-1), n - 1u32)
    } else {
        (BigInt::zero(), n.clone())
    };
    let clamp = |v: Option<BigInt>, dflt: &BigInt| -> BigInt {
        match v {
            None => dflt.clone(),
            Some(v) if v.is_negative() => (v + n).max(lower.clone()),
            Some(v) => v.min(upper.clone()),
        }
    };
    let (d_lo, d_hi) = if st.is_negative() {
        (&upper, &lower)
    } else {
        (&lower, &upper)
    };
    let lo = clamp(get(&parts[0])?, d_lo);
    let hi = clamp(get(&parts[1])?, d_hi);
    Ok(new_range(vm, &a + &s * lo, &a + &s * hi, s * st))
}

/// The index of the int `v` in `range(a, b, s)`, if it is an item.
fn int_index(a: &BigInt, b: &BigInt, s: &BigInt, v: &BigInt) -> Option<BigInt> {
    let inside = if s.is_positive() {
        a <= v && v < b
    } else {
        b < v && v <= a
    };
    if !inside {
        return None;
    }
    let (q, r) = (v - a).div_rem(s);
    r.is_zero().then_some(q)
}

/// `item in r`: arithmetic for an int, CPython's linear scan with `==` for anything else.
pub fn contains(vm: &Vm, r: &Ref, item: &Ref) -> Option<PyResult<bool>> {
    if let (Some(rr), Some(IntVal::S(v))) = (r.downcast::<Range>(), int_of(item)) {
        let (a, b, s) = (rr.start as i128, rr.stop as i128, rr.step as i128);
        let v = v as i128;
        let inside = if s > 0 {
            v >= a && v < b
        } else {
            v <= a && v > b
        };
        return Some(Ok(inside && (v - a) % s == 0));
    }
    let (a, b, s) = big_parts(r)?;
    if let Some(v) = int_of(item) {
        return Some(Ok(int_index(&a, &b, &s, &v.big()).is_some()));
    }
    Some(scan(vm, r, item, true).map(|n| n > 0))
}

/// Count items of `r` equal to `item` (stopping at the first when `first`).
fn scan(vm: &Vm, r: &Ref, item: &Ref, first: bool) -> PyResult<usize> {
    let it = iter(vm, r).expect("a range");
    let mut n = 0;
    while let Some(x) = vm.iter_next(&it)? {
        if vm.eq(&x, item)? {
            n += 1;
            if first {
                break;
            }
        }
    }
    Ok(n)
}

/// `range.index(item)` / `range.count(item)` (bound: `args[0]` is the range).
pub fn method(name: &str) -> Option<super::BuiltinFn> {
    Some(match name {
        "index" => |vm, a, kw| {
            one_arg(vm, "index", a, kw)?;
            let (r, item) = (&a[0], &a[1]);
            let (x, y, s) = big_parts(r).expect("a range");
            if let Some(v) = int_of(item) {
                return match int_index(&x, &y, &s, &v.big()) {
                    Some(i) => Ok(vm.new_big(i)),
                    None => Err(vm.value_error(format!("{} is not in range", vm.repr(item)?))),
                };
            }
            let it = iter(vm, r).expect("a range");
            let mut i = 0i64;
            while let Some(x) = vm.iter_next(&it)? {
                if vm.eq(&x, item)? {
                    return Ok(vm.int(i));
                }
                i += 1;
            }
            Err(vm.value_error("sequence.index(x): x not in sequence"))
        },
        "count" => |vm, a, kw| {
            one_arg(vm, "count", a, kw)?;
            let (x, y, s) = big_parts(&a[0]).expect("a range");
            if let Some(v) = int_of(&a[1]) {
                return Ok(vm.int(int_index(&x, &y, &s, &v.big()).is_some() as i64));
            }
            Ok(vm.int(scan(vm, &a[0], &a[1], false)? as i64))
        },
        _ => return None,
    })
}

fn one_arg(vm: &Vm, name: &str, a: &[Ref], kw: &[(std::sync::Arc<str>, Ref)]) -> PyResult<()> {
    if !kw.is_empty() {
        return Err(vm.type_error(format!("range.{name}() takes no keyword arguments")));
    }
    if a.len() != 2 {
        return Err(vm.type_error(format!(
            "range.{name}() takes exactly one argument ({} given)",
            a.len() - 1
        )));
    }
    Ok(())
}

/// `r.start`, `r.stop`, `r.step`.
pub fn attr(vm: &Vm, r: &Ref, name: &str) -> Option<Ref> {
    let (a, b, s) = big_parts(r)?;
    match name {
        "start" => Some(vm.new_big(a)),
        "stop" => Some(vm.new_big(b)),
        "step" => Some(vm.new_big(s)),
        _ => None,
    }
}

/// `repr(r)`.
pub fn repr(r: &Ref) -> Option<String> {
    let (a, b, s) = big_parts(r)?;
    Some(if s.is_one() {
        format!("range({a}, {b})")
    } else {
        format!("range({a}, {b}, {s})")
    })
}

/// `x == y` for two ranges: CPython compares them as sequences, so all empty ranges are
/// equal and a one-item range ignores its step.
pub fn eq(x: &Ref, y: &Ref) -> Option<bool> {
    let (a0, b0, s0) = big_parts(x)?;
    let (a1, b1, s1) = big_parts(y)?;
    let (n0, n1) = (big_len(&a0, &b0, &s0), big_len(&a1, &b1, &s1));
    Some(if n0 != n1 {
        false
    } else if n0.is_zero() {
        true
    } else if a0 != a1 {
        false
    } else {
        n0.is_one() || s0 == s1
    })
}

/// `iter(r)`: the `i64` iterator for a small range, a [`BigRangeIter`] for a big one.
pub fn iter(vm: &Vm, r: &Ref) -> Option<Ref> {
    if let Some(rr) = r.downcast::<Range>() {
        return Some(vm.rt.alloc(RangeIter::new(rr)));
    }
    let (a, b, s) = big_parts(r)?;
    let n = big_len(&a, &b, &s);
    Some(vm.rt.alloc(BigRangeIter {
        state: Mutex::new((a, s, n)),
    }))
}

/// `reversed(r)`: from the last item down by the step.
pub fn reversed(vm: &Vm, r: &Ref) -> Option<Ref> {
    let (a, b, s) = big_parts(r)?;
    let n = big_len(&a, &b, &s);
    let last = if n.is_zero() {
        a.clone()
    } else {
        &a + &s * (&n - 1u32)
    };
    let end = &a - &s;
    if let (Some(start), Some(stop), Some(step)) = (last.to_i64(), end.to_i64(), (-&s).to_i64()) {
        if !n.is_zero() {
            return Some(vm.rt.alloc(RangeIter::new(&Range { start, stop, step })));
        }
    }
    Some(vm.rt.alloc(BigRangeIter {
        state: Mutex::new((last, -s, n)),
    }))
}

/// The next value of a big range iterator as an object.
pub fn iter_next(vm: &Vm, it: &Ref) -> Option<Option<Ref>> {
    let it = it.downcast::<BigRangeIter>()?;
    Some(it.next().map(|v| vm.new_big(v)))
}

impl Vm {
    /// `hash(r)`: CPython's, the hash of `(len, start, step)` with `None` for the parts that
    /// do not matter to equality (both for an empty range, the step for a one-item range), so
    /// equal ranges hash alike.
    pub fn hash_range(&self, r: &Ref) -> Option<PyResult<i64>> {
        let (a, b, s) = big_parts(r)?;
        let n = big_len(&a, &b, &s);
        let h = |v: BigInt| super::hash::hash_int(&IntVal::B(v));
        let none = || self.hash(&self.rt.none());
        let parts = if n.is_zero() {
            none().and_then(|hn| Ok([h(n), hn, none()?]))
        } else if n.is_one() {
            none().map(|hn| [h(n), h(a), hn])
        } else {
            Ok([h(n), h(a), h(s)])
        };
        Some(parts.map(|p| super::hash::hash_tuple(&p)))
    }
}
