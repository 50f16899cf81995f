//! Argument signatures of builtin functions, builtin methods and type constructors: how many
//! positional arguments each takes, which parameters may be passed by keyword, and CPython's
//! wording for each kind of mistake (CPython words them four ways, depending on how the C
//! function parses its arguments: `METH_O`, `METH_NOARGS`, the "expected N arguments" tuple
//! unpackers, and Argument Clinic). [`Sig::bind`] checks a call against the signature before
//! the Rust implementation runs, so implementations may index the arguments they require, and
//! turns keywords that name positional parameters into positional arguments.

use std::sync::Arc;

use crate::vm::{PyResult, Vm};
use gc_vm_adapter::Ref;

/// Keyword arguments.
type Kw = Vec<(Arc<str>, Ref)>;

/// How CPython words an argument-count error.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `METH_O`: "len() takes exactly one argument (2 given)".
    One,
    /// `METH_NOARGS`: "list.copy() takes no arguments (1 given)".
    NoArgs,
    /// Tuple unpackers: "getattr expected at least 2 arguments, got 1" (the short name).
    Expected,
    /// Argument Clinic: "sum() takes at least 1 positional argument (0 given)", "round()
    /// missing required argument 'number' (pos 1)", "pow() takes at most 3 arguments (4
    /// given)" (the short name).
    Clinic,
    /// `str.find` and friends: "find() takes at least 1 argument (0 given)" (the short name).
    AtLeast,
    /// `map`: "map() must have at least two arguments."
    Map,
    /// `list.sort`: "sort() takes no positional arguments".
    NoPositional,
    /// `math.log`: "math.log requires 1 to 2 arguments".
    Requires,
}

/// A signature.
pub struct Sig {
    /// The qualified name ("list.append", "len"), for "takes no keyword arguments".
    pub name: &'static str,
    /// The short name ("append"), for the count errors of most styles.
    pub short: &'static str,
    /// The name in "'foo' is an invalid keyword argument for sort()" (`sorted` says `sort`).
    pub kwname: &'static str,
    /// Fewest positional arguments.
    pub min: usize,
    /// Most positional arguments (`usize::MAX`: any).
    pub max: usize,
    /// Names of the positional parameters, in order.
    pub params: &'static [&'static str],
    /// How many leading positional parameters are positional-only (cannot be keywords).
    pub pos_only: usize,
    /// Keyword-only parameters.
    pub kwonly: &'static [&'static str],
    /// Whether any keyword goes through unchecked (`dict(a=1)`, `str.format(x=1)`).
    pub any_kw: bool,
    /// The error wording.
    pub style: Style,
}

const fn sig(name: &'static str, short: &'static str, min: usize, max: usize, style: Style) -> Sig {
    Sig {
        name,
        short,
        kwname: short,
        min,
        max,
        params: &[],
        pos_only: usize::MAX,
        kwonly: &[],
        any_kw: false,
        style,
    }
}

const fn one(name: &'static str) -> Sig {
    sig(name, name, 1, 1, Style::One)
}

const fn noargs(name: &'static str) -> Sig {
    sig(name, name, 0, 0, Style::NoArgs)
}

const fn expected(name: &'static str, short: &'static str, min: usize, max: usize) -> Sig {
    sig(name, short, min, max, Style::Expected)
}

/// A Clinic signature whose parameters from `pos_only` on may be keywords.
const fn clinic(
    name: &'static str,
    short: &'static str,
    min: usize,
    params: &'static [&'static str],
    pos_only: usize,
) -> Sig {
    Sig {
        name,
        short,
        kwname: short,
        min,
        max: params.len(),
        params,
        pos_only,
        kwonly: &[],
        any_kw: false,
        style: Style::Clinic,
    }
}

const fn with_kwonly(mut s: Sig, kwonly: &'static [&'static str]) -> Sig {
    s.kwonly = kwonly;
    s
}

const fn with_kwname(mut s: Sig, kwname: &'static str) -> Sig {
    s.kwname = kwname;
    s
}

const fn with_any_kw(mut s: Sig) -> Sig {
    s.any_kw = true;
    s
}

const MANY: usize = usize::MAX;

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

