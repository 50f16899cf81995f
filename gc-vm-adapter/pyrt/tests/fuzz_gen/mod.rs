//! Generators for `fuzz_programs.rs`: random Python programs from a small grammar, and
//! mutations of existing sources.
//!
//! Programs are strings built from strategies of statements and expressions, so proptest can
//! shrink a failing program by shrinking its parts. Every program terminates quickly: loops
//! are `for .. in range(<= 4)` or `while` with a counter incremented first, every generated
//! function and method starts by spending one unit of a global call budget (so recursion,
//! mutual recursion and finalizers that create garbage stop), ranges that are iterated have
//! small bounds, and `**` only has small exponents (or a huge one on a base whose power CPython
//! computes at once). A program may still raise anything; that is fine.

use proptest::prelude::*;
use proptest::sample::select;

pub mod mutate;

type S = BoxedStrategy<String>;

/// Integer literals at the edges: zero, signs, the i64 / u64 boundaries, big ints.
#[rustfmt::skip]
const INTS: &[&str] = &[
    "0", "1", "(-1)", "2", "3", "7", "255", "(-256)", "(2**63 - 1)", "(2**63)", "(-2**63)",
    "(2**64)", "(10**20)", "(-10**30)", "(2**200)", "0x7fffffff", "True", "False",
];

const FLOATS: &[&str] = &[
    "0.0",
    "(-0.0)",
    "1.5",
    "1e308",
    "(-1e308)",
    "float('inf')",
    "float('-inf')",
    "float('nan')",
    "1e-320",
    "3.0",
    "(2.0**63)",
];

#[rustfmt::skip]
const STRS: &[&str] = &[
    "''", "'a'", "'abc'", "'\\u00e9t\\u00e9'", "'\\U0001f642'", "'1'", "' 12 '", "'-7'", "'nan'",
    "'inf'", "'{}'", "'{0}{1}'", "'{:>10}'", "'%s'", "'a\\nb'", "'x' * 3",
];

/// Exponents that keep `x ** e` small for any `x` a program can build.
const SMALL_EXPS: &[&str] = &["(-2)", "(-1)", "0", "1", "2", "3", "0.5", "(-0.5)"];

/// Bases whose power by a huge exponent CPython computes at once (or rejects).
const FLAT_BASES: &[&str] = &[
    "0", "1", "(-1)", "0.0", "1.0", "(-1.0)", "2.0", "0.5", "True",
];
const HUGE_EXPS: &[&str] = &["(2**63)", "(10**20)", "(-2**63)", "(2**64 + 1)"];

const SHIFTS: &[&str] = &[
    "0", "1", "3", "63", "64", "100", "(-1)", "(2**63)", "(10**20)", "(-2**64)",
];

/// Odd indices and slice bounds.
const INDICES: &[&str] = &[
    "0", "1", "(-1)", "2", "(-3)", "(2**63)", "(-2**63)", "(10**20)", "True", "None", "1.5", "'x'",
];

/// Small range arguments (a zero step is a `ValueError`).
const RANGE_ARGS: &[&str] = &["0", "1", "2", "3", "(-2)", "(-1)", "4"];

const BINOPS: &[&str] = &["+", "-", "*", "/", "//", "%", "&", "|", "^", "@"];
const CMPOPS: &[&str] = &[
    "<", "<=", "==", "!=", ">", ">=", "is", "is not", "in", "not in",
];

/// Builtins called with 0 to 3 arbitrary arguments (wrong counts and types included).
#[rustfmt::skip]
const BUILTINS: &[&str] = &[
    "print", "len", "repr", "str", "int", "float", "bool", "list", "tuple", "dict", "abs",
    "isinstance", "issubclass", "sorted", "sum", "min", "max", "all", "any", "enumerate", "zip",
    "reversed", "iter", "next", "hasattr", "getattr", "setattr", "delattr", "id", "hash",
    "callable", "chr", "ord", "round", "divmod", "pow", "format", "hex", "bin", "map", "filter",
    "type", "object", "math.sqrt", "math.floor", "math.ceil", "math.log", "math.isnan",
    "math.isinf", "math.fabs", "gc.is_tracked", "gc.get_count", "gc.get_threshold",
    "gc.set_threshold", "gc.collect", "gc.get_stats", "weakref.ref", "sys.getrecursionlimit",
    "threading.get_ident", "threading.active_count", "threading.Lock", "Exception", "ValueError",
    "KeyError",
];

