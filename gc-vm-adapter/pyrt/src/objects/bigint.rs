//! Integers outside `i64`: interpreter data, not the adapter's.

use num_bigint::BigInt;

use gc_vm_adapter::{payload_type, Kind, Payload};

/// An arbitrary-precision integer (only for values outside `i64`; smaller ones are the
/// adapter's `Int`). Reports [`Kind::Int`], so `match`es on the kind treat it as an int;
/// read it with [`int_of`](super::int_of).
pub struct PyBigInt(pub BigInt);

// SAFETY: no references (rules 1-3 trivially); untracked.
unsafe impl Payload for PyBigInt {
    const TRACKED: bool = false;
    payload_type!(PyBigInt, "int", Kind::Int);
}