impl Sig {
    /// Check `args` and `kw` against the signature: `TypeError` with CPython's message, else
    /// the positional arguments (keywords naming positional parameters moved into place, a gap
    /// before one filled with `None`) and the remaining (keyword-only) keywords.
    pub fn bind(&self, vm: &Vm, mut args: Vec<Ref>, kw: Kw) -> PyResult<(Vec<Ref>, Kw)> {
        let n_given = args.len();
        if !kw.is_empty() && !self.any_kw {
            let keywordable = self.pos_only < self.params.len() || !self.kwonly.is_empty();
            if !keywordable {
                return Err(vm.type_error(format!("{}() takes no keyword arguments", self.name)));
            }
        }
        if args.len() > self.max {
            return Err(self.too_many(vm, args.len()));
        }
        // Clinic counts all the arguments, then the positional-only ones, before it looks at
        // the keywords' names.
        if self.style == Style::Clinic && n_given + kw.len() > self.max {
            return Err(self.too_many(vm, n_given + kw.len()));
        }
        // Clinic counts the positional-only arguments before it looks at keywords.
        if self.style == Style::Clinic && n_given < self.min.min(self.pos_only) {
            return Err(self.too_few(vm, n_given, n_given));
        }
        if kw.is_empty() {
            // The common case: positional arguments only, no allocation.
            if n_given < self.min {
                return Err(self.too_few(vm, n_given, n_given));
            }
            return Ok((args, kw));
        }
        // The tuple unpackers count the positional arguments before the keywords.
        if self.style != Style::Clinic && n_given < self.min {
            return Err(self.too_few(vm, n_given, n_given));
        }
        let mut given = vec![true; n_given];
        let mut rest = Kw::new();
        for (k, v) in kw {
            match self.params.iter().position(|p| **p == *k) {
                Some(i) if i >= self.pos_only => {
                    if i < n_given {
                        return Err(vm.type_error(format!(
                            "argument for {}() given by name ('{k}') and position ({})",
                            self.short,
                            i + 1
                        )));
                    }
                    while args.len() <= i {
                        args.push(vm.rt.none());
                        given.push(false);
                    }
                    args[i] = v;
                    given[i] = true;
                }
                _ if self.any_kw || self.kwonly.contains(&&*k) => rest.push((k, v)),
                _ => {
                    return Err(vm.type_error(format!(
                        "'{k}' is an invalid keyword argument for {}()",
                        self.kwname
                    )))
                }
            }
        }
        if let Some(i) = (0..self.min).find(|&i| !given.get(i).copied().unwrap_or(false)) {
            return Err(self.too_few(vm, n_given, i));
        }
        Ok((args, rest))
    }

    fn too_many(&self, vm: &Vm, n: usize) -> crate::vm::PyErr {
        let (name, min, max) = (self.short, self.min, self.max);
        vm.type_error(match self.style {
            Style::One => format!("{}() takes exactly one argument ({n} given)", self.name),
            Style::NoArgs => format!("{}() takes no arguments ({n} given)", self.name),
            Style::Expected if min == max => {
                format!("{name} expected {max} argument{}, got {n}", plural(max))
            }
            Style::Expected => format!(
                "{name} expected at most {max} argument{}, got {n}",
                plural(max)
            ),
            Style::Clinic | Style::AtLeast | Style::Map => {
                format!(
                    "{name}() takes at most {max} argument{} ({n} given)",
                    plural(max)
                )
            }
            Style::NoPositional => format!("{name}() takes no positional arguments"),
            Style::Requires => format!("{} requires {min} to {max} arguments", self.name),
        })
    }

    fn too_few(&self, vm: &Vm, n: usize, missing: usize) -> crate::vm::PyErr {
        let (name, min, max) = (self.short, self.min, self.max);
        vm.type_error(match self.style {
            Style::One => format!("{}() takes exactly one argument ({n} given)", self.name),
            Style::NoArgs => format!("{}() takes no arguments ({n} given)", self.name),
            Style::Expected if min == max => {
                format!("{name} expected {min} argument{}, got {n}", plural(min))
            }
            Style::Expected => {
                format!(
                    "{name} expected at least {min} argument{}, got {n}",
                    plural(min)
                )
            }
            Style::Clinic if missing < self.pos_only => format!(
                "{name}() takes {} {min} positional argument{} ({n} given)",
                if min == max { "exactly" } else { "at least" },
                plural(min)
            ),
            // `enumerate` words it without the position.
            Style::Clinic if self.name == "enumerate" => format!(
                "enumerate() missing required argument '{}'",
                self.params.get(missing).copied().unwrap_or("?")
            ),
            Style::Clinic => format!(
                "{name}() missing required argument '{}' (pos {})",
                self.params.get(missing).copied().unwrap_or("?"),
                missing + 1
            ),
            Style::AtLeast => {
                format!(
                    "{name}() takes at least {min} argument{} ({n} given)",
                    plural(min)
                )
            }
            Style::Map => "map() must have at least two arguments.".to_string(),
            Style::NoPositional => format!("{name}() takes no positional arguments"),
            Style::Requires => format!("{} requires {min} to {max} arguments", self.name),
        })
    }
}

