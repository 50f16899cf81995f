//! Statement compilation.

use rustpython_parser::ast::{self, Expr, Ranged, Stmt};

use super::scope::{key_of, TAG_CLASS, TAG_DEF};
use super::{CResult, Compiler, FBlock, Signature};
use crate::bytecode::{CodeKind, Constant, Instr, MakeFunctionFlags};

impl<'a> Compiler<'a> {
    pub(crate) fn stmts(&mut self, body: &'a [Stmt]) -> CResult {
        for s in body {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn stmt(&mut self, s: &'a Stmt) -> CResult {
        let saved = self.set_line(s.start());
        let r = self.stmt_inner(s);
        self.restore_line(saved);
        r
    }

    fn stmt_inner(&mut self, s: &'a Stmt) -> CResult {
        match s {
            Stmt::Expr(e) => {
                // Docstrings and other bare constants compile to nothing.
                if matches!(&*e.value, Expr::Constant(_)) {
                    return Ok(());
                }
                self.expr(&e.value)?;
                self.emit(Instr::Pop);
            }
            Stmt::Pass(_) | Stmt::Global(_) | Stmt::Nonlocal(_) => {}
            Stmt::Assign(a) => {
                self.expr(&a.value)?;
                for (i, t) in a.targets.iter().enumerate() {
                    if i + 1 < a.targets.len() {
                        self.emit(Instr::Dup);
                    }
                    self.store_target(t)?;
                }
            }
            Stmt::AnnAssign(a) => {
                if let Some(v) = &a.value {
                    self.expr(v)?;
                    self.store_target(&a.target)?;
                }
            }
            Stmt::AugAssign(a) => self.aug_assign(a)?,
            Stmt::Delete(d) => {
                for t in &d.targets {
                    self.delete_target(t)?;
                }
            }
            Stmt::If(i) => {
                let else_l = self.new_label();
                let end = self.new_label();
                self.expr(&i.test)?;
                self.emit_jump(Instr::PopJumpIfFalse, else_l);
                self.stmts(&i.body)?;
                if !i.orelse.is_empty() {
                    self.emit_jump(Instr::Jump, end);
                }
                self.bind_label(else_l);
                self.stmts(&i.orelse)?;
                self.bind_label(end);
            }
            Stmt::While(w) => {
                let start = self.new_label();
                let orelse = self.new_label();
                let end = self.new_label();
                self.bind_label(start);
                // `while True:` / `while 1:` emit no test (as CPython): the loop then has no
                // edge to its `else` or past it, so a body that leaves only by `return` needs
                // no implicit `return None` after it.
                if !always_true(&w.test) {
                    self.expr(&w.test)?;
                    self.emit_jump(Instr::PopJumpIfFalse, orelse);
                }
                self.push_fblock(FBlock::While { start, end });
                self.stmts(&w.body)?;
                self.pop_fblock();
                self.emit_jump(Instr::Jump, start);
                self.bind_label(orelse);
                self.stmts(&w.orelse)?;
                self.bind_label(end);
            }
            Stmt::For(f) => {
                let start = self.new_label();
                let exhausted = self.new_label();
                let end = self.new_label();
                self.expr(&f.iter)?;
                self.emit(Instr::GetIter);
                self.bind_label(start);
                self.emit_jump(Instr::ForIter, exhausted);
                self.store_target(&f.target)?;
                self.push_fblock(FBlock::For { start, end });
                self.stmts(&f.body)?;
                self.pop_fblock();
                self.emit_jump(Instr::Jump, start);
                self.bind_label(exhausted);
                self.stmts(&f.orelse)?;
                self.bind_label(end);
            }
            Stmt::Break(b) => match self.unwind_to_loop()? {
                Some((_, end, is_for)) => {
                    if is_for {
                        self.emit(Instr::Pop);
                    }
                    self.emit_jump(Instr::Jump, end);
                }
                None => return Err(self.syntax_err("'break' outside loop", b.range.start())),
            },
            Stmt::Continue(c) => match self.unwind_to_loop()? {
                Some((start, _, _)) => self.emit_jump(Instr::Jump, start),
                None => {
                    return Err(self.syntax_err("'continue' not properly in loop", c.range.start()))
                }
            },
            Stmt::Return(r) => {
                if !matches!(self.kind(), CodeKind::Function) {
                    return Err(self.syntax_err("'return' outside function", r.range.start()));
                }
                match &r.value {
                    Some(v) => self.expr(v)?,
                    None => self.load_const(Constant::None),
                }
                self.unwind_all(true)?;
                self.emit(Instr::Return);
            }
            Stmt::FunctionDef(f) => self.function_def(f)?,
            Stmt::ClassDef(c) => self.class_def(c)?,
            Stmt::Try(t) => self.try_stmt(t)?,
            Stmt::With(w) => self.with_items(&w.items, &w.body)?,
            Stmt::Raise(r) => {
                let mut n = 0;
                if let Some(e) = &r.exc {
                    self.expr(e)?;
                    n = 1;
                    if let Some(c) = &r.cause {
                        self.expr(c)?;
                        n = 2;
                    }
                }
                self.emit(Instr::Raise(n));
            }
            Stmt::Assert(a) => {
                let ok = self.new_label();
                self.expr(&a.test)?;
                self.emit_jump(Instr::PopJumpIfTrue, ok);
                self.emit(Instr::LoadAssertionError);
                if let Some(m) = &a.msg {
                    self.expr(m)?;
                    self.emit(Instr::Call(1));
                }
                self.emit(Instr::Raise(1));
                self.bind_label(ok);
            }
            Stmt::Import(i) => {
                for a in &i.names {
                    if a.name.contains('.') && a.asname.is_none() {
                        return Err(self.unsupported("dotted 'import a.b'", a.range.start()));
                    }
                    let ni = self.name_index(&a.name);
                    self.emit(Instr::Import(ni));
                    let bind = a.asname.as_ref().unwrap_or(&a.name);
                    self.name_op(bind, ast::ExprContext::Store);
                }
            }
            Stmt::ImportFrom(i) => {
                if i.level.is_some_and(|l| l.to_u32() > 0) {
                    return Err(self.unsupported("relative import", i.range.start()));
                }
                let module = match &i.module {
                    Some(m) => m.to_string(),
                    None => return Err(self.unsupported("relative import", i.range.start())),
                };
                let mi = self.name_index(&module);
                self.emit(Instr::Import(mi));
                for a in &i.names {
                    if a.name.as_str() == "*" {
                        return Err(self.unsupported("'from ... import *'", a.range.start()));
                    }
                    let ni = self.name_index(&a.name);
                    self.emit(Instr::ImportFrom(ni));
                    let bind = a.asname.as_ref().unwrap_or(&a.name);
                    self.name_op(bind, ast::ExprContext::Store);
                }
                self.emit(Instr::Pop);
            }
            Stmt::AsyncFunctionDef(f) => {
                return Err(self.unsupported("'async def'", f.range.start()))
            }
            Stmt::AsyncFor(f) => return Err(self.unsupported("'async for'", f.range.start())),
            Stmt::AsyncWith(w) => return Err(self.unsupported("'async with'", w.range.start())),
            Stmt::Match(m) => return Err(self.unsupported("'match' statement", m.range.start())),
            Stmt::TryStar(t) => return Err(self.unsupported("'except*'", t.range.start())),
            Stmt::TypeAlias(t) => return Err(self.unsupported("'type' alias", t.range.start())),
        }
        Ok(())
    }

    /// Stores TOS into an assignment target.
    pub(crate) fn store_target(&mut self, t: &'a Expr) -> CResult {
        match t {
            Expr::Name(n) => self.name_op(&n.id, ast::ExprContext::Store),
            Expr::Attribute(a) => {
                self.expr(&a.value)?;
                let i = self.name_index(&a.attr);
                self.emit(Instr::StoreAttr(i));
            }
            Expr::Subscript(s) => {
                self.expr(&s.value)?;
                self.expr(&s.slice)?;
                self.emit(Instr::StoreSubscr);
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                if let Some(st) = elts.iter().find(|e| matches!(e, Expr::Starred(_))) {
                    return Err(self.unsupported("starred assignment target '*x'", st.start()));
                }
                self.emit(Instr::UnpackSequence(elts.len() as u32));
                for e in elts {
                    self.store_target(e)?;
                }
            }
            Expr::Starred(s) => {
                return Err(self.unsupported("starred assignment target '*x'", s.range.start()))
            }
            other => return Err(self.syntax_err("cannot assign to expression", other.start())),
        }
        Ok(())
    }

    fn delete_target(&mut self, t: &'a Expr) -> CResult {
        match t {
            Expr::Name(n) => self.name_op(&n.id, ast::ExprContext::Del),
            Expr::Attribute(a) => {
                self.expr(&a.value)?;
                let i = self.name_index(&a.attr);
                self.emit(Instr::DeleteAttr(i));
            }
            Expr::Subscript(s) => {
                self.expr(&s.value)?;
                self.expr(&s.slice)?;
                self.emit(Instr::DeleteSubscr);
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for e in elts {
                    self.delete_target(e)?;
                }
            }
            other => return Err(self.syntax_err("cannot delete expression", other.start())),
        }
        Ok(())
    }

    fn aug_assign(&mut self, a: &'a ast::StmtAugAssign) -> CResult {
        let op = super::expr::bin_op(&a.op);
        match &*a.target {
            Expr::Name(n) => {
                self.name_op(&n.id, ast::ExprContext::Load);
                self.expr(&a.value)?;
                self.emit(Instr::InplaceOp(op));
                self.name_op(&n.id, ast::ExprContext::Store);
            }
            Expr::Attribute(at) => {
                self.expr(&at.value)?;
                self.emit(Instr::Dup);
                let i = self.name_index(&at.attr);
                self.emit(Instr::LoadAttr(i));
                self.expr(&a.value)?;
                self.emit(Instr::InplaceOp(op));
                self.emit(Instr::Rot2);
                self.emit(Instr::StoreAttr(i));
            }
            Expr::Subscript(s) => {
                self.expr(&s.value)?;
                self.expr(&s.slice)?;
                self.emit(Instr::Dup2);
                self.emit(Instr::LoadSubscr);
                self.expr(&a.value)?;
                self.emit(Instr::InplaceOp(op));
                self.emit(Instr::Rot3);
                self.emit(Instr::StoreSubscr);
            }
            other => {
                return Err(
                    self.syntax_err("illegal expression for augmented assignment", other.start())
                )
            }
        }
        Ok(())
    }

    /// Pushes positional defaults (tuple) and keyword-only defaults (dict) for a signature,
    /// evaluated in the current scope. Returns the flags and the signature.
    pub(crate) fn signature(
        &mut self,
        args: &'a ast::Arguments,
    ) -> CResult<(MakeFunctionFlags, Signature)> {
        let mut flags = MakeFunctionFlags::default();
        let positional: Vec<_> = args.posonlyargs.iter().chain(&args.args).collect();
        let defaults: Vec<&Expr> = positional
            .iter()
            .filter_map(|a| a.default.as_deref())
            .collect();
        if !defaults.is_empty() {
            for d in &defaults {
                self.expr(d)?;
            }
            self.emit(Instr::BuildTuple(defaults.len() as u32));
            flags.defaults = true;
        }
        let kw: Vec<_> = args
            .kwonlyargs
            .iter()
            .filter_map(|a| a.default.as_deref().map(|d| (a.def.arg.as_str(), d)))
            .collect();
        if !kw.is_empty() {
            for (name, d) in &kw {
                self.load_const(Constant::Str((*name).into()));
                self.expr(d)?;
            }
            self.emit(Instr::BuildMap(kw.len() as u32));
            flags.kwdefaults = true;
        }
        let sig = Signature {
            argcount: positional.len() as u32,
            posonlyargcount: args.posonlyargs.len() as u32,
            kwonlyargcount: args.kwonlyargs.len() as u32,
            has_varargs: args.vararg.is_some(),
            has_varkeywords: args.kwarg.is_some(),
            num_defaults: defaults.len() as u32,
        };
        Ok((flags, sig))
    }

    fn function_def(&mut self, f: &'a ast::StmtFunctionDef) -> CResult {
        if let Some(d) = f.decorator_list.first() {
            return Err(self.unsupported("decorator '@...'", d.start()));
        }
        if !f.type_params.is_empty() {
            return Err(self.unsupported("type parameters", f.range.start()));
        }
        let (flags, sig) = self.signature(&f.args)?;
        let scope = self.scope_info(key_of(f.range, TAG_DEF));
        let qualname = self.qualname_for(&f.name);
        let line = self.src.line(f.range.start());
        self.push_unit(
            scope,
            f.name.to_string(),
            qualname,
            CodeKind::Function,
            line,
            sig,
        );
        let body = self.stmts(&f.body);
        if let Some(last) = f.body.last() {
            // The implicit `return None` (added by `pop_unit` where control can reach the
            // end) is attributed to the last statement, as in CPython.
            self.set_line(last.start());
        }
        self.finish_unit(body)?;
        let code = self.pop_unit();
        self.finish_function(code, flags);
        self.name_op(&f.name, ast::ExprContext::Store);
        Ok(())
    }

    fn class_def(&mut self, c: &'a ast::StmtClassDef) -> CResult {
        if let Some(d) = c.decorator_list.first() {
            return Err(self.unsupported("decorator '@...'", d.start()));
        }
        if let Some(k) = c.keywords.first() {
            return Err(
                self.unsupported("class keyword arguments (metaclass=...)", k.range.start())
            );
        }
        if !c.type_params.is_empty() {
            return Err(self.unsupported("type parameters", c.range.start()));
        }
        if let Some(b) = c.bases.iter().find(|b| matches!(b, Expr::Starred(_))) {
            return Err(self.unsupported("starred class bases", b.start()));
        }
        let scope = self.scope_info(key_of(c.range, TAG_CLASS));
        let qualname = self.qualname_for(&c.name);
        let line = self.src.line(c.range.start());
        self.push_unit(
            scope,
            c.name.to_string(),
            qualname,
            CodeKind::ClassBody,
            line,
            Signature::default(),
        );
        let body = self.stmts(&c.body);
        self.emit(Instr::LoadLocals);
        self.emit(Instr::Return);
        self.finish_unit(body)?;
        let code = self.pop_unit();
        self.finish_function(code, MakeFunctionFlags::default());
        self.load_const(Constant::Str(c.name.as_str().into()));
        for b in &c.bases {
            self.expr(b)?;
        }
        self.emit(Instr::MakeClass(c.bases.len() as u32));
        self.name_op(&c.name, ast::ExprContext::Store);
        Ok(())
    }

    fn try_stmt(&mut self, t: &'a ast::StmtTry) -> CResult {
        if t.finalbody.is_empty() {
            return self.try_except(t);
        }
        // try: <try/except/else> finally: <finalbody>
        let handler = self.new_label();
        let end = self.new_label();
        self.emit_jump(Instr::SetupFinally, handler);
        self.push_fblock(FBlock::Finally { body: &t.finalbody });
        if t.handlers.is_empty() {
            self.stmts(&t.body)?;
            self.stmts(&t.orelse)?;
        } else {
            self.try_except(t)?;
        }
        self.pop_fblock();
        self.emit(Instr::PopBlock);
        self.stmts(&t.finalbody)?;
        self.emit_jump(Instr::Jump, end);
        // Exceptional path: [exc] on the stack.
        self.bind_label(handler);
        self.push_fblock(FBlock::FinallyEnd);
        self.stmts(&t.finalbody)?;
        self.pop_fblock();
        self.emit(Instr::Reraise);
        self.bind_label(end);
        Ok(())
    }

    /// `try` / `except` / `else` (ignores `finalbody`).
    fn try_except(&mut self, t: &'a ast::StmtTry) -> CResult {
        let handler = self.new_label();
        let end = self.new_label();
        self.emit_jump(Instr::SetupExcept, handler);
        self.push_fblock(FBlock::TryExcept);
        self.stmts(&t.body)?;
        self.pop_fblock();
        self.emit(Instr::PopBlock);
        self.stmts(&t.orelse)?;
        self.emit_jump(Instr::Jump, end);
        // [exc] on the stack; an except-handler block is active.
        self.bind_label(handler);
        let mut bare = false;
        for (i, h) in t.handlers.iter().enumerate() {
            let ast::ExceptHandler::ExceptHandler(h) = h;
            let saved = self.set_line(h.range.start());
            let next = self.new_label();
            match &h.type_ {
                Some(ty) => {
                    self.expr(ty)?;
                    self.emit(Instr::CheckExcMatch);
                    self.emit_jump(Instr::PopJumpIfFalse, next);
                }
                None => {
                    if i + 1 != t.handlers.len() {
                        return Err(
                            self.syntax_err("default 'except:' must be last", h.range.start())
                        );
                    }
                    bare = true;
                }
            }
            match &h.name {
                Some(n) => self.name_op(n, ast::ExprContext::Store),
                None => self.emit(Instr::Pop),
            }
            self.push_fblock(FBlock::ExceptHandler);
            self.stmts(&h.body)?;
            self.pop_fblock();
            self.emit(Instr::PopExcept);
            if let Some(n) = &h.name {
                // `except E as e` unbinds `e` afterwards (breaks exception <-> frame cycles).
                self.load_const(Constant::None);
                self.name_op(n, ast::ExprContext::Store);
                self.name_op(n, ast::ExprContext::Del);
            }
            self.emit_jump(Instr::Jump, end);
            self.bind_label(next);
            self.restore_line(saved);
        }
        if !bare {
            self.emit(Instr::Reraise);
        }
        self.bind_label(end);
        Ok(())
    }

    fn with_items(&mut self, items: &'a [ast::WithItem], body: &'a [Stmt]) -> CResult {
        let Some((item, rest)) = items.split_first() else {
            return self.stmts(body);
        };
        let cleanup = self.new_label();
        let end = self.new_label();
        self.expr(&item.context_expr)?;
        self.emit_jump(Instr::WithEnter, cleanup);
        match &item.optional_vars {
            Some(v) => self.store_target(v)?,
            None => self.emit(Instr::Pop),
        }
        self.push_fblock(FBlock::With);
        self.with_items(rest, body)?;
        self.pop_fblock();
        self.emit(Instr::PopBlock);
        self.emit(Instr::WithExit);
        self.emit_jump(Instr::Jump, end);
        self.bind_label(cleanup);
        self.emit(Instr::WithExceptExit);
        self.bind_label(end);
        Ok(())
    }
}

/// Whether `test` is a literal that is always true (`True`, a non-zero integer).
fn always_true(test: &Expr) -> bool {
    match test {
        Expr::Constant(c) => match &c.value {
            ast::Constant::Bool(b) => *b,
            ast::Constant::Int(i) => i.to_string() != "0",
            _ => false,
        },
        _ => false,
    }
}
