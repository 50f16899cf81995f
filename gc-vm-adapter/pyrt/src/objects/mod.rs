//! Interpreter-level object representation on top of the adapter's object kinds.
//!
//! Every value is an adapter [`Ref`]. Objects the adapter has no kind for are `Function`-kind
//! objects whose opaque code payload is a [`Native`] (the payload never holds references: the
//! objects a native refers to live in the function's traced *cells*):
//!
//! | Python value | representation |
//! |---|---|
//! | user function | `Function`, payload [`Native::User`], cells = closure cells, defaults = defaults (+ kw-defaults dict) |
//! | builtin function / bound builtin method | `Function`, [`Native::Builtin`], cells = `[self]` when bound |
//! | bound method | `Function`, [`Native::Bound`], cells = `[self, func]` |
//! | builtin type (`int`, `list`, ...) | `Function`, [`Native::Type`] |
//! | `range` | `Function`, [`Native::Range`] |
//! | iterator | `Function`, [`Native::SeqIter`] (cells = `[seq]`) or [`Native::RangeIter`] |
//! | slice | `Function`, [`Native::Slice`], cells = `[lo, hi, step]` |
//! | `threading.Lock` | `Function`, [`Native::Lock`] |
//! | code constant | `Function`, [`Native::Code`] |
//! | class, instance, exception, module | adapter `Class` / `Instance` |
//!
//! [`methods`] holds the methods of builtin types (`list.append`, `str.join`, `Lock.acquire`,
//! ...), [`format`](mod@format) `str` / `repr` and format specs, [`listops`] the list
//! operations that must be atomic under threads (sort, remove, pop, insert, slices) and
//! [`timsort`] CPython's sort, which never panics on an inconsistent `<`.

pub mod format;
pub mod listops;
pub mod methods;
pub mod timsort;

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;

use num_bigint::BigInt;
use parking_lot::{Condvar, Mutex};

use crate::bytecode::CodeObject;
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::{HashKey, Int, Kind, Ref};

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

/// A user-defined function's code.
pub struct UserFn {
    /// The code.
    pub code: Arc<CodeObject>,
    /// Whether the last entry of the defaults vector is the keyword-only defaults dict.
    pub has_kwdefaults: bool,
    /// The code's converted constants and name keys (shared with the VM's cache; the
    /// constants are atomic values and code-constant natives the VM keeps alive anyway).
    pub cache: Arc<crate::vm::CodeCache>,
}

/// A Python-level lock (`threading.Lock`).
#[derive(Default)]
pub struct PyLock {
    locked: Mutex<bool>,
    cv: Condvar,
}

impl PyLock {
    /// Try to take the lock without blocking.
    pub fn try_acquire(&self) -> bool {
        let mut l = self.locked.lock();
        if *l {
            false
        } else {
            *l = true;
            true
        }
    }

    /// Block until the lock is taken (call detached).
    pub fn acquire_blocking(&self, timeout: Option<std::time::Duration>) -> bool {
        let mut l = self.locked.lock();
        let deadline = timeout.map(|t| std::time::Instant::now() + t);
        while *l {
            match deadline {
                Some(d) => {
                    if self.cv.wait_until(&mut l, d).timed_out() && *l {
                        return false;
                    }
                }
                None => self.cv.wait(&mut l),
            }
        }
        *l = true;
        true
    }

    /// Release; false if it was not locked.
    pub fn release(&self) -> bool {
        let mut l = self.locked.lock();
        if !*l {
            return false;
        }
        *l = false;
        self.cv.notify_one();
        true
    }

    /// Whether it is held.
    pub fn locked(&self) -> bool {
        *self.locked.lock()
    }
}

