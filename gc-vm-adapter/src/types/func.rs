//! Functions/closures (a placeholder the interpreter fills: name, captured cells, defaults,
//! globals and an opaque code payload) and cells (a closure's captured variable).

use std::any::Any;
use std::sync::Arc;

use parking_lot::RwLock;

use crate::handle::Ref;

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

/// A cell: one mutable strong reference (a captured variable).
pub struct Cell {
    pub(crate) value: RwLock<Option<Ref>>,
}

impl Cell {
    pub(crate) fn new(v: Option<Ref>) -> Cell {
        Cell {
            value: RwLock::new(v),
        }
    }

    /// The value.
    pub fn get(&self) -> Option<Ref> {
        self.value.read().clone()
    }

    /// Replace the value (the old one is dropped after unlocking).
    pub fn set(&self, v: Option<Ref>) {
        let old = std::mem::replace(&mut *self.value.write(), v);
        drop(old);
    }
}
