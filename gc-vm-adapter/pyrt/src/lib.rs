//! # pyrt: a Python-subset interpreter on the gc-vm-adapter object model
//!
//! The reference interpreter of the workspace: a bytecode compiler and VM whose objects are
//! `gc-vm-adapter`'s nogil objects and whose threads are real OS threads attached as gc-core
//! mutators. Run a script with `cargo run --release -p pyrt -- script.py [args...]`.
//!
//! - [`compiler`]: source -> bytecode ([`compile`], [`bytecode`], [`disassemble`]).
//! - [`vm`]: the evaluator: frames, calls, exceptions, operators, [`vm::run_source`].
//! - [`objects`]: how Python values map onto adapter objects, their methods and formatting.
//! - [`stdlib`]: the builtins and one file per built-in module (`gc`, `threading`, `time`,
//!   `weakref`, `sys`, `math`).
//!
//! # Front end: Python-subset source -> bytecode
//!
//! [`compile`] parses a module with `rustpython-parser` 0.4, resolves every name with a symbol
//! table and emits one [`CodeObject`] per module / function / lambda / class body /
//! comprehension. Code objects are immutable, `Send + Sync` and shared with `Arc`; constants
//! are plain Rust values ([`Constant`]), so this module knows nothing about the object model.
//! [`disassemble`] renders a code object (and its nested ones) for debugging and tests; the
//! `pydis` example does that for a file: `cargo run -p pyrt --example pydis -- f.py`.
//!
//! # Execution model (what the VM must implement)
//!
//! **Frames.** A frame runs one code object and owns:
//! - a *value stack* of at most `max_stack` operands (the compiler checks that every
//!   instruction is reached with one consistent depth, see [`bytecode::stack_depth`]),
//! - `varnames.len()` *fast locals* (initially unbound),
//! - `cellvars.len() + freevars.len()` *cells*: slots `0..cellvars.len()` are fresh empty cells;
//!   the following slots are the cells of the function's closure tuple, in `freevars` order.
//!   For each `i` with `cell2arg[i] == Some(p)`, the argument bound to parameter `p` is moved
//!   into cell `i` at frame entry (a captured parameter is only ever accessed through its cell),
//! - a *block stack* (see exceptions below),
//! - the *globals* dict of the function (module frames: the module dict), builtins behind it,
//! - class-body frames only: the *class namespace* dict (`LoadName` / `StoreName` /
//!   `DeleteName` / `LoadLocals`).
//!
//! Name operations by scope: module code uses `*Global` for every variable (the module's
//! locals are its globals); functions use `*Fast` for locals, `*Deref` for cells and free
//! variables and `*Global` for globals (declared or implicit; `LoadGlobal` falls back to
//! builtins); class bodies use `*Name` for names of the class namespace (`LoadName` falls back
//! to globals then builtins), `*Deref` for variables of enclosing functions and `*Global` for
//! names declared `global`. Methods do not see class-level names (Python scoping).
//!
//! **Arguments.** `varnames` starts with the parameters: `argcount` positional ones (the first
//! `posonlyargcount` positional-only), then `kwonlyargcount` keyword-only ones, then the
//! `*args` tuple if `has_varargs`, then the `**kwargs` dict if `has_varkeywords`. The function
//! object holds the `num_defaults` defaults of the trailing positional parameters (a tuple)
//! and a dict of keyword-only defaults, both taken by `MakeFunction`. Binding follows Python.
//!
//! **Calls.** `Call(n)`: `[f, a1..an]`. `CallKw(n)`: `[f, a1..an, names]` where `names` is a
//! constant tuple of `k` strings naming the last `k` arguments (so `Thread(target=f,
//! args=(1,))` is `LoadGlobal Thread; LoadGlobal f; ..; LoadConst ("target", "args");
//! CallKw 2`). `CallEx`: `[f, args_tuple(, kwargs_dict)]`, used when a call site has `*x` or
//! `**m`. Bound methods come from `LoadAttr`; there is no special method-call instruction.
//!
//! **Safepoints.** Every loop back-edge is a [`Instr::JumpBackward`] (no other instruction
//! jumps backward: `Jump` and all conditional jumps, `ForIter` and the block set-up
//! instructions always target a later instruction). Poll on `JumpBackward` and on function
//! entry; detach around blocking builtins (lock acquire, `time.sleep`, `Thread.join`).
//!
//! **Functions and closures.** A `def` compiles to: the defaults tuple (`BuildTuple`, if any),
//! the keyword-only defaults dict (`BuildMap`, if any), the closure tuple (one `LoadClosure`
//! per entry of the inner code's `freevars`, then `BuildTuple`), `LoadConst <code>`,
//! `MakeFunction(flags)`, then a store of the name. `lambda` is the same without the store.
//! `LoadClosure` pushes the *cell* (not its contents) so inner and outer frames share it.
//!
//! **Classes.** `class C(B1, B2): body` compiles to `MakeFunction` of the body code
//! ([`CodeKind::ClassBody`], possibly with a closure), `LoadConst "C"`, the bases, then
//! `MakeClass(2)`. `MakeClass` runs the body function with a fresh namespace dict as its class
//! namespace; the body ends with `LoadLocals; Return`, so the call returns the namespace;
//! `MakeClass` then builds the class from name, bases and namespace (`__slots__`, `__init__`,
//! `__del__` are ordinary namespace entries). Decorators, class keywords / metaclasses and
//! zero-argument `super()` are rejected at compile time.
//!
//! **Comprehensions and generator expressions.** `[e for x in it if c]`, `{k: v for ..}` and
//! generator expressions compile to a nested function ([`CodeKind::Comprehension`]) with one
//! parameter `.0`: the caller evaluates the outermost iterable, `GetIter`, and `Call(1)`. The
//! body builds the list / dict with `ListAppend(depth)` / `MapAdd(depth)` and returns it.
//! Generators are not supported, so **a generator expression is evaluated eagerly into a
//! list** (`sum(x * x for x in xs)` sums a list); its code object is named `<genexpr>`.
//!
//! **Function ends.** A module or function body gets an implicit `LoadConst None; Return`
//! exactly where control can run past its last instruction: the compiler decides it on the
//! resolved control-flow graph ([`bytecode::reaches_end`], every jump, fall-through and handler
//! edge), so `if n: return 1` gets one (its false branch jumps to the end) while a body ending
//! in `raise`, in `if/else` returning on both sides or in a `while True:` loop left only by
//! `return` gets none. `while True:` / `while 1:` emit no test. [`bytecode::stack_depth`] then
//! checks that no path runs past the end.
//!
//! **Loops.** `for`: `<iter>; GetIter; L: ForIter(end); <store target>; <body>;
//! JumpBackward(L); end: <else>`. The iterator stays on the value stack during the loop;
//! `ForIter` pops it on exhaustion, and `break` emits `Pop` before jumping out.
//!
//! **Exceptions: block stack.** `SetupExcept(h)`, `SetupFinally(h)` and `WithEnter(h)` push a
//! block recording the handler `h` and the current value-stack depth (for `WithEnter`, the
//! depth *including* the context manager); `PopBlock` pops it on normal exit. When an exception
//! is raised (by any instruction, `Raise` or `Reraise`), the VM pops blocks until it finds one
//! of these three kinds:
//! - an *except-handler* block on the way (pushed when a `SetupExcept` handler is entered) is
//!   popped and restores the previously handled exception;
//! - `SetupExcept`: truncate the value stack to the recorded depth, push an except-handler
//!   block that saves the currently handled exception (for bare `raise`), make the new
//!   exception the handled one, push the exception, jump to `h`;
//! - `SetupFinally` / `WithEnter`: truncate the value stack, push the exception, jump to `h`;
//! - no block left: the frame exits with the exception.
//!
//! `Return` simply discards the frame: the compiler has already emitted `PopBlock` /
//! `PopExcept` / `WithExit` / inlined `finally` bodies for every block the `return` leaves
//! (the same for `break` / `continue`), so `Return` never leaves an except-handler block
//! active.
//!
//! `try: B except E as e: H else: O` compiles to
//! ```text
//!     SetupExcept(h); B; PopBlock; O; Jump(end)
//! h:  <E>; CheckExcMatch; PopJumpIfFalse(next)   ; stack [exc]
//!     <store e> (or Pop); H; PopExcept
//!     LoadConst None; <store e>; <delete e>; Jump(end)
//! next: .. further handlers ..; Reraise           ; no handler matched: [exc] re-raised
//! end:
//! ```
//! A bare `except:` has no test and no final `Reraise`. `try: B finally: F` compiles to
//! `SetupFinally(h); B; PopBlock; F; Jump(end); h: F; Reraise; end:` (on the exceptional path
//! `F` runs with the exception on the stack); `try/except/finally` nests the two.
//!
//! **`with`.** `with m as v: B` compiles to `<m>; WithEnter(h); <store v> (or Pop); B;
//! PopBlock; WithExit; Jump(end); h: WithExceptExit; end:`. `WithEnter` calls `__enter__` and
//! leaves the manager under its result; `WithExit` calls `__exit__(None, None, None)`;
//! `WithExceptExit` calls `__exit__(type, exc, None)` and re-raises unless it returned a truthy
//! value. Locks need `__enter__` / `__exit__` (acquire / release). Several items nest.
//!
//! **Imports.** `import m` / `import m as n`: `Import("m")` then a store. `from m import a as
//! b`: `Import("m"); ImportFrom("a"); <store b>; ..; Pop`. Only built-in modules are expected
//! (`threading`, `time`, `gc`, `weakref`, `sys`); relative imports, `import *` and dotted
//! `import a.b` (without `as`) are rejected. `import a.b as c` passes the dotted name.
//!
//! **f-strings.** Literal parts are `LoadConst` strings; `{x!r:>5}` is `<x>; LoadConst ">5";
//! FormatValue { conversion: Repr, spec: true }` (the spec may itself be an f-string built with
//! `BuildString`); the parts are joined by `BuildString(n)` (omitted for a single part).
//!
//! **Other statements.** `assert t, m`: `<t>; PopJumpIfTrue(ok); LoadAssertionError; <m>;
//! Call(1); Raise(1); ok:`. Augmented assignment: load, `InplaceOp`, store (`Dup` / `Dup2`,
//! `Rot2` / `Rot3` for attribute and subscript targets). Chained comparisons use `Dup; Rot3;
//! Compare; JumpIfFalseOrPop`; `and` / `or` use `JumpIfFalseOrPop` / `JumpIfTrueOrPop`.
//! Tuple / list targets use `UnpackSequence(n)`. Docstrings and other bare constants emit
//! nothing. Annotations are not evaluated.
//!
//! # Rejected constructs
//! Parse errors and misplaced `return` / `break` / `continue` / `nonlocal` are
//! [`CompileErrorKind::SyntaxError`] with line and column. Nesting is limited as in CPython
//! 3.11, so that no source can overflow the compiler's native stack: more than 200 brackets
//! open at once is `SyntaxError: too many nested parentheses` and 100 levels of indentation
//! [`CompileErrorKind::IndentationError`] (both checked on the tokens, before parsing);
//! statements and expressions nested more than 3 000 deep (`1 + 1 + ...` with 3 000
//! terms) are [`CompileErrorKind::RecursionError`], `maximum recursion depth exceeded during
//! compilation`. [`compile`] runs on a thread of its own with a 256 MiB stack reservation, so
//! the limits hold whatever the caller's stack (the `pyrt` binary exits with status 1 for both
//! errors, as CPython does). Valid Python outside the subset is
//! [`CompileErrorKind::NotImplemented`], e.g. `NotImplementedError: 'async def' is not supported
//! by this runtime (line 3)`: `async def` / `async for` / `async with` / `await`, `yield` /
//! `yield from`, decorators, set literals and set comprehensions, `:=`, `match`, `except*`,
//! `type` aliases and type parameters, class keyword arguments / metaclasses, starred
//! assignment targets (`a, *b = ..`), zero-argument `super()`, bytes / complex / `...`
//! literals, relative and star imports. Supported beyond the minimum: `*args` / `**kwargs` /
//! keyword-only parameters, `*x` / `**m` at call sites and in list / tuple / dict displays,
//! `nonlocal`, `try/finally`, dict comprehensions.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod compiler;
pub mod objects;
pub mod stdlib;
pub mod vm;

pub use compiler::bytecode::{
    stack_depth, BinOp, CmpOp, CodeKind, CodeObject, Constant, Conversion, Instr,
    MakeFunctionFlags, UnaryOp,
};
pub use compiler::error::{CompileError, CompileErrorKind};
pub use compiler::{bytecode, error};
pub use compiler::{compile, disassemble};
