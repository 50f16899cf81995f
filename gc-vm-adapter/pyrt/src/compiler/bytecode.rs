//! Bytecode: instructions, constants, code objects and the disassembler.
//!
//! See the module documentation of the [crate documentation](crate) for the execution model.

use std::fmt;
use std::sync::Arc;

use num_bigint::BigInt;

/// A compile-time constant. Plain Rust values: the VM converts them to objects when it loads a
/// code object (or lazily on `LoadConst`).
#[derive(Debug, Clone)]
pub enum Constant {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An integer literal (arbitrary precision).
    Int(BigInt),
    /// A float literal.
    Float(f64),
    /// A string literal (also used for keyword-name tuples of `CallKw` and class names).
    Str(Arc<str>),
    /// A tuple of constants (keyword names of `CallKw`).
    Tuple(Vec<Constant>),
    /// A nested code object (function, lambda, class body, comprehension).
    Code(Arc<CodeObject>),
}

impl Constant {
    /// Strict identity used to share entries of a constant table: `1`, `1.0` and `True` stay
    /// distinct, floats compare by bits, code objects by pointer.
    pub fn same_as(&self, other: &Constant) -> bool {
        match (self, other) {
            (Constant::None, Constant::None) => true,
            (Constant::Bool(a), Constant::Bool(b)) => a == b,
            (Constant::Int(a), Constant::Int(b)) => a == b,
            (Constant::Float(a), Constant::Float(b)) => a.to_bits() == b.to_bits(),
            (Constant::Str(a), Constant::Str(b)) => a == b,
            (Constant::Tuple(a), Constant::Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_as(y))
            }
            (Constant::Code(a), Constant::Code(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl fmt::Display for Constant {
    /// Python `repr`-like rendering (used by the disassembler).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Constant::None => f.write_str("None"),
            Constant::Bool(true) => f.write_str("True"),
            Constant::Bool(false) => f.write_str("False"),
            Constant::Int(i) => write!(f, "{i}"),
            Constant::Float(x) => {
                if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e16 {
                    write!(f, "{x:.1}")
                } else {
                    write!(f, "{x}")
                }
            }
            Constant::Str(s) => write!(f, "{:?}", &**s),
            Constant::Tuple(items) => {
                f.write_str("(")?;
                for (i, c) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{c}")?;
                }
                if items.len() == 1 {
                    f.write_str(",")?;
                }
                f.write_str(")")
            }
            Constant::Code(c) => write!(f, "<code {}>", c.name),
        }
    }
}

/// Binary operators (`BinaryOp` / `InplaceOp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `@`
    MatMul,
    /// `/`
    TrueDiv,
    /// `//`
    FloorDiv,
    /// `%`
    Mod,
    /// `**`
    Pow,
    /// `<<`
    LShift,
    /// `>>`
    RShift,
    /// `&`
    BitAnd,
    /// `|`
    BitOr,
    /// `^`
    BitXor,
}

impl BinOp {
    /// The Python operator symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::MatMul => "@",
            BinOp::TrueDiv => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::LShift => "<<",
            BinOp::RShift => ">>",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
        }
    }
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `not x` (always produces a bool)
    Not,
    /// `-x`
    Neg,
    /// `+x`
    Pos,
    /// `~x`
    Invert,
}

/// Comparison operators, including identity and membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `is` (pointer identity)
    Is,
    /// `is not`
    IsNot,
    /// `in` (`TOS.__contains__(TOS1)`)
    In,
    /// `not in`
    NotIn,
}

impl CmpOp {
    /// The Python operator spelling.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Is => "is",
            CmpOp::IsNot => "is not",
            CmpOp::In => "in",
            CmpOp::NotIn => "not in",
        }
    }
}

/// Conversion of an f-string replacement field (`!s`, `!r`, `!a`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Conversion {
    /// No conversion: `format(value, spec)`.
    None,
    /// `!s`: `format(str(value), spec)`.
    Str,
    /// `!r`: `format(repr(value), spec)`.
    Repr,
    /// `!a`: `format(ascii(value), spec)`.
    Ascii,
}

/// Which optional operands `MakeFunction` pops (below the code object).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MakeFunctionFlags {
    /// A tuple of positional-parameter defaults (`CodeObject::num_defaults` items).
    pub defaults: bool,
    /// A dict of keyword-only parameter defaults (name -> value).
    pub kwdefaults: bool,
    /// A tuple of cells, one per `CodeObject::freevars` entry, in that order.
    pub closure: bool,
}

