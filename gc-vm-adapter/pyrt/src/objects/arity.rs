//! Fewest arguments of the builtins and builtin methods whose implementations index their
//! arguments, checked before the call: too few is CPython's `TypeError` (its message for each),
//! never an out-of-bounds panic. Found by the fuzz test (`tests/fuzz_programs.rs`).
//!
//! Only the lower bound is checked here; a builtin may check more (types, an upper bound).

use gc_vm_adapter::{Kind, Ref};

use crate::vm::{PyResult, Vm};

/// How CPython words "too few arguments" for one function.
#[derive(Clone, Copy)]
enum Msg {
    /// `repr() takes exactly one argument (0 given)` (with the qualified name).
    One(&'static str),
    /// `divmod expected 2 arguments, got 1`.
    Expected(&'static str),
    /// `getattr expected at least 2 arguments, got 1`.
    AtLeast(&'static str),
    /// `find() takes at least 1 argument (0 given)`.
    TakesAtLeast(&'static str),
    /// A fixed message.
    Fixed(&'static str),
}

/// The minimum argument count (without the bound `self`) and message for a builtin named
/// `name`, bound to an object of kind `this` if any.
fn minimum(name: &str, this: Option<Kind>) -> Option<(usize, Msg)> {
    use Msg::*;
    Some(match (this, name) {
        (None, "repr") => (1, One("repr")),
        (None, "id") => (1, One("id")),
        (None, "hash") => (1, One("hash")),
        (None, "callable") => (1, One("callable")),
        (None, "chr") => (1, One("chr")),
        (None, "ord") => (1, One("ord")),
        (None, "hex") => (1, One("hex")),
        (None, "bin") => (1, One("bin")),
        (None, "all") => (1, One("all")),
        (None, "any") => (1, One("any")),
        (None, "is_tracked") => (1, One("gc.is_tracked")),
        (None, "issubclass") => (2, Expected("issubclass")),
        (None, "reversed") => (1, Expected("reversed")),
        (None, "hasattr") => (2, Expected("hasattr")),
        (None, "setattr") => (3, Expected("setattr")),
        (None, "delattr") => (2, Expected("delattr")),
        (None, "divmod") => (2, Expected("divmod")),
        (None, "filter") => (2, Expected("filter")),
        (None, "iter") => (1, AtLeast("iter")),
        (None, "next") => (1, AtLeast("next")),
        (None, "format") => (1, AtLeast("format")),
        (None, "map") => (2, Fixed("map() must have at least two arguments.")),
        (None, "enumerate") => (1, Fixed("enumerate() missing required argument 'iterable'")),
        (Some(Kind::List), "append") => (1, One("list.append")),
        (Some(Kind::List), "extend") => (1, One("list.extend")),
        (Some(Kind::List), "remove") => (1, One("list.remove")),
        (Some(Kind::List), "count") => (1, One("list.count")),
        (Some(Kind::List), "insert") => (2, Expected("insert")),
        (Some(Kind::List | Kind::Tuple), "index") => (1, AtLeast("index")),
        (Some(Kind::Tuple), "count") => (1, One("tuple.count")),
        (Some(Kind::Dict), "get") => (1, AtLeast("get")),
        (Some(Kind::Dict), "pop") => (1, AtLeast("pop")),
        (Some(Kind::Dict), "setdefault") => (1, AtLeast("setdefault")),
        (Some(Kind::Str), "join") => (1, One("str.join")),
        (Some(Kind::Str), "zfill") => (1, One("str.zfill")),
        (Some(Kind::Str), "replace") => (2, AtLeast("replace")),
        (Some(Kind::Str), "ljust") => (1, AtLeast("ljust")),
        (Some(Kind::Str), "rjust") => (1, AtLeast("rjust")),
        (Some(Kind::Str), "center") => (1, AtLeast("center")),
        (Some(Kind::Str), "startswith") => (1, TakesAtLeast("startswith")),
        (Some(Kind::Str), "endswith") => (1, TakesAtLeast("endswith")),
        (Some(Kind::Str), "find") => (1, TakesAtLeast("find")),
        (Some(Kind::Str), "rfind") => (1, TakesAtLeast("rfind")),
        (Some(Kind::Str), "index") => (1, TakesAtLeast("index")),
        (Some(Kind::Str), "rindex") => (1, TakesAtLeast("rindex")),
        (Some(Kind::Str), "count") => (1, TakesAtLeast("count")),
        _ => return None,
    })
}

/// `TypeError` if the builtin `name` (bound to `this`) gets fewer than its `given` arguments.
pub fn check(vm: &Vm, name: &str, this: Option<&Ref>, given: usize) -> PyResult<()> {
    let Some((min, msg)) = minimum(name, this.map(|t| t.kind())) else {
        return Ok(());
    };
    if given >= min {
        return Ok(());
    }
    let s = |n: usize| if n == 1 { "" } else { "s" };
    Err(vm.type_error(match msg {
        Msg::One(q) => format!("{q}() takes exactly one argument ({given} given)"),
        Msg::Expected(f) => format!("{f} expected {min} argument{}, got {given}", s(min)),
        Msg::AtLeast(f) => format!(
            "{f} expected at least {min} argument{}, got {given}",
            s(min)
        ),
        Msg::TakesAtLeast(f) => format!(
            "{f}() takes at least {min} argument{} ({given} given)",
            s(min)
        ),
        Msg::Fixed(m) => m.to_string(),
    }))
}
