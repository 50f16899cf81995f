//! Compile errors.

use std::fmt;

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompileErrorKind {
    /// The source is not valid Python (parse errors, `return` outside a function, ...).
    SyntaxError,
    /// Too many levels of indentation (CPython: `IndentationError`, a `SyntaxError`).
    IndentationError,
    /// Valid Python, but outside the subset this runtime supports.
    NotImplemented,
    /// Statements / expressions nested too deeply to compile (CPython: `RecursionError:
    /// maximum recursion depth exceeded during compilation`); see the compiler's limits.
    RecursionError,
}

/// A compile error with its source position (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// Error class.
    pub kind: CompileErrorKind,
    /// Human-readable message; for [`CompileErrorKind::NotImplemented`] it names the construct.
    pub message: String,
    /// File name passed to [`crate::compile`].
    pub filename: String,
    /// 1-based source line.
    pub line: u32,
    /// 1-based source column.
    pub col: u32,
}

impl CompileError {
    /// A `SyntaxError`.
    pub fn syntax(message: impl Into<String>, filename: &str, line: u32, col: u32) -> Self {
        CompileError {
            kind: CompileErrorKind::SyntaxError,
            message: message.into(),
            filename: filename.to_string(),
            line,
            col,
        }
    }

    /// A `NotImplementedError` for `construct` (e.g. `'async def'`).
    pub fn unsupported(construct: &str, filename: &str, line: u32, col: u32) -> Self {
        CompileError {
            kind: CompileErrorKind::NotImplemented,
            message: format!("{construct} is not supported by this runtime"),
            filename: filename.to_string(),
            line,
            col,
        }
    }
}

impl CompileError {
    /// A `RecursionError` for nesting deeper than the compiler's limit, at the node where the
    /// limit was passed.
    pub fn too_deep(filename: &str, line: u32, col: u32) -> Self {
        CompileError {
            kind: CompileErrorKind::RecursionError,
            message: "maximum recursion depth exceeded during compilation".into(),
            filename: filename.to_string(),
            line,
            col,
        }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            CompileErrorKind::SyntaxError => write!(
                f,
                "SyntaxError: {} ({}, line {}, column {})",
                self.message, self.filename, self.line, self.col
            ),
            CompileErrorKind::RecursionError | CompileErrorKind::IndentationError => write!(
                f,
                "{}: {} ({}, line {}, column {})",
                if self.kind == CompileErrorKind::RecursionError {
                    "RecursionError"
                } else {
                    "IndentationError"
                },
                self.message,
                self.filename,
                self.line,
                self.col
            ),
            CompileErrorKind::NotImplemented => {
                write!(
                    f,
                    "NotImplementedError: {} (line {})",
                    self.message, self.line
                )
            }
        }
    }
}

impl std::error::Error for CompileError {}
