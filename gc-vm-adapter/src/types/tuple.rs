//! Tuples: the items live inline after the header (a [`VarPayload`] allocated with
//! `Runtime::alloc_var`), one allocation per tuple. Immutable to the VM, so read without a
//! lock; only the collector's `clear` of an unreachable tuple empties them (through the
//! table, which sets the length to 0 first).

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::header::Kind;
use crate::payload::{Payload, VarPayload};

/// The fixed part of a tuple: its length (the items follow inline).
pub struct Tuple {
    len: AtomicUsize,
}

impl Tuple {
    pub(crate) fn new(len: usize) -> Tuple {
        Tuple {
            len: AtomicUsize::new(len),
        }
    }
}

// SAFETY: the table traces, clears and drops the inline items (VarPayload); the fixed part
// holds no reference. Tracked only when an item is tracked (rule 5, decided by new_tuple).
unsafe impl Payload for Tuple {
    const TRACKED: bool = false;
    crate::payload_type!(var Tuple, "tuple", Kind::Tuple);
}

// SAFETY: `len` is the number of items alloc_var wrote; only the table's clear takes it.
unsafe impl VarPayload for Tuple {
    fn tail_len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }
    fn take_tail_len(&self) -> usize {
        self.len.swap(0, Ordering::AcqRel)
    }
}
