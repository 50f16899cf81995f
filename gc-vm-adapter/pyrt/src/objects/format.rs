//! `str()`, `repr()`, format specs (`format(v, spec)`, f-strings, `str.format`) and `%`.

use super::{int_of, name_of, IntVal, PyLock, Slice, TypeObj};
use crate::vm::ops::big_to_f64;
use crate::vm::{guard, PyResult, Vm};
use gc_vm_adapter::{Kind, Ref};

/// `x` (finite, nonzero) in `{:e}` form with the fewest significant digits that read back as
/// `x` and, among those, the digits closest to `x`: CPython's `repr` (`_Py_dg_dtoa` mode 0).
/// Rust's shortest form has the right length but not always the closest last digit
/// (`exp(32.25)`: Rust `101390447851464.13`, CPython `...12`, the same double), so the
/// correctly rounded form of that length (`{:.N$e}` is exact) is taken when it reads back.
fn shortest_closest(x: f64) -> String {
    let shortest = format!("{x:e}");
    let mant = shortest.split_once('e').map_or("", |(m, _)| m);
    let digits = mant.chars().filter(char::is_ascii_digit).count();
    let rounded = format!("{x:.prec$e}", prec = digits.saturating_sub(1));
    if rounded.parse::<f64>() == Ok(x) {
        rounded
    } else {
        shortest
    }
}

/// Python's `repr(float)`: shortest round-trip digits, scientific outside `1e-4 <= |x| < 1e16`.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let e = shortest_closest(x); // e.g. "-1.2345e-5"
    let (mant, exp) = e.split_once('e').expect("exponent");
    let exp: i32 = exp.parse().expect("exponent");
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if neg { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let s = if exp >= 0 {
            if n <= exp + 1 {
                format!("{digits}{}.0", "0".repeat((exp + 1 - n) as usize))
            } else {
                let (a, b) = digits.split_at((exp + 1) as usize);
                format!("{a}.{b}")
            }
        } else {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        };
        format!("{sign}{s}")
    } else {
        let m = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        let es = if exp < 0 { "-" } else { "+" };
        format!("{sign}{m}e{es}{:02}", exp.abs())
    }
}

