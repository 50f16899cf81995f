//! AST -> bytecode compiler. Statements live in `stmt.rs`, expressions in `expr.rs`, the
//! symbol table in `scope.rs`; this file holds the per-code-object builder, labels, the
//! compile-time block stack used to unwind `return` / `break` / `continue`, and the entry point.
//! What it produces is defined in [`bytecode`]; [`disassemble`] renders it; [`error`] holds
//! compile errors.

pub mod bytecode;
mod disasm;
pub mod error;
mod expr;
mod limits;
mod scope;
mod stmt;

pub use disasm::disassemble;

use std::collections::HashMap;
use std::sync::Arc;

use rustpython_parser::ast::{self, Ranged, Stmt};
use rustpython_parser::Parse;

use self::bytecode::{CodeKind, CodeObject, Constant, Instr};
use self::error::CompileError;
use self::scope::{ScopeInfo, ScopeKey, ScopeKind, Sym, SymbolTable};

/// Byte offset -> (line, column) for error messages and the line table.
pub(crate) struct SourceMap {
    pub filename: String,
    line_starts: Vec<u32>,
}

impl SourceMap {
    fn new(source: &str, filename: &str) -> Self {
        let mut line_starts = vec![0u32];
        for (i, b) in source.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        SourceMap {
            filename: filename.to_string(),
            line_starts,
        }
    }

    /// 1-based line and column of a byte offset.
    pub fn position(&self, at: ast::text_size::TextSize) -> (u32, u32) {
        let off = at.to_u32();
        let line = match self.line_starts.binary_search(&off) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        (line as u32 + 1, off - self.line_starts[line] + 1)
    }

    pub fn line(&self, at: ast::text_size::TextSize) -> u32 {
        self.position(at).0
    }
}

/// A jump label (index into `CodeUnit::labels` until the code object is finished).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Label(u32);

/// Compile-time block: what must be undone when `return` / `break` / `continue` leaves it.
#[derive(Clone, Copy)]
pub(crate) enum FBlock<'a> {
    /// `while` loop.
    While { start: Label, end: Label },
    /// `for` loop: its iterator is on the value stack.
    For { start: Label, end: Label },
    /// Inside the body of `try` with an active `SetupExcept`.
    TryExcept,
    /// Inside the body of `try` with an active `SetupFinally`; the `finally` body is inlined
    /// on every early exit.
    Finally { body: &'a [Stmt] },
    /// Inside a `finally` body on the exceptional path: the exception is on the value stack.
    FinallyEnd,
    /// Inside an `except` handler body: an except-handler block is active.
    ExceptHandler,
    /// Inside a `with` body: the context manager is on the value stack.
    With,
}

/// A code object under construction.
pub(crate) struct CodeUnit<'a> {
    scope: Arc<ScopeInfo>,
    name: String,
    qualname: String,
    kind: CodeKind,
    first_line: u32,
    argcount: u32,
    posonlyargcount: u32,
    kwonlyargcount: u32,
    has_varargs: bool,
    has_varkeywords: bool,
    num_defaults: u32,
    constants: Vec<Constant>,
    names: Vec<String>,
    names_map: HashMap<String, u32>,
    instructions: Vec<Instr>,
    lines: Vec<u32>,
    labels: Vec<Option<u32>>,
    fblocks: Vec<FBlock<'a>>,
    line: u32,
}

/// Signature information for a new function-like unit.
#[derive(Default)]
pub(crate) struct Signature {
    argcount: u32,
    posonlyargcount: u32,
    kwonlyargcount: u32,
    has_varargs: bool,
    has_varkeywords: bool,
    num_defaults: u32,
}

pub(crate) struct Compiler<'a> {
    src: SourceMap,
    filename: Arc<str>,
    symtable: SymbolTable,
    units: Vec<CodeUnit<'a>>,
}

pub(crate) type CResult<T = ()> = Result<T, CompileError>;