const KWARGS: &[&str] = &[
    "key", "reverse", "default", "start", "sep", "end", "target", "args", "x",
];

/// Methods called on arbitrary receivers with 0 to 2 arguments.
#[rustfmt::skip]
const METHODS: &[&str] = &[
    "append", "extend", "pop", "insert", "index", "count", "clear", "copy", "remove", "reverse",
    "sort", "get", "keys", "values", "items", "setdefault", "update", "join", "split", "upper",
    "lower", "strip", "startswith", "endswith", "replace", "find", "rfind", "rindex", "isdigit",
    "zfill", "ljust", "rjust", "center", "format", "splitlines", "title", "bit_length",
    "is_integer", "real", "acquire", "release", "locked", "__eq__", "__hash__", "__repr__",
    "__add__", "__lt__", "__len__", "__class__",
];

const LIST_METHODS: &[&str] = &[
    "append", "extend", "pop", "insert", "index", "count", "clear", "copy", "remove", "reverse",
    "sort",
];
const DICT_METHODS: &[&str] = &[
    "get",
    "keys",
    "values",
    "items",
    "pop",
    "setdefault",
    "update",
    "clear",
    "copy",
];
#[rustfmt::skip]
const STR_METHODS: &[&str] = &[
    "join", "split", "upper", "lower", "strip", "lstrip", "rstrip", "startswith", "endswith",
    "replace", "find", "rfind", "index", "rindex", "count", "isdigit", "isalpha", "isspace",
    "zfill", "ljust", "rjust", "center", "format", "splitlines", "title",
];

const ATTRS: &[&str] = &[
    "v",
    "real",
    "__class__",
    "__name__",
    "__dict__",
    "args",
    "start",
    "stop",
    "step",
    "x",
];

/// Dunder methods a generated class may define (`__init__` is always there).
#[rustfmt::skip]
const DUNDERS: &[&str] = &[
    "__eq__", "__ne__", "__hash__", "__repr__", "__str__", "__del__", "__lt__", "__le__", "__gt__",
    "__ge__", "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
    "__floordiv__", "__mod__", "__pow__", "__lshift__", "__and__", "__neg__", "__bool__",
    "__len__", "__getitem__", "__setitem__", "__delitem__", "__contains__", "__call__", "__iter__",
    "__index__", "__getattr__", "__enter__", "__exit__",
];

const CLASS_BASES: &[&str] = &[
    "",
    "object",
    "Exception",
    "ValueError",
    "C0",
    "C1",
    "list",
    "dict",
    "int",
];

/// Global variables every program starts with (the prelude binds them).
const GLOBALS: &[&str] = &["v0", "v1", "v2", "v3", "v4"];

/// What the prelude defines: the variables, the call budget and a self-referential list and
/// dict.
const PRELUDE: &str = "\
import gc, weakref, threading, sys, math
_budget = 400
v0 = [1, 'a', None]
v1 = {'k': 1, 2: [3]}
v2 = (1, 2.5, 'x')
v3 = 'hello'
v4 = 10**20
L = [0]
L.append(L)
D = {}
D['self'] = D
def f0(n=0, x=None, *args):
    return x
f1 = f2 = f0
class C0:
    def __init__(self, v=None, *args):
        self.v = v
C1 = C2 = C0
";

fn pick(xs: &'static [&'static str]) -> S {
    select(xs).prop_map(String::from).boxed()
}

/// The names an expression may read in a context.
#[derive(Clone, Copy)]
pub enum Ctx {
    /// Module level.
    Top,
    /// A function `f(n, x)`.
    Func,
    /// A method `m(self, o, *args)`.
    Method,
}

fn leaf(ctx: Ctx) -> S {
    let mut names: Vec<&'static str> = GLOBALS.to_vec();
    names.extend(["L", "D", "i", "None", "[]", "{}", "()"]);
    match ctx {
        Ctx::Top => {}
        Ctx::Func => names.extend(["n", "x", "n", "x"]),
        Ctx::Method => names.extend(["self", "o", "self.v", "args", "self", "o"]),
    }
    prop_oneof![
        3 => pick(INTS),
        1 => pick(FLOATS),
        2 => pick(STRS),
        4 => select(names).prop_map(String::from),
        1 => (0..3usize, pick(INTS)).prop_map(|(k, a)| format!("C{k}({a})")),
        1 => (0..3usize).prop_map(|k| format!("f{k}")),
        1 => Just("(lambda *a: a)".to_string()),
    ]
    .boxed()
}

