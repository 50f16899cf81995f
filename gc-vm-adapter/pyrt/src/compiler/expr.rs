//! Expression compilation.

use num_bigint::BigInt;
use rustpython_parser::ast::{self, Expr, Ranged};

use super::scope::{key_of, TAG_COMP, TAG_LAMBDA};
use super::{CResult, Compiler, Signature};
use crate::bytecode::{
    BinOp, CmpOp, CodeKind, Constant, Conversion, Instr, MakeFunctionFlags, UnaryOp,
};

pub(crate) fn bin_op(op: &ast::Operator) -> BinOp {
    match op {
        ast::Operator::Add => BinOp::Add,
        ast::Operator::Sub => BinOp::Sub,
        ast::Operator::Mult => BinOp::Mul,
        ast::Operator::MatMult => BinOp::MatMul,
        ast::Operator::Div => BinOp::TrueDiv,
        ast::Operator::Mod => BinOp::Mod,
        ast::Operator::Pow => BinOp::Pow,
        ast::Operator::LShift => BinOp::LShift,
        ast::Operator::RShift => BinOp::RShift,
        ast::Operator::BitOr => BinOp::BitOr,
        ast::Operator::BitXor => BinOp::BitXor,
        ast::Operator::BitAnd => BinOp::BitAnd,
        ast::Operator::FloorDiv => BinOp::FloorDiv,
    }
}

fn cmp_op(op: &ast::CmpOp) -> CmpOp {
    match op {
        ast::CmpOp::Eq => CmpOp::Eq,
        ast::CmpOp::NotEq => CmpOp::Ne,
        ast::CmpOp::Lt => CmpOp::Lt,
        ast::CmpOp::LtE => CmpOp::Le,
        ast::CmpOp::Gt => CmpOp::Gt,
        ast::CmpOp::GtE => CmpOp::Ge,
        ast::CmpOp::Is => CmpOp::Is,
        ast::CmpOp::IsNot => CmpOp::IsNot,
        ast::CmpOp::In => CmpOp::In,
        ast::CmpOp::NotIn => CmpOp::NotIn,
    }
}

/// What a comprehension builds.
enum CompKind<'a> {
    List(&'a Expr),
    Dict(&'a Expr, &'a Expr),
}

impl<'a> Compiler<'a> {
    pub(crate) fn expr(&mut self, e: &'a Expr) -> CResult {
        let saved = self.set_line(e.start());
        let r = self.expr_inner(e);
        self.restore_line(saved);
        r
    }

    fn constant(&mut self, c: &ast::Constant, at: ast::text_size::TextSize) -> CResult<Constant> {
        Ok(match c {
            ast::Constant::None => Constant::None,
            ast::Constant::Bool(b) => Constant::Bool(*b),
            ast::Constant::Str(s) => Constant::Str(s.as_str().into()),
            ast::Constant::Int(i) => {
                let text = i.to_string();
                Constant::Int(text.parse::<BigInt>().expect("integer literal"))
            }
            ast::Constant::Float(f) => Constant::Float(*f),
            ast::Constant::Tuple(items) => Constant::Tuple(
                items
                    .iter()
                    .map(|c| self.constant(c, at))
                    .collect::<CResult<_>>()?,
            ),
            ast::Constant::Bytes(_) => return Err(self.unsupported("bytes literal", at)),
            ast::Constant::Complex { .. } => return Err(self.unsupported("complex literal", at)),
            ast::Constant::Ellipsis => return Err(self.unsupported("'...' (Ellipsis)", at)),
        })
    }

