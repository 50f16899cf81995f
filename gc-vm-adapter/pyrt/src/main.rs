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

/// The script's text, or CPython's `SyntaxError` for a null byte or bytes that are not UTF-8
/// (pyrt, like CPython without an encoding declaration, reads UTF-8 only).
fn source_text(path: &str, bytes: Vec<u8>) -> Result<String, String> {
    let line_of = |at: usize| bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(format!(
            "  File \"{path}\", line {}\nSyntaxError: source code cannot contain null bytes",
            line_of(at)
        ));
    }
    String::from_utf8(bytes.clone()).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        // CPython names the file by its absolute path here.
        let abs =
            std::fs::canonicalize(path).map_or_else(|_| path.into(), |p| p.display().to_string());
        format!(
            "SyntaxError: Non-UTF-8 code starting with '\\x{:02x}' in file {abs} on line {}, \
             but no encoding declared; see https://peps.python.org/pep-0263/ for details",
            bytes[at],
            line_of(at)
        )
    })
}

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
    if std::path::Path::new(path).is_dir() {
        // CPython would run the directory's `__main__.py`; pyrt has no such lookup, so it
        // reports what CPython reports for a directory without one (status 1).
        eprintln!("pyrt: can't find '__main__' module in '{path}'");
        return ExitCode::from(1);
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("pyrt: can't open file '{path}': {e}");
            return ExitCode::from(2);
        }
    };
    let source = match source_text(path, bytes) {
        Ok(s) => s,
        Err(msg) => {
            // CPython's SyntaxErrors for undecodable source: a program error, status 1.
            eprintln!("{msg}");
            return ExitCode::from(1);
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
