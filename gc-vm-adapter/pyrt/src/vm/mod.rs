//! The bytecode VM: executes [`CodeObject`]s on the adapter's object model with real OS
//! threads, each attached as a gc-core mutator.
//!
//! * [`eval`]: frames and the evaluation loop (value stack, block stack, unwinding).
//! * [`call`]: calls, argument binding, attributes, classes.
//! * [`ops`]: arithmetic (arbitrary-precision ints), comparisons, subscripts.
//! * [`exceptions`]: exception classes, [`PyErr`], tracebacks.
//! * [`guard`]: the per-thread recursion depth shared by Python calls and native recursion,
//!   `repr`'s cycle detection, thread stack sizes, fallible allocation of user-sized vectors.
//! * [`hooks`]: the runtime's [`VmHooks`](gc_vm_adapter::VmHooks): `__del__` and weakref
//!   callbacks are Python callables in traced slots, called through [`hooks::PyHooks`].
//!
//! Values are represented as described in [`crate::objects`] (with the methods of builtin
//! types and `str` / `repr` / format specs); builtin functions and the built-in modules
//! (`threading`, `time`, `gc`, `weakref`, `sys`, `math`) are in [`crate::stdlib`].
//!
//! GC integration: the module's globals dict is a global root; every running user frame
//! pushes its function onto the thread's root stack (mark-alive); the VM polls a safepoint on
//! every `JumpBackward` and every call of a user function, and detaches around blocking calls
//! (`time.sleep`, `Thread.join`, contended `Lock.acquire`). `__del__` (the function object) is the class's
//! adapter finalizer, so gc-core / the refcount path runs it at most once, on whichever attached thread
//! drops the last reference or runs the collection.
//!
//! What `gc.collect()` counts: objects freed by the collector. Instances keep their attributes
//! inline (no separate `__dict__` object), so `a.x = b; b.x = a; del a, b` collects 2.

mod arith;
pub(crate) use arith::int_float_cmp;
pub mod call;
pub mod eval;
pub mod exceptions;
pub mod guard;
pub mod hooks;
pub mod op_errors;
pub mod ops;
pub mod protocol;

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, OnceLock, Weak};

use parking_lot::{Mutex, RwLock};

use crate::bytecode::CodeObject;
use crate::{objects, stdlib};
use gc_vm_adapter::{GcConfig, Ref, Runtime};

pub use exceptions::{ExcClasses, PyErr};

/// Result of VM operations.
pub type PyResult<T> = Result<T, PyErr>;

/// Version string reported as `sys.version`.
pub const VERSION: &str = "3.13-compatible (gc-parallel interp)";

/// Where `print` writes.
pub enum Output {
    /// The process's stdout.
    Stdout,
    /// An in-memory buffer (tests).
    Capture(Mutex<String>),
}

/// Shared interpreter state (one per program; shared by all its threads).
pub struct Vm {
    /// The object-model runtime.
    pub rt: Runtime,
    /// The builtins dict.
    pub builtins: Ref,
    /// Exception classes.
    pub exc: ExcClasses,
    /// The `NotImplemented` singleton.
    pub not_implemented: Ref,
    /// The class of module objects.
    pub module_class: Ref,
    /// `threading.Thread`.
    pub thread_class: Ref,
    /// Imported built-in modules.
    pub modules: Mutex<HashMap<String, Ref>>,
    /// `gc.callbacks`.
    pub gc_callbacks: Ref,
    /// `sys.argv`.
    pub argv: Vec<String>,
    /// Output sink.
    pub out: Output,
    /// Running OS threads by id.
    pub threads: Mutex<HashMap<i64, std::thread::JoinHandle<()>>>,
    /// The first panic caught on any interpreter thread (a bug in pyrt): the run ends with
    /// [`INTERNAL_ERROR_STATUS`] instead of exiting 0 as if nothing happened.
    pub internal_error: Mutex<Option<String>>,
    /// Next thread id.
    pub next_thread: AtomicUsize,
    /// Objects frozen by `gc.freeze()`.
    pub frozen: AtomicUsize,
    /// `sys.get_int_max_str_digits()` (0: no limit). Per VM, like CPython's per-interpreter
    /// setting; the compiler's check of int literals uses the default, as a program cannot
    /// change it before its own source is compiled (pyrt has no `exec`/`compile`).
    pub int_max_str_digits: AtomicUsize,
    /// Converted constants, per code object address.
    consts: RwLock<HashMap<usize, Arc<CodeCache>>>,
    me: OnceLock<Weak<Vm>>,
}

