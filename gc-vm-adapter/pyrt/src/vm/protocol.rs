//! CPython's operator protocol for instances of user classes, in one place: every binary
//! operator ([`Vm::binary_op`]) and every rich comparison ([`Vm::compare`], and through
//! [`Vm::eq`] / [`Vm::cmp_order`] the container lookups `in`, `count`, `index`, `remove` and
//! sorting) ends here when an operand is an instance.
//!
//! The rules are `binary_op1`/`SLOT1BINFULL` and `do_richcompare` of CPython: a method that
//! returns `NotImplemented` passes the turn; the right operand's reflected method
//! (`__radd__`, or the swapped comparison: `__gt__` for `<`) is tried second, or first when
//! the right operand's class is a proper subclass of the left's that overrides it; builtin
//! operands never handle an instance, so they always pass. `==` and `!=` fall back to identity.

use gc_vm_adapter::{payload_type, Kind, Payload, Ref};

use super::{PyResult, Vm};
use crate::bytecode::{BinOp, CmpOp};

/// The `NotImplemented` singleton's payload (one per VM, [`Vm::not_implemented`]).
pub struct NotImplementedType;

// SAFETY: no references (rules 1-3 trivially); untracked.
unsafe impl Payload for NotImplementedType {
    const TRACKED: bool = false;
    payload_type!(NotImplementedType, "NotImplementedType", Kind::Other);
}

/// The method implementing `op` on the left operand.
fn dunder(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "__add__",
        BinOp::Sub => "__sub__",
        BinOp::Mul => "__mul__",
        BinOp::MatMul => "__matmul__",
        BinOp::TrueDiv => "__truediv__",
        BinOp::FloorDiv => "__floordiv__",
        BinOp::Mod => "__mod__",
        BinOp::Pow => "__pow__",
        BinOp::LShift => "__lshift__",
        BinOp::RShift => "__rshift__",
        BinOp::BitAnd => "__and__",
        BinOp::BitOr => "__or__",
        BinOp::BitXor => "__xor__",
    }
}

/// The method implementing `op` on the right operand.
fn reflected(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "__radd__",
        BinOp::Sub => "__rsub__",
        BinOp::Mul => "__rmul__",
        BinOp::MatMul => "__rmatmul__",
        BinOp::TrueDiv => "__rtruediv__",
        BinOp::FloorDiv => "__rfloordiv__",
        BinOp::Mod => "__rmod__",
        BinOp::Pow => "__rpow__",
        BinOp::LShift => "__rlshift__",
        BinOp::RShift => "__rrshift__",
        BinOp::BitAnd => "__rand__",
        BinOp::BitOr => "__ror__",
        BinOp::BitXor => "__rxor__",
    }
}

/// The in-place method of `op` (`__iadd__` for `+=`).
fn inplace(op: BinOp) -> String {
    format!("__i{}", &dunder(op)[2..])
}

/// A comparison's method and the comparison with its operands swapped.
fn cmp_parts(op: CmpOp) -> (&'static str, CmpOp) {
    match op {
        CmpOp::Lt => ("__lt__", CmpOp::Gt),
        CmpOp::Le => ("__le__", CmpOp::Ge),
        CmpOp::Gt => ("__gt__", CmpOp::Lt),
        CmpOp::Ge => ("__ge__", CmpOp::Le),
        CmpOp::Ne => ("__ne__", CmpOp::Ne),
        _ => ("__eq__", CmpOp::Eq),
    }
}

/// The class of an instance; `None` for builtin values.
fn class_of(o: &Ref) -> Option<Ref> {
    o.as_instance()?.class().map(|c| c.to_ref())
}

impl Vm {
    /// Whether `r` is `NotImplemented`.
    pub fn is_not_implemented(&self, r: &Ref) -> bool {
        r.ptr_eq(&self.not_implemented)
    }

    /// Whether class `sub` is a proper subclass of `base` whose `name` differs from `base`'s
    /// (CPython's `method_is_overloaded`): only then does the right operand go first.
    fn overrides(&self, sub: &Ref, base: &Ref, name: &str) -> bool {
        if sub.ptr_eq(base) || !self.is_subclass(sub, base) {
            return false;
        }
        match (self.class_lookup(sub, name), self.class_lookup(base, name)) {
            (Some(s), Some(b)) => !s.ptr_eq(&b),
            (s, _) => s.is_some(),
        }
    }