/// Compiles the source of a module into its code object (nested functions, classes and
/// comprehensions are `Constant::Code` entries of its constant table).
///
/// Errors: [`CompileErrorKind::SyntaxError`](crate::CompileErrorKind::SyntaxError) for invalid
/// Python (including more than 200 nested brackets),
/// [`CompileErrorKind::IndentationError`](crate::CompileErrorKind::IndentationError) for 100
/// levels of indentation,
/// [`CompileErrorKind::RecursionError`](crate::CompileErrorKind::RecursionError) for
/// statements / expressions nested more than 3 000 deep,
/// [`CompileErrorKind::NotImplemented`](crate::CompileErrorKind::NotImplemented) for
/// constructs outside the supported subset.
///
/// Runs on a thread of its own with a large stack (see `limits`), so the caller's stack size
/// does not matter.
pub fn compile(source: &str, filename: &str) -> Result<Arc<CodeObject>, CompileError> {
    limits::run_on_big_stack(|| compile_here(source, filename))
}

/// Parses `source` into a module body, rejecting too many nested brackets (or indentation
/// levels) before the parser builds an AST for them.
fn parse(source: &str, src: &SourceMap) -> Result<ast::Suite, CompileError> {
    // Up to and including the end-of-file token or the first lexical error: after an error
    // (an unclosed bracket at the end of the file) the lexer may go on yielding errors.
    let mut tokens = Vec::new();
    for t in ast::Suite::lex_starts_at(source, Default::default()) {
        let last = matches!(t, Err(_) | Ok((rustpython_parser::Tok::EndOfFile, _)));
        tokens.push(t);
        if last {
            break;
        }
    }
    if let Some((limit, at)) = limits::check_tokens(&tokens) {
        let (line, col) = src.position(at);
        let mut e = CompileError::syntax("too many nested parentheses", &src.filename, line, col);
        if limit == limits::TokenLimit::Indent {
            e.kind = error::CompileErrorKind::IndentationError;
            e.message = "too many levels of indentation".into();
        }
        return Err(e);
    }
    if let Some((n, at)) = limits::check_int_literals(source, &tokens) {
        let (line, col) = src.position(at);
        let limit = crate::objects::bigint::DEFAULT_MAX_STR_DIGITS;
        let m = crate::objects::bigint::from_str_limit_message(limit, n);
        let m = format!(
            "{m} - Consider hexadecimal for huge integer literals to avoid decimal conversion \
             limits."
        );
        return Err(CompileError::syntax(m, &src.filename, line, col));
    }
    ast::Suite::parse_tokens(tokens, &src.filename).map_err(|e| {
        let (line, col) = src.position(e.offset);
        CompileError::syntax(
            format!("invalid syntax: {}", e.error),
            &src.filename,
            line,
            col,
        )
    })
}

/// [`compile`] on the current thread.
fn compile_here(source: &str, filename: &str) -> Result<Arc<CodeObject>, CompileError> {
    let src = SourceMap::new(source, filename);
    let suite = parse(source, &src)?;
    let symtable = match SymbolTable::build(&suite, &src) {
        Ok(t) => t,
        Err(e) => {
            if e.kind == error::CompileErrorKind::RecursionError {
                // Dropping the AST recurses as deep as it is nested, and past the limit that
                // depth is unbounded (100 000 terms of `1 + 1 + ...`): leak it instead. Only
                // this error path leaks, at most a few times the size of the source.
                std::mem::forget(suite);
            }
            return Err(e);
        }
    };
    let module_scope = symtable.scopes[&(0, 0, scope::TAG_MODULE)].clone();
    let mut c = Compiler {
        src,
        filename: Arc::from(filename),
        symtable,
        units: Vec::new(),
    };
    let first_line = suite.first().map_or(1, |s| c.src.line(s.start()));
    c.push_unit(
        module_scope,
        "<module>".into(),
        "<module>".into(),
        CodeKind::Module,
        first_line,
        Signature::default(),
    );
    c.stmts(&suite)?;
    if let Some(last) = suite.last() {
        c.set_line(last.start());
    }
    // `pop_unit` adds the module's `return None`.
    Ok(Arc::new(c.pop_unit()))
}

