//! CPython's wording for operator errors that depend on the operand types: sequence
//! concatenation and repetition say what they needed ("can only concatenate list (not
//! "tuple") to list", "can't multiply sequence by non-int of type 'float'"); everything else is
//! "unsupported operand type(s)".

use super::{PyErr, Vm};
use crate::BinOp;
use gc_vm_adapter::{Kind, Ref};

impl Vm {
    /// The `TypeError` of `a op b` when no implementation applies.
    pub(crate) fn binop_type_error(&self, op: BinOp, a: &Ref, b: &Ref) -> PyErr {
        let seq = |o: &Ref| matches!(o.kind(), Kind::List | Kind::Tuple | Kind::Str);
        let (ta, tb) = (self.type_name(a), self.type_name(b));
        match op {
            BinOp::Add if seq(a) && b.kind() != Kind::Instance => {
                self.type_error(format!("can only concatenate {ta} (not \"{tb}\") to {ta}"))
            }
            BinOp::Mul if seq(a) && b.kind() != Kind::Instance => {
                self.type_error(format!("can't multiply sequence by non-int of type '{tb}'"))
            }
            BinOp::Mul if seq(b) && a.kind() != Kind::Instance => {
                self.type_error(format!("can't multiply sequence by non-int of type '{ta}'"))
            }
            _ => self.type_error(format!(
                "unsupported operand type(s) for {}: '{ta}' and '{tb}'",
                op.symbol()
            )),
        }
    }

    /// The `TypeError` of indexing with a non-int: strings word it their own way.
    pub(crate) fn bad_index_type(&self, what: &str, k: &Ref) -> PyErr {
        if what == "string" {
            return self.type_error(format!(
                "string indices must be integers, not '{}'",
                self.type_name(k)
            ));
        }
        self.type_error(format!(
            "{what} indices must be integers or slices, not {}",
            self.type_name(k)
        ))
    }
}