    fn expr_inner(&mut self, e: &'a Expr) -> CResult {
        match e {
            Expr::Constant(c) => {
                let c = self.constant(&c.value, c.range.start())?;
                self.load_const(c);
            }
            Expr::Name(n) => self.name_op(&n.id, ast::ExprContext::Load),
            Expr::Attribute(a) => {
                self.expr(&a.value)?;
                let i = self.name_index(&a.attr);
                self.emit(Instr::LoadAttr(i));
            }
            Expr::Subscript(s) => {
                self.expr(&s.value)?;
                self.expr(&s.slice)?;
                self.emit(Instr::LoadSubscr);
            }
            Expr::Slice(s) => {
                let mut n = 2;
                for part in [&s.lower, &s.upper] {
                    match part {
                        Some(p) => self.expr(p)?,
                        None => self.load_const(Constant::None),
                    }
                }
                if let Some(st) = &s.step {
                    self.expr(st)?;
                    n = 3;
                }
                self.emit(Instr::BuildSlice(n));
            }
            Expr::BinOp(b) => {
                self.expr(&b.left)?;
                self.expr(&b.right)?;
                self.emit(Instr::BinaryOp(bin_op(&b.op)));
            }
            Expr::UnaryOp(u) => {
                self.expr(&u.operand)?;
                let op = match u.op {
                    ast::UnaryOp::Not => UnaryOp::Not,
                    ast::UnaryOp::USub => UnaryOp::Neg,
                    ast::UnaryOp::UAdd => UnaryOp::Pos,
                    ast::UnaryOp::Invert => UnaryOp::Invert,
                };
                self.emit(Instr::UnaryOp(op));
            }
            Expr::BoolOp(b) => {
                let end = self.new_label();
                let jump = match b.op {
                    ast::BoolOp::And => Instr::JumpIfFalseOrPop,
                    ast::BoolOp::Or => Instr::JumpIfTrueOrPop,
                };
                for (i, v) in b.values.iter().enumerate() {
                    self.expr(v)?;
                    if i + 1 < b.values.len() {
                        self.emit_jump(jump, end);
                    }
                }
                self.bind_label(end);
            }
            Expr::Compare(c) => self.compare(c)?,
            Expr::IfExp(i) => {
                let else_l = self.new_label();
                let end = self.new_label();
                self.expr(&i.test)?;
                self.emit_jump(Instr::PopJumpIfFalse, else_l);
                self.expr(&i.body)?;
                self.emit_jump(Instr::Jump, end);
                self.bind_label(else_l);
                self.expr(&i.orelse)?;
                self.bind_label(end);
            }
            Expr::Tuple(t) => {
                if self.sequence(&t.elts)? {
                    self.emit(Instr::ListToTuple);
                } else {
                    self.emit(Instr::BuildTuple(t.elts.len() as u32));
                }
            }
            Expr::List(l) => {
                if !self.sequence(&l.elts)? {
                    self.emit(Instr::BuildList(l.elts.len() as u32));
                }
            }
            Expr::Dict(d) => {
                if d.keys.iter().all(Option::is_some) {
                    for (k, v) in d.keys.iter().zip(&d.values) {
                        self.expr(k.as_ref().expect("key"))?;
                        self.expr(v)?;
                    }
                    self.emit(Instr::BuildMap(d.keys.len() as u32));
                } else {
                    self.emit(Instr::BuildMap(0));
                    for (k, v) in d.keys.iter().zip(&d.values) {
                        match k {
                            Some(k) => {
                                self.expr(k)?;
                                self.expr(v)?;
                                self.emit(Instr::MapAdd(1));
                            }
                            None => {
                                self.expr(v)?;
                                self.emit(Instr::DictMerge(1));
                            }
                        }
                    }
                }
            }
            Expr::Call(c) => self.call(c)?,
            Expr::Lambda(l) => {
                let (flags, sig) = self.signature(&l.args)?;
                let scope = self.scope_info(key_of(l.range, TAG_LAMBDA));
                let qualname = self.qualname_for("<lambda>");
                let line = self.src.line(l.range.start());
                self.push_unit(
                    scope,
                    "<lambda>".into(),
                    qualname,
                    CodeKind::Function,
                    line,
                    sig,
                );
                let body = self.expr(&l.body);
                self.emit(Instr::Return);
                self.finish_unit(body)?;
                let code = self.pop_unit();
                self.finish_function(code, flags);
            }
            Expr::ListComp(c) => {
                self.comprehension(c.range, "<listcomp>", &c.generators, CompKind::List(&c.elt))?
            }
            Expr::GeneratorExp(c) => {
                // Generators are not supported: a generator expression is evaluated eagerly
                // into a list (fine for `sum(x for x in xs)`, `list(...)`, `any(...)`, ...).
                self.comprehension(c.range, "<genexpr>", &c.generators, CompKind::List(&c.elt))?
            }
            Expr::DictComp(c) => self.comprehension(
                c.range,
                "<dictcomp>",
                &c.generators,
                CompKind::Dict(&c.key, &c.value),
            )?,
            Expr::JoinedStr(j) => {
                let mut n = 0;
                for v in &j.values {
                    self.expr(v)?;
                    n += 1;
                }
                match n {
                    0 => self.load_const(Constant::Str("".into())),
                    1 if matches!(j.values[0], Expr::FormattedValue(_) | Expr::Constant(_)) => {}
                    _ => self.emit(Instr::BuildString(n)),
                }
            }
            Expr::FormattedValue(f) => {
                self.expr(&f.value)?;
                let conversion = match f.conversion {
                    ast::ConversionFlag::None => Conversion::None,
                    ast::ConversionFlag::Str => Conversion::Str,
                    ast::ConversionFlag::Repr => Conversion::Repr,
                    ast::ConversionFlag::Ascii => Conversion::Ascii,
                };
                let spec = match &f.format_spec {
                    Some(s) => {
                        self.expr(s)?;
                        true
                    }
                    None => false,
                };
                self.emit(Instr::FormatValue { conversion, spec });
            }
            Expr::Starred(s) => {
                return Err(self.syntax_err("can't use starred expression here", s.range.start()))
            }
            Expr::Set(s) => return Err(self.unsupported("set literal", s.range.start())),
            Expr::SetComp(s) => return Err(self.unsupported("set comprehension", s.range.start())),
            Expr::NamedExpr(n) => {
                return Err(self.unsupported("assignment expression ':='", n.range.start()))
            }
            Expr::Await(a) => return Err(self.unsupported("'await'", a.range.start())),
            Expr::Yield(y) => return Err(self.unsupported("'yield' (generators)", y.range.start())),
            Expr::YieldFrom(y) => {
                return Err(self.unsupported("'yield from' (generators)", y.range.start()))
            }
        }
        Ok(())
    }