/// The signature of the function `name` of the built-in module `module`.
pub fn module_fn(module: &str, name: &str) -> Option<&'static Sig> {
    static FNS: [Sig; 21] = [
        one("math.sqrt"),
        one("math.floor"),
        one("math.ceil"),
        one("math.trunc"),
        one("math.exp"),
        one("math.fabs"),
        one("math.isnan"),
        one("math.isinf"),
        one("math.isfinite"),
        sig("math.log", "log", 1, 2, Style::Requires),
        one("time.sleep"),
        noargs("time.time"),
        noargs("time.perf_counter"),
        noargs("time.perf_counter_ns"),
        noargs("time.monotonic"),
        noargs("sys.getrecursionlimit"),
        one("sys.setrecursionlimit"),
        noargs("sys.get_int_max_str_digits"),
        clinic(
            "sys.set_int_max_str_digits",
            "set_int_max_str_digits",
            1,
            &["maxdigits"],
            0,
        ),
        expected("sys.exit", "exit", 0, 1),
        noargs("sys._pyrt_panic"),
    ];
    FNS.iter().find(|s| {
        s.name
            .strip_prefix(module)
            .and_then(|r| r.strip_prefix('.'))
            == Some(name)
    })
}

/// The signature of the builtin function `name`.
pub fn builtin(name: &str) -> Option<&'static Sig> {
    static ONE: [Sig; 12] = [
        one("len"),
        one("repr"),
        one("abs"),
        one("id"),
        one("hash"),
        one("callable"),
        one("chr"),
        one("ord"),
        one("hex"),
        one("bin"),
        one("all"),
        one("any"),
    ];
    static OTHER: [Sig; 21] = [
        with_kwonly(
            sig("print", "print", 0, MANY, Style::Expected),
            &["sep", "end", "file", "flush"],
        ),
        expected("isinstance", "isinstance", 2, 2),
        expected("issubclass", "issubclass", 2, 2),
        expected("hasattr", "hasattr", 2, 2),
        expected("delattr", "delattr", 2, 2),
        expected("setattr", "setattr", 3, 3),
        expected("divmod", "divmod", 2, 2),
        expected("filter", "filter", 2, 2),
        expected("reversed", "reversed", 1, 1),
        expected("iter", "iter", 1, 2),
        expected("next", "next", 1, 2),
        expected("getattr", "getattr", 2, 3),
        expected("format", "format", 1, 2),
        with_kwonly(
            with_kwname(expected("sorted", "sorted", 1, 1), "sort"),
            &["key", "reverse"],
        ),
        with_kwonly(expected("min", "min", 1, MANY), &["key", "default"]),
        with_kwonly(expected("max", "max", 1, MANY), &["key", "default"]),
        clinic("sum", "sum", 1, &["iterable", "start"], 1),
        clinic("round", "round", 1, &["number", "ndigits"], 0),
        clinic("pow", "pow", 2, &["base", "exp", "mod"], 0),
        with_kwonly(sig("zip", "zip", 0, MANY, Style::Expected), &["strict"]),
        sig("map", "map", 2, MANY, Style::Map),
    ];
    static ENUMERATE: Sig = clinic("enumerate", "enumerate", 1, &["iterable", "start"], 0);
    if name == "enumerate" {
        return Some(&ENUMERATE);
    }
    ONE.iter().chain(OTHER.iter()).find(|s| s.name == name)
}