/// An expression of bounded size.
pub fn expr(ctx: Ctx) -> S {
    leaf(ctx)
        .prop_recursive(4, 40, 4, move |e| {
            let args = prop::collection::vec(e.clone(), 0..4);
            prop_oneof![
                3 => (e.clone(), pick(BINOPS), e.clone())
                    .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
                1 => (e.clone(), pick(SMALL_EXPS)).prop_map(|(a, x)| format!("({a} ** {x})")),
                1 => (pick(FLAT_BASES), pick(HUGE_EXPS)).prop_map(|(a, x)| format!("({a} ** {x})")),
                1 => (e.clone(), e.clone(), e.clone())
                    .prop_map(|(a, b, m)| format!("pow({a}, {b}, {m})")),
                1 => (e.clone(), prop::bool::ANY, pick(SHIFTS))
                    .prop_map(|(a, l, s)| format!("({a} {} {s})", if l { "<<" } else { ">>" })),
                1 => (select(&["-", "+", "~", "not "][..]), e.clone())
                    .prop_map(|(op, a)| format!("({op}{a})")),
                2 => (e.clone(), pick(CMPOPS), e.clone())
                    .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
                1 => (e.clone(), e.clone(), e.clone())
                    .prop_map(|(a, b, c)| format!("({a} < {b} <= {c})")),
                1 => (e.clone(), prop::bool::ANY, e.clone()).prop_map(|(a, and, b)| {
                    format!("({a} {} {b})", if and { "and" } else { "or" })
                }),
                1 => (e.clone(), e.clone(), e.clone())
                    .prop_map(|(a, c, b)| format!("({a} if {c} else {b})")),
                2 => args.clone().prop_map(|xs| format!("[{}]", xs.join(", "))),
                1 => args.clone().prop_map(|xs| if xs.is_empty() {
                    "()".to_string()
                } else {
                    format!("({},)", xs.join(", "))
                }),
                1 => prop::collection::vec((e.clone(), e.clone()), 0..3).prop_map(|kv| {
                    let items: Vec<String> = kv.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                    format!("{{{}}}", items.join(", "))
                }),
                2 => (e.clone(), prop_oneof![pick(INDICES), e.clone()])
                    .prop_map(|(a, i)| format!("{a}[{i}]")),
                1 => (e.clone(), pick(INDICES), pick(INDICES), pick(INDICES), 0..3usize)
                    .prop_map(|(a, b, c, d, k)| match k {
                        0 => format!("{a}[{b}:{c}]"),
                        1 => format!("{a}[{b}:{c}:{d}]"),
                        _ => format!("{a}[::{d}]"),
                    }),
                4 => (pick(BUILTINS), args.clone(), prop::option::of((pick(KWARGS), e.clone())))
                    .prop_map(|(f, xs, kw)| call(&f, &xs, kw)),
                3 => (e.clone(), pick(METHODS), prop::collection::vec(e.clone(), 0..3))
                    .prop_map(|(a, m, xs)| format!("({a}).{m}({})", xs.join(", "))),
                // Methods on receivers of their own type, so more calls get past the type check.
                6 => (0..4usize, prop::collection::vec(e.clone(), 0..3), pick(INTS), pick(STRS))
                    .prop_flat_map(|(k, xs, n, st)| {
                        let (recv, ms): (String, &'static [&'static str]) = match k {
                            0 => (format!("[{n}, {st}, 3]"), LIST_METHODS),
                            1 => (format!("{{{n}: {st}, 'k': 2}}"), DICT_METHODS),
                            2 => (st, STR_METHODS),
                            _ => (["v0", "v1", "v3", "L", "D"][n.len() % 5].to_string(), METHODS),
                        };
                        select(ms).prop_map(move |m| format!("({recv}).{m}({})", xs.join(", ")))
                    }),
                1 => (e.clone(), pick(ATTRS)).prop_map(|(a, at)| format!("({a}).{at}")),
                1 => (0..3usize, args.clone()).prop_map(|(k, xs)| call(&format!("f{k}"), &xs, None)),
                1 => (0..3usize, args.clone()).prop_map(|(k, xs)| call(&format!("C{k}"), &xs, None)),
                1 => (pick(RANGE_ARGS), pick(RANGE_ARGS), pick(RANGE_ARGS), 1..4usize)
                    .prop_map(|(a, b, c, n)| match n {
                        1 => format!("range({a})"),
                        2 => format!("range({a}, {b})"),
                        _ => format!("range({a}, {b}, {c})"),
                    }),
                1 => (select(&["len(range(10**20))", "range(2**64)[5]", "range(10**20)[-1]",
                    "range(0, 10**20, 3)[10**19]", "range(-2**63, 2**63)[::2**62]",
                    "(10**20 in range(0, 10**21, 7))", "range(3)[::-1]"][..]))
                    .prop_map(String::from),
                1 => (e.clone(), pick(RANGE_ARGS), prop::bool::ANY).prop_map(|(a, n, list)| {
                    if list {
                        format!("[{a} for i in range({n})]")
                    } else {
                        format!("{{i: {a} for i in range({n})}}")
                    }
                }),
                1 => e.clone().prop_map(|a| format!("(lambda i=0: {a})")),
                1 => (e.clone(), pick(STRS)).prop_map(|(a, s)| format!("({s}).format({a})")),
                // A leaf only: the f-string is in double quotes, its operand has single ones.
                1 => (leaf(ctx), select(&["", "!r", ":>8", ":.3", ":x", ":+,", ":08.2f", ":b"][..]))
                    .prop_map(|(a, f)| format!("f\"{{({a}){f}}}\"")),
                1 => (1..5usize, e.clone()).prop_map(|(n, a)| format!(
                    "{}{a}{}", "[".repeat(n * 15), "]".repeat(n * 15))),
            ]
        })
        .boxed()
}

