//! Python programs under `tests/py/` run on the interpreter (`pyrt::vm`);
//! their stdout must equal the `.expected` file next to them (produced by CPython, which these
//! programs also run on unchanged).
//!
//! [`every_program_matches_cpython`] is the general differential runner: every `.py` under
//! `tests/py/` and `tests/diff/` runs on the `pyrt` binary and must give CPython 3.11's stdout
//! (`name.expected`), exit status (`name.status`, 0 when absent) and, where `name.stderr`
//! exists, a stderr containing its lines in order, hexadecimal addresses normalised
//! ([`stderr_lacks`]): CPython's last stderr line when the status is not 0, or hand-picked
//! lines of CPython's stderr (the unindented ones) for reports like "Exception ignored in". `tests/regen_expected.sh`
//! writes those files with CPython; a new program needs no change here.

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

/// How long one differential program may run (the slowest, a million-deep free in a debug
/// build under AddressSanitizer, takes about a minute): a hang fails the test loudly instead
/// of stalling CI.
const PROGRAM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// `cmd`'s output, or `None` (the process killed) if it runs longer than `limit`.
fn output_within(
    mut cmd: std::process::Command,
    limit: std::time::Duration,
) -> Option<std::process::Output> {
    use std::process::Stdio;
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pyrt");
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    // wait_with_output reads both pipes while waiting; the watcher only needs the verdict.
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => Some(out.expect("wait for pyrt")),
        Err(_) => {
            // The waiting thread owns the child: kill it by pid, then let it be reaped.
            let _ = std::process::Command::new("kill")
                .args(["-9", &id.to_string()])
                .status();
            let _ = rx.recv();
            None
        }
    }
}

/// One differential program's result on the `pyrt` binary against CPython's expected files;
/// `None` when they agree, else what differs.
fn diff_one(py: &std::path::Path) -> Option<String> {
    let dir = py.parent().expect("program directory");
    let name = py
        .file_stem()
        .and_then(|n| n.to_str())
        .expect("program name");
    let side = |ext: &str| std::fs::read_to_string(dir.join(format!("{name}.{ext}"))).ok();
    let Some(want_stdout) = side("expected") else {
        return Some(format!(
            "{name}: no {name}.expected (run tests/regen_expected.sh)"
        ));
    };
    let want_status: i32 = side("status").map_or(0, |s| s.trim().parse().expect("status file"));
    let want_stderr = side("stderr").map(|s| s.trim().to_string());
    // Like the regen script: from the program's directory, by its file name, so that paths in
    // messages agree; two GC workers, the machines running the tests are shared.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_pyrt"));
    cmd.arg(format!("{name}.py"))
        .current_dir(dir)
        .env("GC_WORKERS", "2");
    let Some(out) = output_within(cmd, PROGRAM_TIMEOUT) else {
        return Some(format!(
            "{name}: still running after {PROGRAM_TIMEOUT:?} (a hang?), killed"
        ));
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    if stdout != want_stdout {
        problems.push(format!(
            "stdout differs:\n--- CPython\n{want_stdout}--- pyrt\n{stdout}"
        ));
    }
    match out.status.code() {
        Some(c) if c == want_status => {}
        other => problems.push(format!("exit status {other:?}, CPython {want_status}")),
    }
    if let Some(missing) = want_stderr.and_then(|w| stderr_lacks(&w, &stderr)) {
        problems.push(format!("stderr lacks {missing:?} (in order)"));
    }
    if problems.is_empty() {
        return None;
    }
    // Only the end of a long stderr (a panic backtrace) is worth showing.
    let tail: String = stderr.lines().rev().take(8).collect::<Vec<_>>().join("\n");
    Some(format!(
        "{name}: {}\n--- pyrt stderr (last lines, reversed)\n{tail}",
        problems.join("; ")
    ))
}

/// `text` with every hexadecimal address (`0x7f3a…`) written `0x…`: CPython's and pyrt's
/// addresses differ from run to run (`<function A.__del__ at 0x…>`).
fn without_addresses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("0x") {
        out.push_str(&rest[..i + 2]);
        rest = &rest[i + 2..];
        let hex = rest
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(rest.len());
        if hex > 0 {
            out.push('…');
        }
        rest = &rest[hex..];
    }
    out.push_str(rest);
    out
}

/// The first line of `want` (CPython's stderr lines, `name.stderr`) that pyrt's `stderr` does
/// not show, each line inside a later line than the one before, addresses normalised; `None`
/// when all are there. A one-line `name.stderr` (the regen script's last line) is simply a
/// line pyrt's stderr must contain; hand-written ones hold the lines of several reports in
/// order (`Exception ignored in: <function A.__del__ at 0x…>`, `ValueError: boom`), without
/// the indented traceback lines, whose paths and source text pyrt does not reproduce.
fn stderr_lacks(want: &str, stderr: &str) -> Option<String> {
    let got = without_addresses(stderr);
    let mut lines = got.lines();
    want.lines()
        .map(without_addresses)
        .filter(|w| !w.trim().is_empty())
        .find(|w| !lines.any(|l| l.contains(w.as_str())))
}

#[test]
fn stderr_lines_match_in_order_without_addresses() {
    assert_eq!(without_addresses("at 0x7f3aBC) 0x 0xg"), "at 0x…) 0x 0xg");
    let got = "Exception ignored in: <function A.__del__ at 0x55aa>\nTraceback (most recent call last):\n  File \"a.py\", line 3, in __del__\nValueError: boom\n";
    let want = "Exception ignored in: <function A.__del__ at 0x7f00>\nValueError: boom\n";
    assert_eq!(stderr_lacks(want, got), None);
    assert!(stderr_lacks("ValueError: boom\nException ignored in", got).is_some());
    assert!(stderr_lacks("KeyError", got).is_some());
}

#[test]
fn every_program_matches_cpython() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut programs: Vec<_> = ["py", "diff"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).expect("test directory"))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    programs.sort();
    assert!(
        programs.len() >= 20,
        "only {} programs found",
        programs.len()
    );
    let failures: Vec<String> = programs.iter().filter_map(|p| diff_one(p)).collect();
    assert!(
        failures.is_empty(),
        "{} of {} programs differ from CPython:\n\n{}",
        failures.len(),
        programs.len(),
        failures.join("\n\n")
    );
}

/// Undecodable source and a directory as the script: CPython's messages and status 1. (Not a
/// differential program: CPython's message names the file by its absolute path.)
#[test]
fn undecodable_source_and_directory_exit_1() {
    let dir = std::env::temp_dir().join(format!("pyrt-src-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("bad.py");
    std::fs::write(&bad, b"# x\nprint('caf\xe9')\n").expect("write");
    for (arg, want) in [
        (
            bad.clone(),
            "SyntaxError: Non-UTF-8 code starting with '\\xe9' in file ",
        ),
        (dir.clone(), "can't find '__main__' module in "),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pyrt"))
            .arg(&arg)
            .output()
            .expect("run pyrt");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{arg:?}: {stderr}");
        assert!(stderr.contains(want), "{arg:?}: {stderr}");
    }
    assert!(String::from_utf8_lossy(
        &std::process::Command::new(env!("CARGO_BIN_EXE_pyrt"))
            .arg(&bad)
            .output()
            .expect("run pyrt")
            .stderr
    )
    .contains("on line 2, but no encoding declared"));
    let _ = std::fs::remove_dir_all(&dir);
}
