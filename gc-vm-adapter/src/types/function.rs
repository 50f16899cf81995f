//! Functions/closures: a generic function type (name, code object, captured cells, defaults,
//! globals), every reference traced. The adapter's tests, benchmarks and simple VMs use it; a
//! VM with richer functions defines its own payload type (pyrt's `PyFunction`).

use parking_lot::RwLock;

use super::RefSlot;
use crate::handle::Ref;
use crate::header::Kind;
use crate::payload::{Edges, Payload};

/// A function or closure.
pub struct Function {
    pub(crate) name: Box<str>,
    /// The code: any object (a VM's code payload type, a constant...), traced.
    pub(crate) code: RefSlot,
    pub(crate) cells: RwLock<Vec<Ref>>,
    pub(crate) defaults: RwLock<Vec<Ref>>,
    pub(crate) globals: RwLock<Option<Ref>>,
}

// SAFETY: trace reports the code object, cells, defaults and globals (rules 1, 2: an atomic
// load and data_ptr reads, world stopped); clear takes them all out under the locks and drops
// them after (rule 3).
unsafe impl Payload for Function {
    crate::payload_type!(Function, "function", Kind::Function);

    fn trace(&self, e: &mut Edges<'_>) {
        e.slot(&self.code);
        // SAFETY: world stopped; no mutator holds these locks across a safepoint.
        unsafe {
            e.refs(&*self.cells.data_ptr());
            e.refs(&*self.defaults.data_ptr());
            e.opt((*self.globals.data_ptr()).as_ref());
        }
    }

    fn clear(&self) {
        let cells = std::mem::take(&mut *self.cells.write());
        let defaults = std::mem::take(&mut *self.defaults.write());
        let globals = self.globals.write().take();
        drop((cells, defaults, globals, self.code.take()));
    }
}

impl Function {
    pub(crate) fn new(
        name: &str,
        code: Option<Ref>,
        cells: Vec<Ref>,
        globals: Option<Ref>,
    ) -> Self {
        Function {
            name: name.into(),
            code: RefSlot::new(code),
            cells: RwLock::new(cells),
            defaults: RwLock::new(Vec::new()),
            globals: RwLock::new(globals),
        }
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The code object (`None` if none was given or the collector cleared the function).
    pub fn code(&self) -> Option<Ref> {
        self.code.to_ref()
    }

    /// The captured cells.
    pub fn cells(&self) -> Vec<Ref> {
        self.cells.read().clone()
    }

    /// Captured cell `i`.
    pub fn cell(&self, i: usize) -> Option<Ref> {
        self.cells.read().get(i).cloned()
    }

    /// Default argument values.
    pub fn defaults(&self) -> Vec<Ref> {
        self.defaults.read().clone()
    }

    /// Set the default argument values.
    pub fn set_defaults(&self, d: Vec<Ref>) {
        let old = std::mem::replace(&mut *self.defaults.write(), d);
        drop(old);
    }

    /// The globals (usually a dict).
    pub fn globals(&self) -> Option<Ref> {
        self.globals.read().clone()
    }
}