fn call(f: &str, args: &[String], kw: Option<(String, String)>) -> String {
    let mut parts = args.to_vec();
    if let Some((k, v)) = kw {
        parts.push(format!("{k}={v}"));
    }
    format!("{f}({})", parts.join(", "))
}

/// Indent a block by one level.
fn indent(block: &str) -> String {
    block
        .lines()
        .map(|l| format!("    {l}\n"))
        .collect::<String>()
}

fn block(stmts: Vec<String>) -> String {
    if stmts.is_empty() {
        indent("pass")
    } else {
        indent(&stmts.concat())
    }
}

/// An assignment target for a context.
fn target(ctx: Ctx) -> S {
    let mut names: Vec<&'static str> = GLOBALS.to_vec();
    match ctx {
        Ctx::Top => {}
        Ctx::Func => names.extend(["n", "x", "r"]),
        Ctx::Method => names.extend(["self.v", "o", "r"]),
    }
    select(names).prop_map(String::from).boxed()
}

/// A simple (one-line) statement.
fn simple(ctx: Ctx, in_loop: bool) -> S {
    let ex = expr(ctx);
    let e = || ex.clone();
    let mut s: Vec<(u32, S)> = vec![
        (
            4,
            (target(ctx), e())
                .prop_map(|(t, v)| format!("{t} = {v}\n"))
                .boxed(),
        ),
        (
            1,
            (target(ctx), pick(BINOPS), e())
                .prop_map(|(t, op, v)| format!("{t} {op}= {v}\n"))
                .boxed(),
        ),
        (
            2,
            (target(ctx), prop_oneof![pick(INDICES), e()], e())
                .prop_map(|(t, i, v)| format!("{t}[{i}] = {v}\n"))
                .boxed(),
        ),
        (
            1,
            (target(ctx), pick(INDICES), pick(INDICES), e())
                .prop_map(|(t, a, b, v)| format!("{t}[{a}:{b}] = {v}\n"))
                .boxed(),
        ),
        (
            1,
            (target(ctx), pick(ATTRS), e())
                .prop_map(|(t, a, v)| format!("{t}.{a} = {v}\n"))
                .boxed(),
        ),
        (
            1,
            (target(ctx), prop_oneof![pick(INDICES), e()])
                .prop_map(|(t, i)| format!("del {t}[{i}]\n"))
                .boxed(),
        ),
        (
            1,
            (target(ctx), pick(INDICES), pick(INDICES))
                .prop_map(|(t, a, b)| format!("del {t}[{a}:{b}]\n"))
                .boxed(),
        ),
        (1, target(ctx).prop_map(|t| format!("del {t}\n")).boxed()),
        (3, e().prop_map(|v| format!("print({v})\n")).boxed()),
        (2, e().prop_map(|v| format!("{v}\n")).boxed()),
        (1, Just("gc.collect()\n".to_string()).boxed()),
        (
            1,
            (target(ctx), e())
                .prop_map(|(t, v)| {
                    format!("{t} = weakref.ref({v}, lambda w: print('cb', w() is None))\n")
                })
                .boxed(),
        ),
        (
            1,
            target(ctx)
                .prop_map(|t| format!("print({t}() if callable({t}) else {t})\n"))
                .boxed(),
        ),
        (
            1,
            target(ctx)
                .prop_map(|t| format!("{t}.append({t})\n"))
                .boxed(),
        ),
        (
            1,
            (target(ctx), e())
                .prop_map(|(t, v)| format!("{t} = [{v}]\n{t}[0] = {t}\n"))
                .boxed(),
        ),
        (
            1,
            (
                select(
                    &[
                        "ValueError",
                        "TypeError",
                        "KeyError",
                        "Exception",
                        "C0",
                        "RuntimeError",
                    ][..],
                ),
                e(),
            )
                .prop_map(|(x, v)| format!("raise {x}({v})\n"))
                .boxed(),
        ),
        (1, e().prop_map(|v| format!("raise {v}\n")).boxed()),
        (
            1,
            (e(), e())
                .prop_map(|(c, m)| format!("assert {c}, {m}\n"))
                .boxed(),
        ),
        (
            1,
            (target(ctx), 1..3000usize)
                .prop_map(|(t, n)| format!("{t} = []\nfor _ in range({n}):\n    {t} = [{t}]\n"))
                .boxed(),
        ),
        (
            1,
            (target(ctx), e())
                .prop_map(|(t, v)| {
                    format!("{t} = {v}\nprint(repr({t})[:50], str({t})[:50], {t} == {t})\n")
                })
                .boxed(),
        ),
        (
            1,
            (target(ctx), e(), e())
                .prop_map(|(t, k, v)| {
                    format!("{t} = {{}}\n{t}[{k}] = {v}\nprint(len({t}), {k} in {t}, list({t}))\n")
                })
                .boxed(),
        ),
    ];
    if in_loop {
        s.push((
            1,
            select(&["break\n", "continue\n"][..])
                .prop_map(String::from)
                .boxed(),
        ));
    }
    if !matches!(ctx, Ctx::Top) {
        s.push((1, e().prop_map(|v| format!("return {v}\n")).boxed()));
        s.push((1, Just("global v0\nv0 = r = None\n".to_string()).boxed()));
    }
    prop::strategy::Union::new_weighted(s).boxed()
}