/// One instruction. Jump operands are absolute instruction indices; name/const/local operands
/// index the corresponding tables of the [`CodeObject`]. Stack effects are written
/// `[before] -> [after]` with the top of stack (TOS) rightmost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Instr {
    /// No effect.
    Nop,
    /// `[a] -> []`
    Pop,
    /// `[a] -> [a, a]`
    Dup,
    /// `[a, b] -> [a, b, a, b]`
    Dup2,
    /// `[a, b] -> [b, a]`
    Rot2,
    /// `[a, b, c] -> [c, a, b]` (TOS moves down two places)
    Rot3,
    /// `[] -> [constants[i]]`
    LoadConst(u32),
    /// `[] -> [fast local i]`; raises `UnboundLocalError` if unset.
    LoadFast(u32),
    /// `[v] -> []`, fast local i = v.
    StoreFast(u32),
    /// Unset fast local i (`UnboundLocalError` if unset).
    DeleteFast(u32),
    /// `[] -> [contents of cell i]`; i indexes `cellvars ++ freevars`; `NameError` if empty.
    LoadDeref(u32),
    /// `[v] -> []`, cell i contents = v.
    StoreDeref(u32),
    /// Empty cell i.
    DeleteDeref(u32),
    /// `[] -> [cell i itself]` (to build the closure tuple of `MakeFunction`).
    LoadClosure(u32),
    /// `[] -> [globals[names[i]] or builtins[names[i]]]`; `NameError` if neither.
    LoadGlobal(u32),
    /// `[v] -> []`, `globals[names[i]] = v`.
    StoreGlobal(u32),
    /// `del globals[names[i]]`.
    DeleteGlobal(u32),
    /// Class bodies only: `[] -> [ns[names[i]]]` looking in the class namespace, then globals,
    /// then builtins.
    LoadName(u32),
    /// Class bodies only: `[v] -> []`, `ns[names[i]] = v`.
    StoreName(u32),
    /// Class bodies only: `del ns[names[i]]`.
    DeleteName(u32),
    /// `[obj] -> [obj.names[i]]` (binds methods).
    LoadAttr(u32),
    /// `[v, obj] -> []`, `obj.names[i] = v`.
    StoreAttr(u32),
    /// `[obj] -> []`, `del obj.names[i]`.
    DeleteAttr(u32),
    /// `[c, k] -> [c[k]]`
    LoadSubscr,
    /// `[v, c, k] -> []`, `c[k] = v`.
    StoreSubscr,
    /// `[c, k] -> []`, `del c[k]`.
    DeleteSubscr,
    /// `[x1..xn] -> [(x1, .., xn)]`
    BuildTuple(u32),
    /// `[x1..xn] -> [[x1, .., xn]]`
    BuildList(u32),
    /// `[k1, v1, .., kn, vn] -> [{k1: v1, ..}]`
    BuildMap(u32),
    /// `[lo, hi] -> [slice(lo, hi)]` (n = 2) or `[lo, hi, step] -> [slice(lo, hi, step)]`
    /// (n = 3); missing parts are `None`.
    BuildSlice(u32),
    /// `[s1..sn] -> [s1 + .. + sn]` (all operands are `str`; used by f-strings).
    BuildString(u32),
    /// `[.., list, x1..x(i-1), v] -> [.., list, x1..x(i-1)]` and `list.append(v)`: after popping
    /// `v`, the list is the i-th item from the top (i = 1: TOS).
    ListAppend(u32),
    /// Like `ListAppend`, but `list.extend(iterable)`.
    ListExtend(u32),
    /// `[.., dict, .., k, v] -> [.., dict, ..]`, `dict[k] = v`; after popping `k, v`, the dict is
    /// the i-th item from the top.
    MapAdd(u32),
    /// Like `ListAppend`, but merges a mapping into the dict (`**m`; duplicate keys in a call
    /// raise `TypeError`).
    DictMerge(u32),
    /// `[list] -> [tuple(list)]`
    ListToTuple,
    /// `[seq] -> [xn, .., x1]`: unpacks exactly n items, x1 ends on top (`ValueError` if the
    /// length differs).
    UnpackSequence(u32),
    /// `[a, b] -> [a op b]`
    BinaryOp(BinOp),
    /// `[a, b] -> [a op= b]` (in-place variant: `__iadd__` etc., falling back to `BinaryOp`).
    InplaceOp(BinOp),
    /// `[a] -> [op a]`
    UnaryOp(UnaryOp),
    /// `[a, b] -> [a op b]`
    Compare(CmpOp),
    /// Jump forward to the target.
    Jump(u32),
    /// Jump backward to the target (a loop back-edge): the VM polls a GC safepoint here.
    JumpBackward(u32),
    /// `[c] -> []`; jump if `c` is falsy.
    PopJumpIfFalse(u32),
    /// `[c] -> []`; jump if `c` is truthy.
    PopJumpIfTrue(u32),
    /// If TOS is falsy, jump and keep it; otherwise pop it (`and`).
    JumpIfFalseOrPop(u32),
    /// If TOS is truthy, jump and keep it; otherwise pop it (`or`).
    JumpIfTrueOrPop(u32),
    /// `[x] -> [iter(x)]`
    GetIter,
    /// `[it] -> [it, next(it)]`; when `it` is exhausted: `[it] -> []` and jump to the target.
    ForIter(u32),
    /// `[f, a1..an] -> [f(a1, .., an)]`
    Call(u32),
    /// `[f, a1..an, names] -> [result]`: `names` is a constant tuple of k keyword names; the last
    /// k of the n arguments are keyword arguments, in that order.
    CallKw(u32),
    /// `[f, args_tuple] -> [f(*args)]` or, with `kwargs`, `[f, args_tuple, kwargs_dict] ->
    /// [f(*args, **kwargs)]`.
    CallEx {
        /// Whether a kwargs dict is on the stack.
        kwargs: bool,
    },
    /// `[defaults?, kwdefaults?, closure?, code] -> [function]`; see [`MakeFunctionFlags`].
    /// The new function's globals are the current frame's globals.
    MakeFunction(MakeFunctionFlags),
    /// `[body_fn, name, base1..basen] -> [class]`: calls `body_fn()` with a fresh namespace
    /// dict as its class namespace; the body returns that namespace (`LoadLocals; Return`);
    /// then builds `type(name, bases, ns)`. If `ns` has `__classcell__`, the VM removes it and
    /// stores the new class into that cell (zero-argument `super()` / `__class__`).
    MakeClass(u32),
    /// Class bodies only: `[] -> [class namespace dict]`.
    LoadLocals,
    /// `[v] -> return v` from the frame (value stack and block stack are discarded).
    Return,
    /// Push an `except` block: if an exception is raised before the matching `PopBlock`, the VM
    /// truncates the value stack to its depth here, pushes an *except-handler* block (saving the
    /// currently handled exception and making the new one current), pushes the exception and
    /// jumps to the target.
    SetupExcept(u32),
    /// Push a `finally` block: on an exception, truncate the value stack to its depth here, push
    /// the exception and jump to the target (no except-handler block).
    SetupFinally(u32),
    /// Pop the innermost `SetupExcept` / `SetupFinally` / `WithEnter` block (normal exit).
    PopBlock,
    /// Pop the innermost except-handler block, restoring the previously handled exception.
    PopExcept,
    /// `[exc, type] -> [exc, bool]`: `isinstance(exc, type)` (type may be a tuple of classes).
    CheckExcMatch,
    /// `Raise(0)`: re-raise the currently handled exception (`RuntimeError` if none).
    /// `Raise(1)`: `[e] -> raise e` (a class is instantiated with no arguments).
    /// `Raise(2)`: `[e, cause] -> raise e from cause`.
    Raise(u8),
    /// `[exc] -> re-raise exc` unchanged (no handler matched / end of a `finally` on the
    /// exceptional path).
    Reraise,
    /// `[] -> [AssertionError]` (the builtin class, immune to shadowing).
    LoadAssertionError,
    /// `[mgr] -> [mgr, mgr.__enter__()]`; pushes a `finally`-like block whose stack depth
    /// includes `mgr`: on an exception the VM truncates to `[.., mgr]`, pushes the exception and
    /// jumps to the target (which holds `WithExceptExit`).
    WithEnter(u32),
    /// `[mgr] -> []`: calls `mgr.__exit__(None, None, None)` and drops the result (normal exit,
    /// after `PopBlock`).
    WithExit,
    /// `[mgr, exc] -> []`: calls `mgr.__exit__(type(exc), exc, None)`; re-raises `exc` unless
    /// the result is truthy (then execution continues with the next instruction).
    WithExceptExit,
    /// `[] -> [module names[i]]` (built-in modules only).
    Import(u32),
    /// `[module] -> [module, module.names[i]]` (`ImportError` if missing).
    ImportFrom(u32),
    /// `[v] -> [formatted]` or, with `spec`, `[v, spec] -> [formatted]`: applies the conversion
    /// then `format(v, spec)`.
    FormatValue {
        /// `!s` / `!r` / `!a`.
        conversion: Conversion,
        /// Whether a format-spec string is on the stack above the value.
        spec: bool,
    },
}