    /// Compiles list/tuple elements. Without starred items pushes them and returns `false`
    /// (caller emits `Build*`); with starred items builds a list and returns `true`.
    fn sequence(&mut self, elts: &'a [Expr]) -> CResult<bool> {
        if !elts.iter().any(|e| matches!(e, Expr::Starred(_))) {
            for e in elts {
                self.expr(e)?;
            }
            return Ok(false);
        }
        self.emit(Instr::BuildList(0));
        for e in elts {
            match e {
                Expr::Starred(s) => {
                    self.expr(&s.value)?;
                    self.emit(Instr::ListExtend(1));
                }
                other => {
                    self.expr(other)?;
                    self.emit(Instr::ListAppend(1));
                }
            }
        }
        Ok(true)
    }

    fn compare(&mut self, c: &'a ast::ExprCompare) -> CResult {
        self.expr(&c.left)?;
        let n = c.ops.len();
        if n == 1 {
            self.expr(&c.comparators[0])?;
            self.emit(Instr::Compare(cmp_op(&c.ops[0])));
            return Ok(());
        }
        // a < b < c  ==>  a b Dup Rot3 Compare JumpIfFalseOrPop(cleanup) c Compare Jump(end)
        //                 cleanup: Rot2 Pop   end:
        let cleanup = self.new_label();
        let end = self.new_label();
        for (i, (op, right)) in c.ops.iter().zip(&c.comparators).enumerate() {
            self.expr(right)?;
            if i + 1 < n {
                self.emit(Instr::Dup);
                self.emit(Instr::Rot3);
                self.emit(Instr::Compare(cmp_op(op)));
                self.emit_jump(Instr::JumpIfFalseOrPop, cleanup);
            } else {
                self.emit(Instr::Compare(cmp_op(op)));
            }
        }
        self.emit_jump(Instr::Jump, end);
        self.bind_label(cleanup);
        self.emit(Instr::Rot2);
        self.emit(Instr::Pop);
        self.bind_label(end);
        Ok(())
    }

