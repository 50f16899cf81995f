//! Nesting limits of the front end, and the big-stack thread the front end runs on.
//!
//! The parser (`rustpython-parser`, an LR parser) does not recurse on nesting, but everything
//! after it walks the AST recursively: the symbol table, the code generator and `Drop` of the
//! AST itself. Without limits, `1 + 1 + ... ` with 10 000 terms or 10 000 nested `[` overflows
//! the native stack and aborts the process. Following CPython 3.11, pyrt rejects such sources
//! as ordinary compile errors:
//!
//! - more than [`MAX_PAREN_NESTING`] open brackets (`(`, `[`, `{`) at once is a `SyntaxError:
//!   too many nested parentheses` (CPython's tokenizer, `MAXLEVEL`), and more than
//!   [`MAX_INDENT`] levels of indentation an `IndentationError: too many levels of indentation`
//!   (`MAXINDENT`); [`check_tokens`] scans the token stream *before* parsing, so no AST is
//!   built for such a source;
//! - statements and expressions nested more than [`MAX_NESTING_DEPTH`] deep are a
//!   `RecursionError: maximum recursion depth exceeded during compilation` (CPython's symbol
//!   table: the default recursion limit, 1000, times `COMPILER_STACK_FRAME_SCALE`, 3); the
//!   symbol-table pass counts the depth, stops descending at the limit, and the compiler never
//!   sees (or drops recursively) a deeper AST.
//!
//! With the depth bounded, the stack the later passes need is bounded too; [`run_on_big_stack`]
//! gives them [`COMPILE_STACK_SIZE`] bytes whatever thread calls [`crate::compile`] (the main
//! thread, a test thread with 2 MiB, or a small-stack thread of an embedder).

use rustpython_parser::lexer::LexResult;
use rustpython_parser::text_size::TextSize;
use rustpython_parser::Tok;

/// Most brackets open at once (CPython's tokenizer `MAXLEVEL`: the 201st is an error).
pub(crate) const MAX_PAREN_NESTING: usize = 200;

/// Deepest nesting of statements and expressions (CPython 3.11's symbol table: recursion limit
/// 1000 times `COMPILER_STACK_FRAME_SCALE` 3; `x = 1 + ... + 1` with 2 999 terms compiles,
/// with 3 000 it is a `RecursionError`).
pub(crate) const MAX_NESTING_DEPTH: u32 = 3000;

/// Stack of the thread the front end runs on. Measured need at [`MAX_NESTING_DEPTH`] in an
/// unoptimised build: more than 16 MiB, less than 64 MiB (2 999-term sums, 2 990 nested
/// lambdas / `not` / conditional expressions / `elif`s; debug frames of the code generator
/// are large), so 256 MiB leaves a margin of four. It is a reservation of virtual memory,
/// committed only as far as it is used (the VM's main thread reserves as much).
pub(crate) const COMPILE_STACK_SIZE: usize = 256 << 20;

/// Most indentation levels (CPython's tokenizer `MAXINDENT`: a block at level 100 is an
/// `IndentationError`). The parser would cope; this is for agreeing with CPython.
pub(crate) const MAX_INDENT: usize = 99;

/// A nesting limit of the token stream that a source passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenLimit {
    /// More than [`MAX_PAREN_NESTING`] brackets open at once.
    Parens,
    /// More than [`MAX_INDENT`] levels of indentation.
    Indent,
}

/// The first token that passes a nesting limit, with its offset, if any. Stops at the first
/// lexical error (the parser reports it). Closing brackets without an opening one and
/// inconsistent dedents are left to the parser as well.
pub(crate) fn check_tokens(tokens: &[LexResult]) -> Option<(TokenLimit, TextSize)> {
    let mut parens = 0usize;
    let mut indent = 0usize;
    for t in tokens {
        let Ok((tok, range)) = t else { return None };
        match tok {
            Tok::Lpar | Tok::Lsqb | Tok::Lbrace => {
                parens += 1;
                if parens > MAX_PAREN_NESTING {
                    return Some((TokenLimit::Parens, range.start()));
                }
            }
            Tok::Rpar | Tok::Rsqb | Tok::Rbrace => parens = parens.saturating_sub(1),
            Tok::Indent => {
                indent += 1;
                if indent > MAX_INDENT {
                    return Some((TokenLimit::Indent, range.end()));
                }
            }
            Tok::Dedent => indent = indent.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Runs `f` on a thread with [`COMPILE_STACK_SIZE`] bytes of stack and returns its result; a
/// panic in `f` (a compiler bug) is resumed on the caller. If the thread cannot be created
/// (resource limits), `f` runs on the caller's thread.
pub(crate) fn run_on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    // The closure is shared with the thread through a mutex so that the caller can still run
    // it when the spawn fails (`spawn_scoped` consumes its closure either way).
    let slot = std::sync::Mutex::new(Some(f));
    let take = || {
        slot.lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .expect("the compile closure runs once")
    };
    std::thread::scope(|s| {
        let spawned = std::thread::Builder::new()
            .name("pyrt-compile".into())
            .stack_size(COMPILE_STACK_SIZE)
            .spawn_scoped(s, || take()());
        match spawned {
            Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            Err(_) => take()(),
        }
    })
}

/// The first decimal int literal with more digits than CPython 3.11's default int/str
/// conversion limit ([`DEFAULT_MAX_STR_DIGITS`](crate::objects::bigint::DEFAULT_MAX_STR_DIGITS);
/// CPython's tokenizer makes it a `SyntaxError`), with its digit count and offset. Hex, octal
/// and binary literals are not limited.
pub(crate) fn check_int_literals(source: &str, tokens: &[LexResult]) -> Option<(usize, TextSize)> {
    use crate::objects::bigint::DEFAULT_MAX_STR_DIGITS;
    for t in tokens {
        let Ok((Tok::Int { .. }, range)) = t else {
            continue;
        };
        let Some(text) = source.get(usize::from(range.start())..usize::from(range.end())) else {
            continue;
        };
        let b = text.as_bytes();
        if b.len() <= DEFAULT_MAX_STR_DIGITS
            || (b[0] == b'0' && matches!(b[1] | 0x20, b'x' | b'o' | b'b'))
        {
            continue;
        }
        let n = b.iter().filter(|c| c.is_ascii_digit()).count();
        if n > DEFAULT_MAX_STR_DIGITS {
            return Some((n, range.start()));
        }
    }
    None
}
