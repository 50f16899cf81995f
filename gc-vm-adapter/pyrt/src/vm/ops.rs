//! Operators: arithmetic (ints promote to arbitrary precision on overflow), comparisons,
//! containment, subscripts and slices.

use std::cmp::Ordering;

use num_bigint::BigInt;

use super::{PyResult, Vm};
use crate::bytecode::{BinOp, CmpOp, UnaryOp};
use crate::objects::{int_of, listops, range_len, range_of, small_int, IntVal};
use gc_vm_adapter::{Kind, Ref};

pub use super::arith::big_to_f64;
use super::arith::{int_float_cmp, Num};

impl Vm {
    /// `a op b`.
    pub fn binary_op(&self, op: BinOp, a: &Ref, b: &Ref) -> PyResult<Ref> {
        // Fast path: small ints.
        if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
            let r = match op {
                BinOp::Add => x.checked_add(y),
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                _ => None,
            };
            if let Some(r) = r {
                return Ok(self.int(r));
            }
        }
        if let (Some(x), Some(y)) = (self.num(a), self.num(b)) {
            let r = match (&x, &y) {
                (Num::I(x), Num::I(y)) => {
                    if op == BinOp::TrueDiv {
                        Some(self.int_true_div(x, y)?)
                    } else {
                        match self.int_op(op, x, y)? {
                            Some(r) => Some(r),
                            None => {
                                let (xf, yf) = (self.int_to_float(x)?, self.int_to_float(y)?);
                                self.float_op(op, xf, yf)?
                            }
                        }
                    }
                }
                _ => {
                    let f = |n: &Num| match n {
                        Num::I(i) => self.int_to_float(i),
                        Num::F(x) => Ok(*x),
                    };
                    self.float_op(op, f(&x)?, f(&y)?)?
                }
            };
            if let Some(r) = r {
                return Ok(r);
            }
        }
        match (a.kind(), b.kind(), op) {
            (Kind::Str, Kind::Str, BinOp::Add) => {
                let mut s = String::from(a.as_str().unwrap_or(""));
                s.push_str(b.as_str().unwrap_or(""));
                return Ok(self.str(&s));
            }
            (Kind::List, Kind::List, BinOp::Add) => {
                let mut v = a.as_list().expect("list").snapshot();
                v.extend(b.as_list().expect("list").snapshot());
                return Ok(self.rt.new_list(v));
            }
            (Kind::Tuple, Kind::Tuple, BinOp::Add) => {
                let mut v = a.as_tuple().expect("tuple").to_vec();
                v.extend(b.as_tuple().expect("tuple").iter().cloned());
                return Ok(self.rt.new_tuple(v));
            }
            (Kind::Str | Kind::List | Kind::Tuple, _, BinOp::Mul) if small_int(b).is_some() => {
                return self.repeat(a, small_int(b).unwrap_or(0));
            }
            (_, Kind::Str | Kind::List | Kind::Tuple, BinOp::Mul) if small_int(a).is_some() => {
                return self.repeat(b, small_int(a).unwrap_or(0));
            }
            (Kind::Str | Kind::List | Kind::Tuple, Kind::Int, BinOp::Mul)
            | (Kind::Int, Kind::Str | Kind::List | Kind::Tuple, BinOp::Mul) => {
                // A count that is no `i64` (`[0] * 2**63`): CPython's `OverflowError`.
                return Err(self.error(
                    &self.exc.overflow,
                    "cannot fit 'int' into an index-sized integer",
                ));
            }
            (Kind::Str, _, BinOp::Mod) => {
                let s = crate::objects::format::percent_format(self, a.as_str().unwrap_or(""), b)?;
                return Ok(self.str(&s));
            }
            _ => {}
        }
        if a.kind() == Kind::Instance || b.kind() == Kind::Instance {
            if let Some(r) = self.binary_dunder(op, a, b)? {
                return Ok(r);
            }
        }
        Err(self.binop_type_error(op, a, b))
    }

    /// `seq * n`. The result's size is checked before allocating: CPython's `MemoryError` for
    /// lists and tuples past `isize::MAX` bytes or refused by the allocator, `OverflowError`
    /// for a string longer than `isize::MAX`.
    fn repeat(&self, s: &Ref, n: i64) -> PyResult<Ref> {
        let n = n.max(0) as usize;
        let nomem = || self.error(&self.exc.memory, "");
        Ok(match s.kind() {
            Kind::Str => {
                let t = s.as_str().unwrap_or("");
                let total = t
                    .len()
                    .checked_mul(n)
                    .filter(|&t| t <= isize::MAX as usize)
                    .ok_or_else(|| self.error(&self.exc.overflow, "repeated string is too long"))?;
                let mut out = String::new();
                // Room for the copy `self.str` makes too (its allocation cannot fail softly).
                out.try_reserve_exact(total.saturating_mul(2))
                    .map_err(|_| nomem())?;
                // An empty string repeated 2**63 times is still empty: no loop to run.
                for _ in 0..if t.is_empty() { 0 } else { n } {
                    out.push_str(t);
                }
                self.str(&out)
            }
            Kind::List | Kind::Tuple => {
                let items = match s.as_list() {
                    Some(l) => l.snapshot(),
                    None => s.as_tuple().expect("tuple").to_vec(),
                };
                let total = items
                    .len()
                    .checked_mul(n)
                    .filter(|&t| t <= isize::MAX as usize / std::mem::size_of::<Ref>())
                    .ok_or_else(nomem)?;
                let mut v = super::guard::reserve(self, total)?;
                for _ in 0..if items.is_empty() { 0 } else { n } {
                    v.extend(items.iter().cloned());
                }
                if s.kind() == Kind::List {
                    self.rt.new_list(v)
                } else {
                    self.rt.new_tuple(v)
                }
            }
            _ => unreachable!("repeat of a non-sequence"),
        })
    }

    /// `a op= b`: lists extend in place; everything else falls back to `a op b`.
    pub fn inplace_op(&self, op: BinOp, a: &Ref, b: &Ref) -> PyResult<Ref> {
        if let Some(r) = self.inplace_dunder(op, a, b)? {
            return Ok(r);
        }
        if op == BinOp::Add && a.kind() == Kind::List {
            let items = self.iterate(b)?;
            a.as_list()
                .expect("list")
                .with_items_mut(|v| v.extend(items));
            return Ok(a.clone());
        }
        self.binary_op(op, a, b)
    }

    /// `-a`, `+a`, `~a`.
    pub fn unary_op(&self, op: UnaryOp, a: &Ref) -> PyResult<Ref> {
        if let Some(x) = a.as_float() {
            return match op {
                UnaryOp::Neg => Ok(self.rt.new_float(-x)),
                UnaryOp::Pos => Ok(a.clone()),
                _ => Err(self.type_error("bad operand type for unary ~: 'float'")),
            };
        }
        if let Some(i) = int_of(a) {
            return Ok(match (op, i) {
                (UnaryOp::Neg, IntVal::S(v)) => {
                    self.int_result(v.checked_neg(), || -BigInt::from(v))
                }
                (UnaryOp::Neg, IntVal::B(b)) => self.new_big(-b),
                (UnaryOp::Pos, IntVal::S(v)) => self.int(v),
                (UnaryOp::Pos, IntVal::B(b)) => self.new_big(b),
                (UnaryOp::Invert, IntVal::S(v)) => self.int(!v),
                (UnaryOp::Invert, IntVal::B(b)) => self.new_big(-b - 1),
                (UnaryOp::Not, _) => unreachable!("handled by the caller"),
            });
        }
        let sym = match op {
            UnaryOp::Neg => "-",
            UnaryOp::Pos => "+",
            _ => "~",
        };
        Err(self.type_error(format!(
            "bad operand type for unary {sym}: '{}'",
            self.type_name(a)
        )))
    }

    /// `a op b` for comparisons.
    pub fn compare(&self, op: CmpOp, a: &Ref, b: &Ref) -> PyResult<Ref> {
        let rich = !matches!(op, CmpOp::Is | CmpOp::IsNot | CmpOp::In | CmpOp::NotIn);
        if rich && (a.kind() == Kind::Instance || b.kind() == Kind::Instance) {
            return self.rich_compare(op, a, b);
        }
        let r = match op {
            CmpOp::Is => a.ptr_eq(b),
            CmpOp::IsNot => !a.ptr_eq(b),
            // The operators compare values: `x == x` is False for a NaN (the identity shortcut
            // of `eq` is for containers, as in CPython's `PyObject_RichCompareBool`).
            CmpOp::Eq | CmpOp::Ne => {
                let e = match a.as_float() {
                    Some(x) if a.ptr_eq(b) => !x.is_nan(),
                    _ => self.eq(a, b)?,
                };
                e == (op == CmpOp::Eq)
            }
            CmpOp::In => self.contains(b, a)?,
            CmpOp::NotIn => !self.contains(b, a)?,
            CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge => {
                let o = self.cmp_order(a, b, op)?;
                match op {
                    CmpOp::Lt => o == Ordering::Less,
                    CmpOp::Le => o != Ordering::Greater,
                    CmpOp::Gt => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                }
            }
        };
        Ok(self.rt.new_bool(r))
    }

    /// Value equality.
    pub fn eq(&self, a: &Ref, b: &Ref) -> PyResult<bool> {
        if a.ptr_eq(b) {
            return Ok(true);
        }
        if let (Some(x), Some(y)) = (self.num(a), self.num(b)) {
            return Ok(match (x, y) {
                (Num::I(IntVal::S(x)), Num::I(IntVal::S(y))) => x == y,
                (Num::I(x), Num::I(y)) => x.big() == y.big(),
                (Num::F(x), Num::F(y)) => x == y,
                // Exactly, as CPython compares (and as dicts must, since the hashes are exact):
                // `2**53 + 1 != float(2**53)`.
                (Num::I(i), Num::F(f)) | (Num::F(f), Num::I(i)) => {
                    crate::objects::dictkey::int_eq_float(&i, f)
                }
            });
        }
        if let (Some(x), Some(y)) = (a.as_str(), b.as_str()) {
            return Ok(x == y);
        }
        // Containers and `__eq__` recurse: one level of the shared depth.
        let _depth = super::guard::enter(self, super::guard::IN_CMP)?;
        if a.kind() == Kind::Instance || b.kind() == Kind::Instance {
            let r = self.rich_compare(CmpOp::Eq, a, b)?;
            return self.truthy(&r);
        }
        Ok(match (a.kind(), b.kind()) {
            (Kind::Str, Kind::Str) => a.as_str() == b.as_str(),
            (Kind::Tuple, Kind::Tuple) => {
                self.seq_eq(a.as_tuple().expect("t"), b.as_tuple().expect("t"))?
            }
            (Kind::List, Kind::List) => {
                let (x, y) = (
                    a.as_list().expect("l").snapshot(),
                    b.as_list().expect("l").snapshot(),
                );
                self.seq_eq(&x, &y)?
            }
            (Kind::Dict, Kind::Dict) => {
                self.dict_eq(a.as_dict().expect("d"), b.as_dict().expect("d"))?
            }
            (Kind::Other, Kind::Other) => crate::objects::range::eq(a, b).unwrap_or(false),
            _ => false,
        })
    }

    fn seq_eq(&self, x: &[Ref], y: &[Ref]) -> PyResult<bool> {
        if x.len() != y.len() {
            return Ok(false);
        }
        for (a, b) in x.iter().zip(y) {
            if !self.eq(a, b)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Ordering for `<` etc. and `sorted`.
    pub fn cmp_order(&self, a: &Ref, b: &Ref, op: CmpOp) -> PyResult<Ordering> {
        if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
            return Ok(x.cmp(&y));
        }
        if let (Some(x), Some(y)) = (self.num(a), self.num(b)) {
            let ord = match (x, y) {
                (Num::I(x), Num::I(y)) => Some(x.big().cmp(&y.big())),
                (Num::F(x), Num::F(y)) => x.partial_cmp(&y),
                (Num::I(i), Num::F(f)) => int_float_cmp(&i, f),
                (Num::F(f), Num::I(i)) => int_float_cmp(&i, f).map(Ordering::reverse),
            };
            // A NaN is unordered: every ordering comparison with it is False, so answer with
            // the ordering for which `op` does not hold.
            return Ok(ord.unwrap_or(match op {
                CmpOp::Lt | CmpOp::Le => Ordering::Greater,
                _ => Ordering::Less,
            }));
        }
        if let (Some(x), Some(y)) = (a.as_str(), b.as_str()) {
            return Ok(x.cmp(y));
        }
        // Containers and `__lt__` recurse: one level of the shared depth.
        let _depth = super::guard::enter(self, super::guard::IN_CMP)?;
        match (a.kind(), b.kind()) {
            (Kind::Str, Kind::Str) => return Ok(a.as_str().cmp(&b.as_str())),
            (Kind::Tuple, Kind::Tuple) => {
                return self.seq_cmp(a.as_tuple().expect("t"), b.as_tuple().expect("t"), op)
            }
            (Kind::List, Kind::List) => {
                let (x, y) = (
                    a.as_list().expect("l").snapshot(),
                    b.as_list().expect("l").snapshot(),
                );
                return self.seq_cmp(&x, &y, op);
            }
            (Kind::Instance, _) | (_, Kind::Instance) => {
                // The caller only asks whether `op` holds: an ordering that answers it.
                let holds = self.truthy(&self.rich_compare(op, a, b)?)?;
                return Ok(match (op, holds) {
                    (CmpOp::Lt, true) | (CmpOp::Gt | CmpOp::Ge, false) => Ordering::Less,
                    (CmpOp::Le | CmpOp::Ge, true) => Ordering::Equal,
                    _ => Ordering::Greater,
                });
            }
            _ => {}
        }
        Err(self.type_error(format!(
            "'{}' not supported between instances of '{}' and '{}'",
            op.symbol(),
            self.type_name(a),
            self.type_name(b)
        )))
    }

    fn seq_cmp(&self, x: &[Ref], y: &[Ref], op: CmpOp) -> PyResult<Ordering> {
        for (a, b) in x.iter().zip(y) {
            if !self.eq(a, b)? {
                return self.cmp_order(a, b, op);
            }
        }
        Ok(x.len().cmp(&y.len()))
    }

    /// `item in container`.
    pub fn contains(&self, container: &Ref, item: &Ref) -> PyResult<bool> {
        match container.kind() {
            Kind::Str => {
                let Some(s) = item.as_str() else {
                    return Err(self.type_error(format!(
                        "'in <string>' requires string as left operand, not {}",
                        self.type_name(item)
                    )));
                };
                Ok(container.as_str().unwrap_or("").contains(s))
            }
            Kind::Dict => self.dict_contains(container.as_dict().expect("d"), item),
            Kind::List | Kind::Tuple => {
                for x in self.iterate(container)? {
                    if self.eq(&x, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Kind::Other => {
                if let Some(r) = crate::objects::range::contains(self, container, item) {
                    return r;
                }
                for x in self.iterate(container)? {
                    if self.eq(&x, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Kind::Instance if self.lookup_class_attr(container, "__contains__").is_some() => {
                let r = self.call_method(container, "__contains__", vec![item.clone()])?;
                self.truthy(&r)
            }
            _ => Err(self.type_error(format!(
                "argument of type '{}' is not iterable",
                self.type_name(container)
            ))),
        }
    }

    /// The int `k` as a sequence index: CPython's `IndexError` for one that fits no `isize`
    /// (it could never be in range, but the conversion is what fails), `TypeError` for a non-int.
    fn index_int(&self, k: &Ref, what: &str) -> PyResult<i64> {
        match int_of(k) {
            Some(IntVal::S(i)) => Ok(i),
            Some(IntVal::B(_)) => {
                Err(self.index_error("cannot fit 'int' into an index-sized integer"))
            }
            None => Err(self.bad_index_type(what, k)),
        }
    }

    fn index_of(&self, k: &Ref, len: usize, what: &str) -> PyResult<usize> {
        let i = self.index_int(k, what)?;
        let j = if i < 0 { i + len as i64 } else { i };
        if j < 0 || j >= len as i64 {
            return Err(self.index_error(format!("{what} index out of range")));
        }
        Ok(j as usize)
    }

    /// Slice indices `(start, stop, step)` resolved against `len`.
    fn slice_indices(&self, sl: &Ref, len: usize) -> PyResult<Option<Vec<usize>>> {
        Ok(listops::slice_parts(self, sl)?.map(|p| p.indices(len)))
    }

    /// `c[k]`.
    pub fn getitem(&self, c: &Ref, k: &Ref) -> PyResult<Ref> {
        match c.kind() {
            Kind::List => {
                let l = c.as_list().expect("list");
                if let Some(i) = small_int(k) {
                    let n = l.len() as i64;
                    let j = if i < 0 { i + n } else { i };
                    return l
                        .get(usize::try_from(j).unwrap_or(usize::MAX))
                        .ok_or_else(|| self.index_error("list index out of range"));
                }
                let items = l.snapshot();
                match self.slice_indices(k, items.len())? {
                    Some(ix) => Ok(self
                        .rt
                        .new_list(ix.into_iter().map(|i| items[i].clone()).collect())),
                    None => {
                        // Not a small int: `index_int` says which error.
                        let i = self.index_int(k, "list")?;
                        let _ = i;
                        Err(self.index_error("list index out of range"))
                    }
                }
            }
            Kind::Tuple => {
                let t = c.as_tuple().expect("tuple");
                match self.slice_indices(k, t.len())? {
                    Some(ix) => Ok(self
                        .rt
                        .new_tuple(ix.into_iter().map(|i| t[i].clone()).collect())),
                    None => Ok(t[self.index_of(k, t.len(), "tuple")?].clone()),
                }
            }
            Kind::Str => {
                let s = c.as_str().expect("str");
                let chars: Vec<char> = s.chars().collect();
                match self.slice_indices(k, chars.len())? {
                    Some(ix) => Ok(self.str(&ix.into_iter().map(|i| chars[i]).collect::<String>())),
                    None => {
                        let i = self.index_of(k, chars.len(), "string")?;
                        Ok(self.str(chars[i].encode_utf8(&mut [0; 4])))
                    }
                }
            }
            Kind::Dict => self
                .dict_get(c.as_dict().expect("dict"), k)?
                .ok_or_else(|| self.key_error(k)),
            Kind::Other => {
                // The fast path: a small range and a small index (in i128: the item is in
                // range, the intermediate product need not be); the rest on big ints.
                if let (Some((a, b, s)), Some(i)) = (range_of(c), small_int(k)) {
                    let n = range_len(a, b, s) as i128;
                    let j = if i < 0 { i as i128 + n } else { i as i128 };
                    if j < 0 || j >= n {
                        return Err(self.index_error("range object index out of range"));
                    }
                    return Ok(self.int((a as i128 + s as i128 * j) as i64));
                }
                match crate::objects::range::getitem(self, c, k) {
                    Some(r) => r,
                    None => Err(self.not_subscriptable(c)),
                }
            }
            Kind::Instance if self.lookup_class_attr(c, "__getitem__").is_some() => {
                self.call_method(c, "__getitem__", vec![k.clone()])
            }
            _ => Err(self.not_subscriptable(c)),
        }
    }

    fn not_subscriptable(&self, c: &Ref) -> super::PyErr {
        self.type_error(format!(
            "'{}' object is not subscriptable",
            self.type_name(c)
        ))
    }

    /// `c[k] = v`.
    pub fn setitem(&self, c: &Ref, k: &Ref, v: Ref) -> PyResult<()> {
        match c.kind() {
            Kind::List => {
                let l = c.as_list().expect("list");
                if let Some(parts) = listops::slice_parts(self, k)? {
                    let new = self.iterate(&v)?;
                    return listops::set_slice(self, l, parts, new);
                }
                let i = self.index_of(k, l.len(), "list")?;
                if !l.set(i, v) {
                    return Err(self.index_error("list assignment index out of range"));
                }
                Ok(())
            }
            Kind::Dict => self.dict_set(c.as_dict().expect("dict"), k, v),
            Kind::Instance if self.lookup_class_attr(c, "__setitem__").is_some() => {
                self.call_method(c, "__setitem__", vec![k.clone(), v])?;
                Ok(())
            }
            _ => Err(self.type_error(format!(
                "'{}' object does not support item assignment",
                self.type_name(c)
            ))),
        }
    }

    /// `del c[k]`.
    pub fn delitem(&self, c: &Ref, k: &Ref) -> PyResult<()> {
        match c.kind() {
            Kind::List => {
                let l = c.as_list().expect("list");
                if let Some(parts) = listops::slice_parts(self, k)? {
                    listops::del_slice(l, parts);
                    return Ok(());
                }
                let i = self.index_int(k, "list")?;
                listops::del_index(self, l, i)
            }
            Kind::Dict => match self.dict_del(c.as_dict().expect("dict"), k)? {
                Some(v) => {
                    drop(v);
                    Ok(())
                }
                None => Err(self.key_error(k)),
            },
            _ => Err(self.type_error(format!(
                "'{}' object does not support item deletion",
                self.type_name(c)
            ))),
        }
    }
}