impl Instr {
    /// The jump target, if this instruction has one.
    pub fn jump_target(&self) -> Option<u32> {
        // One list of jumping instructions: `jump_target_mut`'s (an `Instr` is `Copy`).
        let mut copy = *self;
        copy.jump_target_mut().map(|t| *t)
    }

    /// Mutable access to the jump target, if any.
    pub fn jump_target_mut(&mut self) -> Option<&mut u32> {
        match self {
            Instr::Jump(t)
            | Instr::JumpBackward(t)
            | Instr::PopJumpIfFalse(t)
            | Instr::PopJumpIfTrue(t)
            | Instr::JumpIfFalseOrPop(t)
            | Instr::JumpIfTrueOrPop(t)
            | Instr::ForIter(t)
            | Instr::SetupExcept(t)
            | Instr::SetupFinally(t)
            | Instr::WithEnter(t) => Some(t),
            _ => None,
        }
    }

    /// Whether the VM should poll a safepoint when executing this instruction (back-edges;
    /// calls are polled by the VM on function entry).
    pub fn is_safepoint(&self) -> bool {
        matches!(self, Instr::JumpBackward(_))
    }

    /// The variant name, as printed by [`crate::disassemble`].
    pub fn name(&self) -> &'static str {
        match self {
            Instr::Nop => "Nop",
            Instr::Pop => "Pop",
            Instr::Dup => "Dup",
            Instr::Dup2 => "Dup2",
            Instr::Rot2 => "Rot2",
            Instr::Rot3 => "Rot3",
            Instr::LoadConst(_) => "LoadConst",
            Instr::LoadFast(_) => "LoadFast",
            Instr::StoreFast(_) => "StoreFast",
            Instr::DeleteFast(_) => "DeleteFast",
            Instr::LoadDeref(_) => "LoadDeref",
            Instr::StoreDeref(_) => "StoreDeref",
            Instr::DeleteDeref(_) => "DeleteDeref",
            Instr::LoadClosure(_) => "LoadClosure",
            Instr::LoadGlobal(_) => "LoadGlobal",
            Instr::StoreGlobal(_) => "StoreGlobal",
            Instr::DeleteGlobal(_) => "DeleteGlobal",
            Instr::LoadName(_) => "LoadName",
            Instr::StoreName(_) => "StoreName",
            Instr::DeleteName(_) => "DeleteName",
            Instr::LoadAttr(_) => "LoadAttr",
            Instr::StoreAttr(_) => "StoreAttr",
            Instr::DeleteAttr(_) => "DeleteAttr",
            Instr::LoadSubscr => "LoadSubscr",
            Instr::StoreSubscr => "StoreSubscr",
            Instr::DeleteSubscr => "DeleteSubscr",
            Instr::BuildTuple(_) => "BuildTuple",
            Instr::BuildList(_) => "BuildList",
            Instr::BuildMap(_) => "BuildMap",
            Instr::BuildSlice(_) => "BuildSlice",
            Instr::BuildString(_) => "BuildString",
            Instr::ListAppend(_) => "ListAppend",
            Instr::ListExtend(_) => "ListExtend",
            Instr::MapAdd(_) => "MapAdd",
            Instr::DictMerge(_) => "DictMerge",
            Instr::ListToTuple => "ListToTuple",
            Instr::UnpackSequence(_) => "UnpackSequence",
            Instr::BinaryOp(_) => "BinaryOp",
            Instr::InplaceOp(_) => "InplaceOp",
            Instr::UnaryOp(_) => "UnaryOp",
            Instr::Compare(_) => "Compare",
            Instr::Jump(_) => "Jump",
            Instr::JumpBackward(_) => "JumpBackward",
            Instr::PopJumpIfFalse(_) => "PopJumpIfFalse",
            Instr::PopJumpIfTrue(_) => "PopJumpIfTrue",
            Instr::JumpIfFalseOrPop(_) => "JumpIfFalseOrPop",
            Instr::JumpIfTrueOrPop(_) => "JumpIfTrueOrPop",
            Instr::GetIter => "GetIter",
            Instr::ForIter(_) => "ForIter",
            Instr::Call(_) => "Call",
            Instr::CallKw(_) => "CallKw",
            Instr::CallEx { .. } => "CallEx",
            Instr::MakeFunction(_) => "MakeFunction",
            Instr::MakeClass(_) => "MakeClass",
            Instr::LoadLocals => "LoadLocals",
            Instr::Return => "Return",
            Instr::SetupExcept(_) => "SetupExcept",
            Instr::SetupFinally(_) => "SetupFinally",
            Instr::PopBlock => "PopBlock",
            Instr::PopExcept => "PopExcept",
            Instr::CheckExcMatch => "CheckExcMatch",
            Instr::Raise(_) => "Raise",
            Instr::Reraise => "Reraise",
            Instr::LoadAssertionError => "LoadAssertionError",
            Instr::WithEnter(_) => "WithEnter",
            Instr::WithExit => "WithExit",
            Instr::WithExceptExit => "WithExceptExit",
            Instr::Import(_) => "Import",
            Instr::ImportFrom(_) => "ImportFrom",
            Instr::FormatValue { .. } => "FormatValue",
        }
    }
}

