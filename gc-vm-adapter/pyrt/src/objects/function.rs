//! User functions and code constants.

use std::sync::Arc;

use parking_lot::RwLock;

use crate::bytecode::CodeObject;
use crate::vm::CodeCache;
use gc_vm_adapter::{payload_type, Edges, Kind, Payload, Ref, RefSlot};

/// A Python function: its code, closure cells, defaults, keyword-only defaults and globals.
pub struct PyFunction {
    /// `__name__`.
    pub name: Box<str>,
    /// The code.
    pub code: Arc<CodeObject>,
    /// The code's converted constants and name keys (shared with the VM's cache). Not traced:
    /// constants are untracked atoms, tuples of atoms and [`CodeConst`]s, none of which can
    /// reach a tracked object.
    pub cache: Arc<CodeCache>,
    cells: RwLock<Vec<Ref>>,
    defaults: RwLock<Vec<Ref>>,
    kwdefaults: RefSlot,
    globals: RefSlot,
}

// SAFETY: trace reports every cell, default, the kw-defaults dict and the globals (rules 1, 2:
// data_ptr reads and atomic loads with the world stopped; pyrt never polls holding these
// locks); clear takes them all out under the locks and drops them after (rule 3). Allocated
// tracked (rule 5).
unsafe impl Payload for PyFunction {
    payload_type!(PyFunction, "function", Kind::Function);

    fn trace(&self, e: &mut Edges<'_>) {
        // SAFETY: world stopped; no mutator holds these locks across a safepoint.
        unsafe {
            e.refs(&*self.cells.data_ptr());
            e.refs(&*self.defaults.data_ptr());
        }
        e.slot(&self.kwdefaults);
        e.slot(&self.globals);
    }

    fn clear(&self) {
        let cells = std::mem::take(&mut *self.cells.write());
        let defaults = std::mem::take(&mut *self.defaults.write());
        drop((cells, defaults, self.kwdefaults.take(), self.globals.take()));
    }
}

impl PyFunction {
    /// A function over `code`.
    pub fn new(
        code: Arc<CodeObject>,
        cache: Arc<CodeCache>,
        cells: Vec<Ref>,
        defaults: Vec<Ref>,
        kwdefaults: Option<Ref>,
        globals: Ref,
    ) -> PyFunction {
        PyFunction {
            name: code.name.as_str().into(),
            code,
            cache,
            cells: RwLock::new(cells),
            defaults: RwLock::new(defaults),
            kwdefaults: RefSlot::new(kwdefaults),
            globals: RefSlot::new(Some(globals)),
        }
    }

    /// The closure cells.
    pub fn cells(&self) -> Vec<Ref> {
        self.cells.read().clone()
    }

    /// Positional defaults.
    pub fn defaults(&self) -> Vec<Ref> {
        self.defaults.read().clone()
    }

    /// The keyword-only defaults dict.
    pub fn kwdefaults(&self) -> Option<Ref> {
        self.kwdefaults.to_ref()
    }

    /// The globals dict (`None` once the collector cleared the function).
    pub fn globals(&self) -> Option<Ref> {
        self.globals.to_ref()
    }
}

/// A code constant (the operand of `MakeFunction`, `MakeClass`).
pub struct CodeConst(pub Arc<CodeObject>);

// SAFETY: no references (rules 1-3 trivially); untracked.
unsafe impl Payload for CodeConst {
    const TRACKED: bool = false;
    payload_type!(CodeConst, "code", Kind::Other);
}
