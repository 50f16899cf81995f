//! Python programs under `tests/py/` run on the interpreter (`pyrt::vm`);
//! their stdout must equal the `.expected` file next to them (produced by CPython, which these
//! programs also run on unchanged).

use gc_vm_adapter::GcConfig;
use pyrt::vm::{run_source, RunOptions, RunResult};

fn run_with(src: &str, argv: &[&str], config: GcConfig) -> RunResult {
    let opts = RunOptions {
        argv: argv.iter().map(|s| s.to_string()).collect(),
        capture: true,
        config,
    };
    run_source(src, "<test>", opts).unwrap_or_else(|e| panic!("compile error: {e}"))
}

fn config() -> GcConfig {
    GcConfig::default()
        .with_workers(2)
        .with_parallel_min_objects(0)
}

fn check(name: &str) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/");
    let src = std::fs::read_to_string(format!("{dir}{name}.py")).expect("program");
    let expected = std::fs::read_to_string(format!("{dir}{name}.expected")).expect("expected");
    let r = run_with(&src, &[name], config());
    assert_eq!(r.error, None, "{name}: uncaught exception");
    assert_eq!(r.stdout, expected, "{name}: output differs");
}

macro_rules! programs {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*
    };
}

programs!(
    arith,
    strings,
    containers,
    functions,
    classes,
    exceptions,
    gc_cycles,
    finalizers,
    weakrefs,
    threads,
    gc_callbacks,
);

#[test]
fn threads_under_gc_stress() {
    // A collection every 200 allocations while 4 threads mutate shared containers.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/");
    let src = std::fs::read_to_string(format!("{dir}threads.py")).expect("program");
    let expected = std::fs::read_to_string(format!("{dir}threads.expected")).expect("expected");
    let r = run_with(&src, &["threads"], config().with_stress_every(200));
    assert_eq!(r.error, None);
    assert_eq!(r.stdout, expected);
}

#[test]
fn uncaught_exception_has_traceback() {
    let src = "def f(x):\n    return 1 // x\n\ndef g():\n    return f(0)\n\nprint('before')\ng()\n";
    let r = run_with(src, &[], config());
    assert_eq!(r.stdout, "before\n");
    let tb = r.error.expect("an uncaught exception");
    assert!(
        tb.starts_with("Traceback (most recent call last):\n"),
        "{tb}"
    );
    assert!(tb.contains("File \"<test>\", line 8, in <module>"), "{tb}");
    assert!(tb.contains("line 5, in g"), "{tb}");
    assert!(tb.contains("line 2, in f"), "{tb}");
    assert!(
        tb.ends_with("ZeroDivisionError: integer division or modulo by zero\n"),
        "{tb}"
    );
}

#[test]
fn unsupported_syntax_is_a_clear_error() {
    for (src, construct) in [
        ("async def f():\n    pass\n", "'async def'"),
        ("def g():\n    yield 1\n", "yield"),
        ("s = {1, 2}\n", "set"),
        ("if (n := 3):\n    pass\n", ":="),
    ] {
        let opts = RunOptions {
            argv: Vec::new(),
            capture: true,
            config: config(),
        };
        let msg = match run_source(src, "t.py", opts) {
            Err(m) => m,
            Ok(_) => panic!("{src:?} compiled"),
        };
        assert!(msg.starts_with("NotImplementedError"), "{msg}");
        assert!(msg.contains(construct), "{msg} should name {construct}");
    }
}

#[test]
fn runtime_errors_name_the_problem() {
    let cases = [
        ("[1][5]", "IndexError: list index out of range"),
        ("{}['k']", "KeyError: 'k'"),
        (
            "int('x')",
            "ValueError: invalid literal for int() with base 10: 'x'",
        ),
        (
            "1 + 'a'",
            "TypeError: unsupported operand type(s) for +: 'int' and 'str'",
        ),
        ("undefined", "NameError: name 'undefined' is not defined"),
        (
            "None.foo",
            "AttributeError: 'NoneType' object has no attribute 'foo'",
        ),
        ("raise RuntimeError('boom')", "RuntimeError: boom"),
        ("import os", "ImportError: No module named 'os'"),
    ];
    for (src, want) in cases {
        let r = run_with(&format!("{src}\n"), &[], config());
        let tb = r.error.unwrap_or_else(|| panic!("{src}: no error"));
        assert!(tb.contains(want), "{src}: {tb}");
    }
}

#[test]
fn sys_argv_and_version() {
    let r = run_with(
        "import sys\nprint(sys.argv[1:], 'gc-parallel' in sys.version)\n",
        &["prog", "a", "b"],
        config(),
    );
    assert_eq!(r.stdout, "['a', 'b'] True\n");
}

#[test]
fn deep_recursion_is_a_recursion_error() {
    let r = run_with("def f(n):\n    return f(n + 1)\nf(0)\n", &[], config());
    assert!(r.error.expect("error").contains("RecursionError"));
}
