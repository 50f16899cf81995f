//! Interpreter-level object representation on top of the adapter's object model.
//!
//! Every value is an adapter [`Ref`]. The adapter provides None, bool, int (`i64`), float,
//! str, tuple, list, dict, class, instance, cell and weakref; everything else is a pyrt
//! payload type (`unsafe impl Payload`, allocated with `rt.alloc` / `alloc_with`, read with
//! `o.downcast::<T>()`), its references in traced slots that the collector clears:
//!
//! | Python value | payload type | file | references (traced) | tracked | `Kind` |
//! |---|---|---|---|---|---|
//! | user function | [`PyFunction`] | `function.rs` | cells, defaults, kw-defaults, globals | yes | `Function` |
//! | code constant | [`CodeConst`] | `function.rs` | - | no | `Other` |
//! | builtin function / bound builtin method | [`Builtin`] | `callable.rs` | `self` when bound | when bound | `Function` |
//! | bound method | [`BoundMethod`] | `callable.rs` | `self`, func | yes | `Function` |
//! | builtin type (`int`, `list`, ...) | [`TypeObj`] | `callable.rs` | - | no | `Other` |
//! | `range` | [`Range`] | `iter.rs` | - | no | `Other` |
//! | list / tuple iterator | [`SeqIter`] | `iter.rs` | the sequence | yes | `Other` |
//! | dict key iterator | [`DictIter`] | `iter.rs` | the dict | yes | `Other` |
//! | range iterator | [`RangeIter`] | `iter.rs` | - | no | `Other` |
//! | `range` past `i64`, its iterator | [`range::BigRange`], [`range::BigRangeIter`] | `range.rs` | - | no | `Other` |
//! | slice | [`Slice`] | `iter.rs` | lo, hi, step | when one is | `Other` |
//! | `threading.Lock` | [`PyLock`] | `lock.rs` | - | no | `Other` |
//! | int outside `i64` | [`PyBigInt`] | `bigint.rs` | - | no | `Int` |
//! | class, instance, exception, module | adapter `Class` / `Instance` | | | | |
//!
//! [`methods`] holds the methods of builtin types (`list.append`, `str.join`, `Lock.acquire`,
//! ...), [`format`](mod@format) `str` / `repr` and format specs, [`listops`] the list
//! operations that must be atomic under threads (sort, remove, pop, insert, slices) and
//! [`timsort`] CPython's sort, which never panics on an inconsistent `<`.

pub mod bigint;
pub mod callable;
pub mod dictkey;
pub mod format;
pub mod function;
pub mod hash;
pub mod hash_deep;
pub mod iter;
pub mod listops;
pub mod lock;
pub mod methods;
pub mod numconv;
pub mod range;
pub mod search;
pub mod sig;
pub mod strargs;
pub mod strformat;
pub mod timsort;

pub use bigint::PyBigInt;
pub use callable::{BoundMethod, Builtin, TypeObj};
pub use dictkey::NameKey;
pub use function::{CodeConst, PyFunction};
pub use iter::{DictIter, Range, RangeIter, SeqIter, Slice};
pub use lock::PyLock;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use num_bigint::BigInt;

use crate::vm::{PyResult, Vm};
use gc_vm_adapter::{Int, Kind, Ref};

/// A builtin implemented in Rust: `(vm, args, kwargs)`; bound methods get `self` as `args[0]`.
pub type BuiltinFn = fn(&Vm, &[Ref], &[(Arc<str>, Ref)]) -> PyResult<Ref>;

/// A builtin type tag (`isinstance`, `type()`, constructors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeTag {
    /// `int`
    Int,
    /// `float`
    Float,
    /// `str`
    Str,
    /// `bool`
    Bool,
    /// `list`
    List,
    /// `tuple`
    Tuple,
    /// `dict`
    Dict,
    /// `range`
    Range,
    /// `object`
    Object,
    /// `type`
    Type,
    /// `NoneType`
    NoneType,
    /// function
    Function,
}