/// `s` inside a `try` that ignores any `Exception`.
fn guarded(s: &str) -> String {
    format!("try:\n{}except Exception:\n    pass\n", indent(s))
}

/// A statement, compound statements nested at most `depth` deep.
pub fn stmt(ctx: Ctx, depth: u32, in_loop: bool) -> S {
    if depth == 0 {
        return simple(ctx, in_loop);
    }
    let (inner_loop, inner_same) = (stmt(ctx, depth - 1, true), stmt(ctx, depth - 1, in_loop));
    let body = move |l: bool| {
        prop::collection::vec(
            (
                if l {
                    inner_loop.clone()
                } else {
                    inner_same.clone()
                },
                prop::bool::weighted(0.3),
            )
                .prop_map(|(s, wrap)| if wrap { guarded(&s) } else { s }),
            1..4,
        )
    };
    let ex = expr(ctx);
    let e = move || ex.clone();
    prop_oneof![
        6 => simple(ctx, in_loop),
        1 => (e(), body(in_loop), prop::option::of(body(in_loop))).prop_map(|(c, a, b)| {
            let mut s = format!("if {c}:\n{}", block(a));
            if let Some(b) = b {
                s += &format!("else:\n{}", block(b));
            }
            s
        }),
        1 => (pick(RANGE_ARGS), body(true)).prop_map(|(n, b)| format!(
            "for i in range({n}):\n{}", block(b))),
        1 => (e(), body(true)).prop_map(|(it, b)| format!(
            "for i in list({it})[:4]:\n{}", block(b))),
        // One counter per nesting depth, so an inner loop never resets an outer one.
        1 => (0..5u32, body(true)).prop_map(move |(n, b)| format!(
            "_w{depth} = 0\nwhile _w{depth} < {n}:\n    _w{depth} += 1\n{}", block(b))),
        2 => (body(in_loop), prop::option::of(
                select(&["Exception", "ValueError", "TypeError", "(KeyError, IndexError)",
                         "BaseException", "C0", "RecursionError"][..])),
              prop::option::of(body(in_loop)), prop::option::of(body(in_loop)))
            .prop_map(|(t, x, h, f)| {
                let mut s = format!("try:\n{}", block(t));
                match (x, &f) {
                    (Some(x), _) => s += &format!(
                        "except {x} as e:\n    print('caught', type(e).__name__)\n{}",
                        block(h.unwrap_or_default())),
                    (None, None) => s += "except:\n    pass\n",
                    (None, Some(_)) => {}
                }
                if let Some(f) = f {
                    s += &format!("finally:\n{}", block(f));
                }
                s
            }),
        1 => body(in_loop).prop_map(|b| format!("with threading.Lock():\n{}", block(b))),
    ]
    .boxed()
}

