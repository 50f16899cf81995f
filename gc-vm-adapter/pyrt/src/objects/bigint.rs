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

/// CPython 3.11's default limit on the decimal digits of an int converted to or from a str
/// (`sys.int_info.default_max_str_digits`): past it the conversion is a `ValueError`, because
/// decimal conversion is quadratic and an untrusted input could make it take minutes.
/// Power-of-two bases (hex, octal, binary) are linear and not limited.
pub const DEFAULT_MAX_STR_DIGITS: usize = 4300;

/// `sys.int_info.str_digits_check_threshold`: a limit other than 0 (none) must be at least this.
pub const STR_DIGITS_CHECK_THRESHOLD: usize = 640;

/// CPython's message for an int with more than `limit` digits converted to a str.
pub fn to_str_limit_message(limit: usize) -> String {
    format!(
        "Exceeds the limit ({limit} digits) for integer string conversion; \
         use sys.set_int_max_str_digits() to increase the limit"
    )
}

/// CPython's message for a str of `digits` decimal digits (more than `limit`) converted to an
/// int.
pub fn from_str_limit_message(limit: usize, digits: usize) -> String {
    format!(
        "Exceeds the limit ({limit} digits) for integer string conversion: value has {digits} \
         digits; use sys.set_int_max_str_digits() to increase the limit"
    )
}

/// The decimal digits of `mag`, or `None` when there are more than `limit` of them (0: no
/// limit). Clearly too long a number is refused from its bit length, before the quadratic
/// conversion (CPython does the same).
pub fn decimal_digits(mag: &num_bigint::BigUint, limit: usize) -> Option<String> {
    if limit > 0 {
        let bits = mag.bits();
        // mag >= 2^(bits-1), so it has at least floor((bits-1)·log10 2) + 1 digits; the
        // margin keeps the float product a lower bound.
        let at_least = (bits.saturating_sub(1) as f64 * std::f64::consts::LOG10_2 - 1e-3).floor();
        if at_least + 1.0 > limit as f64 {
            return None;
        }
    }
    let s = mag.to_string();
    (limit == 0 || s.len() <= limit).then_some(s)
}

/// The decimal digits at the start of `digits` (an int literal's text after its sign and
/// prefix) that CPython counts against the limit: the run of digits valid in `base` with
/// single underscores between them; `None` when the run has a doubled or trailing
/// underscore (then the literal is invalid whatever its length).
pub fn leading_digit_count(digits: &str, base: u32) -> Option<usize> {
    let mut n = 0;
    let mut prev_us = false;
    for c in digits.chars() {
        if c == '_' {
            if prev_us {
                return None;
            }
            prev_us = true;
        } else if c.to_digit(36).is_some_and(|d| d < base) {
            n += 1;
            prev_us = false;
        } else {
            break;
        }
    }
    (!prev_us).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;

    #[test]
    fn decimal_digits_at_the_limit() {
        let ten = BigUint::from(10u32);
        // 10^k has k + 1 digits; 10^k - 1 has k.
        for k in [640u32, 641, 4299, 4300, 4301, 10_000] {
            let p = num_traits::pow(ten.clone(), k as usize);
            let below = &p - 1u32;
            assert_eq!(decimal_digits(&p, 4300).is_some(), k < 4300, "10^{k}");
            assert_eq!(
                decimal_digits(&below, 4300).is_some(),
                k <= 4300,
                "10^{k}-1"
            );
            assert_eq!(decimal_digits(&p, 0).map(|s| s.len()), Some(k as usize + 1));
        }
    }

    #[test]
    fn leading_digits() {
        assert_eq!(leading_digit_count("1_000_000", 10), Some(7));
        assert_eq!(leading_digit_count("12 z", 10), Some(2));
        assert_eq!(leading_digit_count("12_", 10), None);
        assert_eq!(leading_digit_count("1__2", 10), None);
        assert_eq!(leading_digit_count("128", 8), Some(2));
        assert_eq!(leading_digit_count("zz", 36), Some(2));
    }
}