/// Control-flow successors of one instruction, as `(target, stack effect on that edge)`.
fn successors(pc: usize, ins: &Instr) -> Vec<(usize, i64)> {
    let next = pc + 1;
    let n = |x: u32| i64::from(x);
    let fall = |e: i64| vec![(next, e)];
    match *ins {
        Instr::Nop
        | Instr::Rot2
        | Instr::Rot3
        | Instr::DeleteFast(_)
        | Instr::DeleteDeref(_)
        | Instr::DeleteGlobal(_)
        | Instr::DeleteName(_)
        | Instr::LoadAttr(_)
        | Instr::ListToTuple
        | Instr::UnaryOp(_)
        | Instr::GetIter
        | Instr::PopBlock
        | Instr::PopExcept
        | Instr::CheckExcMatch => fall(0),
        Instr::Pop
        | Instr::StoreFast(_)
        | Instr::StoreDeref(_)
        | Instr::StoreGlobal(_)
        | Instr::StoreName(_)
        | Instr::DeleteAttr(_)
        | Instr::LoadSubscr
        | Instr::ListAppend(_)
        | Instr::ListExtend(_)
        | Instr::DictMerge(_)
        | Instr::BinaryOp(_)
        | Instr::InplaceOp(_)
        | Instr::Compare(_)
        | Instr::WithExit => fall(-1),
        Instr::Dup
        | Instr::LoadConst(_)
        | Instr::LoadFast(_)
        | Instr::LoadDeref(_)
        | Instr::LoadClosure(_)
        | Instr::LoadGlobal(_)
        | Instr::LoadName(_)
        | Instr::LoadLocals
        | Instr::LoadAssertionError
        | Instr::Import(_)
        | Instr::ImportFrom(_) => fall(1),
        Instr::Dup2 => fall(2),
        Instr::StoreAttr(_) | Instr::DeleteSubscr | Instr::MapAdd(_) | Instr::WithExceptExit => {
            fall(-2)
        }
        Instr::StoreSubscr => fall(-3),
        Instr::BuildTuple(k)
        | Instr::BuildList(k)
        | Instr::BuildSlice(k)
        | Instr::BuildString(k) => fall(1 - n(k)),
        Instr::BuildMap(k) => fall(1 - 2 * n(k)),
        Instr::UnpackSequence(k) => fall(n(k) - 1),
        Instr::Call(k) => fall(-n(k)),
        Instr::CallKw(k) => fall(-n(k) - 1),
        Instr::CallEx { kwargs } => fall(if kwargs { -2 } else { -1 }),
        Instr::MakeFunction(f) => {
            fall(-i64::from(f.defaults) - i64::from(f.kwdefaults) - i64::from(f.closure))
        }
        Instr::MakeClass(k) => fall(-n(k) - 1),
        Instr::FormatValue { spec, .. } => fall(if spec { -1 } else { 0 }),
        Instr::Return | Instr::Raise(_) | Instr::Reraise => vec![],
        Instr::Jump(t) | Instr::JumpBackward(t) => vec![(t as usize, 0)],
        Instr::PopJumpIfFalse(t) | Instr::PopJumpIfTrue(t) => vec![(next, -1), (t as usize, -1)],
        Instr::JumpIfFalseOrPop(t) | Instr::JumpIfTrueOrPop(t) => {
            vec![(next, -1), (t as usize, 0)]
        }
        Instr::ForIter(t) => vec![(next, 1), (t as usize, -1)],
        Instr::SetupExcept(t) | Instr::SetupFinally(t) => vec![(next, 0), (t as usize, 1)],
        Instr::WithEnter(t) => vec![(next, 1), (t as usize, 1)],
    }
}