/// The signature of a builtin type's constructor (`range`, `dict`, `object` and `type` check
/// their own arguments).
pub fn constructor(t: super::TypeTag) -> Option<&'static Sig> {
    use super::TypeTag as T;
    static INT: Sig = clinic("int", "int", 0, &["x", "base"], 1);
    static FLOAT: Sig = expected("float", "float", 0, 1);
    static STR: Sig = clinic("str", "str", 0, &["object", "encoding", "errors"], 0);
    static BOOL: Sig = expected("bool", "bool", 0, 1);
    static LIST: Sig = expected("list", "list", 0, 1);
    static TUPLE: Sig = expected("tuple", "tuple", 0, 1);
    static DICT: Sig = with_any_kw(expected("dict", "dict", 0, 1));
    Some(match t {
        T::Int => &INT,
        T::Float => &FLOAT,
        T::Str => &STR,
        T::Bool => &BOOL,
        T::List => &LIST,
        T::Tuple => &TUPLE,
        T::Dict => &DICT,
        _ => return None,
    })
}

/// The signature of the method `name` of a `dict` / `list` / `tuple` / `str` / `int` / `float`
/// (`type_name`; a bool's methods are its int's), not counting `self`.
pub fn method(type_name: &str, name: &str) -> Option<&'static Sig> {
    static LIST: [Sig; 11] = [
        one("list.append"),
        one("list.extend"),
        expected("list.pop", "pop", 0, 1),
        expected("list.insert", "insert", 2, 2),
        expected("list.index", "index", 1, 3),
        one("list.count"),
        noargs("list.clear"),
        noargs("list.copy"),
        one("list.remove"),
        noargs("list.reverse"),
        with_kwonly(
            sig("list.sort", "sort", 0, 0, Style::NoPositional),
            &["key", "reverse"],
        ),
    ];
    static TUPLE: [Sig; 2] = [expected("tuple.index", "index", 1, 3), one("tuple.count")];
    static STR: [Sig; 24] = [
        one("str.join"),
        clinic("str.split", "split", 0, &["sep", "maxsplit"], 0),
        noargs("str.upper"),
        noargs("str.lower"),
        expected("str.strip", "strip", 0, 1),
        expected("str.lstrip", "lstrip", 0, 1),
        expected("str.rstrip", "rstrip", 0, 1),
        sig("str.startswith", "startswith", 1, 3, Style::AtLeast),
        sig("str.endswith", "endswith", 1, 3, Style::AtLeast),
        expected("str.replace", "replace", 2, 3),
        sig("str.find", "find", 1, 3, Style::AtLeast),
        sig("str.rfind", "rfind", 1, 3, Style::AtLeast),
        sig("str.index", "index", 1, 3, Style::AtLeast),
        sig("str.rindex", "rindex", 1, 3, Style::AtLeast),
        sig("str.count", "count", 1, 3, Style::AtLeast),
        noargs("str.isdigit"),
        noargs("str.isalpha"),
        noargs("str.isspace"),
        one("str.zfill"),
        expected("str.ljust", "ljust", 1, 2),
        expected("str.rjust", "rjust", 1, 2),
        expected("str.center", "center", 1, 2),
        clinic("str.splitlines", "splitlines", 0, &["keepends"], 0),
        noargs("str.title"),
    ];
    static FORMAT: Sig = with_any_kw(sig("str.format", "format", 0, MANY, Style::Expected));
    static INT: [Sig; 2] = [noargs("int.bit_length"), noargs("int.conjugate")];
    static FLOAT: [Sig; 2] = [noargs("float.is_integer"), noargs("float.conjugate")];
    static DICT: [Sig; 9] = [
        expected("dict.get", "get", 1, 2),
        noargs("dict.keys"),
        noargs("dict.values"),
        noargs("dict.items"),
        expected("dict.pop", "pop", 1, 2),
        expected("dict.setdefault", "setdefault", 1, 2),
        with_any_kw(expected("dict.update", "update", 0, 1)),
        noargs("dict.clear"),
        noargs("dict.copy"),
    ];
    let table: &'static [Sig] = match type_name {
        "dict" => &DICT,
        "list" => &LIST,
        "tuple" => &TUPLE,
        "str" if name == "format" => return Some(&FORMAT),
        "str" => &STR,
        "int" => &INT,
        "float" => &FLOAT,
        _ => return None,
    };
    table.iter().find(|s| {
        s.name
            .strip_prefix(type_name)
            .and_then(|r| r.strip_prefix('.'))
            == Some(name)
    })
}