    /// Calls `class.name(this, other)`; `NotImplemented` when the class has no such method.
    fn call_slot(&self, class: &Ref, name: &str, this: &Ref, other: &Ref) -> PyResult<Ref> {
        match self.class_lookup(class, name) {
            Some(m) => self.call(&m, vec![this.clone(), other.clone()], Vec::new()),
            None => Ok(self.not_implemented.clone()),
        }
    }

    /// `a op b` when an operand is an instance: `None` when every candidate passed (the caller
    /// raises "unsupported operand type(s)").
    pub(super) fn binary_dunder(&self, op: BinOp, a: &Ref, b: &Ref) -> PyResult<Option<Ref>> {
        let (ca, cb) = (class_of(a), class_of(b));
        let same = matches!((&ca, &cb), (Some(x), Some(y)) if x.ptr_eq(y));
        let mut try_right = cb.is_some() && !same;
        if let Some(ca) = &ca {
            if let Some(cb) = cb.as_ref().filter(|_| try_right) {
                if self.overrides(cb, ca, reflected(op)) {
                    let r = self.call_slot(cb, reflected(op), b, a)?;
                    if !self.is_not_implemented(&r) {
                        return Ok(Some(r));
                    }
                    try_right = false;
                }
            }
            let r = self.call_slot(ca, dunder(op), a, b)?;
            if !self.is_not_implemented(&r) {
                return Ok(Some(r));
            }
        }
        if let Some(cb) = cb.as_ref().filter(|_| try_right) {
            let r = self.call_slot(cb, reflected(op), b, a)?;
            if !self.is_not_implemented(&r) {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }

    /// `a op= b` on an instance with `__iop__` (unless it returns `NotImplemented`).
    pub(super) fn inplace_dunder(&self, op: BinOp, a: &Ref, b: &Ref) -> PyResult<Option<Ref>> {
        let Some(ca) = class_of(a) else {
            return Ok(None);
        };
        let r = self.call_slot(&ca, &inplace(op), a, b)?;
        Ok((!self.is_not_implemented(&r)).then_some(r))
    }

    /// `a.__op__(b)` as `object` defines it when the class does not: `==` is identity,
    /// `!=` inverts `__eq__`, orderings pass.
    fn cmp_slot(&self, class: &Ref, op: CmpOp, a: &Ref, b: &Ref) -> PyResult<Ref> {
        let (name, _) = cmp_parts(op);
        if let Some(m) = self.class_lookup(class, name) {
            return self.call(&m, vec![a.clone(), b.clone()], Vec::new());
        }
        match op {
            CmpOp::Eq if a.ptr_eq(b) => Ok(self.rt.new_bool(true)),
            CmpOp::Ne => {
                let r = self.cmp_slot(class, CmpOp::Eq, a, b)?;
                if self.is_not_implemented(&r) {
                    return Ok(r);
                }
                Ok(self.rt.new_bool(!self.truthy(&r)?))
            }
            _ => Ok(self.not_implemented.clone()),
        }
    }

    /// `a op b` for `==`, `!=`, `<`, `<=`, `>`, `>=` when an operand is an instance; the
    /// result is whatever the method returned (not necessarily a bool).
    pub fn rich_compare(&self, op: CmpOp, a: &Ref, b: &Ref) -> PyResult<Ref> {
        let (ca, cb) = (class_of(a), class_of(b));
        let (_, swapped) = cmp_parts(op);
        let mut reverse_done = false;
        if let (Some(ca), Some(cb)) = (&ca, &cb) {
            if !ca.ptr_eq(cb) && self.is_subclass(cb, ca) {
                reverse_done = true;
                let r = self.cmp_slot(cb, swapped, b, a)?;
                if !self.is_not_implemented(&r) {
                    return Ok(r);
                }
            }
        }
        if let Some(ca) = &ca {
            let r = self.cmp_slot(ca, op, a, b)?;
            if !self.is_not_implemented(&r) {
                return Ok(r);
            }
        }
        if let Some(cb) = cb.as_ref().filter(|_| !reverse_done) {
            let r = self.cmp_slot(cb, swapped, b, a)?;
            if !self.is_not_implemented(&r) {
                return Ok(r);
            }
        }
        match op {
            CmpOp::Eq => Ok(self.rt.new_bool(a.ptr_eq(b))),
            CmpOp::Ne => Ok(self.rt.new_bool(!a.ptr_eq(b))),
            _ => Err(self.type_error(format!(
                "'{}' not supported between instances of '{}' and '{}'",
                op.symbol(),
                self.type_name(a),
                self.type_name(b)
            ))),
        }
    }
}