/// Whether control can run past the last instruction: some instruction reachable from the
/// entry (following every control-flow edge, the handler edges of the block set-up
/// instructions included) falls through or jumps to index `instructions.len()`.
///
/// The compiler asks this of a function body to decide whether it needs the implicit
/// `return None`: looking only at the last instruction is wrong both ways (`if n: return 1`
/// ends in `Return` yet its false branch jumps past it; a body ending in `raise` or in a loop
/// that only exits by `return` never falls off). Unreachable code is ignored, like
/// [`stack_depth`] ignores it.
pub fn reaches_end(instructions: &[Instr]) -> bool {
    let end = instructions.len();
    let mut seen = vec![false; end + 1];
    let mut work = vec![0usize];
    while let Some(pc) = work.pop() {
        if pc >= end {
            return true;
        }
        if std::mem::replace(&mut seen[pc], true) {
            continue;
        }
        work.extend(
            successors(pc, &instructions[pc])
                .into_iter()
                .map(|(t, _)| t),
        );
    }
    false
}

/// Checks that every instruction is reached with one consistent value-stack depth (handlers
/// entered with the exception pushed) that never goes negative, and returns the maximum
/// depth. The compiler stores the result in [`CodeObject::max_stack`].
pub fn stack_depth(instructions: &[Instr]) -> Result<u32, String> {
    let mut depth: Vec<Option<i64>> = vec![None; instructions.len() + 1];
    let mut work = vec![(0usize, 0i64)];
    let mut max = 0i64;
    while let Some((pc, d)) = work.pop() {
        if pc >= instructions.len() {
            return Err(format!("control flows past the end (depth {d})"));
        }
        match depth[pc] {
            Some(seen) if seen == d => continue,
            Some(seen) => {
                return Err(format!(
                    "instruction {pc} reached with depths {seen} and {d}"
                ))
            }
            None => depth[pc] = Some(d),
        }
        for (t, e) in successors(pc, &instructions[pc]) {
            let nd = d + e;
            if nd < 0 {
                return Err(format!("stack underflow after instruction {pc}"));
            }
            max = max.max(nd).max(d);
            work.push((t, nd));
        }
    }
    Ok(max as u32)
}

