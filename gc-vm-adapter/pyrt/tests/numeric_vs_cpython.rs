//! Numeric expressions against CPython: random ints (small and big), floats (ordinary, tiny,
//! huge, signed zeros, inf, nan) and bools through every arithmetic operator, comparison,
//! `divmod`, `pow`, `round`, `abs`, `int`, `float`, `hash` and `repr`, printed by pyrt and by
//! the `python3` on the machine (CPython 3.11 in CI), which must agree line for line: value, or
//! exception type and message.
//!
//! The oracle is CPython itself, not a model written here, so float formatting, rounding modes
//! and error messages are checked exactly. Each case is one program of many expressions (one
//! `python3` start per case). Set `PYRT_NUMERIC_CASES` to run more cases (default 24).

use std::io::Write;
use std::process::{Command, Stdio};

use gc_vm_adapter::GcConfig;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
use pyrt::vm::{run_source, RunOptions};

/// Expressions per program.
const EXPRS: usize = 40;

fn pyrt_output(src: &str) -> String {
    let opts = RunOptions {
        argv: Vec::new(),
        capture: true,
        config: GcConfig::default().with_workers(1),
    };
    let r = run_source(src, "<numeric>", opts).expect("generated program compiles");
    assert_eq!(r.error, None, "the program catches every exception:\n{src}");
    r.stdout
}

fn cpython_output(src: &str) -> String {
    let mut child = Command::new("python3")
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 (CPython 3.11 in CI) is needed: it is this test's oracle");
    child
        .stdin
        .take()
        .expect("stdin piped")
        .write_all(src.as_bytes())
        .expect("write program to python3");
    let out = child.wait_with_output().expect("python3 ran");
    assert!(
        out.status.success(),
        "python3 failed on:\n{src}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// A numeric literal as Python source (negative values parenthesised).
fn number() -> impl Strategy<Value = String> {
    let paren = |s: String| {
        if s.starts_with('-') {
            format!("({s})")
        } else {
            s
        }
    };
    prop_oneof![
        3 => (-20i64..20).prop_map(|v| v.to_string()),
        2 => any::<i64>().prop_map(|v| v.to_string()),
        2 => (1u64.., any::<u64>(), any::<bool>())
            .prop_map(|(a, b, neg)| format!("{}{a}{b:020}", if neg { "-" } else { "" })),
        3 => (-1000i32..1000, 0u32..8).prop_map(|(m, s)| {
            // Short decimals: halves and quarters exercise round-half-even.
            format!("{}", f64::from(m) / f64::from(1u32 << s))
        }),
        2 => any::<f64>().prop_filter("finite", |v| v.is_finite()).prop_map(|v| format!("{v:e}")),
        1 => prop_oneof![
            Just("0.0".to_string()),
            Just("-0.0".to_string()),
            Just("float('inf')".to_string()),
            Just("float('-inf')".to_string()),
            Just("float('nan')".to_string()),
            Just("1e308".to_string()),
            Just("5e-324".to_string()),
            Just("True".to_string()),
            Just("False".to_string()),
            Just("(2**63)".to_string()),
            Just("(-2**63)".to_string()),
            Just("(10**30)".to_string()),
        ],
    ]
    .prop_map(paren)
}

/// One expression over two numbers.
fn expression() -> impl Strategy<Value = String> {
    let binary = prop_oneof![
        Just("+"),
        Just("-"),
        Just("*"),
        Just("/"),
        Just("//"),
        Just("%"),
        Just("<"),
        Just("<="),
        Just("=="),
        Just("!="),
    ];
    (number(), number(), binary, 0u8..19, -6i32..12, 0u32..40).prop_map(
        |(a, b, op, form, nd, small)| match form {
            0..=3 => format!("{a} {op} {b}"),
            4 => format!("divmod({a}, {b})"),
            5 => format!("{a} ** {}", small as i32 - 8),
            // abs: a fractional power of a negative number is complex in CPython.
            6 => format!("pow(abs({a}), {})", f64::from(small) / 4.0 - 3.0),
            7 => format!("round({a})"),
            8 => format!("round({a}, {nd})"),
            9 => format!("(abs({a}), -{a})"),
            10 => format!("(int({a}), float({a}))"),
            // NaN hashes by identity since 3.10: a fresh nan each time.
            11 => format!("hash({a}) if {a} == {a} else 'nan'"),
            12 => format!("(str({a}), repr({b}))"),
            13 => format!("(math.floor({a}), math.ceil({a}), math.trunc({a}))"),
            14 => format!("(math.sqrt({a}), math.fabs({a}))"),
            15 => format!("math.exp({a})"),
            16 => format!("math.log({a})"),
            17 if nd > 2 => format!("math.log({a}, {b})"),
            _ => format!("({a} < {b}, {a} > {b}, {a} == {b})"),
        },
    )
}

/// Whether pyrt's line `ours` for `expr` agrees with CPython's `theirs`: equal, or, for a log
/// (of an int past the float range pyrt splits it as `m * 2**e` with its own rounding of `m`),
/// floats within two units in the last place.
fn agree(expr: &str, ours: &str, theirs: &str) -> bool {
    if ours == theirs {
        return true;
    }
    if !expr.starts_with("math.log(") {
        return false;
    }
    match (ours.parse::<f64>(), theirs.parse::<f64>()) {
        (Ok(x), Ok(y)) if x.is_finite() && y.is_finite() && x.signum() == y.signum() => {
            x.to_bits().abs_diff(y.to_bits()) <= 2
        }
        _ => false,
    }
}

/// A program printing each expression's repr, or its exception's type and message.
fn program(exprs: &[String]) -> String {
    let mut src = String::from("import math\n");
    for e in exprs {
        src.push_str(&format!(
            "try:\n    print(repr({e}))\nexcept Exception as ex:\n    print(type(ex).__name__, ex)\n"
        ));
    }
    src
}

#[test]
fn numeric_expressions_match_cpython() {
    let cases = std::env::var("PYRT_NUMERIC_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    });
    let result = runner.run(&proptest::collection::vec(expression(), EXPRS), |exprs| {
        let src = program(&exprs);
        let (ours, theirs) = (pyrt_output(&src), cpython_output(&src));
        let differ: Vec<String> = exprs
            .iter()
            .zip(ours.lines())
            .zip(theirs.lines())
            .filter(|((e, o), t)| !agree(e, o, t))
            .map(|((e, o), t)| format!("{e}\n    pyrt:    {o}\n    CPython: {t}"))
            .collect();
        prop_assert!(differ.is_empty(), "differences:\n{}", differ.join("\n"));
        prop_assert_eq!(ours.lines().count(), theirs.lines().count());
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
