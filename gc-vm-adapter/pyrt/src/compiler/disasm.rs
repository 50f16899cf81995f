//! Disassembler: a human-readable listing of code objects, for debugging and tests.

use std::fmt::Write as _;

use super::bytecode::{CodeObject, Constant, Conversion, Instr};

fn describe_arg(code: &CodeObject, instr: &Instr) -> String {
    let name = |i: u32| code.names.get(i as usize).map_or("?", |s| s.as_str());
    match *instr {
        Instr::LoadConst(i) => match code.constants.get(i as usize) {
            Some(c) => format!("{i} ({c})"),
            None => format!("{i} (?)"),
        },
        Instr::LoadFast(i) | Instr::StoreFast(i) | Instr::DeleteFast(i) => {
            let n = code.varnames.get(i as usize).map_or("?", |s| s.as_str());
            format!("{i} ({n})")
        }
        Instr::LoadDeref(i)
        | Instr::StoreDeref(i)
        | Instr::DeleteDeref(i)
        | Instr::LoadClosure(i) => format!("{i} ({})", code.cell_name(i)),
        Instr::LoadGlobal(i)
        | Instr::StoreGlobal(i)
        | Instr::DeleteGlobal(i)
        | Instr::LoadName(i)
        | Instr::StoreName(i)
        | Instr::DeleteName(i)
        | Instr::LoadAttr(i)
        | Instr::StoreAttr(i)
        | Instr::DeleteAttr(i)
        | Instr::Import(i)
        | Instr::ImportFrom(i) => format!("{i} ({})", name(i)),
        Instr::BuildTuple(n)
        | Instr::BuildList(n)
        | Instr::BuildMap(n)
        | Instr::BuildSlice(n)
        | Instr::BuildString(n)
        | Instr::ListAppend(n)
        | Instr::ListExtend(n)
        | Instr::MapAdd(n)
        | Instr::DictMerge(n)
        | Instr::UnpackSequence(n)
        | Instr::Call(n)
        | Instr::CallKw(n)
        | Instr::MakeClass(n) => n.to_string(),
        Instr::Raise(n) => n.to_string(),
        Instr::BinaryOp(op) | Instr::InplaceOp(op) => format!("({})", op.symbol()),
        Instr::UnaryOp(op) => format!("({op:?})"),
        Instr::Compare(op) => format!("({})", op.symbol()),
        Instr::CallEx { kwargs } => {
            if kwargs {
                "(kwargs)".into()
            } else {
                String::new()
            }
        }
        Instr::MakeFunction(f) => {
            let mut parts = Vec::new();
            if f.defaults {
                parts.push("defaults");
            }
            if f.kwdefaults {
                parts.push("kwdefaults");
            }
            if f.closure {
                parts.push("closure");
            }
            format!("({})", parts.join(", "))
        }
        Instr::FormatValue { conversion, spec } => {
            let conv = match conversion {
                Conversion::None => "",
                Conversion::Str => "!s",
                Conversion::Repr => "!r",
                Conversion::Ascii => "!a",
            };
            format!("({conv}{})", if spec { ", spec" } else { "" })
        }
        _ => match instr.jump_target() {
            Some(t) => format!("-> {t}"),
            None => String::new(),
        },
    }
}

/// Human-readable listing of `code` and, recursively, of the code objects in its constants.
///
/// Each instruction line reads `line  index  Name  operand (meaning)`, e.g.
/// `    3     12 LoadAttr         0 (next)`.
pub fn disassemble(code: &CodeObject) -> String {
    let mut out = String::new();
    disassemble_into(code, &mut out);
    out
}

fn disassemble_into(code: &CodeObject, out: &mut String) {
    let _ = writeln!(
        out,
        "Disassembly of <code {}> ({:?}, {}, line {}, max_stack {}):",
        code.qualname, code.kind, code.filename, code.first_line, code.max_stack
    );
    if code.total_params() > 0 {
        let _ = writeln!(
            out,
            "  params: {:?}",
            &code.varnames[..code.total_params().min(code.varnames.len())]
        );
    }
    if !code.cellvars.is_empty() {
        let _ = writeln!(out, "  cellvars: {:?}", code.cellvars);
    }
    if !code.freevars.is_empty() {
        let _ = writeln!(out, "  freevars: {:?}", code.freevars);
    }
    let mut last_line = 0;
    for (pc, instr) in code.instructions.iter().enumerate() {
        let line = code.line_of(pc);
        let line_col = if line != last_line {
            last_line = line;
            line.to_string()
        } else {
            String::new()
        };
        let arg = describe_arg(code, instr);
        let text = format!("{line_col:>5} {pc:>6} {:<18} {arg}", instr.name());
        out.push_str(text.trim_end());
        out.push('\n');
    }
    for c in &code.constants {
        if let Constant::Code(inner) = c {
            out.push('\n');
            disassemble_into(inner, out);
        }
    }
}