/// What a code object is the body of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeKind {
    /// A module: names are globals (`*Global` instructions); runs with no arguments.
    Module,
    /// A `def` or `lambda`.
    Function,
    /// A class body: runs with a fresh namespace dict (`*Name`, `LoadLocals`).
    ClassBody,
    /// A list/dict comprehension or (eager) generator expression: one positional argument `.0`
    /// (the iterator of the outermost `for`).
    Comprehension,
}

/// A compiled unit of code. Immutable and `Send + Sync`; shared with `Arc`.
#[derive(Debug, Clone)]
pub struct CodeObject {
    /// `<module>`, the function / class name, `<lambda>`, `<listcomp>`, `<dictcomp>`,
    /// `<genexpr>`.
    pub name: String,
    /// Dotted qualified name (`C.method`, `f.<locals>.g`).
    pub qualname: String,
    /// Source file name.
    pub filename: Arc<str>,
    /// What this is the body of.
    pub kind: CodeKind,
    /// Line of the `def` / `class` / first statement.
    pub first_line: u32,
    /// Number of positional parameters (including positional-only); they are
    /// `varnames[..argcount]`.
    pub argcount: u32,
    /// How many of the first `argcount` parameters are positional-only.
    pub posonlyargcount: u32,
    /// Number of keyword-only parameters: `varnames[argcount..argcount + kwonlyargcount]`.
    pub kwonlyargcount: u32,
    /// `*args` parameter: the next entry of `varnames` after the keyword-only ones.
    pub has_varargs: bool,
    /// `**kwargs` parameter: the next entry of `varnames` after that.
    pub has_varkeywords: bool,
    /// Number of defaults for the trailing positional parameters (the tuple `MakeFunction`
    /// pops has this length).
    pub num_defaults: u32,
    /// Fast locals: parameters first (in the order above), then other locals.
    pub varnames: Vec<String>,
    /// Locals of this code captured by inner functions. Cell slots `0..cellvars.len()`.
    pub cellvars: Vec<String>,
    /// Variables captured from enclosing functions. Cell slots
    /// `cellvars.len()..cellvars.len() + freevars.len()`, filled from the closure tuple.
    pub freevars: Vec<String>,
    /// For each cellvar, the parameter (index into `varnames`) whose argument value the VM
    /// must copy into the fresh cell at frame entry, if the cellvar is a parameter.
    pub cell2arg: Vec<Option<u32>>,
    /// Constant table.
    pub constants: Vec<Constant>,
    /// Global, attribute, module and class-namespace names.
    pub names: Vec<String>,
    /// The code.
    pub instructions: Vec<Instr>,
    /// Source line of each instruction (`lines.len() == instructions.len()`).
    pub lines: Vec<u32>,
    /// Maximum value-stack depth of a frame running this code (see [`stack_depth`]).
    pub max_stack: u32,
}

