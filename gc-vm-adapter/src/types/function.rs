//! Functions/closures: a placeholder the interpreter fills (name, captured cells, defaults,
//! globals and an opaque code payload).

use std::any::Any;
use std::sync::Arc;

use parking_lot::RwLock;

use crate::handle::Ref;
use crate::header::Kind;
use crate::payload::{Edges, Payload};

/// The interpreter's code object, opaque to the object model. It must not hold strong
/// references to tracked objects (the collector cannot see inside it); constants that are
/// atomic values (ints, strs) are fine.
pub type Code = Arc<dyn Any + Send + Sync>;

/// A function or closure.
pub struct Function {
    pub(crate) name: Box<str>,
    pub(crate) code: RwLock<Code>,
    pub(crate) cells: RwLock<Vec<Ref>>,
    pub(crate) defaults: RwLock<Vec<Ref>>,
    pub(crate) globals: RwLock<Option<Ref>>,
}

// SAFETY: trace reports cells, defaults and globals (rules 1, 2: data_ptr reads, world
// stopped; the code payload is documented as holding no tracked objects); clear takes them
// (and the code) out under the locks and drops them after (rule 3).
unsafe impl Payload for Function {
    crate::payload_type!(Function, "function", Kind::Function);

    fn trace(&self, e: &mut Edges<'_>) {
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
        let code = std::mem::replace(&mut *self.code.write(), Arc::new(()));
        drop((cells, defaults, globals, code));
    }
}

impl Function {
    pub(crate) fn new(name: &str, code: Code, cells: Vec<Ref>, globals: Option<Ref>) -> Self {
        Function {
            name: name.into(),
            code: RwLock::new(code),
            cells: RwLock::new(cells),
            defaults: RwLock::new(Vec::new()),
            globals: RwLock::new(globals),
        }
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The code payload (replaced by `()` if the collector cleared the function).
    pub fn code(&self) -> Code {
        self.code.read().clone()
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