impl TypeTag {
    /// Python name.
    pub fn name(self) -> &'static str {
        match self {
            TypeTag::Int => "int",
            TypeTag::Float => "float",
            TypeTag::Str => "str",
            TypeTag::Bool => "bool",
            TypeTag::List => "list",
            TypeTag::Tuple => "tuple",
            TypeTag::Dict => "dict",
            TypeTag::Range => "range",
            TypeTag::Object => "object",
            TypeTag::Type => "type",
            TypeTag::NoneType => "NoneType",
            TypeTag::Function => "function",
        }
    }
}

/// An integer view.
pub enum IntVal {
    /// Fits in i64.
    S(i64),
    /// Big.
    B(BigInt),
}

impl IntVal {
    /// As a BigInt.
    pub fn big(&self) -> BigInt {
        match self {
            IntVal::S(v) => BigInt::from(*v),
            IntVal::B(b) => b.clone(),
        }
    }
}

/// The int value of an int (small or [`PyBigInt`]) or bool.
pub fn int_of(o: &Ref) -> Option<IntVal> {
    match o.kind() {
        Kind::Int => match o.as_i64() {
            Some(v) => Some(IntVal::S(v)),
            None => o.downcast::<PyBigInt>().map(|b| IntVal::B(b.0.clone())),
        },
        Kind::Bool => Some(IntVal::S(o.as_bool()? as i64)),
        _ => None,
    }
}

/// The i64 value of an int or bool that fits.
#[inline]
pub fn small_int(o: &Ref) -> Option<i64> {
    match o.kind() {
        Kind::Int => o.as_i64(),
        Kind::Bool => o.as_bool().map(|b| b as i64),
        _ => None,
    }
}

impl Vm {
    /// A new int from a BigInt (normalised to the small representation when it fits).
    pub fn new_big(&self, b: BigInt) -> Ref {
        match i64::try_from(&b) {
            Ok(v) => self.rt.new_int(v),
            Err(_) => self.rt.alloc(PyBigInt(b)),
        }
    }

    /// A new int.
    #[inline]
    pub fn int(&self, v: i64) -> Ref {
        self.rt.new_int(v)
    }

    /// A new str.
    #[inline]
    pub fn str(&self, s: &str) -> Ref {
        self.rt.new_str(s)
    }

    /// A builtin function object (untracked: it holds no reference).
    pub fn builtin(&self, name: &'static str, f: BuiltinFn) -> Ref {
        self.rt.alloc_with(Builtin::new(name, f, None), false)
    }

    /// A bound builtin method (tracked: it holds `this`).
    pub fn bound_builtin(&self, this: &Ref, name: &'static str, f: BuiltinFn) -> Ref {
        self.rt.alloc(Builtin::new(name, f, Some(this.clone())))
    }

    /// A builtin function whose arguments are checked against `sig` before `f` runs.
    pub fn builtin_sig(
        &self,
        name: &'static str,
        f: BuiltinFn,
        sig: Option<&'static sig::Sig>,
    ) -> Ref {
        self.rt
            .alloc_with(Builtin::new(name, f, None).with_sig(sig), false)
    }

    /// A bound builtin method whose arguments (after `this`) are checked against `sig`.
    pub fn bound_builtin_sig(
        &self,
        this: &Ref,
        name: &'static str,
        f: BuiltinFn,
        sig: Option<&'static sig::Sig>,
    ) -> Ref {
        self.rt
            .alloc(Builtin::new(name, f, Some(this.clone())).with_sig(sig))
    }

    /// A builtin type object.
    pub fn type_obj(&self, tag: TypeTag) -> Ref {
        self.rt.alloc(TypeObj(tag))
    }