impl Vm {
    /// A VM over `rt`; the calling thread must be attached to `rt`.
    pub fn new(rt: Runtime, argv: Vec<String>, out: Output) -> Arc<Vm> {
        let builtins = rt.new_dict();
        rt.add_root(&builtins);
        let exc = ExcClasses::new(&rt);
        let module_class = rt.new_class("module", None);
        let thread_class = rt.new_class("Thread", None);
        let gc_callbacks = rt.new_list(Vec::new());
        let not_implemented = rt.alloc(protocol::NotImplementedType);
        for r in [
            &module_class,
            &thread_class,
            &gc_callbacks,
            &not_implemented,
        ] {
            rt.add_root(r);
        }
        let vm = Arc::new(Vm {
            rt,
            builtins,
            exc,
            not_implemented,
            module_class,
            thread_class,
            modules: Mutex::new(HashMap::new()),
            gc_callbacks,
            argv,
            out,
            threads: Mutex::new(HashMap::new()),
            internal_error: Mutex::new(None),
            next_thread: AtomicUsize::new(1),
            frozen: AtomicUsize::new(0),
            int_max_str_digits: AtomicUsize::new(crate::objects::bigint::DEFAULT_MAX_STR_DIGITS),
            consts: RwLock::new(HashMap::new()),
            me: OnceLock::new(),
        });
        let _ = vm.me.set(Arc::downgrade(&vm));
        vm.exc.install(&vm);
        stdlib::builtins::install(&vm);
        stdlib::gc::install_gc_hook(&vm);
        vm
    }

    /// A strong handle to this VM.
    pub fn arc(&self) -> Arc<Vm> {
        self.me.get().and_then(Weak::upgrade).expect("VM is alive")
    }

    /// Write to the output sink.
    pub fn write_out(&self, s: &str) {
        match &self.out {
            Output::Stdout => {
                use std::io::Write;
                let mut o = std::io::stdout().lock();
                let _ = o.write_all(s.as_bytes());
            }
            Output::Capture(m) => m.lock().push_str(s),
        }
    }

    /// The captured output (tests).
    pub fn captured(&self) -> String {
        match &self.out {
            Output::Capture(m) => m.lock().clone(),
            Output::Stdout => String::new(),
        }
    }

    /// The constants (as objects) and name keys of `code`, converted once per code object.
    pub fn code_cache(&self, code: &Arc<CodeObject>) -> Arc<CodeCache> {
        let key = Arc::as_ptr(code) as usize;
        if let Some(c) = self.consts.read().get(&key) {
            return c.clone();
        }
        let consts: Vec<Ref> = code.constants.iter().map(|c| self.const_obj(c)).collect();
        let names = code.names.iter().map(|n| self.name_key(n)).collect();
        let v = Arc::new(CodeCache { consts, names });
        let mut w = self.consts.write();
        w.entry(key).or_insert_with(|| {
            // Keep the code object (and so its address) alive as long as the VM.
            std::mem::forget(code.clone());
            v
        });
        w[&key].clone()
    }

    fn const_obj(&self, c: &crate::Constant) -> Ref {
        use crate::Constant as C;
        match c {
            C::None => self.rt.none(),
            C::Bool(b) => self.rt.new_bool(*b),
            C::Int(i) => self.new_big(i.clone()),
            C::Float(x) => self.rt.new_float(*x),
            C::Str(s) => self.rt.new_str(s),
            C::Tuple(items) => {
                let v = items.iter().map(|c| self.const_obj(c)).collect();
                self.rt.new_tuple(v)
            }
            C::Code(code) => self.rt.alloc(objects::CodeConst(code.clone())),
        }
    }

    /// Run a module's code with a fresh globals dict named `__main__`.
    pub fn run_module(&self, code: Arc<CodeObject>) -> PyResult<Ref> {
        let globals = self.rt.new_dict();
        self.rt.add_root(&globals);
        if let Some(d) = globals.as_dict() {
            d.insert(self.str("__name__"), self.str("__main__"));
        }
        eval::run_code(self, code, globals, None)
    }
}

