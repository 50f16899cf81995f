//! Number builtins with CPython's argument checks: `int(x, base)` parsing (prefixes,
//! underscores, base 0), `chr`, `ord`, `hex` / `oct` / `bin`, `divmod`. The argument counts
//! are checked before these run ([`sig`](crate::objects::sig)).

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive};

use crate::objects::bigint;
use crate::objects::strargs::{index_arg, not_an_int};
use crate::objects::{int_of, IntVal};
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::Ref;

type Kw = [(std::sync::Arc<str>, Ref)];

/// `int(s, base)` for a str `s`: surrounding whitespace, a sign, the base's prefix (`0x`,
/// `0o`, `0b`; base 0 reads it to pick the base, and then forbids leading zeros), and single
/// underscores between digits (or after the prefix).
pub fn parse_int(vm: &Vm, s: &str, base: u32) -> PyResult<Ref> {
    let bad = || {
        // CPython formats it with `%.200R`: at most 200 characters of the repr.
        let r: String = vm
            .repr(&vm.str(s))
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect();
        vm.value_error(format!("invalid literal for int() with base {base}: {r}"))
    };
    let t = s.trim_matches(|c: char| c.is_whitespace());
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let lower = t.to_ascii_lowercase();
    let prefix = |p: &str| lower.starts_with(p);
    let (base2, digits, had_prefix) = match base {
        0 if prefix("0x") => (16, &t[2..], true),
        0 if prefix("0o") => (8, &t[2..], true),
        0 if prefix("0b") => (2, &t[2..], true),
        0 => (10, t, false),
        16 if prefix("0x") => (16, &t[2..], true),
        8 if prefix("0o") => (8, &t[2..], true),
        2 if prefix("0b") => (2, &t[2..], true),
        b => (b, t, false),
    };
    // Underscores: one between digits, or one right after a prefix.
    let digits = match digits.strip_prefix('_') {
        Some(rest) if had_prefix => rest,
        _ => digits,
    };
    // CPython 3.11's limit on decimal (any base but a power of two) conversions: counted on
    // the leading run of digits, before the rest of the text is validated.
    let limit = vm
        .int_max_str_digits
        .load(std::sync::atomic::Ordering::Relaxed);
    if limit > 0 && !base2.is_power_of_two() {
        if let Some(n) = bigint::leading_digit_count(digits, base2).filter(|n| *n > limit) {
            return Err(vm.value_error(bigint::from_str_limit_message(limit, n)));
        }
    }
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return Err(bad());
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if !clean.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(bad());
    }
    // Base 0 without a prefix: a decimal with no leading zeros (but "0", "00" are fine).
    if base == 0 && !had_prefix && clean.len() > 1 && clean.starts_with('0') {
        if clean.chars().all(|c| c == '0') {
            return Ok(vm.int(0));
        }
        return Err(bad());
    }
    match BigInt::parse_bytes(clean.as_bytes(), base2) {
        Some(b) => Ok(vm.new_big(if neg { -b } else { b })),
        None => Err(bad()),
    }
}

/// A float literal with its underscores removed, `None` if one is not between two digits
/// (`float("1_0.5")` is 10.5, `float("1__0")` and `float("_1")` are errors).
pub fn float_digits(t: &str) -> Option<String> {
    if !t.contains('_') {
        return Some(t.to_string());
    }
    let b = t.as_bytes();
    let ok = b.iter().enumerate().all(|(i, c)| {
        *c != b'_'
            || (i > 0 && i + 1 < b.len() && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit())
    });
    ok.then(|| t.replace('_', ""))
}

/// `int(x, base)` with an explicit base: `x` must be a str, the base 0 or 2..=36.
pub fn int_with_base(vm: &Vm, x: Option<&Ref>, base: &Ref) -> PyResult<Ref> {
    let b = match int_of(base) {
        Some(IntVal::S(b)) => b,
        Some(IntVal::B(_)) => -1,
        None => index_arg(vm, base)?,
    };
    let Some(x) = x else {
        return Err(vm.type_error("int() missing string argument"));
    };
    let Some(s) = x.as_str() else {
        return Err(vm.type_error("int() can't convert non-string with explicit base"));
    };
    if b != 0 && !(2..=36).contains(&b) {
        return Err(vm.value_error("int() base must be >= 2 and <= 36, or 0"));
    }
    parse_int(vm, s, b as u32)
}

/// `chr(i)`.
pub fn chr(vm: &Vm, a: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    let i = match int_of(&a[0]) {
        Some(i) => i.big(),
        None => return Err(not_an_int(vm, &a[0])),
    };
    let Some(i) = i.to_i32() else {
        return Err(vm.error(&vm.exc.overflow, "Python int too large to convert to C int"));
    };
    match u32::try_from(i).ok().and_then(char::from_u32) {
        Some(c) => Ok(vm.str(c.encode_utf8(&mut [0; 4]))),
        None => Err(vm.value_error("chr() arg not in range(0x110000)")),
    }
}

/// `ord(c)`.
pub fn ord(vm: &Vm, a: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    let Some(s) = a[0].as_str() else {
        return Err(vm.type_error(format!(
            "ord() expected string of length 1, but {} found",
            vm.type_name(&a[0])
        )));
    };
    let mut it = s.chars();
    match (it.next(), it.next()) {
        (Some(c), None) => Ok(vm.int(c as i64)),
        _ => Err(vm.type_error(format!(
            "ord() expected a character, but string of length {} found",
            s.chars().count()
        ))),
    }
}

/// `hex` / `oct` / `bin`: an int (or bool) only, with its prefix after the sign.
pub fn radix(vm: &Vm, o: &Ref, prefix: &str, radix: u32) -> PyResult<Ref> {
    let Some(i) = int_of(o) else {
        return Err(not_an_int(vm, o));
    };
    let b = i.big();
    let sign = if b.is_negative() { "-" } else { "" };
    Ok(vm.str(&format!(
        "{sign}{prefix}{}",
        b.magnitude().to_str_radix(radix)
    )))
}

/// `divmod(a, b)`: the two operators, with `divmod`'s own message for unsupported types.
pub fn divmod(vm: &Vm, a: &[Ref], _kw: &Kw) -> PyResult<Ref> {
    let number = |o: &Ref| o.as_float().is_some() || int_of(o).is_some();
    let ok = (number(&a[0]) && number(&a[1])) || has_custom(&a[0], &a[1]);
    if !ok {
        return Err(vm.type_error(format!(
            "unsupported operand type(s) for divmod(): '{}' and '{}'",
            vm.type_name(&a[0]),
            vm.type_name(&a[1])
        )));
    }
    let floats = a[0].as_float().is_some() || a[1].as_float().is_some();
    if floats && a[1].as_float().or(num(&a[1])) == Some(0.0) {
        return Err(vm.error(&vm.exc.zero_division, "float divmod()"));
    }
    let q = vm.binary_op(crate::BinOp::FloorDiv, &a[0], &a[1])?;
    let r = vm.binary_op(crate::BinOp::Mod, &a[0], &a[1])?;
    Ok(vm.rt.new_tuple(vec![q, r]))
}

fn num(o: &Ref) -> Option<f64> {
    crate::objects::small_int(o).map(|v| v as f64)
}

/// Whether either operand is an instance (which may define `__floordiv__` and friends).
fn has_custom(a: &Ref, b: &Ref) -> bool {
    a.kind() == gc_vm_adapter::Kind::Instance || b.kind() == gc_vm_adapter::Kind::Instance
}