    /// Python truthiness.
    pub fn truthy(&self, o: &Ref) -> PyResult<bool> {
        Ok(match o.kind() {
            Kind::None => false,
            Kind::Bool => o.as_bool().unwrap_or(false),
            Kind::Int => match o.as_int() {
                Some(Int::Small(v)) => *v != 0,
                _ => true,
            },
            Kind::Float => o.as_float().unwrap_or(0.0) != 0.0,
            Kind::Str => !o.as_str().unwrap_or("").is_empty(),
            Kind::Tuple => !o.as_tuple().unwrap_or(&[]).is_empty(),
            Kind::List => !o.as_list().map(|l| l.is_empty()).unwrap_or(true),
            Kind::Dict => !o.as_dict().map(|d| d.is_empty()).unwrap_or(true),
            Kind::Other => range::truthy(o).unwrap_or(true),
            Kind::Instance => {
                if let Some(m) = self.lookup_class_attr(o, "__bool__") {
                    let r = self.call(&m, vec![o.clone()], Vec::new())?;
                    return self.truthy(&r);
                }
                if let Some(m) = self.lookup_class_attr(o, "__len__") {
                    let r = self.call(&m, vec![o.clone()], Vec::new())?;
                    return Ok(small_int(&r).unwrap_or(0) != 0);
                }
                true
            }
            _ => true,
        })
    }

    /// Python type name of `o`.
    pub fn type_name(&self, o: &Ref) -> String {
        match o.kind() {
            Kind::None => "NoneType".into(),
            Kind::Bool => "bool".into(),
            Kind::Int => "int".into(),
            Kind::Float => "float".into(),
            Kind::Str => "str".into(),
            Kind::Tuple => "tuple".into(),
            Kind::List => "list".into(),
            Kind::Dict => "dict".into(),
            Kind::Class => "type".into(),
            Kind::Cell => "cell".into(),
            Kind::WeakRef => "weakref.ReferenceType".into(),
            Kind::Instance => o
                .as_instance()
                .and_then(|i| {
                    i.class()
                        .and_then(|c| c.as_class().map(|c| c.name().to_string()))
                })
                .unwrap_or_else(|| "object".into()),
            // pyrt's own types: the table's name is the Python type name.
            Kind::Function | Kind::Other => o.type_info().name.into(),
        }
    }
}

/// `(start, stop, step)` of a range object whose bounds fit `i64` ([`range`] has the others).
#[inline]
pub fn range_of(o: &Ref) -> Option<(i64, i64, i64)> {
    o.downcast::<Range>().map(Range::parts)
}

/// `__name__` of a callable or builtin object (functions, methods, builtin types, ...).
pub fn name_of(o: &Ref) -> Option<String> {
    if let Some(f) = o.downcast::<PyFunction>() {
        Some(f.name.to_string())
    } else if let Some(b) = o.downcast::<Builtin>() {
        Some(b.name.to_string())
    } else if let Some(m) = o.downcast::<BoundMethod>() {
        Some(m.name.to_string())
    } else if let Some(t) = o.downcast::<TypeObj>() {
        Some(t.0.name().to_string())
    } else if let Some(c) = o.downcast::<CodeConst>() {
        Some(c.0.name.clone())
    } else if o.is::<SeqIter>() || o.is::<RangeIter>() || o.is::<DictIter>() {
        Some("iterator".into())
    } else if range::is_range(o) || o.is::<Slice>() || o.is::<PyLock>() {
        Some(o.type_info().name.trim_start_matches("_thread.").into())
    } else {
        None
    }
}

/// Number of items of `range(a, b, s)`.
pub fn range_len(a: i64, b: i64, s: i64) -> u64 {
    // In i128: `range(-2**63, 2**63 - 1)` has 2**64 - 1 items, which overflows i64 arithmetic.
    let (a, b, s) = (a as i128, b as i128, s as i128);
    let n = if s > 0 && a < b {
        (b - a - 1) / s + 1
    } else if s < 0 && a > b {
        (a - b - 1) / (-s) + 1
    } else {
        0
    };
    n as u64
}

/// Advance a range iterator.
pub fn range_next(cur: &AtomicI64, stop: i64, step: i64) -> Option<i64> {
    let v = cur.load(Ordering::Relaxed);
    if (step > 0 && v < stop) || (step < 0 && v > stop) {
        // Past `i64` the range is over: `stop` is in `i64`, so no item lies beyond.
        cur.store(v.checked_add(step).unwrap_or(stop), Ordering::Relaxed);
        Some(v)
    } else {
        None
    }
}
