//! Builtin functions, bound builtin methods, bound methods and builtin type objects.

use super::{BuiltinFn, TypeTag};
use gc_vm_adapter::{payload_type, Edges, Kind, Payload, Ref, RefSlot};

/// A builtin function, or (with `this`) a bound builtin method.
pub struct Builtin {
    /// `__name__`.
    pub name: &'static str,
    /// The implementation; a bound method gets `this` as `args[0]`.
    pub f: BuiltinFn,
    /// The signature checked before `f` runs (`None`: `f` checks its own arguments).
    pub sig: Option<&'static super::sig::Sig>,
    this: RefSlot,
}

// SAFETY: trace reports `this` (rules 1, 2: an atomic load); clear takes it (rule 3). Tracked
// only when bound (rule 5: an unbound builtin holds no reference).
unsafe impl Payload for Builtin {
    payload_type!(Builtin, "builtin_function_or_method", Kind::Function);

    fn trace(&self, e: &mut Edges<'_>) {
        e.slot(&self.this);
    }

    fn clear(&self) {
        drop(self.this.take());
    }
}

impl Builtin {
    /// A builtin, bound to `this` if given.
    pub fn new(name: &'static str, f: BuiltinFn, this: Option<Ref>) -> Builtin {
        Builtin {
            name,
            f,
            sig: None,
            this: RefSlot::new(this),
        }
    }

    /// The same builtin, its arguments checked against `sig` first.
    pub fn with_sig(mut self, sig: Option<&'static super::sig::Sig>) -> Builtin {
        self.sig = sig;
        self
    }

    /// Whether it is bound (allocate tracked then).
    pub fn is_bound(&self) -> bool {
        self.this.get().is_some()
    }

    /// The bound `self`.
    pub fn this(&self) -> Option<Ref> {
        self.this.to_ref()
    }
}

/// A bound method: `func` with `this` as first argument.
pub struct BoundMethod {
    /// `__name__`.
    pub name: Box<str>,
    this: RefSlot,
    func: RefSlot,
}

// SAFETY: trace reports both slots (rules 1, 2); clear takes them (rule 3); tracked (rule 5).
unsafe impl Payload for BoundMethod {
    payload_type!(BoundMethod, "method", Kind::Function);

    fn trace(&self, e: &mut Edges<'_>) {
        e.slot(&self.this);
        e.slot(&self.func);
    }

    fn clear(&self) {
        drop((self.this.take(), self.func.take()));
    }
}

impl BoundMethod {
    /// `func` bound to `this`.
    pub fn new(name: &str, this: Ref, func: Ref) -> BoundMethod {
        BoundMethod {
            name: name.into(),
            this: RefSlot::new(Some(this)),
            func: RefSlot::new(Some(func)),
        }
    }

    /// `(self, func)`, `None` once cleared.
    pub fn parts(&self) -> Option<(Ref, Ref)> {
        Some((self.this.to_ref()?, self.func.to_ref()?))
    }
}

/// A builtin type object (`int`, `list`, ...).
pub struct TypeObj(pub TypeTag);

// SAFETY: no references (rules 1-3 trivially); untracked.
unsafe impl Payload for TypeObj {
    const TRACKED: bool = false;
    payload_type!(TypeObj, "type", Kind::Other);
}