fn str_repr(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

impl Vm {
    /// `str(o)`.
    pub fn to_str(&self, o: &Ref) -> PyResult<String> {
        match o.kind() {
            Kind::Str => Ok(o.as_str().unwrap_or("").to_string()),
            Kind::Instance => {
                if self.is_exception(o) && self.lookup_class_attr(o, "__str__").is_some() {
                    let r = self.call_method(o, "__str__", Vec::new())?;
                    return Ok(r.as_str().unwrap_or("").to_string());
                }
                if self.lookup_class_attr(o, "__str__").is_some() {
                    let r = self.call_method(o, "__str__", Vec::new())?;
                    return Ok(r.as_str().unwrap_or("").to_string());
                }
                self.repr(o)
            }
            _ => self.repr(o),
        }
    }

    /// `repr(o)`. Containers and instances take a level of the shared recursion depth (a
    /// 100 000-deep list is a `RecursionError`, not a stack overflow), and a list, dict or
    /// tuple already being repr'd further up this thread prints as `[...]` / `{...}` /
    /// `(...)`, as CPython's `Py_ReprEnter` does.
    pub fn repr(&self, o: &Ref) -> PyResult<String> {
        let (open, close) = match o.kind() {
            Kind::List => ("[", "]"),
            Kind::Dict => ("{", "}"),
            Kind::Tuple => ("(", ")"),
            Kind::Instance | Kind::Function => {
                let _depth = guard::enter(self, guard::IN_REPR)?;
                return self.repr_value(o);
            }
            _ => return self.repr_value(o),
        };
        let _depth = guard::enter(self, guard::IN_REPR)?;
        let Some(_active) = guard::ReprActive::enter(o) else {
            return Ok(format!("{open}...{close}"));
        };
        self.repr_value(o)
    }

    /// The decimal digits of an int's magnitude, a `ValueError` past
    /// `sys.get_int_max_str_digits()` (the one place ints become decimal text: `str`, `repr`,
    /// `format` and %-formatting all come here).
    pub fn int_decimal(&self, mag: &num_bigint::BigUint) -> PyResult<String> {
        let limit = self
            .int_max_str_digits
            .load(std::sync::atomic::Ordering::Relaxed);
        crate::objects::bigint::decimal_digits(mag, limit)
            .ok_or_else(|| self.value_error(crate::objects::bigint::to_str_limit_message(limit)))
    }

    /// `repr(o)` once the guards are taken.
    fn repr_value(&self, o: &Ref) -> PyResult<String> {
        Ok(match o.kind() {
            Kind::None => "None".into(),
            Kind::Bool => if o.as_bool() == Some(true) {
                "True"
            } else {
                "False"
            }
            .into(),
            Kind::Int => match int_of(o) {
                Some(IntVal::S(v)) => v.to_string(),
                Some(IntVal::B(b)) => {
                    let sign = if b.sign() == num_bigint::Sign::Minus {
                        "-"
                    } else {
                        ""
                    };
                    format!("{sign}{}", self.int_decimal(b.magnitude())?)
                }
                None => String::new(),
            },
            Kind::Float => float_repr(o.as_float().unwrap_or(0.0)),
            Kind::Str => str_repr(o.as_str().unwrap_or("")),
            Kind::Tuple => {
                let t = o.as_tuple().expect("tuple");
                let parts = t
                    .iter()
                    .map(|x| self.repr(x))
                    .collect::<PyResult<Vec<_>>>()?;
                if parts.len() == 1 {
                    format!("({},)", parts[0])
                } else {
                    format!("({})", parts.join(", "))
                }
            }
            Kind::List => {
                let items = o.as_list().expect("list").snapshot();
                let parts = items
                    .iter()
                    .map(|x| self.repr(x))
                    .collect::<PyResult<Vec<_>>>()?;
                format!("[{}]", parts.join(", "))
            }
            Kind::Dict => {
                let mut parts = Vec::new();
                for (k, v) in o.as_dict().expect("dict").items() {
                    parts.push(format!("{}: {}", self.repr(&k)?, self.repr(&v)?));
                }
                format!("{{{}}}", parts.join(", "))
            }
            Kind::Class => {
                let n = o
                    .as_class()
                    .map(|c| c.name().to_string())
                    .unwrap_or_default();
                format!("<class '{n}'>")
            }
            Kind::Instance => {
                if self.lookup_class_attr(o, "__repr__").is_some() {
                    let r = self.call_method(o, "__repr__", Vec::new())?;
                    return Ok(r.as_str().unwrap_or("").to_string());
                }
                if self.is_exception(o) {
                    let args = o.as_instance().and_then(|i| i.get_attr("args"));
                    let inner = match args.as_ref().and_then(|a| a.as_tuple()) {
                        Some([a]) => self.repr(a)?,
                        Some(_) => {
                            let r = self.repr(args.as_ref().expect("args"))?;
                            r.trim_start_matches('(')
                                .trim_end_matches(')')
                                .trim_end_matches(',')
                                .to_string()
                        }
                        None => String::new(),
                    };
                    return Ok(format!("{}({inner})", self.type_name(o)));
                }
                if self.is_instance_of(o, &self.module_class) {
                    let n = o.as_instance().and_then(|i| i.get_attr("__name__"));
                    let n = n.as_ref().and_then(|n| n.as_str()).unwrap_or("?");
                    return Ok(format!("<module '{n}' (built-in)>"));
                }
                format!("<{} object at {:#x}>", self.type_name(o), o.addr())
            }
            Kind::WeakRef => {
                let t = o.as_weakref().and_then(|w| w.upgrade());
                match t {
                    Some(t) => format!(
                        "<weakref at {:#x}; to '{}' at {:#x}>",
                        o.addr(),
                        self.type_name(&t),
                        t.addr()
                    ),
                    None => format!("<weakref at {:#x}; dead>", o.addr()),
                }
            }
            Kind::Cell => format!("<cell at {:#x}>", o.addr()),
            Kind::Function | Kind::Other => {
                let name = name_of(o).unwrap_or_default();
                if let Some(r) = super::range::repr(o) {
                    r
                } else if let Some(t) = o.downcast::<TypeObj>() {
                    format!("<class '{}'>", t.0.name())
                } else if o.is::<crate::vm::protocol::NotImplementedType>() {
                    "NotImplemented".into()
                } else if o.is::<super::Builtin>() {
                    format!("<built-in function {name}>")
                } else if o.is::<super::BoundMethod>() {
                    format!("<bound method {name}>")
                } else if let Some(l) = o.downcast::<PyLock>() {
                    format!(
                        "<{} _thread.lock object at {:#x}>",
                        if l.locked() { "locked" } else { "unlocked" },
                        o.addr()
                    )
                } else if let Some([lo, hi, st]) = o.downcast::<Slice>().and_then(Slice::parts) {
                    format!(
                        "slice({}, {}, {})",
                        self.repr(&lo)?,
                        self.repr(&hi)?,
                        self.repr(&st)?
                    )
                } else if let Some(f) = o.downcast::<super::PyFunction>() {
                    // CPython shows the qualified name (`<function A.__del__ at 0x…>`).
                    format!("<function {} at {:#x}>", f.code.qualname, o.addr())
                } else {
                    format!("<function {name} at {:#x}>", o.addr())
                }
            }
        })
    }

    /// `format(v, spec)`.
    pub fn format(&self, v: &Ref, spec: &str) -> PyResult<String> {
        if spec.is_empty() {
            return self.to_str(v);
        }
        let sp = Spec::parse(spec)
            .ok_or_else(|| self.value_error(format!("Invalid format specifier '{spec}'")))?;
        // Width and precision are user input: bound them before formatting allocates (Rust's
        // allocation failure aborts the process). CPython: "precision too big" past INT_MAX,
        // `MemoryError` when the padded result cannot be allocated.
        if sp.precision.is_some_and(|p| p > i32::MAX as usize) {
            return Err(self.value_error("precision too big"));
        }
        let room = sp.width.unwrap_or(0).max(sp.precision.unwrap_or(0));
        if room > 0 {
            let mut probe = String::new();
            probe
                .try_reserve_exact(room.saturating_mul(4).saturating_add(400))
                .map_err(|_| self.error(&self.exc.memory, ""))?;
        }
        let body = match (v.kind(), sp.ty) {
            (Kind::Int | Kind::Bool, None | Some('d' | 'b' | 'o' | 'x' | 'X' | 'n' | 'c')) => {
                let i = int_of(v).expect("int");
                let (neg, mag) = match &i {
                    IntVal::S(x) => (*x < 0, num_bigint::BigInt::from(*x).magnitude().clone()),
                    IntVal::B(b) => (b.sign() == num_bigint::Sign::Minus, b.magnitude().clone()),
                };
                let digits = match sp.ty {
                    Some('b') => mag.to_str_radix(2),
                    Some('o') => mag.to_str_radix(8),
                    Some('x') => mag.to_str_radix(16),
                    Some('X') => mag.to_str_radix(16).to_uppercase(),
                    Some('c') => char::from_u32(big_to_f64(&i) as u32)
                        .unwrap_or('?')
                        .to_string(),
                    _ => self.int_decimal(&mag)?,
                };
                let digits = group(&digits, sp.grouping);
                let prefix = if sp.alt {
                    match sp.ty {
                        Some('b') => "0b",
                        Some('o') => "0o",
                        Some('x') => "0x",
                        Some('X') => "0X",
                        _ => "",
                    }
                } else {
                    ""
                };
                (sign_str(neg, sp.sign), format!("{prefix}{digits}"))
            }
            (Kind::Int | Kind::Bool | Kind::Float, _) => {
                let x = match v.as_float() {
                    Some(x) => x,
                    None => big_to_f64(&int_of(v).expect("int")),
                };
                let neg = x.is_sign_negative() && x != 0.0 || (x == 0.0 && x.is_sign_negative());
                let a = x.abs();
                let body = match sp.ty {
                    // Not finite: the word in every presentation ('inf', 'nan'; capitals for
                    // the capital codes), as CPython's `format_float_short`.
                    Some(c @ ('f' | 'F' | 'e' | 'E' | 'g' | 'G' | '%')) if !a.is_finite() => {
                        let w = if a.is_nan() { "nan" } else { "inf" };
                        match c {
                            'F' | 'E' | 'G' => w.to_uppercase(),
                            '%' => format!("{w}%"),
                            _ => w.to_string(),
                        }
                    }
                    None if !a.is_finite() => float_repr(a),
                    Some('f' | 'F') => format!("{:.*}", sp.precision.unwrap_or(6), a),
                    Some('e' | 'E') => {
                        let s = sci(a, sp.precision.unwrap_or(6));
                        if sp.ty == Some('E') {
                            s.to_uppercase()
                        } else {
                            s
                        }
                    }
                    Some('%') => format!("{:.*}%", sp.precision.unwrap_or(6), a * 100.0),
                    Some('g' | 'G') => gfmt(a, sp.precision.unwrap_or(6), sp.alt),
                    None => match sp.precision {
                        Some(p) => gfmt(a, p, sp.alt),
                        None => float_repr(a),
                    },
                    Some(c) => {
                        return Err(self.value_error(format!(
                            "Unknown format code '{c}' for object of type '{}'",
                            self.type_name(v)
                        )))
                    }
                };
                let body = if sp.grouping.is_some() {
                    let (ip, rest) = match body.find(|c: char| !c.is_ascii_digit()) {
                        Some(i) => body.split_at(i),
                        None => (body.as_str(), ""),
                    };
                    format!("{}{rest}", group(ip, sp.grouping))
                } else {
                    body
                };
                (sign_str(neg, sp.sign), body)
            }
            // `object.__format__` takes only the empty spec.
            (
                Kind::None | Kind::List | Kind::Tuple | Kind::Dict | Kind::Other | Kind::Function,
                _,
            ) => {
                return Err(self.type_error(format!(
                    "unsupported format string passed to {}.__format__",
                    self.type_name(v)
                )))
            }
            (_, None | Some('s')) => {
                let mut s = self.to_str(v)?;
                if let Some(p) = sp.precision {
                    s = s.chars().take(p).collect();
                }
                (String::new(), s)
            }
            (_, Some(c)) => {
                return Err(self.value_error(format!(
                    "Unknown format code '{c}' for object of type '{}'",
                    self.type_name(v)
                )))
            }
        };
        let numeric = matches!(v.kind(), Kind::Int | Kind::Bool | Kind::Float);
        Ok(pad(&body.0, &body.1, &sp, numeric))
    }
}

fn sign_str(neg: bool, sign: Option<char>) -> String {
    if neg {
        "-".into()
    } else {
        match sign {
            Some('+') => "+".into(),
            Some(' ') => " ".into(),
            _ => String::new(),
        }
    }
}

fn group(digits: &str, g: Option<char>) -> String {
    let Some(sep) = g else {
        return digits.to_string();
    };
    let chars: Vec<char> = digits.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if i > 0 && (chars.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(*c);
    }
    out
}

/// `'%.{p}e'` with Python's two-digit exponent.
fn sci(a: f64, p: usize) -> String {
    let s = format!("{a:.p$e}");
    let (m, e) = s.split_once('e').expect("e");
    let e: i32 = e.parse().expect("exp");
    format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

/// `'%.{p}g'`.
fn gfmt(a: f64, p: usize, alt: bool) -> String {
    let p = p.max(1);
    if a == 0.0 {
        return "0".into();
    }
    if !a.is_finite() {
        return float_repr(a);
    }
    let s = format!("{a:.*e}", p - 1);
    let exp: i32 = s.split_once('e').expect("e").1.parse().expect("exp");
    let strip = |s: String| {
        if alt || !s.contains('.') {
            s
        } else {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    };
    if exp >= -4 && exp < p as i32 {
        strip(format!("{a:.*}", (p as i32 - 1 - exp) as usize))
    } else {
        let m = format!("{a:.*e}", p - 1);
        let (m, _) = m.split_once('e').expect("e");
        format!(
            "{}e{}{:02}",
            strip(m.to_string()),
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    }
}

fn pad(sign: &str, body: &str, sp: &Spec, numeric: bool) -> String {
    let len = sign.chars().count() + body.chars().count();
    let width = sp.width.unwrap_or(0);
    if len >= width {
        return format!("{sign}{body}");
    }
    let n = width - len;
    let fill = sp.fill.unwrap_or(if sp.zero && sp.align.is_none() {
        '0'
    } else {
        ' '
    });
    let align = sp
        .align
        .unwrap_or(if sp.zero || numeric { '>' } else { '<' });
    let f = |k: usize| fill.to_string().repeat(k);
    match align {
        '<' => format!("{sign}{body}{}", f(n)),
        '^' => format!("{}{sign}{body}{}", f(n / 2), f(n - n / 2)),
        '=' => format!("{sign}{}{body}", f(n)),
        _ if sp.zero && sp.align.is_none() => format!("{sign}{}{body}", f(n)),
        _ => format!("{}{sign}{body}", f(n)),
    }
}

/// A parsed format spec.
#[derive(Default, Debug)]
struct Spec {
    fill: Option<char>,
    align: Option<char>,
    sign: Option<char>,
    alt: bool,
    zero: bool,
    width: Option<usize>,
    grouping: Option<char>,
    precision: Option<usize>,
    ty: Option<char>,
}

impl Spec {
    fn parse(s: &str) -> Option<Spec> {
        let c: Vec<char> = s.chars().collect();
        let mut i = 0;
        let mut sp = Spec::default();
        let is_align = |ch: char| matches!(ch, '<' | '>' | '^' | '=');
        if c.len() >= 2 && is_align(c[1]) {
            sp.fill = Some(c[0]);
            sp.align = Some(c[1]);
            i = 2;
        } else if !c.is_empty() && is_align(c[0]) {
            sp.align = Some(c[0]);
            i = 1;
        }
        if i < c.len() && matches!(c[i], '+' | '-' | ' ') {
            sp.sign = Some(c[i]);
            i += 1;
        }
        if i < c.len() && c[i] == '#' {
            sp.alt = true;
            i += 1;
        }
        if i < c.len() && c[i] == '0' {
            sp.zero = true;
            i += 1;
        }
        let start = i;
        while i < c.len() && c[i].is_ascii_digit() {
            i += 1;
        }
        if i > start {
            sp.width = c[start..i].iter().collect::<String>().parse().ok();
        }
        if i < c.len() && matches!(c[i], ',' | '_') {
            sp.grouping = Some(c[i]);
            i += 1;
        }
        if i < c.len() && c[i] == '.' {
            i += 1;
            let start = i;
            while i < c.len() && c[i].is_ascii_digit() {
                i += 1;
            }
            sp.precision = Some(c[start..i].iter().collect::<String>().parse().ok()?);
        }
        if i < c.len() {
            sp.ty = Some(c[i]);
            i += 1;
        }
        (i == c.len()).then_some(sp)
    }
}

/// `fmt % args` (`%s %r %d %i %f %e %g %x %%` with flags, width and precision).
pub fn percent_format(vm: &Vm, fmt: &str, args: &Ref) -> PyResult<String> {
    let items: Vec<Ref> = match args.as_tuple() {
        Some(t) => t.to_vec(),
        None => vec![args.clone()],
    };
    let mut it = items.into_iter();
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        let mut spec = String::new();
        let conv = loop {
            match chars.next() {
                Some(c) if "-+ #0123456789.".contains(c) => spec.push(c),
                Some(c) => break c,
                None => return Err(vm.value_error("incomplete format")),
            }
        };
        if conv == '%' {
            out.push('%');
            continue;
        }
        let v = it
            .next()
            .ok_or_else(|| vm.type_error("not enough arguments for format string"))?;
        let spec = if spec.contains('-') {
            spec.replacen('-', "<", 1)
        } else {
            format!(">{spec}")
        };
        let spec = if spec == ">" { String::new() } else { spec };
        let s = match conv {
            's' => vm.format(&vm.str(&vm.to_str(&v)?), &spec)?,
            'r' => vm.format(&vm.str(&vm.repr(&v)?), &spec)?,
            'd' | 'i' | 'u' => {
                let v = match v.as_float() {
                    Some(x) => vm.int(x.trunc() as i64),
                    None => v,
                };
                vm.format(&v, &format!("{spec}d"))?
            }
            c => vm.format(&v, &format!("{spec}{c}"))?,
        };
        out.push_str(&s);
    }
    if it.next().is_some() {
        return Err(vm.type_error("not all arguments converted during string formatting"));
    }
    Ok(out)
}
