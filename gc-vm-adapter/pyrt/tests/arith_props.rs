//! Property tests of integer arithmetic: random small and big ints through pyrt's operators,
//! `divmod`, shifts and three-argument `pow`, against values computed here with num-bigint
//! (Python's floor semantics written out independently of the interpreter).

use gc_vm_adapter::GcConfig;
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, Zero};
use proptest::prelude::*;
use pyrt::vm::{run_source, RunOptions};

fn run(src: &str) -> String {
    let opts = RunOptions {
        argv: Vec::new(),
        capture: true,
        config: GcConfig::default().with_workers(1),
    };
    let r = run_source(src, "<prop>", opts).expect("compiles");
    assert_eq!(r.error, None, "{src}");
    r.stdout
}

/// Ints from a few bits to a few hundred, either sign.
fn int() -> impl Strategy<Value = BigInt> {
    prop_oneof![
        any::<i64>().prop_map(BigInt::from),
        any::<i128>().prop_map(BigInt::from),
        proptest::collection::vec(any::<u32>(), 1..10).prop_flat_map(|d| any::<bool>().prop_map(
            move |neg| {
                let m = BigInt::new(num_bigint::Sign::Plus, d.clone());
                if neg {
                    -m
                } else {
                    m
                }
            }
        )),
    ]
}

/// `pow(b, e, m)` by square-and-multiply, with Python's sign rule and modular inverse.
fn pow_mod(b: &BigInt, e: &BigInt, m: &BigInt) -> Option<BigInt> {
    let am = m.abs();
    let mut base = b.mod_floor(&am);
    let mut e = e.clone();
    if e.is_negative() {
        let g = base.extended_gcd(&am);
        if !g.gcd.is_one() {
            return None;
        }
        base = g.x.mod_floor(&am);
        e = -e;
    }
    let mut r = BigInt::one().mod_floor(&am);
    while !e.is_zero() {
        if e.is_odd() {
            r = (&r * &base).mod_floor(&am);
        }
        base = (&base * &base).mod_floor(&am);
        e >>= 1;
    }
    Some(if m.is_negative() && !r.is_zero() {
        r - am
    } else {
        r
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn ring_ops_and_divmod(a in int(), b in int()) {
        let out = run(&format!(
            "a = {a}\nb = {b}\nprint(a + b)\nprint(a - b)\nprint(a * b)\nprint(a & b, a | b, a ^ b)\n\
             if b != 0:\n    q, r = divmod(a, b)\n    print(q, r, a // b == q, a % b == r)\n"
        ));
        let mut want = format!("{}\n{}\n{}\n{} {} {}\n", &a + &b, &a - &b, &a * &b, &a & &b, &a | &b, &a ^ &b);
        if !b.is_zero() {
            let (q, r) = a.div_mod_floor(&b);
            want.push_str(&format!("{q} {r} True True\n"));
        }
        prop_assert_eq!(out, want);
    }

    #[test]
    fn shifts(a in int(), n in 0u32..300) {
        let out = run(&format!("print({a} << {n})\nprint({a} >> {n})\n"));
        let want = format!("{}\n{}\n", &a << n as usize, a.div_floor(&(BigInt::one() << n as usize)));
        prop_assert_eq!(out, want);
    }

    #[test]
    fn three_argument_pow(b in int(), e in -300i64..3000, m in int()) {
        prop_assume!(!m.is_zero());
        let out = run(&format!(
            "try:\n    print(pow({b}, {e}, {m}))\nexcept ValueError as ex:\n    print(ex)\n"
        ));
        let want = match pow_mod(&b, &BigInt::from(e), &m) {
            Some(r) => format!("{r}\n"),
            None => "base is not invertible for the given modulus\n".to_string(),
        };
        prop_assert_eq!(out, want);
    }
}
