//! Typed reports of binding-contract violations.

use std::fmt;

use serde::Serialize;

/// A breach of the [`VmBinding`](crate::VmBinding) contract found by a collection. The
/// collector never frees an object involved in a detected breach; it records the breach here,
/// in the collection record and stats, and (when configured) panics after the collection has
/// finished and the world is running again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ContractViolation {
    /// `refcount` returned less than the number of references other candidates reported to
    /// the object (rule 1). The object was kept alive.
    RefcountTooSmall {
        /// Object address.
        object: usize,
        /// The count `refcount` returned.
        refcount: usize,
        /// By how much the traced internal references exceeded it.
        excess: usize,
    },
    /// A tracked object's `refcount` was 0 at the start of a collection (rule 9: an object
    /// must be untracked before its refcount death runs VM code or drops its contents). The
    /// object, and everything it refers to, was treated as externally referenced: not
    /// cleared, finalized or freed by this collection.
    RefcountZero {
        /// Object address.
        object: usize,
    },
    /// `trace` reported a pointer that is not a live object of this runtime (rule 2). The
    /// edge was ignored.
    ForeignPointer {
        /// The object whose trace reported it (0 for roots).
        parent: usize,
        /// The reported address.
        pointer: usize,
    },
    /// An object of a cycle was still referenced after every object of the cycle was
    /// cleared: `trace` reported more references than were held, or `clear` did not break
    /// them (rules 2, 5). The object was not freed.
    ReferencedAfterClear {
        /// Object address.
        object: usize,
        /// Its count after clearing.
        refcount: usize,
    },
    /// A finalizer panicked. The object stays finalized; the collection went on.
    FinalizerPanicked {
        /// Object address.
        object: usize,
        /// The panic message.
        message: String,
    },
    /// A weakref callback panicked.
    CallbackPanicked {
        /// The panic message.
        message: String,
    },
}

impl fmt::Display for ContractViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContractViolation::RefcountTooSmall {
                object,
                refcount,
                excess,
            } => write!(
                f,
                "contract violation (rule 1): object {object:#x} reports refcount {refcount}, but \
                 other objects trace {excess} more references to it than that; kept alive"
            ),
            ContractViolation::RefcountZero { object } => write!(
                f,
                "contract violation (rule 9): tracked object {object:#x} has refcount 0 at the \
                 start of a collection (a refcount death left it tracked); kept alive, with \
                 everything it refers to"
            ),
            ContractViolation::ForeignPointer { parent, pointer } => write!(
                f,
                "contract violation (rule 2): trace of {parent:#x} reported {pointer:#x}, which \
                 is not a live object of this runtime; edge ignored"
            ),
            ContractViolation::ReferencedAfterClear { object, refcount } => write!(
                f,
                "contract violation (rules 2/5): garbage object {object:#x} still has refcount \
                 {refcount} after its cycle was cleared (trace over-reports or clear is \
                 incomplete); not freed"
            ),
            ContractViolation::FinalizerPanicked { object, message } => {
                write!(f, "finalizer of {object:#x} panicked: {message}")
            }
            ContractViolation::CallbackPanicked { message } => {
                write!(f, "weakref callback panicked: {message}")
            }
        }
    }
}

impl std::error::Error for ContractViolation {}

/// Most violations kept per collection, and in the runtime's list (a broken binding can report
/// millions).
pub(crate) const MAX_VIOLATIONS: usize = 1000;

/// Append `v` to a bounded violation list.
pub(crate) fn record_violation(
    list: &parking_lot::Mutex<Vec<ContractViolation>>,
    v: ContractViolation,
) {
    let mut g = list.lock();
    if g.len() < MAX_VIOLATIONS {
        g.push(v);
    }
}

/// Turn a caught panic payload into a message.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}