    fn call(&mut self, c: &'a ast::ExprCall) -> CResult {
        if let Expr::Name(n) = &*c.func {
            if n.id.as_str() == "super" && c.args.is_empty() && c.keywords.is_empty() {
                return Err(self.unsupported(
                    "zero-argument 'super()' (use super(Class, self))",
                    c.range.start(),
                ));
            }
        }
        self.expr(&c.func)?;
        let starred = c.args.iter().any(|a| matches!(a, Expr::Starred(_)));
        let double_star = c.keywords.iter().any(|k| k.arg.is_none());
        if !starred && !double_star {
            for a in &c.args {
                self.expr(a)?;
            }
            if c.keywords.is_empty() {
                self.emit(Instr::Call(c.args.len() as u32));
            } else {
                let mut names = Vec::new();
                for k in &c.keywords {
                    self.expr(&k.value)?;
                    let name = k.arg.as_ref().expect("keyword name");
                    names.push(Constant::Str(name.as_str().into()));
                }
                self.load_const(Constant::Tuple(names));
                self.emit(Instr::CallKw((c.args.len() + c.keywords.len()) as u32));
            }
            return Ok(());
        }
        if self.sequence(&c.args)? {
            self.emit(Instr::ListToTuple);
        } else {
            self.emit(Instr::BuildTuple(c.args.len() as u32));
        }
        let kwargs = !c.keywords.is_empty();
        if kwargs {
            self.emit(Instr::BuildMap(0));
            for k in &c.keywords {
                match &k.arg {
                    Some(name) => {
                        self.load_const(Constant::Str(name.as_str().into()));
                        self.expr(&k.value)?;
                        self.emit(Instr::MapAdd(1));
                    }
                    None => {
                        self.expr(&k.value)?;
                        self.emit(Instr::DictMerge(1));
                    }
                }
            }
        }
        self.emit(Instr::CallEx { kwargs });
        Ok(())
    }

    /// Compiles a comprehension as a nested function of one argument (`.0`, the iterator of the
    /// outermost `for`) and calls it.
    fn comprehension(
        &mut self,
        range: ast::text_size::TextRange,
        name: &str,
        generators: &'a [ast::Comprehension],
        kind: CompKind<'a>,
    ) -> CResult {
        if let Some(g) = generators.iter().find(|g| g.is_async) {
            return Err(self.unsupported("'async for' in comprehension", g.target.start()));
        }
        let scope = self.scope_info(key_of(range, TAG_COMP));
        let qualname = self.qualname_for(name);
        let line = self.src.line(range.start());
        let sig = Signature {
            argcount: 1,
            ..Signature::default()
        };
        self.push_unit(
            scope,
            name.into(),
            qualname,
            CodeKind::Comprehension,
            line,
            sig,
        );
        let body = self.comprehension_body(generators, &kind);
        self.finish_unit(body)?;
        let code = self.pop_unit();
        self.finish_function(code, MakeFunctionFlags::default());
        self.expr(&generators[0].iter)?;
        self.emit(Instr::GetIter);
        self.emit(Instr::Call(1));
        Ok(())
    }

    fn comprehension_body(
        &mut self,
        generators: &'a [ast::Comprehension],
        kind: &CompKind<'a>,
    ) -> CResult {
        match kind {
            CompKind::List(_) => self.emit(Instr::BuildList(0)),
            CompKind::Dict(..) => self.emit(Instr::BuildMap(0)),
        }
        let mut loops = Vec::new();
        for (i, g) in generators.iter().enumerate() {
            let start = self.new_label();
            let cont = self.new_label();
            let end = self.new_label();
            if i == 0 {
                self.emit(Instr::LoadFast(0));
            } else {
                self.expr(&g.iter)?;
                self.emit(Instr::GetIter);
            }
            self.bind_label(start);
            self.emit_jump(Instr::ForIter, end);
            self.store_target(&g.target)?;
            for cond in &g.ifs {
                self.expr(cond)?;
                self.emit_jump(Instr::PopJumpIfFalse, cont);
            }
            loops.push((start, cont, end));
        }
        let depth = generators.len() as u32 + 1;
        match kind {
            CompKind::List(elt) => {
                self.expr(elt)?;
                self.emit(Instr::ListAppend(depth));
            }
            CompKind::Dict(k, v) => {
                self.expr(k)?;
                self.expr(v)?;
                self.emit(Instr::MapAdd(depth));
            }
        }
        for (start, cont, end) in loops.into_iter().rev() {
            self.bind_label(cont);
            self.emit_jump(Instr::Jump, start);
            self.bind_label(end);
        }
        self.emit(Instr::Return);
        Ok(())
    }
}
