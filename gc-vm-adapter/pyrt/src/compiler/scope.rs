//! Symbol table: decides, for every name in every scope, whether it is a fast local, a cell, a
//! free (captured) variable, a global or a class-namespace name.
//!
//! Pass 1 walks the AST and records, per scope, parameters, bound names (in first-seen order),
//! used names and `global` / `nonlocal` declarations. Pass 2 resolves free names against the
//! enclosing *function* scopes (class scopes are skipped, as in Python), marks the binding
//! variable as a cell there, and threads it through every scope in between as a free variable.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rustpython_parser::ast::{self, Expr, Ranged, Stmt};
use rustpython_parser::text_size::TextSize;

use super::{limits, SourceMap};
use crate::error::CompileError;

/// Kind of a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ScopeKind {
    Module,
    Function,
    Class,
    Comprehension,
}

/// Where a name lives in a given scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sym {
    /// Fast local (`*Fast`).
    Local,
    /// Local captured by an inner function (`*Deref`, index in `cellvars`).
    Cell,
    /// Captured from an enclosing function (`*Deref`, index after `cellvars`).
    Free,
    /// Module global (`*Global`).
    Global,
    /// Class-namespace name with global/builtin fallback (`*Name`).
    Name,
}

/// Key of a nested scope: the AST node's byte range plus a tag for the node kind.
pub(crate) type ScopeKey = (u32, u32, u8);

pub(crate) const TAG_MODULE: u8 = 0;
pub(crate) const TAG_DEF: u8 = 1;
pub(crate) const TAG_CLASS: u8 = 2;
pub(crate) const TAG_LAMBDA: u8 = 3;
pub(crate) const TAG_COMP: u8 = 4;

pub(crate) fn key_of(range: ast::text_size::TextRange, tag: u8) -> ScopeKey {
    (range.start().to_u32(), range.end().to_u32(), tag)
}

/// Resolved information about one scope.
#[derive(Debug)]
pub(crate) struct ScopeInfo {
    pub kind: ScopeKind,
    pub symbols: HashMap<String, Sym>,
    /// Parameters then other fast locals, in first-seen order.
    pub varnames: Vec<String>,
    pub cellvars: Vec<String>,
    pub freevars: Vec<String>,
}

impl ScopeInfo {
    pub fn lookup(&self, name: &str) -> Sym {
        if let Some(s) = self.symbols.get(name) {
            return *s;
        }
        match self.kind {
            ScopeKind::Class => Sym::Name,
            _ => Sym::Global,
        }
    }
}

#[derive(Debug)]
struct RawScope {
    kind: ScopeKind,
    parent: Option<usize>,
    key: ScopeKey,
    params: Vec<String>,
    bound: Vec<String>,
    bound_set: HashSet<String>,
    used: Vec<String>,
    globals: HashSet<String>,
    nonlocals: Vec<(String, ast::text_size::TextSize)>,
}

impl RawScope {
    fn new(kind: ScopeKind, parent: Option<usize>, key: ScopeKey) -> Self {
        RawScope {
            kind,
            parent,
            key,
            params: Vec::new(),
            bound: Vec::new(),
            bound_set: HashSet::new(),
            used: Vec::new(),
            globals: HashSet::new(),
            nonlocals: Vec::new(),
        }
    }

    fn is_bound(&self, name: &str) -> bool {
        self.bound_set.contains(name)
    }
}

struct Builder<'a> {
    scopes: Vec<RawScope>,
    src: &'a SourceMap,
    /// Current nesting of statements and expressions (see [`limits::MAX_NESTING_DEPTH`]).
    depth: u32,
    /// Where the nesting first went past the limit: the walk stops descending there and
    /// [`SymbolTable::build`] fails with a `RecursionError`.
    too_deep: Option<TextSize>,
}

/// Symbol tables for a module and every scope nested in it.
pub(crate) struct SymbolTable {
    pub scopes: HashMap<ScopeKey, Arc<ScopeInfo>>,
}