impl CodeObject {
    /// Number of parameters, including `*args` / `**kwargs`.
    pub fn total_params(&self) -> usize {
        (self.argcount + self.kwonlyargcount) as usize
            + usize::from(self.has_varargs)
            + usize::from(self.has_varkeywords)
    }

    /// Name of cell slot `i` (`cellvars ++ freevars`).
    pub fn cell_name(&self, i: u32) -> &str {
        let i = i as usize;
        if i < self.cellvars.len() {
            &self.cellvars[i]
        } else {
            &self.freevars[i - self.cellvars.len()]
        }
    }

    /// Source line of instruction `pc`.
    pub fn line_of(&self, pc: usize) -> u32 {
        self.lines.get(pc).copied().unwrap_or(self.first_line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instr_is_compact() {
        assert!(std::mem::size_of::<Instr>() <= 8);
    }

    #[test]
    fn code_object_is_send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<CodeObject>();
        assert_send_sync::<Constant>();
        assert_send_sync::<Arc<CodeObject>>();
    }

    #[test]
    fn reaches_end_follows_every_edge() {
        // Empty code: the entry *is* the end.
        assert!(reaches_end(&[]));
        // `if c: return 1` -- ends in `Return`, but the false branch jumps past it.
        let if_return = [
            Instr::LoadFast(0),
            Instr::PopJumpIfFalse(4),
            Instr::LoadConst(0),
            Instr::Return,
        ];
        assert!(reaches_end(&if_return));
        // `while True: pass` with no exit edge, then dead code: never reaches the end.
        let forever = [Instr::Nop, Instr::JumpBackward(0), Instr::Nop];
        assert!(!reaches_end(&forever));
        // A handler edge counts: `SetupExcept` to a handler that falls off.
        let handler = [
            Instr::SetupExcept(3),
            Instr::LoadConst(0),
            Instr::Return,
            Instr::Pop,
        ];
        assert!(reaches_end(&handler));
        assert!(!reaches_end(&[Instr::LoadConst(0), Instr::Return]));
    }

    #[test]
    fn constant_identity() {
        assert!(!Constant::Int(1.into()).same_as(&Constant::Bool(true)));
        assert!(!Constant::Float(0.0).same_as(&Constant::Float(-0.0)));
        assert!(Constant::Str("a".into()).same_as(&Constant::Str("a".into())));
        assert_eq!(Constant::Float(2.0).to_string(), "2.0");
        assert_eq!(
            Constant::Tuple(vec![Constant::Str("x".into())]).to_string(),
            "(\"x\",)"
        );
    }
}
