//! `str.format` with CPython's field grammar and errors: `{}` / `{0}` / `{name}`, attribute
//! and index lookups (`{0.real}`, `{0[1]}`, `{m[key]}`), conversions (`!r`, `!s`, `!a`),
//! format specs with nested fields (`{:>{}}`), `{{` / `}}`, and the `ValueError`s for a lone
//! brace or for mixing automatic and manual numbering.

use crate::stdlib::builtins::kwarg;
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::Ref;

type Kw = [(std::sync::Arc<str>, Ref)];

/// Automatic or manual field numbering, once chosen.
#[derive(PartialEq)]
enum Numbering {
    Unset,
    Auto(usize),
    Manual,
}

struct Fmt<'a> {
    vm: &'a Vm,
    args: &'a [Ref],
    kw: &'a Kw,
    numbering: Numbering,
}

/// `fmt.format(*args, **kw)`.
pub fn format(vm: &Vm, fmt: &str, args: &[Ref], kw: &Kw) -> PyResult<String> {
    let mut f = Fmt {
        vm,
        args,
        kw,
        numbering: Numbering::Unset,
    };
    f.render(fmt, 0)
}

impl Fmt<'_> {
    fn render(&mut self, fmt: &str, depth: usize) -> PyResult<String> {
        let vm = self.vm;
        if depth > 2 {
            return Err(vm.value_error("Max string recursion exceeded"));
        }
        let mut out = String::new();
        let chars: Vec<char> = fmt.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match c {
                '{' if chars.get(i + 1) == Some(&'{') => {
                    out.push('{');
                    i += 2;
                }
                '}' if chars.get(i + 1) == Some(&'}') => {
                    out.push('}');
                    i += 2;
                }
                '}' => return Err(vm.value_error("Single '}' encountered in format string")),
                '{' => {
                    // The field runs to the matching '}' (the spec may nest fields).
                    let mut level = 1;
                    let mut j = i + 1;
                    while j < chars.len() {
                        match chars[j] {
                            '{' => level += 1,
                            '}' => {
                                level -= 1;
                                if level == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    if j >= chars.len() {
                        return Err(vm.value_error(if i + 1 == chars.len() {
                            "Single '{' encountered in format string"
                        } else {
                            "expected '}' before end of string"
                        }));
                    }
                    let field: String = chars[i + 1..j].iter().collect();
                    out.push_str(&self.field(&field, depth)?);
                    i = j + 1;
                }
                c => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        Ok(out)
    }

    /// One replacement field, without its braces.
    fn field(&mut self, field: &str, depth: usize) -> PyResult<String> {
        let vm = self.vm;
        // The name ends at the first '!' or ':' outside brackets.
        let mut end = field.len();
        let mut in_bracket = false;
        for (k, ch) in field.char_indices() {
            match ch {
                '[' => in_bracket = true,
                ']' => in_bracket = false,
                '!' | ':' if !in_bracket => {
                    end = k;
                    break;
                }
                _ => {}
            }
        }
        let (name, rest) = field.split_at(end);
        let (conv, spec) = match rest.strip_prefix('!') {
            Some(r) => {
                let (c, sp) = match r.split_once(':') {
                    Some((c, sp)) => (c, sp),
                    None => (r, ""),
                };
                let mut cs = c.chars();
                let conv = match (cs.next(), cs.next()) {
                    (Some(ch), None) => ch,
                    _ => return Err(vm.value_error("expected ':' after conversion specifier")),
                };
                (Some(conv), sp)
            }
            None => (None, rest.strip_prefix(':').unwrap_or("")),
        };
        let v = self.lookup(name)?;
        let v = match conv {
            None => v,
            Some('r') => vm.str(&vm.repr(&v)?),
            Some('s') => vm.str(&vm.to_str(&v)?),
            Some('a') => vm.str(&ascii(&vm.repr(&v)?)),
            Some(c) => return Err(vm.value_error(format!("Unknown conversion specifier {c}"))),
        };
        let spec = if spec.contains('{') {
            self.render(spec, depth + 1)?
        } else {
            spec.to_string()
        };
        vm.format(&v, &spec)
    }

    /// The object a field name designates: an argument, then `.attr` / `[key]` steps.
    fn lookup(&mut self, name: &str) -> PyResult<Ref> {
        let vm = self.vm;
        let first_end = name.find(['.', '[']).unwrap_or(name.len());
        let (head, mut rest) = name.split_at(first_end);
        let mut v = if head.is_empty() {
            let n = match self.numbering {
                Numbering::Manual => return Err(vm.value_error(
                    "cannot switch from manual field specification to automatic field numbering",
                )),
                Numbering::Unset => 0,
                Numbering::Auto(n) => n,
            };
            self.numbering = Numbering::Auto(n + 1);
            self.positional(n)?
        } else if let Ok(n) = head.parse::<usize>() {
            if let Numbering::Auto(_) = self.numbering {
                return Err(vm.value_error(
                    "cannot switch from automatic field numbering to manual field specification",
                ));
            }
            self.numbering = Numbering::Manual;
            self.positional(n)?
        } else {
            kwarg(self.kw, head).ok_or_else(|| vm.key_error(&vm.str(head)))?
        };
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('.') {
                let end = r.find(['.', '[']).unwrap_or(r.len());
                if end == 0 {
                    return Err(vm.value_error("Empty attribute in format string"));
                }
                v = vm.getattr(&v, &r[..end])?;
                rest = &r[end..];
            } else if let Some(r) = rest.strip_prefix('[') {
                let Some(end) = r.find(']') else {
                    return Err(vm.value_error("Missing ']' in format string"));
                };
                let key = &r[..end];
                if key.is_empty() {
                    return Err(vm.value_error("Empty attribute in format string"));
                }
                let k = match key.parse::<i64>() {
                    Ok(i) if !key.starts_with(['-', '+']) => vm.int(i),
                    _ => vm.str(key),
                };
                v = vm.getitem(&v, &k)?;
                rest = &r[end + 1..];
            } else {
                return Err(
                    vm.value_error("Only '.' or '[' may follow ']' in format field specifier")
                );
            }
        }
        Ok(v)
    }

    fn positional(&self, n: usize) -> PyResult<Ref> {
        self.args.get(n).cloned().ok_or_else(|| {
            self.vm.error(
                &self.vm.exc.index,
                format!("Replacement index {n} out of range for positional args tuple"),
            )
        })
    }
}

/// `ascii()` of a repr: non-ASCII characters as `\x..`, `\u....` or `\U........` escapes.
fn ascii(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c as u32 {
            0..=0x7f => out.push(c),
            n @ 0x80..=0xff => out.push_str(&format!("\\x{n:02x}")),
            n @ 0x100..=0xffff => out.push_str(&format!("\\u{n:04x}")),
            n => out.push_str(&format!("\\U{n:08x}")),
        }
    }
    out
}