impl SymbolTable {
    pub fn build(body: &[Stmt], src: &SourceMap) -> Result<SymbolTable, CompileError> {
        let mut b = Builder {
            scopes: vec![RawScope::new(ScopeKind::Module, None, (0, 0, TAG_MODULE))],
            src,
            depth: 0,
            too_deep: None,
        };
        for s in body {
            b.stmt(0, s);
        }
        if let Some(at) = b.too_deep {
            let (line, col) = src.position(at);
            return Err(CompileError::too_deep(&src.filename, line, col));
        }
        b.resolve()
    }
}

/// Parameter names in `varnames` order: positional, keyword-only, `*args`, `**kwargs`.
fn param_names(args: &ast::Arguments) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for a in args.posonlyargs.iter().chain(&args.args) {
        v.push(a.def.arg.to_string());
    }
    for a in &args.kwonlyargs {
        v.push(a.def.arg.to_string());
    }
    if let Some(a) = &args.vararg {
        v.push(a.arg.to_string());
    }
    if let Some(a) = &args.kwarg {
        v.push(a.arg.to_string());
    }
    v
}

impl Builder<'_> {
    fn new_scope(&mut self, kind: ScopeKind, parent: usize, key: ScopeKey) -> usize {
        self.scopes.push(RawScope::new(kind, Some(parent), key));
        self.scopes.len() - 1
    }

    fn bind(&mut self, sc: usize, name: &str) {
        let s = &mut self.scopes[sc];
        if s.bound_set.insert(name.to_string()) {
            s.bound.push(name.to_string());
        }
    }

    fn use_name(&mut self, sc: usize, name: &str) {
        self.scopes[sc].used.push(name.to_string());
    }

    fn stmts(&mut self, sc: usize, body: &[Stmt]) {
        for s in body {
            self.stmt(sc, s);
        }
    }

    fn arguments_defaults(&mut self, sc: usize, args: &ast::Arguments) {
        for a in args
            .posonlyargs
            .iter()
            .chain(&args.args)
            .chain(&args.kwonlyargs)
        {
            if let Some(d) = &a.default {
                self.expr(sc, d);
            }
        }
    }

    /// Enters one level of nesting at `at`; false (and nothing to undo) past the limit or
    /// once it has been passed anywhere. This is the one place the front end bounds its
    /// recursion: the code generator only sees ASTs that passed here.
    fn enter(&mut self, at: TextSize) -> bool {
        if self.too_deep.is_some() {
            return false;
        }
        if self.depth >= limits::MAX_NESTING_DEPTH {
            self.too_deep = Some(at);
            return false;
        }
        self.depth += 1;
        true
    }

    fn stmt(&mut self, sc: usize, s: &Stmt) {
        if self.enter(s.start()) {
            self.stmt_inner(sc, s);
            self.depth -= 1;
        }
    }

    fn stmt_inner(&mut self, sc: usize, s: &Stmt) {
        match s {
            Stmt::FunctionDef(f) => {
                self.bind(sc, &f.name);
                for d in &f.decorator_list {
                    self.expr(sc, d);
                }
                self.arguments_defaults(sc, &f.args);
                let child = self.new_scope(ScopeKind::Function, sc, key_of(f.range, TAG_DEF));
                let params = param_names(&f.args);
                for p in &params {
                    self.bind(child, p);
                }
                self.scopes[child].params = params;
                self.stmts(child, &f.body);
            }
            Stmt::AsyncFunctionDef(f) => self.bind(sc, &f.name),
            Stmt::ClassDef(c) => {
                self.bind(sc, &c.name);
                for e in c.bases.iter().chain(&c.decorator_list) {
                    self.expr(sc, e);
                }
                for k in &c.keywords {
                    self.expr(sc, &k.value);
                }
                let child = self.new_scope(ScopeKind::Class, sc, key_of(c.range, TAG_CLASS));
                self.stmts(child, &c.body);
            }
            Stmt::Return(r) => {
                if let Some(v) = &r.value {
                    self.expr(sc, v);
                }
            }
            Stmt::Delete(d) => {
                for t in &d.targets {
                    self.expr(sc, t);
                }
            }
            Stmt::Assign(a) => {
                self.expr(sc, &a.value);
                for t in &a.targets {
                    self.expr(sc, t);
                }
            }
            Stmt::AugAssign(a) => {
                self.expr(sc, &a.value);
                if let Expr::Name(n) = &*a.target {
                    self.use_name(sc, &n.id);
                }
                self.expr(sc, &a.target);
            }
            Stmt::AnnAssign(a) => {
                if let Some(v) = &a.value {
                    self.expr(sc, v);
                }
                self.expr(sc, &a.target);
            }
            Stmt::For(f) => {
                self.expr(sc, &f.iter);
                self.expr(sc, &f.target);
                self.stmts(sc, &f.body);
                self.stmts(sc, &f.orelse);
            }
            Stmt::While(w) => {
                self.expr(sc, &w.test);
                self.stmts(sc, &w.body);
                self.stmts(sc, &w.orelse);
            }
            Stmt::If(i) => {
                self.expr(sc, &i.test);
                self.stmts(sc, &i.body);
                self.stmts(sc, &i.orelse);
            }
            Stmt::With(w) => {
                for item in &w.items {
                    self.expr(sc, &item.context_expr);
                    if let Some(v) = &item.optional_vars {
                        self.expr(sc, v);
                    }
                }
                // The code generator nests one level per item (`with a, b:` is `with a: with
                // b:`), so the items count towards the depth of the body.
                let mut extra = 0;
                for item in w.items.iter().skip(1) {
                    if !self.enter(item.context_expr.start()) {
                        break;
                    }
                    extra += 1;
                }
                self.stmts(sc, &w.body);
                self.depth -= extra;
            }
            Stmt::Raise(r) => {
                if let Some(e) = &r.exc {
                    self.expr(sc, e);
                }
                if let Some(e) = &r.cause {
                    self.expr(sc, e);
                }
            }
            Stmt::Try(t) => {
                self.stmts(sc, &t.body);
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    if let Some(ty) = &h.type_ {
                        self.expr(sc, ty);
                    }
                    if let Some(n) = &h.name {
                        self.bind(sc, n);
                    }
                    self.stmts(sc, &h.body);
                }
                self.stmts(sc, &t.orelse);
                self.stmts(sc, &t.finalbody);
            }
            Stmt::Assert(a) => {
                self.expr(sc, &a.test);
                if let Some(m) = &a.msg {
                    self.expr(sc, m);
                }
            }
            Stmt::Import(i) => {
                for a in &i.names {
                    let name = match &a.asname {
                        Some(n) => n.to_string(),
                        None => a.name.split('.').next().unwrap_or("").to_string(),
                    };
                    self.bind(sc, &name);
                }
            }
            Stmt::ImportFrom(i) => {
                for a in &i.names {
                    let name = a.asname.as_ref().unwrap_or(&a.name);
                    if name.as_str() != "*" {
                        self.bind(sc, name);
                    }
                }
            }
            Stmt::Global(g) => {
                for n in &g.names {
                    self.scopes[sc].globals.insert(n.to_string());
                }
            }
            Stmt::Nonlocal(n) => {
                for name in &n.names {
                    self.scopes[sc]
                        .nonlocals
                        .push((name.to_string(), n.range.start()));
                }
            }
            Stmt::Expr(e) => self.expr(sc, &e.value),
            _ => {}
        }
    }

    fn comprehension(
        &mut self,
        sc: usize,
        range: ast::text_size::TextRange,
        generators: &[ast::Comprehension],
        elts: &[&Expr],
    ) {
        if let Some(first) = generators.first() {
            self.expr(sc, &first.iter);
        }
        let child = self.new_scope(ScopeKind::Comprehension, sc, key_of(range, TAG_COMP));
        self.bind(child, ".0");
        self.scopes[child].params = vec![".0".to_string()];
        for (i, g) in generators.iter().enumerate() {
            if i > 0 {
                self.expr(child, &g.iter);
            }
            self.expr(child, &g.target);
            for cond in &g.ifs {
                self.expr(child, cond);
            }
        }
        for e in elts {
            self.expr(child, e);
        }
    }

    fn expr(&mut self, sc: usize, e: &Expr) {
        if self.enter(e.start()) {
            self.expr_inner(sc, e);
            self.depth -= 1;
        }
    }

    fn expr_inner(&mut self, sc: usize, e: &Expr) {
        match e {
            Expr::Name(n) => match n.ctx {
                ast::ExprContext::Load => self.use_name(sc, &n.id),
                _ => self.bind(sc, &n.id),
            },
            Expr::BoolOp(b) => b.values.iter().for_each(|v| self.expr(sc, v)),
            Expr::NamedExpr(n) => {
                self.expr(sc, &n.value);
                self.expr(sc, &n.target);
            }
            Expr::BinOp(b) => {
                self.expr(sc, &b.left);
                self.expr(sc, &b.right);
            }
            Expr::UnaryOp(u) => self.expr(sc, &u.operand),
            Expr::Lambda(l) => {
                self.arguments_defaults(sc, &l.args);
                let child = self.new_scope(ScopeKind::Function, sc, key_of(l.range, TAG_LAMBDA));
                let params = param_names(&l.args);
                for p in &params {
                    self.bind(child, p);
                }
                self.scopes[child].params = params;
                self.expr(child, &l.body);
            }
            Expr::IfExp(i) => {
                self.expr(sc, &i.test);
                self.expr(sc, &i.body);
                self.expr(sc, &i.orelse);
            }
            Expr::Dict(d) => {
                for k in d.keys.iter().flatten() {
                    self.expr(sc, k);
                }
                d.values.iter().for_each(|v| self.expr(sc, v));
            }
            Expr::Set(s) => s.elts.iter().for_each(|v| self.expr(sc, v)),
            Expr::ListComp(c) => self.comprehension(sc, c.range, &c.generators, &[&c.elt]),
            Expr::SetComp(c) => self.comprehension(sc, c.range, &c.generators, &[&c.elt]),
            Expr::GeneratorExp(c) => self.comprehension(sc, c.range, &c.generators, &[&c.elt]),
            Expr::DictComp(c) => {
                self.comprehension(sc, c.range, &c.generators, &[&c.key, &c.value])
            }
            Expr::Await(a) => self.expr(sc, &a.value),
            Expr::Yield(y) => {
                if let Some(v) = &y.value {
                    self.expr(sc, v);
                }
            }
            Expr::YieldFrom(y) => self.expr(sc, &y.value),
            Expr::Compare(c) => {
                self.expr(sc, &c.left);
                c.comparators.iter().for_each(|v| self.expr(sc, v));
            }
            Expr::Call(c) => {
                self.expr(sc, &c.func);
                c.args.iter().for_each(|v| self.expr(sc, v));
                c.keywords.iter().for_each(|k| self.expr(sc, &k.value));
            }
            Expr::FormattedValue(f) => {
                self.expr(sc, &f.value);
                if let Some(s) = &f.format_spec {
                    self.expr(sc, s);
                }
            }
            Expr::JoinedStr(j) => j.values.iter().for_each(|v| self.expr(sc, v)),
            Expr::Constant(_) => {}
            Expr::Attribute(a) => self.expr(sc, &a.value),
            Expr::Subscript(s) => {
                self.expr(sc, &s.value);
                self.expr(sc, &s.slice);
            }
            Expr::Starred(s) => self.expr(sc, &s.value),
            Expr::List(l) => l.elts.iter().for_each(|v| self.expr(sc, v)),
            Expr::Tuple(t) => t.elts.iter().for_each(|v| self.expr(sc, v)),
            Expr::Slice(s) => {
                for p in [&s.lower, &s.upper, &s.step].into_iter().flatten() {
                    self.expr(sc, p);
                }
            }
        }
    }

    fn err(&self, msg: String, at: ast::text_size::TextSize) -> CompileError {
        let (line, col) = self.src.position(at);
        CompileError::syntax(msg, &self.src.filename, line, col)
    }

    /// Pass 2.
    fn resolve(self) -> Result<SymbolTable, CompileError> {
        let n = self.scopes.len();
        let mut symbols: Vec<HashMap<String, Sym>> = vec![HashMap::new(); n];
        let mut cells: Vec<HashSet<String>> = vec![HashSet::new(); n];
        let mut frees: Vec<HashSet<String>> = vec![HashSet::new(); n];

        for (i, s) in self.scopes.iter().enumerate() {
            if s.kind == ScopeKind::Module {
                if let Some((name, at)) = s.nonlocals.first() {
                    return Err(self.err(
                        format!("nonlocal declaration not allowed at module level ('{name}')"),
                        *at,
                    ));
                }
                continue;
            }
            for (name, at) in &s.nonlocals {
                if s.globals.contains(name) {
                    return Err(self.err(format!("name '{name}' is nonlocal and global"), *at));
                }
                if !self.capture(i, name, &mut cells, &mut frees) {
                    return Err(self.err(format!("no binding for nonlocal '{name}' found"), *at));
                }
                symbols[i].insert(name.clone(), Sym::Free);
            }
            let names = s.bound.iter().chain(&s.used).chain(s.globals.iter());
            for name in names {
                if symbols[i].contains_key(name) {
                    continue;
                }
                let sym = if s.globals.contains(name) {
                    Sym::Global
                } else if s.is_bound(name) {
                    if s.kind == ScopeKind::Class {
                        Sym::Name
                    } else {
                        Sym::Local
                    }
                } else if self.capture(i, name, &mut cells, &mut frees) {
                    Sym::Free
                } else if s.kind == ScopeKind::Class {
                    Sym::Name
                } else {
                    Sym::Global
                };
                symbols[i].insert(name.clone(), sym);
            }
        }

        let mut out = HashMap::new();
        for (i, s) in self.scopes.iter().enumerate() {
            let mut syms = std::mem::take(&mut symbols[i]);
            for c in &cells[i] {
                syms.insert(c.clone(), Sym::Cell);
            }
            for f in &frees[i] {
                // Pass-through free variables of a scope that also binds the name itself
                // (possible only in class bodies) keep their own meaning there.
                syms.entry(f.clone()).or_insert(Sym::Free);
            }
            let mut cellvars: Vec<String> = cells[i].iter().cloned().collect();
            cellvars.sort();
            let mut freevars: Vec<String> = frees[i].iter().cloned().collect();
            freevars.sort();
            let mut varnames: Vec<String> = s.params.clone();
            if matches!(s.kind, ScopeKind::Function | ScopeKind::Comprehension) {
                for b in &s.bound {
                    if syms.get(b) == Some(&Sym::Local) && !varnames.contains(b) {
                        varnames.push(b.clone());
                    }
                }
            }
            out.insert(
                s.key,
                Arc::new(ScopeInfo {
                    kind: s.kind,
                    symbols: syms,
                    varnames,
                    cellvars,
                    freevars,
                }),
            );
        }
        Ok(SymbolTable { scopes: out })
    }

    /// Finds the enclosing function scope binding `name` for scope `i`. On success marks it
    /// as a cell there and as free in every scope from `i` up to (excluding) the binder.
    fn capture(
        &self,
        i: usize,
        name: &str,
        cells: &mut [HashSet<String>],
        frees: &mut [HashSet<String>],
    ) -> bool {
        let mut path = vec![i];
        let mut p = self.scopes[i].parent;
        while let Some(pi) = p {
            let ps = &self.scopes[pi];
            match ps.kind {
                ScopeKind::Module => return false,
                ScopeKind::Class => {}
                ScopeKind::Function | ScopeKind::Comprehension => {
                    if ps.globals.contains(name) {
                        return false;
                    }
                    let declared_nonlocal = ps.nonlocals.iter().any(|(n, _)| n == name);
                    if ps.is_bound(name) && !declared_nonlocal {
                        cells[pi].insert(name.to_string());
                        for q in path {
                            frees[q].insert(name.to_string());
                        }
                        return true;
                    }
                }
            }
            path.push(pi);
            p = ps.parent;
        }
        false
    }
}