/// `def fK(n, x=..)`: a budget check, a body, a bounded self-call.
fn function() -> S {
    let st = (stmt(Ctx::Func, 2, false), prop::bool::weighted(0.5)).prop_map(|(s, wrap)| {
        if wrap {
            guarded(&s)
        } else {
            s
        }
    });
    (
        0..3usize,
        expr(Ctx::Top),
        prop::collection::vec(st, 0..5),
        expr(Ctx::Func),
    )
        .prop_map(|(k, dflt, body, ret)| {
            format!(
                "def f{k}(n=0, x={dflt}, *args):\n    global _budget\n    _budget -= 1\n    \
                 if _budget < 0:\n        raise RuntimeError('budget')\n    r = None\n    \
                 if isinstance(n, int) and 0 < n < 5:\n        r = f{k}(n - 1, x)\n{}    \
                 return {ret}\n",
                indent(&body.concat())
            )
        })
        .boxed()
}

/// `class CK(base)` with a random set of dunder methods, each `return <expr>` after the budget
/// check (or a short body).
fn class() -> S {
    let method = (
        pick(DUNDERS),
        prop::collection::vec(stmt(Ctx::Method, 1, false), 0..2),
        expr(Ctx::Method),
    )
        .prop_map(|(name, body, ret)| {
            format!(
                "def {name}(self, o=None, *args):\n    global _budget\n    _budget -= 1\n    \
                 if _budget < 0:\n        raise RuntimeError('budget')\n    r = None\n{}    \
                 return {ret}\n",
                indent(&body.concat())
            )
        });
    (
        0..3usize,
        pick(CLASS_BASES),
        prop::collection::vec(method, 0..5),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(k, base, methods, nohash)| {
            let mut s = format!(
                "class C{k}({base}):\n    def __init__(self, v=None, *args):\n        self.v = v\n"
            );
            for m in methods {
                s += &indent(&m);
            }
            if nohash {
                s += "    __hash__ = None\n";
            }
            s
        })
        .boxed()
}

/// A few threads running a generated function or expression, all joined.
fn threads() -> S {
    (0..3usize, 1..4usize, expr(Ctx::Top), prop::bool::ANY)
        .prop_map(|(k, n, a, lam)| {
            let target = if lam {
                format!("lambda *a: {a}")
            } else {
                format!("f{k}")
            };
            format!(
                "_ts = [threading.Thread(target={target}, args=(2, {a})) for _ in range({n})]\n\
                 for _t in _ts:\n    _t.start()\nfor _t in _ts:\n    _t.join()\n"
            )
        })
        .boxed()
}

/// A top-level item, sometimes inside its own `try` so later items still run.
fn item() -> S {
    prop_oneof![
        2 => function(),
        2 => class(),
        1 => threads(),
        6 => stmt(Ctx::Top, 3, false),
    ]
    .prop_flat_map(|s| {
        prop::bool::weighted(0.9).prop_map(move |wrap| {
            if wrap {
                format!(
                    "try:\n{}except Exception as _e:\n    print('exc', type(_e).__name__)\n",
                    indent(&s)
                )
            } else {
                s.clone()
            }
        })
    })
    .boxed()
}

/// A whole program: the prelude, then 1 to 12 items, then a collection.
pub fn program() -> impl Strategy<Value = String> {
    prop::collection::vec(item(), 1..12)
        .prop_map(|items| format!("{PRELUDE}{}gc.collect()\nprint('end')\n", items.concat()))
}