/// Payloads of `Function`-kind objects.
pub enum Native {
    /// A Python function.
    User(UserFn),
    /// A builtin function or (with a `self` cell) a bound builtin method.
    Builtin(&'static str, BuiltinFn),
    /// A bound method: cells `[self, func]`.
    Bound,
    /// A builtin type.
    Type(TypeTag),
    /// `range(start, stop, step)`.
    Range(i64, i64, i64),
    /// Iterator over a list / tuple (cells `[seq]`): next index.
    SeqIter(AtomicUsize),
    /// Iterator over a range: current value, stop, step.
    RangeIter(AtomicI64, i64, i64),
    /// A slice: cells `[lo, hi, step]`.
    Slice,
    /// `threading.Lock()`.
    Lock(Arc<PyLock>),
    /// A code constant (operand of `MakeFunction`).
    Code(Arc<CodeObject>),
}

/// The native payload of `o`, if it is a function-kind object.
pub fn native(o: &Ref) -> Option<Arc<dyn std::any::Any + Send + Sync>> {
    o.as_function().map(|f| f.code())
}

/// Run `f` on the native payload of `o`.
#[inline]
pub fn with_native<R>(o: &Ref, f: impl FnOnce(Option<&Native>) -> R) -> R {
    match o.as_function() {
        Some(func) => {
            let c = func.code();
            f(c.downcast_ref::<Native>())
        }
        None => f(None),
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

/// The int value of an int or bool.
pub fn int_of(o: &Ref) -> Option<IntVal> {
    match o.kind() {
        Kind::Int => match o.as_int()? {
            Int::Small(v) => Some(IntVal::S(*v)),
            Int::Big(b) => Some(IntVal::B((**b).clone())),
            #[allow(unreachable_patterns)]
            _ => None,
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
            Err(_) => self.rt.new_int_value(Int::Big(Box::new(b))),
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

    /// A native object.
    pub fn new_native(&self, name: &str, n: Native, cells: Vec<Ref>) -> Ref {
        self.rt.new_function(name, Arc::new(n), cells, None)
    }

    /// A builtin function object.
    pub fn builtin(&self, name: &'static str, f: BuiltinFn) -> Ref {
        self.new_native(name, Native::Builtin(name, f), Vec::new())
    }

    /// A bound builtin method.
    pub fn bound_builtin(&self, this: &Ref, name: &'static str, f: BuiltinFn) -> Ref {
        self.new_native(name, Native::Builtin(name, f), vec![this.clone()])
    }

    /// The dict key for `o` (`TypeError` if unhashable). Integral floats hash like ints.
    pub fn key(&self, o: &Ref) -> PyResult<HashKey> {
        if let Some(x) = o.as_float() {
            if x.fract() == 0.0 && x.abs() < 9.0e18 {
                return Ok(HashKey::Int(x as i64));
            }
        }
        HashKey::from_object(o)
            .ok_or_else(|| self.type_error(format!("unhashable type: '{}'", self.type_name(o))))
    }

    /// The object for a dict key.
    pub fn key_obj(&self, k: &HashKey) -> Ref {
        match k {
            HashKey::None => self.rt.none(),
            HashKey::Bool(b) => self.rt.new_bool(*b),
            HashKey::Int(v) => self.rt.new_int(*v),
            HashKey::Str(s) => self.rt.new_str(s),
            HashKey::Tuple(items) => {
                let v = items.iter().map(|k| self.key_obj(k)).collect();
                self.rt.new_tuple(v)
            }
            #[allow(unreachable_patterns)]
            _ => self.rt.none(),
        }
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
            Kind::Function => with_native(o, |n| match n {
                Some(Native::Range(a, b, s)) => range_len(*a, *b, *s) > 0,
                _ => true,
            }),
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
            Kind::Function => with_native(o, |n| match n {
                Some(Native::User(_)) => "function".into(),
                Some(Native::Builtin(..)) => "builtin_function_or_method".into(),
                Some(Native::Bound) => "method".into(),
                Some(Native::Type(_)) => "type".into(),
                Some(Native::Range(..)) => "range".into(),
                Some(Native::SeqIter(_)) | Some(Native::RangeIter(..)) => "iterator".into(),
                Some(Native::Slice) => "slice".into(),
                Some(Native::Lock(_)) => "_thread.lock".into(),
                Some(Native::Code(_)) => "code".into(),
                None => "object".into(),
            }),
        }
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
        cur.store(v + step, Ordering::Relaxed);
        Some(v)
    } else {
        None
    }
}