/// Per-code-object conversions.
pub struct CodeCache {
    /// Constants as objects.
    pub consts: Vec<Ref>,
    /// `names` as dict keys, hashed once.
    pub names: Vec<crate::objects::NameKey>,
}

/// Exit status of a run that hit a panic (an internal error of pyrt), on any of its threads.
pub const INTERNAL_ERROR_STATUS: i32 = 70;

/// The message of a caught panic.
pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

impl Vm {
    /// Record a panic caught on an interpreter thread (the first one is reported).
    pub fn record_panic(&self, thread: &str, p: &(dyn std::any::Any + Send)) {
        let msg = format!(
            "pyrt: internal error in thread '{thread}': {} (a bug in pyrt, not in the program)",
            panic_message(p)
        );
        self.internal_error.lock().get_or_insert(msg);
    }
}

/// How to run a program.
pub struct RunOptions {
    /// `sys.argv`.
    pub argv: Vec<String>,
    /// Capture output into the result instead of printing it.
    pub capture: bool,
    /// Collector configuration.
    pub config: GcConfig,
}

/// Outcome of [`run_source`].
pub struct RunResult {
    /// Captured stdout (empty unless capturing).
    pub stdout: String,
    /// The uncaught exception's traceback text, if any.
    pub error: Option<String>,
    /// The status requested by `sys.exit(n)` / an uncaught `SystemExit`.
    pub exit_code: Option<i32>,
}

/// Compile and run `source` on a fresh runtime, on a new OS thread (with a big stack) that
/// attaches as the main mutator. Compile errors are returned as `Err(message)`.
pub fn run_source(source: &str, filename: &str, opts: RunOptions) -> Result<RunResult, String> {
    let code = crate::compile(source, filename).map_err(|e| e.to_string())?;
    let handle = std::thread::Builder::new()
        .name("py-main".into())
        .stack_size(guard::MAIN_STACK)
        .spawn(move || {
            let hooks = Arc::new(hooks::PyHooks::default());
            let rt = Runtime::with_hooks(opts.config, hooks.clone());
            let guard = rt.attach_thread("main");
            let out = if opts.capture {
                Output::Capture(Mutex::new(String::new()))
            } else {
                Output::Stdout
            };
            let vm = Vm::new(rt, opts.argv, out);
            hooks.set_vm(&vm);
            // A panic is a bug, never a silent exit 0 or a crash at teardown: catch it here,
            // report it, and tear down as after an exception (the VM is forgotten below, so no
            // object is freed behind the collector's back).
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| vm.run_module(code)));
            let mut exit_code = None;
            let error = match r {
                Err(p) => {
                    vm.record_panic("main", p.as_ref());
                    None
                }
                Ok(Ok(_)) => None,
                Ok(Err(e)) if vm.is_instance_of(&e.exc, &vm.exc.system_exit) => {
                    let arg = e
                        .exc
                        .as_instance()
                        .and_then(|i| i.get_attr("args"))
                        .and_then(|a| a.as_tuple().and_then(|t| t.first().cloned()));
                    exit_code = Some(match arg {
                        None => 0,
                        Some(a) if a.is_none() => 0,
                        Some(a) => match objects::small_int(&a) {
                            Some(v) => v as i32,
                            None => {
                                eprintln!("{}", vm.to_str(&a).unwrap_or_default());
                                1
                            }
                        },
                    });
                    None
                }
                Ok(Err(e)) => Some(exceptions::format_traceback(&vm, &e)),
            };
            stdlib::threading::join_all(&vm);
            let (error, exit_code) = match vm.internal_error.lock().take() {
                Some(msg) => (
                    Some(format!("{}{msg}\n", error.unwrap_or_default())),
                    Some(INTERNAL_ERROR_STATUS),
                ),
                None => (error, exit_code),
            };
            let stdout = vm.captured();
            // The VM (and the objects it holds) lives as long as the process: objects must not
            // be dropped after detaching.
            std::mem::forget(vm);
            drop(guard);
            RunResult {
                stdout,
                error,
                exit_code,
            }
        })
        .map_err(|e| e.to_string())?;
    handle
        .join()
        .map_err(|_| "interpreter thread panicked".to_string())
}