impl<'a> Compiler<'a> {
    fn unit(&mut self) -> &mut CodeUnit<'a> {
        self.units.last_mut().expect("no code unit")
    }

    fn unit_ref(&self) -> &CodeUnit<'a> {
        self.units.last().expect("no code unit")
    }

    pub(crate) fn scope_info(&self, key: ScopeKey) -> Arc<ScopeInfo> {
        self.symtable
            .scopes
            .get(&key)
            .cloned()
            .expect("scope missing from the symbol table")
    }

    pub(crate) fn push_unit(
        &mut self,
        scope: Arc<ScopeInfo>,
        name: String,
        qualname: String,
        kind: CodeKind,
        first_line: u32,
        sig: Signature,
    ) {
        self.units.push(CodeUnit {
            scope,
            name,
            qualname,
            kind,
            first_line,
            argcount: sig.argcount,
            posonlyargcount: sig.posonlyargcount,
            kwonlyargcount: sig.kwonlyargcount,
            has_varargs: sig.has_varargs,
            has_varkeywords: sig.has_varkeywords,
            num_defaults: sig.num_defaults,
            constants: Vec::new(),
            names: Vec::new(),
            names_map: HashMap::new(),
            instructions: Vec::new(),
            lines: Vec::new(),
            labels: Vec::new(),
            fblocks: Vec::new(),
            line: first_line,
        });
    }

    /// Drops the current (incomplete) unit if its body failed to compile.
    pub(crate) fn finish_unit(&mut self, body: CResult) -> CResult {
        if body.is_err() {
            self.units.pop();
        }
        body
    }

    /// Finishes the current unit: resolves labels, marks back-edges, adds the implicit
    /// `return None` of a module or function body where control can reach the end, and checks
    /// the stack discipline.
    ///
    /// The implicit return is decided on the resolved control-flow graph
    /// ([`bytecode::reaches_end`]), not on the last statement or instruction: a label bound
    /// after the last instruction (the end of an `if`, a loop exit, the `end` of a `try`) is an
    /// edge to the end even when the code ends in `Return`, and it resolves to the appended
    /// `LoadConst None`. Class bodies and comprehensions end in their own `Return` (and
    /// lambdas in the `Return` of their value), so for them a reachable end is a compiler bug
    /// that [`bytecode::stack_depth`] reports.
    pub(crate) fn pop_unit(&mut self) -> CodeObject {
        let mut u = self.units.pop().expect("no code unit");
        let mut instructions = std::mem::take(&mut u.instructions);
        for (pc, ins) in instructions.iter_mut().enumerate() {
            if let Some(t) = ins.jump_target_mut() {
                *t = u.labels[*t as usize].expect("unbound label");
            }
            if let Instr::Jump(t) = *ins {
                if t as usize <= pc {
                    *ins = Instr::JumpBackward(t);
                }
            }
            debug_assert!(
                ins.is_safepoint() || ins.jump_target().map_or(true, |t| t as usize > pc),
                "conditional backward jump at {pc}"
            );
        }
        if matches!(u.kind, CodeKind::Module | CodeKind::Function)
            && self::bytecode::reaches_end(&instructions)
        {
            let none = match u.constants.iter().position(|c| c.same_as(&Constant::None)) {
                Some(i) => i as u32,
                None => {
                    u.constants.push(Constant::None);
                    u.constants.len() as u32 - 1
                }
            };
            instructions.push(Instr::LoadConst(none));
            instructions.push(Instr::Return);
            u.lines.extend([u.line, u.line]);
        }
        let scope = &u.scope;
        let cell2arg = scope
            .cellvars
            .iter()
            .map(|c| {
                let nparams = (u.argcount + u.kwonlyargcount) as usize
                    + usize::from(u.has_varargs)
                    + usize::from(u.has_varkeywords);
                scope.varnames[..nparams.min(scope.varnames.len())]
                    .iter()
                    .position(|v| v == c)
                    .map(|i| i as u32)
            })
            .collect();
        let max_stack = self::bytecode::stack_depth(&instructions).unwrap_or_else(|e| {
            panic!(
                "interp compiler bug in {}: inconsistent stack: {e}",
                u.qualname
            )
        });
        CodeObject {
            max_stack,
            name: u.name,
            qualname: u.qualname,
            filename: self.filename.clone(),
            kind: u.kind,
            first_line: u.first_line,
            argcount: u.argcount,
            posonlyargcount: u.posonlyargcount,
            kwonlyargcount: u.kwonlyargcount,
            has_varargs: u.has_varargs,
            has_varkeywords: u.has_varkeywords,
            num_defaults: u.num_defaults,
            varnames: scope.varnames.clone(),
            cellvars: scope.cellvars.clone(),
            freevars: scope.freevars.clone(),
            cell2arg,
            constants: u.constants,
            names: u.names,
            instructions,
            lines: u.lines,
        }
    }

    pub(crate) fn emit(&mut self, ins: Instr) {
        let u = self.unit();
        let line = u.line;
        u.instructions.push(ins);
        u.lines.push(line);
    }

    pub(crate) fn new_label(&mut self) -> Label {
        let u = self.unit();
        u.labels.push(None);
        Label(u.labels.len() as u32 - 1)
    }

    pub(crate) fn bind_label(&mut self, l: Label) {
        let u = self.unit();
        debug_assert!(u.labels[l.0 as usize].is_none(), "label bound twice");
        u.labels[l.0 as usize] = Some(u.instructions.len() as u32);
    }

    /// Emits a jump-like instruction to a label (the constructor gets the label id).
    pub(crate) fn emit_jump(&mut self, make: fn(u32) -> Instr, l: Label) {
        self.emit(make(l.0));
    }

    pub(crate) fn set_line(&mut self, at: ast::text_size::TextSize) -> u32 {
        let line = self.src.line(at);
        std::mem::replace(&mut self.unit().line, line)
    }

    pub(crate) fn restore_line(&mut self, line: u32) {
        self.unit().line = line;
    }

    pub(crate) fn const_index(&mut self, c: Constant) -> u32 {
        let u = self.unit();
        if let Some(i) = u.constants.iter().position(|x| x.same_as(&c)) {
            return i as u32;
        }
        u.constants.push(c);
        u.constants.len() as u32 - 1
    }

    pub(crate) fn load_const(&mut self, c: Constant) {
        let i = self.const_index(c);
        self.emit(Instr::LoadConst(i));
    }

    pub(crate) fn name_index(&mut self, name: &str) -> u32 {
        let u = self.unit();
        if let Some(&i) = u.names_map.get(name) {
            return i;
        }
        u.names.push(name.to_string());
        let i = u.names.len() as u32 - 1;
        u.names_map.insert(name.to_string(), i);
        i
    }

    /// Index of `name` in the current unit's `cellvars ++ freevars`.
    pub(crate) fn cell_index(&self, name: &str) -> Option<u32> {
        let s = &self.unit_ref().scope;
        if let Some(i) = s.cellvars.iter().position(|c| c == name) {
            return Some(i as u32);
        }
        s.freevars
            .iter()
            .position(|c| c == name)
            .map(|i| (i + s.cellvars.len()) as u32)
    }

    pub(crate) fn kind(&self) -> CodeKind {
        self.unit_ref().kind
    }

    pub(crate) fn qualname_for(&self, name: &str) -> String {
        let u = self.unit_ref();
        match u.kind {
            CodeKind::Module => name.to_string(),
            CodeKind::ClassBody => format!("{}.{name}", u.qualname),
            _ => format!("{}.<locals>.{name}", u.qualname),
        }
    }

    /// Emits the load / store / delete of a variable according to the symbol table.
    pub(crate) fn name_op(&mut self, name: &str, ctx: ast::ExprContext) {
        let scope = self.unit_ref().scope.clone();
        let sym = match scope.kind {
            ScopeKind::Module => Sym::Global,
            _ => scope.lookup(name),
        };
        let ins = match sym {
            Sym::Local => {
                let i = scope
                    .varnames
                    .iter()
                    .position(|v| v == name)
                    .expect("local missing from varnames") as u32;
                match ctx {
                    ast::ExprContext::Load => Instr::LoadFast(i),
                    ast::ExprContext::Store => Instr::StoreFast(i),
                    ast::ExprContext::Del => Instr::DeleteFast(i),
                }
            }
            Sym::Cell | Sym::Free => {
                let i = self.cell_index(name).expect("cell missing");
                match ctx {
                    ast::ExprContext::Load => Instr::LoadDeref(i),
                    ast::ExprContext::Store => Instr::StoreDeref(i),
                    ast::ExprContext::Del => Instr::DeleteDeref(i),
                }
            }
            Sym::Global => {
                let i = self.name_index(name);
                match ctx {
                    ast::ExprContext::Load => Instr::LoadGlobal(i),
                    ast::ExprContext::Store => Instr::StoreGlobal(i),
                    ast::ExprContext::Del => Instr::DeleteGlobal(i),
                }
            }
            Sym::Name => {
                let i = self.name_index(name);
                match ctx {
                    ast::ExprContext::Load => Instr::LoadName(i),
                    ast::ExprContext::Store => Instr::StoreName(i),
                    ast::ExprContext::Del => Instr::DeleteName(i),
                }
            }
        };
        self.emit(ins);
    }

    pub(crate) fn syntax_err(
        &self,
        msg: impl Into<String>,
        at: ast::text_size::TextSize,
    ) -> CompileError {
        let (line, col) = self.src.position(at);
        CompileError::syntax(msg, &self.src.filename, line, col)
    }

    pub(crate) fn unsupported(
        &self,
        construct: &str,
        at: ast::text_size::TextSize,
    ) -> CompileError {
        let (line, col) = self.src.position(at);
        CompileError::unsupported(construct, &self.src.filename, line, col)
    }

    pub(crate) fn push_fblock(&mut self, b: FBlock<'a>) {
        self.unit().fblocks.push(b);
    }

    pub(crate) fn pop_fblock(&mut self) {
        self.unit().fblocks.pop();
    }

    /// Emits the cleanup for leaving one block early. `preserve_tos`: a return value is on top
    /// of the stack and must survive.
    fn unwind_one(&mut self, b: FBlock<'a>, preserve_tos: bool) -> CResult {
        match b {
            FBlock::While { .. } => {}
            FBlock::For { .. } => {
                if preserve_tos {
                    self.emit(Instr::Rot2);
                }
                self.emit(Instr::Pop);
            }
            FBlock::TryExcept => self.emit(Instr::PopBlock),
            FBlock::Finally { body } => {
                self.emit(Instr::PopBlock);
                // The enclosing blocks are already the current fblock stack. A pending return
                // value stays on the stack while the body runs, so a `break`, `continue` or
                // `return` in the body must drop it first: the body runs inside a block that
                // does (`FinallyEnd`, CPython's `POP_VALUE`).
                if preserve_tos {
                    self.push_fblock(FBlock::FinallyEnd);
                }
                let r = self.stmts(body);
                if preserve_tos {
                    self.pop_fblock();
                }
                r?;
            }
            FBlock::FinallyEnd => {
                if preserve_tos {
                    self.emit(Instr::Rot2);
                }
                self.emit(Instr::Pop);
            }
            FBlock::ExceptHandler => self.emit(Instr::PopExcept),
            FBlock::With => {
                self.emit(Instr::PopBlock);
                if preserve_tos {
                    self.emit(Instr::Rot2);
                }
                self.emit(Instr::WithExit);
            }
        }
        Ok(())
    }

    /// Unwinds every block of the current code unit (for `return`).
    pub(crate) fn unwind_all(&mut self, preserve_tos: bool) -> CResult {
        let saved = self.unit_ref().fblocks.clone();
        let mut res = Ok(());
        while let Some(b) = self.unit().fblocks.pop() {
            res = self.unwind_one(b, preserve_tos);
            if res.is_err() {
                break;
            }
        }
        self.unit().fblocks = saved;
        res
    }

    /// Unwinds up to the innermost loop (for `break` / `continue`); returns the loop's labels
    /// `(start, end, is_for)` or `None` outside a loop.
    pub(crate) fn unwind_to_loop(&mut self) -> CResult<Option<(Label, Label, bool)>> {
        let saved = self.unit_ref().fblocks.clone();
        let mut found = None;
        while let Some(b) = self.unit().fblocks.pop() {
            match b {
                FBlock::While { start, end } => {
                    found = Some((start, end, false));
                    break;
                }
                FBlock::For { start, end } => {
                    found = Some((start, end, true));
                    break;
                }
                other => {
                    if let Err(e) = self.unwind_one(other, false) {
                        self.unit().fblocks = saved;
                        return Err(e);
                    }
                }
            }
        }
        self.unit().fblocks = saved;
        Ok(found)
    }

    /// Compiles a function-like body into a nested unit and emits `MakeFunction` (the caller has
    /// already pushed the defaults / kwdefaults operands described by `flags`).
    pub(crate) fn finish_function(
        &mut self,
        code: CodeObject,
        mut flags: self::bytecode::MakeFunctionFlags,
    ) {
        if !code.freevars.is_empty() {
            for fv in &code.freevars {
                let i = self
                    .cell_index(fv)
                    .expect("free variable not available in the enclosing scope");
                self.emit(Instr::LoadClosure(i));
            }
            self.emit(Instr::BuildTuple(code.freevars.len() as u32));
            flags.closure = true;
        }
        self.load_const(Constant::Code(Arc::new(code)));
        self.emit(Instr::MakeFunction(flags));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disassemble;
    use crate::error::CompileErrorKind;

    fn code(src: &str) -> Arc<CodeObject> {
        compile(src, "<unit>").unwrap_or_else(|e| panic!("{e}"))
    }

    fn child<'c>(c: &'c CodeObject, name: &str) -> &'c CodeObject {
        c.constants
            .iter()
            .find_map(|k| match k {
                Constant::Code(k) if k.name == name => Some(&**k),
                _ => None,
            })
            .expect("nested code")
    }

    #[test]
    fn source_map_positions() {
        let m = SourceMap::new("ab\ncd\n\nx", "f");
        let at = |o: u32| m.position(ast::text_size::TextSize::from(o));
        assert_eq!(at(0), (1, 1));
        assert_eq!(at(1), (1, 2));
        assert_eq!(at(3), (2, 1));
        assert_eq!(at(7), (4, 1));
    }

    #[test]
    fn locals_globals_and_cells() {
        let m =
            code("g = 1\ndef f(a):\n    b = a + g\n    def h():\n        return b\n    return h\n");
        let f = child(&m, "f");
        assert_eq!(f.varnames, ["a", "h"]);
        assert_eq!(f.cellvars, ["b"]);
        assert!(f.instructions.contains(&Instr::LoadGlobal(0)));
        assert!(f.instructions.contains(&Instr::StoreDeref(0)));
        let h = child(f, "h");
        assert_eq!(h.freevars, ["b"]);
        assert_eq!(h.instructions[0], Instr::LoadDeref(0));
    }

    #[test]
    fn nonlocal_through_two_levels() {
        let m = code("def a():\n    x = 0\n    def b():\n        def c():\n            nonlocal x\n            x = 1\n        return c\n    return b\n");
        let a = child(&m, "a");
        assert_eq!(a.cellvars, ["x"]);
        let b = child(a, "b");
        assert_eq!(b.freevars, ["x"]);
        assert!(b.varnames.is_empty() || !b.varnames.contains(&"x".to_string()));
        let c = child(b, "c");
        assert_eq!(c.freevars, ["x"]);
        assert!(c.instructions.contains(&Instr::StoreDeref(0)));
    }

    #[test]
    fn global_declaration_wins_over_enclosing_local() {
        let m = code(
            "def a():\n    x = 0\n    def b():\n        global x\n        x = 2\n    return b\n",
        );
        let a = child(&m, "a");
        assert!(a.cellvars.is_empty());
        let b = child(a, "b");
        assert!(b.instructions.contains(&Instr::StoreGlobal(0)));
    }

    #[test]
    fn unbound_labels_never_escape() {
        let m = code("for i in x:\n    while i:\n        if i:\n            break\n        continue\n    else:\n        pass\n");
        for (pc, ins) in m.instructions.iter().enumerate() {
            if let Some(t) = ins.jump_target() {
                assert!((t as usize) < m.instructions.len() + 1, "{pc}: {ins:?}");
            }
        }
        assert!(disassemble(&m).contains("JumpBackward"));
    }

    #[test]
    fn errors_with_open_labels_do_not_panic() {
        for src in [
            "def f(x):\n    if x:\n        while x:\n            y = {1}\n",
            "class C:\n    for i in x:\n        try:\n            z = b''\n        except E:\n            pass\n",
            "f = lambda: [x for x in {1}]\n",
            "def f():\n    with m:\n        return (yield)\n",
        ] {
            let e = compile(src, "<unit>").unwrap_err();
            assert_eq!(e.kind, CompileErrorKind::NotImplemented, "{src}");
        }
    }

    #[test]
    fn errors_in_nested_scopes_report_their_line() {
        let e = compile("def f():\n    def g():\n        x = {1}\n", "<unit>").unwrap_err();
        assert_eq!(e.kind, CompileErrorKind::NotImplemented);
        assert_eq!(e.line, 3);
        assert_eq!(e.col, 13);
    }
}
