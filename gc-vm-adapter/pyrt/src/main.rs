//! `pyrt script.py [args...]`: run a Python-subset script on the gc-vm-adapter object model.
//!
//! Uncaught exceptions print a traceback and exit with status 1. Compile errors print the
//! message; `SyntaxError` (`IndentationError` included) and `RecursionError` (nesting too deep
//! to compile) exit with status 1 like CPython, `NotImplementedError` (valid Python outside the
//! subset, which CPython would run) with status 2. `sys.exit(n)` exits with `n`. The collector
//! honours `GC_WORKERS`, `GC_TRACE`, `GC_VERIFY`; an unusable value of one of them
//! (`GC_WORKERS=four`) exits with status 2.

use std::process::ExitCode;

use gc_vm_adapter::GcConfig;
use pyrt::vm::{run_source, RunOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = gc_core::config::check_env() {
        eprintln!("pyrt: {e}");
        return ExitCode::from(2);
    }
    let Some(path) = args.first() else {
        eprintln!("usage: pyrt script.py [args...]");
        return ExitCode::from(2);
    };
    let source = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("pyrt: can't open file '{path}': {e}");
            return ExitCode::from(2);
        }
    };
    let opts = RunOptions {
        argv: args.clone(),
        capture: false,
        config: GcConfig::default(),
    };
    match run_source(&source, path, opts) {
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::from(compile_error_status(&source, path))
        }
        Ok(r) => {
            use std::io::Write;
            let _ = std::io::stdout().flush();
            match (r.exit_code, r.error) {
                (Some(c), tb) => {
                    // An internal error (a caught panic) comes with its report.
                    eprint!("{}", tb.unwrap_or_default());
                    ExitCode::from(c as u8)
                }
                (None, Some(tb)) => {
                    eprint!("{tb}");
                    ExitCode::from(1)
                }
                (None, None) => ExitCode::SUCCESS,
            }
        }
    }
}

/// Exit status for a failed [`run_source`]: 1 for the compile errors CPython also raises
/// (`SyntaxError`, `IndentationError`, `RecursionError`), 2 for `NotImplementedError` and for
/// a failure that is no compile error (the interpreter thread could not start or panicked).
///
/// `run_source` reports errors as text; compiling again (only on this error path, and
/// deterministic) recovers the error's kind without parsing the message.
fn compile_error_status(source: &str, path: &str) -> u8 {
    use pyrt::CompileErrorKind;
    match pyrt::compile(source, path) {
        Err(e) => match e.kind {
            CompileErrorKind::SyntaxError
            | CompileErrorKind::IndentationError
            | CompileErrorKind::RecursionError => 1,
            CompileErrorKind::NotImplemented => 2,
        },
        Ok(_) => 2,
    }
}
