//! Mutations of existing sources for the compiler target: byte edits, inserted tokens,
//! repeated slices and swapped lines.

use proptest::prelude::*;
use proptest::sample::select;

/// One edit of a source text.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Delete `len` bytes at `at` (positions are taken modulo the length).
    Delete { at: usize, len: usize },
    /// Insert a token at `at`.
    Insert { at: usize, tok: &'static str },
    /// Duplicate the `len` bytes at `at` `times` times.
    Repeat { at: usize, len: usize, times: usize },
    /// Replace one byte with a printable or odd byte.
    Flip { at: usize, byte: u8 },
    /// Swap two lines.
    SwapLines { a: usize, b: usize },
}

const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    ".",
    ";",
    "\n",
    "\n    ",
    "    ",
    "\t",
    "\\\n",
    "'",
    "\"",
    "'''",
    "#",
    "=",
    "==",
    "+",
    "**",
    "//",
    "<<",
    "->",
    "@",
    "*",
    "lambda",
    "def ",
    "class ",
    "if ",
    "else",
    "elif ",
    "while ",
    "for ",
    " in ",
    "try:",
    "except",
    "finally:",
    "with ",
    "return",
    "yield",
    "global x",
    "nonlocal x",
    "del ",
    "pass",
    "break",
    "continue",
    "import ",
    "from ",
    " as ",
    "async ",
    "await ",
    "not ",
    " and ",
    " or ",
    " is ",
    "None",
    "0x",
    "1e999",
    "9999999999999999999999",
    "0o8",
    "1_",
    "f'{",
    "}'",
    "b'",
    "r'\\",
    "\\N{",
    "\u{e9}",
    "\u{1f642}",
    "\u{0}",
    "\r",
    "\x0c",
    ":=",
    "...",
    "*args",
    "**kw",
    "=1",
    "x",
    "__class__",
    "super()",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = any::<usize>();
    prop_oneof![
        (at, 1..40usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (at, select(TOKENS)).prop_map(|(at, tok)| Mutation::Insert { at, tok }),
        (at, 1..8usize, 2..400usize).prop_map(|(at, len, times)| Mutation::Repeat {
            at,
            len,
            times
        }),
        (at, any::<u8>()).prop_map(|(at, byte)| Mutation::Flip { at, byte }),
        (at, any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
    ]
}

/// A seed index and a few mutations of it.
pub fn mutated(seeds: usize) -> impl Strategy<Value = (usize, Vec<Mutation>)> {
    (0..seeds, prop::collection::vec(mutation(), 1..6))
}

/// Apply mutations to `src` (byte edits that break a UTF-8 sequence are made lossy: the
/// compiler takes text).
pub fn apply(src: &str, muts: &[Mutation]) -> String {
    let mut b = src.as_bytes().to_vec();
    for m in muts {
        let n = b.len().max(1);
        match *m {
            Mutation::Delete { at, len } => {
                let at = at % n;
                let end = (at + len).min(b.len());
                if at < end {
                    b.drain(at..end);
                }
            }
            Mutation::Insert { at, tok } => {
                let at = at % (b.len() + 1);
                b.splice(at..at, tok.bytes());
            }
            Mutation::Repeat { at, len, times } => {
                let at = at % n;
                let end = (at + len).min(b.len());
                let piece = b[at.min(end)..end].to_vec();
                let rep: Vec<u8> = piece
                    .iter()
                    .copied()
                    .cycle()
                    .take(piece.len() * times)
                    .collect();
                b.splice(end..end, rep);
            }
            Mutation::Flip { at, byte } => {
                if !b.is_empty() {
                    let at = at % b.len();
                    b[at] = byte;
                }
            }
            Mutation::SwapLines { a, b: c } => {
                let s = String::from_utf8_lossy(&b).into_owned();
                let mut lines: Vec<&str> = s.split('\n').collect();
                let k = lines.len();
                lines.swap(a % k, c % k);
                b = lines.join("\n").into_bytes();
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}
