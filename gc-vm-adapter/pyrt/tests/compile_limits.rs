//! The compiler's control-flow and nesting limits: the implicit `return None` is added exactly
//! where control can reach the end of a function; too many nested brackets and too deep
//! nesting are compile errors (as in CPython 3.11), whatever the stack of the calling thread.
//! The programs under `tests/diff/` check the same cases end to end against CPython.

use pyrt::{compile, disassemble, CodeObject, CompileErrorKind, Constant, Instr};

fn function(src: &str, name: &str) -> CodeObject {
    let m = compile(src, "<t>").unwrap_or_else(|e| panic!("{e}\n{src}"));
    m.constants
        .iter()
        .find_map(|c| match c {
            Constant::Code(c) if c.name == name => Some((**c).clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no function {name}"))
}

/// How many `LoadConst None; Return` pairs end a path of `f`.
fn implicit_returns(f: &CodeObject) -> usize {
    f.instructions
        .windows(2)
        .filter(|w| {
            matches!(w, [Instr::LoadConst(i), Instr::Return]
                if matches!(f.constants[*i as usize], Constant::None))
        })
        .count()
}

#[test]
fn implicit_return_where_control_reaches_the_end() {
    for src in [
        "def f(n):\n    if n: return 1\n",
        "def f(n):\n    if n > 0:\n        return 1\n    elif n < 0:\n        return -1\n",
        "def f(n):\n    if n:\n        x = 1\n    else:\n        return 2\n",
        "def f(a, b):\n    if a:\n        if b:\n            return 1\n",
        "def f(n):\n    if n: return 1\n    pass\n",
        "def f(xs):\n    for x in xs:\n        return x\n",
        "def f(n):\n    while n:\n        return n\n",
        "def f(s):\n    try:\n        return int(s)\n    except ValueError:\n        pass\n",
        "def f(m):\n    with m:\n        if m:\n            return 1\n",
        "def f():\n    pass\n",
        // Ends in `Return`, but `break` skips the `else` to the end of the loop.
        "def f(xs):\n    for x in xs:\n        if x:\n            break\n    else:\n        return -1\n",
        "def f(n):\n    while n:\n        break\n    else:\n        return 0\n",
    ] {
        let f = function(src, "f");
        assert_eq!(implicit_returns(&f), 1, "{src}\n{}", disassemble(&f));
        assert_eq!(f.instructions.last(), Some(&Instr::Return), "{src}");
    }
}

#[test]
fn no_implicit_return_where_control_cannot_reach_the_end() {
    for src in [
        "def f(n):\n    if n:\n        return 1\n    else:\n        return 2\n",
        "def f(n):\n    raise ValueError(n)\n",
        "def f(n):\n    while True:\n        if n:\n            return n\n",
        "def f(xs):\n    for x in xs:\n        pass\n    else:\n        return 0\n",
        "def f(s):\n    try:\n        return int(s)\n    except ValueError:\n        return 0\n    finally:\n        pass\n",
        "def f(n):\n    return n\n    n = 2\n",
    ] {
        let f = function(src, "f");
        assert_eq!(implicit_returns(&f), 0, "{src}\n{}", disassemble(&f));
    }
}

fn sum_of(terms: usize) -> String {
    format!("x = {}\n", vec!["1"; terms].join(" + "))
}

fn nested_lists(n: usize) -> String {
    format!("x = {}{}\n", "[".repeat(n), "]".repeat(n))
}

fn expect_err(src: &str, kind: CompileErrorKind, col: u32, words: &str) {
    let e = compile(src, "deep.py").expect_err("compiled");
    assert_eq!(e.kind, kind, "{e}");
    assert_eq!((e.line, e.col), (1, col), "{e}");
    assert!(e.to_string().contains(words), "{e}");
}

#[test]
fn nesting_limits_match_cpython() {
    // CPython 3.11: 2 999 terms compile, 3 000 are a RecursionError.
    assert!(compile(&sum_of(2999), "deep.py").is_ok());
    let deep = "RecursionError: maximum recursion depth exceeded during compilation";
    expect_err(&sum_of(3000), CompileErrorKind::RecursionError, 5, deep);
    expect_err(&sum_of(10_000), CompileErrorKind::RecursionError, 5, deep);
    // CPython 3.11: 200 nested brackets compile; the 201st (column 205) is an error.
    assert!(compile(&nested_lists(200), "deep.py").is_ok());
    let parens = "SyntaxError: too many nested parentheses";
    expect_err(
        &nested_lists(201),
        CompileErrorKind::SyntaxError,
        205,
        parens,
    );
    expect_err(
        &nested_lists(10_000),
        CompileErrorKind::SyntaxError,
        205,
        parens,
    );
    // Unary chains nest without brackets.
    let nots = format!("x = {}1\n", "not ".repeat(10_000));
    let e = compile(&nots, "deep.py").expect_err("compiled");
    assert_eq!(e.kind, CompileErrorKind::RecursionError);
}

#[test]
fn indentation_limit_matches_cpython() {
    let nested = |n: usize| {
        let mut src: String = (0..n)
            .map(|i| format!("{}if 1:\n", "    ".repeat(i)))
            .collect();
        src.push_str(&format!("{}pass\n", "    ".repeat(n)));
        src
    };
    assert!(compile(&nested(99), "i.py").is_ok());
    let e = compile(&nested(100), "i.py").expect_err("compiled");
    assert_eq!(e.kind, CompileErrorKind::IndentationError, "{e}");
    assert_eq!(e.line, 101, "{e}");
    assert!(e
        .to_string()
        .starts_with("IndentationError: too many levels of indentation"));
}

#[test]
fn with_items_count_towards_the_depth() {
    // The code generator nests one level per `with` item.
    let items = vec!["m"; 3100].join(", ");
    let e = compile(&format!("with {items}:\n    pass\n"), "w.py").expect_err("compiled");
    assert_eq!(e.kind, CompileErrorKind::RecursionError);
    assert!(compile("with a, b, c:\n    pass\n", "w.py").is_ok());
}

#[test]
fn limits_hold_on_a_thread_with_a_small_stack() {
    // `compile` runs the front end on a thread of its own, so the caller's stack (64 KiB
    // here, far less than one deep compile needs) does not matter.
    let h = std::thread::Builder::new()
        .stack_size(64 << 10)
        .spawn(|| {
            let ok = compile(&sum_of(2999), "deep.py").map(|_| ());
            let sum = compile(&sum_of(10_000), "deep.py").map(|_| ());
            let lists = compile(&nested_lists(10_000), "deep.py").map(|_| ());
            (ok, sum.map_err(|e| e.kind), lists.map_err(|e| e.kind))
        })
        .expect("spawn");
    let (ok, sum, lists) = h.join().expect("no stack overflow");
    assert_eq!(ok, Ok(()));
    assert_eq!(sum, Err(CompileErrorKind::RecursionError));
    assert_eq!(lists, Err(CompileErrorKind::SyntaxError));
}

/// CPython 3.11's int/str conversion limit applies to decimal literals in source: more than
/// 4300 digits is a `SyntaxError` (underscores not counted); hex, octal and binary literals
/// of any length compile.
#[test]
fn huge_decimal_int_literal_is_a_syntax_error() {
    let err = |src: &str| compile(src, "<t>").err();
    let e = err(&format!("x = 1\ny = {}\n", "1".repeat(5000))).expect("5000 digits");
    assert_eq!(e.kind, CompileErrorKind::SyntaxError);
    assert_eq!(e.line, 2);
    assert_eq!(
        e.message,
        "Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; \
         use sys.set_int_max_str_digits() to increase the limit - Consider hexadecimal for huge \
         integer literals to avoid decimal conversion limits."
    );
    assert!(err(&format!("x = {}\n", "1".repeat(4300))).is_none());
    assert!(err(&format!("x = {}\n", "1_".repeat(4300) + "1")).is_some());
    assert!(err(&format!("x = 1{}\n", "_1".repeat(4299))).is_none());
    for prefix in ["0x", "0o", "0b", "0X"] {
        assert!(err(&format!("x = {prefix}{}\n", "1".repeat(6000))).is_none());
    }
}
