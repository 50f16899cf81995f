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

/// Why a three-argument `pow` has no result: CPython's two `ValueError` messages.
#[derive(Debug, PartialEq, Eq)]
pub enum PowModError {
    /// The modulus is 0.
    ZeroModulus,
    /// A negative exponent, and the base has no inverse modulo the modulus.
    NotInvertible,
}

impl PowModError {
    /// CPython's message for it.
    pub fn message(&self) -> &'static str {
        match self {
            PowModError::ZeroModulus => "pow() 3rd argument cannot be 0",
            PowModError::NotInvertible => "base is not invertible for the given modulus",
        }
    }
}

/// `pow(base, exp, m)` as CPython computes it: the work is done modulo `|m|` (a negative
/// exponent inverts the base first), and the result takes the modulus's sign, so it lies in
/// `[0, m)` for a positive `m` and in `(m, 0]` for a negative one.
pub fn pow_mod(base: &BigInt, exp: &BigInt, m: &BigInt) -> Result<BigInt, PowModError> {
    use num_integer::Integer;
    use num_traits::{One, Signed, Zero};
    if m.is_zero() {
        return Err(PowModError::ZeroModulus);
    }
    let am = m.abs();
    let mut b = base.mod_floor(&am);
    let mut e = exp.clone();
    if e.is_negative() {
        let g = b.extended_gcd(&am);
        if !g.gcd.is_one() {
            return Err(PowModError::NotInvertible);
        }
        b = g.x.mod_floor(&am);
        e = -e;
    }
    let r = if am.is_one() {
        BigInt::zero()
    } else {
        b.modpow(&e, &am)
    };
    Ok(if m.is_negative() && !r.is_zero() {
        r - am
    } else {
        r
    })
}

/// Largest integer result pyrt computes, in bits (4 GiB of digits). Past it `x ** n` and
/// `x << n` are a `MemoryError`, like CPython when the allocator refuses, instead of Rust's
/// allocation-failure abort inside `num-bigint`.
pub const MAX_RESULT_BITS: u64 = 1 << 35;

/// Whether a result of about `bits` bits may be computed: below [`MAX_RESULT_BITS`], and the
/// allocator can give three times its size (the operands and temporaries of the last step).
/// `num-bigint` cannot report an allocation failure, so this asks first.
pub fn result_fits(bits: u64) -> bool {
    if bits > MAX_RESULT_BITS {
        return false;
    }
    if bits < 1 << 26 {
        return true;
    }
    let mut probe: Vec<u8> = Vec::new();
    probe.try_reserve_exact((bits / 8 * 3) as usize).is_ok()
}
